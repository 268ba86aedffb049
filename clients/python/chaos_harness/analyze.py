"""Running `chaos analyze` and reading its result.json."""

import json
import os
import subprocess
import tempfile

from .binary import find_binary
from .errors import ChaosError


def analyze(logs, binary=None, out=None, scenario=None, seed=None, capacity=None,
            retry_window=None, timeout=120):
    """Run `chaos analyze` on arrival logs and return result.json as a dict.

    logs: one path or a list of paths (JSON lines of Records).
    out: the directory for result.json and the reports; a temporary one,
      removed afterwards, when None.
    scenario, seed, capacity ("rate=R,burst=B" or "concurrency=N"),
    retry_window (a Go duration such as "16ms"): the flags of the same names.
    Raises ChaosError naming the command and its stderr when analyze fails.
    """
    if isinstance(logs, (str, os.PathLike)):
        logs = [logs]
    if not logs:
        raise ChaosError("analyze needs at least one log file")
    command = [find_binary(binary), "analyze", *[os.fspath(p) for p in logs]]
    for flag, value in (("--scenario", scenario), ("--seed", seed),
                        ("--capacity", capacity), ("--retry-window", retry_window)):
        if value is not None:
            command += [flag, str(value)]
    if out is not None:
        return _run(command + ["--out", os.fspath(out)], os.fspath(out), timeout)
    with tempfile.TemporaryDirectory(prefix="chaos-analyze-") as tmp:
        return _run(command + ["--out", tmp], tmp, timeout)


def _run(command, out, timeout):
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as err:
        raise ChaosError(f"chaos analyze did not finish within {timeout}s", command,
                         stderr=_text(err.stderr)) from None
    if done.returncode != 0:
        raise ChaosError("chaos analyze failed", command, done.returncode, done.stderr)
    path = os.path.join(out, "result.json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as err:
        raise ChaosError(f"reading {path}: {err}", command, done.returncode, done.stderr) from None


def _text(data):
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data or ""
