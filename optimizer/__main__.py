"""``python -m trustsource``: the command line."""

from trustsource.cli.main import main

main()
