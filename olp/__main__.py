import sys

from olp.cli import main

sys.exit(main())
