"""Finding the chaos binary."""

import os
import shutil

from .errors import ChaosError


def find_binary(binary=None):
    """Return the path of the chaos binary to run.

    In order: the `binary` argument, the CHAOS_BIN environment variable, then
    `chaos` on PATH. A path that is not an executable file is an error naming
    where it came from, never a silent fall-through to the next source.
    """
    for source, value in (("argument binary", binary), ("CHAOS_BIN", os.environ.get("CHAOS_BIN"))):
        if value:
            path = shutil.which(value)
            if path is None:
                raise ChaosError(f"chaos binary {value!r} (from {source}) is not an executable file")
            return path
    path = shutil.which("chaos")
    if path is None:
        raise ChaosError(
            "no chaos binary: pass binary=..., set CHAOS_BIN, or put chaos on PATH "
            "(go install ./cmd/chaos from a clone of the repository)"
        )
    return path
