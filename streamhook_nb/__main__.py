"""``python -m streamhook_nb`` runs the command line."""

from .cli.main import main

raise SystemExit(main())
