"""``python -m trustsource``: the command line."""

from .cli.main import main

main()
