"""Entry point for `python -m infra.sim`."""

from infra.sim.cli import main

raise SystemExit(main())
