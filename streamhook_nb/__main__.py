"""``python -m streamhook_nb`` runs the command line."""

from streamhook_nb.cli.main import main

raise SystemExit(main())
