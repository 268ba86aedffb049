"""ChaosServer: `chaos serve` as a context manager."""

import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

from .analyze import analyze
from .binary import find_binary
from .errors import ChaosError

# Far past any log's end: GET /_chaos/log from here returns no Record and
# says, in X-Chaos-Log-Next, how many were logged.
_END_OF_LOG = 1 << 62

# What _await_listening got when no line came in time.
_TIMED_OUT = object()


class ChaosServer:
    """`chaos serve` on 127.0.0.1 at a free port, for a scenario or a script.

    Give at most one of scenario (a built-in name or a scenario/script file
    path) and script (a bare server script or scenario, as YAML text); with
    neither, serve's default flaky script runs. seed is serve's --seed.
    admin_token, when set, is required on the admin API (--admin-token) and
    sent by this object's calls. log, a path, keeps serve's --log file there
    after stop (by default it goes to a temporary directory removed on stop).
    extra_args are appended to the serve command.

        with ChaosServer(scenario="flaky", seed=7) as chaos:
            requests.get(chaos.url + "/api/orders")
            print(chaos.stats()["faults"])

    start() and stop() do the same without a with block. Every failure of
    chaos raises ChaosError with the command and the server's stderr.
    """

    def __init__(self, scenario=None, script=None, seed=None, binary=None,
                 admin_token=None, log=None, extra_args=(), start_timeout=30.0):
        if scenario is not None and script is not None:
            raise ValueError("give scenario or script, not both")
        self.scenario = scenario
        self.script_text = script
        self.seed = seed
        self.binary = binary
        self.admin_token = admin_token
        self.log = log
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.url = None
        self.log_path = None
        self.command = None
        self._proc = None
        self._dir = None
        self._stderr = None

    # -- life cycle --------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        """Start the server and wait for its "listening on URL" line."""
        if self._proc is not None:
            raise ChaosError("this ChaosServer is already running at " + str(self.url))
        binary = find_binary(self.binary)
        self._dir = tempfile.TemporaryDirectory(prefix="chaos-serve-")
        self.log_path = os.fspath(self.log) if self.log is not None else os.path.join(self._dir.name, "arrivals.jsonl")
        command = [binary, "serve", "--addr", "127.0.0.1:0", "--log", self.log_path]
        scenario = self.scenario
        if self.script_text is not None:
            scenario = os.path.join(self._dir.name, "script.yaml")
            with open(scenario, "w", encoding="utf-8") as f:
                f.write(self.script_text)
        if scenario is not None:
            command += ["--scenario", os.fspath(scenario)]
        if self.seed is not None:
            command += ["--seed", str(self.seed)]
        if self.admin_token is not None:
            command += ["--admin-token", self.admin_token]
        command += self.extra_args
        self.command = command
        self._stderr = open(os.path.join(self._dir.name, "stderr"), "w+", encoding="utf-8")
        try:
            self._proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self._stderr,
                                          stdin=subprocess.DEVNULL, text=True)
        except OSError as err:
            self._cleanup()
            raise ChaosError(f"cannot run chaos: {err}", command) from None
        self.url = self._await_listening()
        return self

    def _await_listening(self):
        lines = queue.Queue()

        def pump(stream):  # drains stdout so serve never blocks on a full pipe
            for line in stream:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, args=(self._proc.stdout,), daemon=True).start()
        try:
            first = lines.get(timeout=self.start_timeout)
        except queue.Empty:
            first = _TIMED_OUT
        prefix = "listening on "
        if isinstance(first, str) and first.startswith(prefix):
            return first[len(prefix):].strip()
        proc, self._proc = self._proc, None
        if first is None:  # stdout closed: serve is exiting; wait for its status
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        returncode = proc.poll()
        if returncode is None:
            proc.kill()
            proc.wait()
        stderr = self._read_stderr()
        self._cleanup()
        if first is _TIMED_OUT:
            raise ChaosError(f"chaos serve printed no listening line within {self.start_timeout}s",
                             self.command, None, stderr)
        raise ChaosError("chaos serve did not start", self.command, returncode, stderr)

    def stop(self, timeout=10.0):
        """Stop the server (SIGTERM, which flushes its log) and wait for it.

        Raises ChaosError if it exits non-zero or does not exit in time.
        """
        if self._proc is None:
            return
        proc, self._proc = self._proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            stderr = self._read_stderr()
            self._cleanup()
            raise ChaosError(f"chaos serve did not exit within {timeout}s of SIGTERM",
                             self.command, None, stderr) from None
        stderr = self._read_stderr()
        self._cleanup()
        if returncode != 0:
            raise ChaosError("chaos serve failed", self.command, returncode, stderr)

    def _read_stderr(self):
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read()

    def _cleanup(self):
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    # -- the admin API -----------------------------------------------------

    def _admin(self, method, path, body=None):
        """One admin request; returns (body bytes, headers). Non-2xx raises."""
        if self._proc is None:
            raise ChaosError("the ChaosServer is not running (use it in a with block or call start())")
        req = urllib.request.Request(self.url + path, data=body, method=method)
        if self.admin_token is not None:
            req.add_header("Authorization", "Bearer " + self.admin_token)
        if body is not None:
            req.add_header("Content-Type", "application/yaml")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.read(), resp.headers
        except urllib.error.HTTPError as err:
            detail = err.read().decode("utf-8", "replace")
            raise ChaosError(f"{method} {path} answered {err.code}: {_error_text(detail)}",
                             self.command, stderr=self._read_stderr()) from None
        except OSError as err:
            raise ChaosError(f"{method} {path}: {err}", self.command, self._proc.poll(),
                             self._read_stderr()) from None

    def health(self):
        """GET /_chaos/health as a dict ({"status": "ok", "elapsed_ms": ..., ...})."""
        return json.loads(self._admin("GET", "/_chaos/health")[0])

    def stats(self):
        """GET /_chaos/stats as a dict: requests, in_flight, faults, statuses, phases, ..."""
        return json.loads(self._admin("GET", "/_chaos/stats")[0])

    def script(self):
        """The script in force, as YAML text."""
        return self._admin("GET", "/_chaos/script")[0].decode("utf-8")

    def swap(self, script, seed=None):
        """Replace the script (YAML text, or a path to a file); its phases begin now.

        A script chaos rejects raises ChaosError carrying the line and field
        the server names.
        """
        if isinstance(script, os.PathLike) or (isinstance(script, str) and "\n" not in script
                                               and os.path.isfile(script)):
            with open(script, encoding="utf-8") as f:
                script = f.read()
        path = "/_chaos/script" + (f"?seed={int(seed)}" if seed is not None else "")
        return json.loads(self._admin("PUT", path, script.encode("utf-8"))[0])

    def reset(self):
        """Start the script again from its first phase, with its clock at zero."""
        return json.loads(self._admin("POST", "/_chaos/reset")[0])

    def mark(self):
        """How many Records were logged so far: pass it to records() or analyze() as since."""
        _, headers = self._admin("GET", f"/_chaos/log?offset={_END_OF_LOG}")
        return int(headers["X-Chaos-Log-Next"])

    def wait_for_records(self, count, timeout=10.0):
        """Wait until the server has logged at least count Records; returns mark().

        serve logs a request's Record just after it has sent the response,
        so a client can hold its answer before the Record (and the stats)
        exist: call this before reading records(), stats() or analyze()
        right after the client's requests. Raises ChaosError after timeout
        seconds, with how many were logged.
        """
        deadline = time.monotonic() + timeout
        while True:
            logged = self.mark()
            if logged >= count:
                return logged
            if time.monotonic() >= deadline:
                raise ChaosError(f"the server logged {logged} Records, not {count}, within {timeout}s",
                                 self.command, stderr=self._read_stderr())
            time.sleep(0.01)

    def records(self, since=0):
        """The Records logged from offset since on, as a list of dicts.

        serve keeps the last --log-limit Records in memory (100,000 by
        default); asking for one it no longer keeps raises ChaosError rather
        than returning part of the log.
        """
        since = int(since)
        body, headers = self._admin("GET", f"/_chaos/log?offset={since}")
        first, end = int(headers["X-Chaos-Log-First"]), int(headers["X-Chaos-Log-Next"])
        lines = [line for line in body.decode("utf-8").splitlines() if line.strip()]
        if first > since or len(lines) < end - first:
            raise ChaosError(
                f"the server no longer keeps Records {since} to {end} in memory (serve --log-limit): "
                "raise it with extra_args=['--log-limit', 'N'], or keep the log with log=PATH "
                "and analyze that file after stop()", self.command)
        return [json.loads(line) for line in lines]

    def analyze(self, since=0, **options):
        """Run `chaos analyze` on the Records from since on; result.json as a dict.

        options are those of chaos_harness.analyze (out, capacity,
        retry_window, scenario). The server's seed is passed along.
        """
        records = self.records(since)
        if not records:
            raise ChaosError(f"no Records to analyze from offset {since}: the server saw no request")
        if self.seed is not None:
            options.setdefault("seed", self.seed)
        with tempfile.TemporaryDirectory(prefix="chaos-records-") as tmp:
            path = os.path.join(tmp, "arrivals.jsonl")
            with open(path, "w", encoding="utf-8") as f:
                for r in records:
                    f.write(json.dumps(r) + "\n")
            return analyze(path, binary=self.binary, **options)


def _error_text(body):
    """The admin API's {"error": ..., "problems": [...]} as one readable string."""
    try:
        data = json.loads(body)
    except ValueError:
        return body.strip()
    problems = data.get("problems") or []
    if len(problems) > 1:
        return "; ".join(problems)
    return data.get("error", body.strip())

