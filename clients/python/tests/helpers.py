"""Small HTTP helpers for the package's own tests (standard library only)."""

import urllib.error
import urllib.request


def get(url, headers=None):
    """GET url; returns (status, headers) whatever the status."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()
            return resp.status, resp.headers
    except urllib.error.HTTPError as err:
        err.read()
        return err.code, err.headers


def attempt_headers(client, request, attempt):
    """The X-Chaos identity headers of one attempt."""
    return {"X-Chaos-Client": client, "X-Chaos-Request": request, "X-Chaos-Attempt": str(attempt)}


# Two 503s for the whole server, then every request is served.
DOWN_TWICE = """\
phases:
  - {name: down, requests: 2, fault: {status: 503}}
  - {name: up}
"""

# Every request gets a 429 asking for a one-second wait.
LIMITED = """\
phases:
  - {name: limited, fault: {status: 429, retry_after: 1s}}
"""
