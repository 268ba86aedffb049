"""Makes tests/helpers.py importable; the plugin itself is loaded with -p."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
