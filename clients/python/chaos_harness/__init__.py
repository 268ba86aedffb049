"""Drive the chaos fault server from Python.

`ChaosServer` starts `chaos serve` for a scenario or a bare server script on
127.0.0.1 at a free port and stops it on exit; its methods swap the script,
reset it, read the stats and the Records, and run `chaos analyze` on what the
server saw. `analyze` runs `chaos analyze` on log files, and `read_log` reads
one (its header line apart from its Records). `ChaosError` is raised
whenever chaos fails, naming the command, its exit status and its stderr.

The pytest plugin (chaos_harness.pytest_plugin, registered as the `pytest11`
entry point "chaos") provides the `chaos_server` fixture.

Standard library only.
"""

from .binary import find_binary
from .errors import ChaosError
from .analyze import analyze
from .log import read_log
from .server import ChaosServer

__all__ = ["ChaosServer", "ChaosError", "analyze", "find_binary", "read_log"]
