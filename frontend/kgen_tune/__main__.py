"""`python -m kgen_tune ...`: the kgen-tune command line."""

import sys

from .cli import main

sys.exit(main())
