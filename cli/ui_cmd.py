"""``trustsource ui``: serve the analyst workbench (a Streamlit application) in the browser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from trustsource import ui as ui_package
from trustsource.cli.common import EXIT_INVALID, Failure, _debug, error_boundary


def app_path() -> Path:
    """The installed path of the workbench's Streamlit script."""
    return Path(ui_package.__file__ or "").with_name("app.py")


def streamlit_command(file: str | None, host: str, port: int, scheduler: str | None) -> list[str]:
    """The command line that serves the workbench: ``python -m streamlit run app.py ...``."""
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path()),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--browser.gatherUsageStats",
        "false",
        "--",
    ]
    if file is not None:
        cmd.append(str(Path(file).resolve()))
    if scheduler is not None:
        cmd += ["--scheduler", scheduler]
    return cmd


@click.command("ui")
@click.argument("file", required=False, type=str)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8501, show_default=True, help="Port."
)
@click.option(
    "--scheduler",
    default=None,
    help="Dask scheduler address (tcp://host:8786) for the sweeps and alternatives.",
)
@_debug
def ui_command(file: str | None, host: str, port: int, scheduler: str | None, debug: bool) -> None:
    """Open the analyst workbench in the browser (optionally with instance FILE loaded):
    load, edit the rules, solve, see cost and shares move. Needs the ui extra."""
    with error_boundary(debug):
        try:
            import streamlit  # noqa: F401
        except ImportError:
            raise Failure(
                "error: trustsource ui needs Streamlit: pip install 'trustsource[ui]'",
                EXIT_INVALID,
            ) from None
        if file is not None and not Path(file).exists():
            raise Failure(f"error: {file}: file not found", EXIT_INVALID)
        click.echo(f"trustsource workbench: http://{host}:{port}  (Ctrl+C stops it)", err=True)
        server = subprocess.Popen(streamlit_command(file, host, port, scheduler))
        try:
            code = server.wait()
        finally:  # stopped (Ctrl+C, SIGTERM): stop the server too, never leave it running
            if server.poll() is None:
                server.terminate()
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    server.kill()
        if code:
            raise Failure("", code)
