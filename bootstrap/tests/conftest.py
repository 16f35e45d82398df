"""The bootstrap program imports `baseline` as Pulumi runs it: from its own directory."""

import sys
from pathlib import Path

BOOTSTRAP = Path(__file__).resolve().parent.parent
if str(BOOTSTRAP) not in sys.path:
    sys.path.insert(0, str(BOOTSTRAP))
