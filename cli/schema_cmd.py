"""``trustsource schema``: print (or write) the JSON Schema of instance documents.

Editors use the schema to complete and check instance files as they are typed, e.g. with a
``# yaml-language-server: $schema=instance.schema.json`` comment on the first line. The schema
checks each document on its own; ``trustsource validate`` remains the full check. Exit codes:
0 ok, 1 internal error.
"""

from __future__ import annotations

import click
from trustsource.cli.common import _debug, error_boundary


@click.command("schema")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the schema to this file (default: stdout).",
)
@_debug
def schema_command(out: str | None, debug: bool) -> None:
    """Print the JSON Schema (draft 2020-12) of instance documents, schema version 1."""
    from trustsource.instance.jsonschema import schema_text, write_schema

    with error_boundary(debug):
        if out is None:
            click.echo(schema_text(), nl=False)
        else:
            path = write_schema(out)
            click.echo(f"wrote {path}", err=True)
