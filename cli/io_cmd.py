"""``trustsource convert`` and ``trustsource template``: instance forms and the buyer's workbook."""

from __future__ import annotations

import click
from trustsource.cli.common import _debug, error_boundary


@click.command("convert")
@click.argument("src", metavar="IN", type=str)
@click.argument("dst", metavar="OUT", type=str)
@_debug
def convert_command(src: str, dst: str, debug: bool) -> None:
    """Validate IN and write it as OUT, losslessly.

    Forms by path: .yaml/.yml, .json, .xlsx, or a directory (CSV folder: instance.yaml plus
    items.csv, sites.csv, suppliers.csv). Exit 2 with located messages if IN is invalid.
    """
    from trustsource.io.convert import convert

    with error_boundary(debug):
        inst = convert(src, dst)
        click.echo(f"wrote {dst}: {inst!r}")


@click.command("template")
@click.argument("out", metavar="OUT.xlsx", type=click.Path(dir_okay=False))
@click.option("--example", is_flag=True,
              help="Write a filled example (the gallium demo) instead of an empty template.")
@_debug
def template_command(out: str, example: bool, debug: bool) -> None:
    """Write an empty, documented instance workbook (README sheet, header rows) to fill in."""
    from trustsource.io.convert import write_example, write_template

    with error_boundary(debug):
        if not out.lower().endswith(".xlsx"):
            from trustsource.cli.common import EXIT_INVALID, Failure

            raise Failure(f"error: {out}: the template is an Excel workbook; name it *.xlsx",
                          EXIT_INVALID)
        (write_example if example else write_template)(out)
        click.echo(f"wrote {out}")
