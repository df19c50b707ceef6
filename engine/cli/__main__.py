"""`python -m engine.cli`: the `yifa` command."""
from engine.cli import main

raise SystemExit(main())
