"""``python -m chatrec`` runs the command line."""

from chatrec.app.cli import main

main()
