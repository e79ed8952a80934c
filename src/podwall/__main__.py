"""``python -m podwall``."""

from podwall.cli.app import main

raise SystemExit(main())
