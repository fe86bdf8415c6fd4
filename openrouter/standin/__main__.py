"""`python -m openrouter.standin --port 8765 --latency 2-20`: see cli.py."""

from openrouter.standin.cli import main

raise SystemExit(main())
