"""``python -m cfeval``: the same as the ``cfeval`` command."""

from cfeval.cli.app import run

if __name__ == "__main__":
    run()
