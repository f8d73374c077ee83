"""``python -m lawbasis.cli``."""

import sys

from lawbasis.cli.app import main

sys.exit(main())
