"""The program's commands, one module each, and the views they print.

`main.py` parses the command line (`commands.parser`), loads the settings and hands them to
one `Command`. A command module owns its flags and its screen; the trading system it drives
lives in `actors/`.
"""

VERSION = "0.1.0"  # pyproject.toml reads it from here: one version for --version and the package
