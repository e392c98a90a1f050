"""`python -m service …`: the operator's command line (service.cli)."""

import sys

from service.cli import main

sys.exit(main())
