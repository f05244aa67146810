"""``python -m helpers.course``: the course's command line (helpers/course/cli.py)."""
import sys

from helpers.course.cli import main

sys.exit(main())
