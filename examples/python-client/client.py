#!/usr/bin/env python3
"""A retrying HTTP client written with Python's standard library only.

It is the example that `chaos check --client` drives: chaos starts the scenario's
fault server on loopback and runs this program with the fleet described in
environment variables. The client identifies itself with the X-Chaos-* headers so
the server's arrival log can tell clients, logical requests and attempts apart.

Policy: up to MAX_RETRIES retries with exponential backoff and full jitter
(delay = U(0, min(cap, base * 2**n)), "Exponential Backoff and Jitter", AWS
Architecture Blog, 2015), retrying 408, 429, 5xx but 501, resets and timeouts, and
honouring Retry-After (delta-seconds or HTTP-date) when the server sends one.

Environment (set by chaos check; defaults in brackets):
  CHAOS_URL          base URL of the fault server (required)
  CHAOS_CLIENTS      number of concurrent clients [10]
  CHAOS_REQUESTS     logical requests per client [3]
  CHAOS_PATH         request path [/]
  CHAOS_METHOD       request method [GET]
  CHAOS_TIMEOUT_MS   per-attempt timeout in milliseconds [2000]
  CHAOS_THINK_MS     pause between a client's logical requests [0]
  CHAOS_SEED         seed for the jitter [1]
  CHAOS_IGNORE_RETRY_AFTER  "1" to ignore Retry-After (to see a check fail) [0]
"""

import email.utils
import http.client
import os
import random
import socket
import sys
import threading
import time
import urllib.error
import urllib.request

MAX_RETRIES = 5
BASE_S = 0.05
CAP_S = 2.0
RETRYABLE = {408, 429, 500, 502, 503, 504}


def retry_after_seconds(value):
    """Parse Retry-After as delta-seconds or an HTTP-date; None when absent or garbage."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def attempt(url, method, headers, timeout):
    """One attempt: returns (status, retry_after_header) or raises OSError."""
    req = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            return resp.status, resp.headers.get("Retry-After")
    except urllib.error.HTTPError as err:
        err.read()
        return err.code, err.headers.get("Retry-After")


def logical_request(env, client, n, rng):
    url = env["url"].rstrip("/") + env["path"]
    for tries in range(1, MAX_RETRIES + 2):
        headers = {
            "X-Chaos-Client": client,
            "X-Chaos-Request": f"{client}/{n}",
            "X-Chaos-Attempt": str(tries),
        }
        retry_after = None
        try:
            status, ra = attempt(url, env["method"], headers, env["timeout"])
            if status < 400:
                return True
            if status not in RETRYABLE:
                return False
            if not env["ignore_retry_after"]:
                retry_after = retry_after_seconds(ra)
        except (OSError, ValueError, http.client.HTTPException):
            pass  # reset, refused, timeout, malformed response: all retryable here
        if tries > MAX_RETRIES:
            return False
        delay = rng.uniform(0, min(CAP_S, BASE_S * 2 ** (tries - 1)))
        if retry_after is not None:
            delay = max(delay, retry_after)
        time.sleep(delay)
    return False


def main():
    url = os.environ.get("CHAOS_URL")
    if not url:
        print("client.py: CHAOS_URL is not set (run me through `chaos check --client`)", file=sys.stderr)
        return 2
    env = {
        "url": url,
        "path": os.environ.get("CHAOS_PATH", "/"),
        "method": os.environ.get("CHAOS_METHOD", "GET"),
        "timeout": int(os.environ.get("CHAOS_TIMEOUT_MS", "2000")) / 1000.0,
        "ignore_retry_after": os.environ.get("CHAOS_IGNORE_RETRY_AFTER") == "1",
    }
    clients = int(os.environ.get("CHAOS_CLIENTS", "10"))
    requests = int(os.environ.get("CHAOS_REQUESTS", "3"))
    think = int(os.environ.get("CHAOS_THINK_MS", "0")) / 1000.0
    seed = int(os.environ.get("CHAOS_SEED", "1"))
    socket.setdefaulttimeout(env["timeout"])

    ok = [0] * clients

    def run(i):
        rng = random.Random(seed * 1_000_003 + i)
        for n in range(1, requests + 1):
            if logical_request(env, f"py{i}", n, rng):
                ok[i] += 1
            if think:
                time.sleep(think)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = clients * requests
    print(f"client.py: {sum(ok)}/{total} logical requests succeeded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
