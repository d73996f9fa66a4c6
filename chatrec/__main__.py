"""``python -m chatrec`` runs the command line."""

from chatrec.cli import main

main()
