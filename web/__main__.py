"""`python -m web` runs the `knowhow` command."""

from web.cli import main

main()
