"""``python -m netsoc`` runs the command line."""

import sys

from netsoc.cli import main

sys.exit(main())
