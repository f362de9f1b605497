import sys

from treatyqa.cli import main

sys.exit(main())
