"""``python -m cfeval.sample``: regenerate the shipped sample data."""

import sys

from cfeval.sample.generate import main

sys.exit(main())
