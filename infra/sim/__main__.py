"""Entry point for `python -m infra.sim` (the exchange) and `python -m infra.sim keygen`."""

import sys

from infra.sim import cli, keygen

if sys.argv[1:2] == ["keygen"]:
    raise SystemExit(keygen.main(sys.argv[2:]))
raise SystemExit(cli.main())
