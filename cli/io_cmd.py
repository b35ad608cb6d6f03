"""``trustsource convert`` and ``trustsource template``: instance forms and the buyer's workbook.

Neither command replaces an existing file or folder unless asked with ``--force`` (exit 2 and
the path otherwise), because a template written over a filled-in workbook loses the buyer's work.
With ``--force`` the new output is written beside the old one and moved into place, so the old
one stays whole if writing fails (exit 5, the path and the operating system's reason).
"""

from __future__ import annotations

import os

import click
from trustsource.cli.common import EXIT_INVALID, Failure, _debug, base_dir_option, error_boundary

_force = click.option(
    "--force", is_flag=True, help="Replace OUT if it exists (default: refuse, exit 2)."
)


def _exists_failure(path: str) -> Failure:
    return Failure(f"error: {path} already exists; add --force to overwrite it", EXIT_INVALID)


@click.command("convert")
@click.argument("src", metavar="IN", type=str)
@click.argument("dst", metavar="OUT", type=str)
@_force
@base_dir_option()
@_debug
def convert_command(src: str, dst: str, force: bool, base_dir: str | None, debug: bool) -> None:
    """Validate IN and write it as OUT, losslessly.

    Forms by path: .yaml/.yml, .json, .xlsx, or a directory (CSV folder: instance.yaml plus
    items.csv, sites.csv, suppliers.csv; a table whose text a spreadsheet would run as a formula
    stays inline in instance.yaml). IN may also be '-' (stdin; CSV paths resolve against
    --base-dir). Exit 2 with located messages if IN is invalid, or if OUT exists and --force is
    not given; --force replaces a file, or a CSV folder holding only those files. Exit 5 if OUT
    cannot be written (nothing is left half-way).
    """
    from trustsource.cli.common import load_instance
    from trustsource.instance.convert import form_of, save

    with error_boundary(debug):
        if not force and os.path.lexists(dst):
            raise _exists_failure(dst)
        form_of(dst)  # an unknown OUT form is refused before IN is read
        inst = load_instance(src, base_dir)
        try:
            save(inst, dst, overwrite=force)
        except FileExistsError:
            raise _exists_failure(dst) from None
        click.echo(f"wrote {dst}: {inst!r}")


@click.command("template")
@click.argument("out", metavar="OUT.xlsx", type=click.Path(dir_okay=False))
@click.option(
    "--example",
    is_flag=True,
    help="Write a filled example (the gallium demo) instead of an empty template.",
)
@_force
@_debug
def template_command(out: str, example: bool, force: bool, debug: bool) -> None:
    """Write an empty, documented instance workbook (README sheet, header rows) to fill in.

    Refuses to replace an existing OUT.xlsx (exit 2) unless --force is given.
    """
    from trustsource.instance.convert import write_example, write_template

    with error_boundary(debug):
        if not out.lower().endswith(".xlsx"):
            raise Failure(
                f"error: {out}: the template is an Excel workbook; name it *.xlsx", EXIT_INVALID
            )
        if not force and os.path.lexists(out):
            raise _exists_failure(out)
        try:
            (write_example if example else write_template)(out, overwrite=force)
        except FileExistsError:
            raise _exists_failure(out) from None
        click.echo(f"wrote {out}")
