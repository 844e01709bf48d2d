"""The program's commands, one module each, and the views they print.

`main.py` parses the command line (`commands.parser`, which knows every command by name and
summary), then `commands.dispatch` loads the settings and hands them to the chosen `Command`.
A command module owns its flags and its screen, and is imported only when its command runs; the
trading system it drives lives in `actors/`.
"""

VERSION = "0.1.0"  # pyproject.toml reads it from here: one version for --version and the package
