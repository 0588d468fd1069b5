"""`python -m adamctl` runs the command line."""

from adamctl.cli import main

if __name__ == "__main__":
    main()
