"""What both drivers share: the fleet chaos check describes in the
environment, run as threads that start together.

chaos check --client sets CHAOS_URL, CHAOS_CLIENTS, CHAOS_REQUESTS,
CHAOS_PATH, CHAOS_METHOD, CHAOS_TIMEOUT_MS, CHAOS_THINK_MS and CHAOS_SEED.
"""

import os
import random
import sys
import threading
import time

_host = threading.local()


def read_env(program):
    """The fleet settings, or exit 2 naming the missing CHAOS_URL."""
    url = os.environ.get("CHAOS_URL")
    if not url:
        print(f"{program}: CHAOS_URL is not set (run me through `chaos check --client`)", file=sys.stderr)
        sys.exit(2)
    return {
        "url": url.rstrip("/") + os.environ.get("CHAOS_PATH", "/"),
        "clients": int(os.environ.get("CHAOS_CLIENTS", "1")),
        "requests": int(os.environ.get("CHAOS_REQUESTS", "1")),
        "think": int(os.environ.get("CHAOS_THINK_MS", "0")) / 1000.0,
        "timeout": int(os.environ["CHAOS_TIMEOUT_MS"]) / 1000.0 if os.environ.get("CHAOS_TIMEOUT_MS") else None,
        "seed": int(os.environ.get("CHAOS_SEED", "1")),
    }


def one_host_per_client():
    """Makes each fleet thread's connections come from a loopback address of
    its own, 127.0.0.(2+i), as if each client ran on a host of its own.

    A client that sends no X-Chaos-* headers and opens a new connection per
    request (the seed's module-level httpx/requests calls) is keyed by chaos
    per remote address and User-Agent; on one host, every client shares one
    key, and a scenario's per: client phases see one client. This wraps
    urllib3's create_connection (what requests dials with) to
    pass the thread's source_address; the seed's code is untouched.
    """
    from urllib3.util import connection

    dial = connection.create_connection

    def create_connection(address, *args, **kwargs):
        if getattr(_host, "address", None) is not None:
            kwargs["source_address"] = (_host.address, 0)
        return dial(address, *args, **kwargs)

    connection.create_connection = create_connection


def add_arguments(parser):
    """The drivers' shared command-line option."""
    parser.add_argument("--one-host-per-client", action="store_true",
                        help="dial each client from a loopback address of its own (see fleet.one_host_per_client)")


def run_fleet(env, make_client, call, one_host=False):
    """Runs env["clients"] threads released together by a barrier; each makes
    its client with make_client(i) and calls call(client, n) for its logical
    requests n = 1..requests, pausing env["think"] between them. With
    one_host, thread i dials from 127.0.0.(2+i) (one_host_per_client). Returns the
    calls' outcomes, [client][request]: the value returned, or the exception.

    The seed designs draw their jitter from the module-level random, so it is
    seeded once from CHAOS_SEED (the threads' interleaving still varies).
    """
    if one_host:
        one_host_per_client()
    random.seed(env["seed"])
    barrier = threading.Barrier(env["clients"])
    outcomes = [[None] * env["requests"] for _ in range(env["clients"])]

    def run(i):
        _host.address = f"127.0.0.{2 + i}"
        client = make_client(i)
        barrier.wait()
        for n in range(env["requests"]):
            try:
                outcomes[i][n] = call(client, n + 1)
            except Exception as exc:  # the seeds raise Exception itself
                outcomes[i][n] = exc
            if env["think"]:
                time.sleep(env["think"])

    if env["clients"] > 253:
        raise ValueError("at most 253 clients: one loopback address each")
    threads = [threading.Thread(target=run, args=(i,)) for i in range(env["clients"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def failures(outcomes):
    """How many calls raised."""
    return sum(isinstance(o, Exception) for row in outcomes for o in row)
