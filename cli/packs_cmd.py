"""``trustsource packs``: list the shipped policy packs, or show one with its rules and sources.

An instance adopts a pack with ``include: [<id>]`` (see docs/packs.md). Exit codes: 0 ok,
2 unknown pack id.
"""

from __future__ import annotations

import json
import sys
import textwrap

import click
from trustsource.cli.common import EXIT_INVALID, _debug, error_boundary


@click.command("packs")
@click.argument("pack_id", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format on stdout.",
)
@_debug
def packs_command(pack_id: str | None, fmt: str, debug: bool) -> None:
    """List the policy packs an instance can include, or show PACK_ID's rules, values, sources
    and interpretations."""
    from trustsource.instance.packs import pack, packs

    with error_boundary(debug, fmt):
        if pack_id is None:
            shown = packs()
        else:
            try:
                shown = [pack(pack_id)]
            except KeyError as exc:
                if fmt == "json":
                    click.echo(json.dumps({"status": "invalid", "message": exc.args[0]}))
                click.echo(f"error: {exc.args[0]}", err=True)
                sys.exit(EXIT_INVALID)
        if fmt == "json":
            body = [p.to_dict() for p in shown]
            click.echo(json.dumps(body[0] if pack_id else body, indent=2))
            return
        if pack_id is None:
            for p in shown:
                click.echo(f"{p.id}  ({p.jurisdiction}, effective {p.effective})")
                click.echo(f"  {p.title}")
                click.echo(f"  rules: {', '.join(str(r.rule['name']) for r in p.rules)}")
            click.echo(
                "\ninclude one in an instance with `include: [<id>]`; "
                "`trustsource packs <id>` shows its rules and sources"
            )
            return
        p = shown[0]
        wrap = textwrap.TextWrapper(width=96, initial_indent="  ", subsequent_indent="  ")
        click.echo(f"{p.id}: {p.title}")
        click.echo(f"jurisdiction: {p.jurisdiction}; effective {p.effective}")
        click.echo(f"source: {p.legal_source.citation}\n  {p.legal_source.url}")
        click.echo("status:\n" + wrap.fill(p.status))
        click.echo("summary:\n" + wrap.fill(p.summary))
        for r in p.rules:
            keys = {k: v for k, v in r.rule.items() if k not in ("name", "description")}
            click.echo(
                f"\nrule {p.id}.{r.rule['name']}: " + ", ".join(f"{k}={v}" for k, v in keys.items())
            )
            click.echo(wrap.fill(f"value's source: {r.source}"))
            if r.interpretation:
                click.echo(wrap.fill(f"interpretation: {r.interpretation}"))
