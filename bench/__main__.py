"""``python -m bench [--quick | --smoke] [--no-competitors] [--only NAME] [--json PATH]``."""

import sys

if __name__ == "__main__":
    # Imported here only: the processes multiprocessing spawns import this module too
    # (as __mp_main__), and need none of the runner.
    from bench._runner import main

    sys.exit(main())
