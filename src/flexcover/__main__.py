"""``python -m flexcover``: the command line (as the ``flexcover`` script)."""

from flexcover.cli import main

main()
