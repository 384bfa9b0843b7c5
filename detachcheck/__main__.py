"""`python -m detachcheck`: the command line."""

import sys

from detachcheck.cli import main

sys.exit(main())
