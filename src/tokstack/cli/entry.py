"""The ``tokstack`` console script, kept tiny on purpose.

``serve --workers N`` runs uvicorn's workers as spawned processes, and each of them imports
the module of the script that started the parent. Importing the CLI there (Typer, Rich)
cost every worker 10 MB for nothing.
"""

from __future__ import annotations


def main() -> None:
    from tokstack.cli.main import main as run_cli

    run_cli()
