"""`python -m tilefabric` is the same as the `tilefabric` console script."""

import sys

from tilefabric.cli import main

sys.exit(main())
