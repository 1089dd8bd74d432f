"""``python -m cfeval``: the same as the ``cfeval`` command."""

from cfeval.cli.app import main

if __name__ == "__main__":
    main()
