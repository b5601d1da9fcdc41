"""``python -m trueoem``."""

from trueoem.cli import main

main()
