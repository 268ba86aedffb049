#!/usr/bin/env python3
"""Runs one of the seed's Prefect-style tasks as the fleet chaos check describes.

  prefect_fleet.py TASK [--retries N] [--retry-delay-seconds S[,S...]] [--retry-jitter-factor F]
                        [--one-host-per-client]

TASK is api_call_with_backoff, smart_api_call or facebook_ads_api_call (the
seed's bodies, in prefect_retry.py), decorated with prefect_retry.task and
the options given: the seed's own option names, with values scaled down
from its minutes to fractions of a second. Each client of the fleet is one
thread, released together, running the task once per logical request. Like
the seed's tasks it sends no X-Chaos-* headers, and it opens a connection per
request: chaos keys it per remote address and User-Agent, so all clients of
one host share a key; --one-host-per-client gives each its own address.

Exit status 0: what the task did is for chaos to judge (2 on a bad option).
"""

import argparse
import sys

from fleet import add_arguments, failures, read_env, run_fleet
from prefect_retry import TASKS, task


def seconds_list(text):
    values = [float(v) for v in text.split(",")]
    return values[0] if len(values) == 1 else values


def main():
    parser = argparse.ArgumentParser(prog="prefect_fleet.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--retries", type=int, default=0)
    parser.add_argument("--retry-delay-seconds", type=seconds_list, default=0,
                        help="seconds before each retry, or a comma-separated list (one per retry)")
    parser.add_argument("--retry-jitter-factor", type=float, default=None)
    add_arguments(parser)
    args = parser.parse_args()
    env = read_env("prefect_fleet.py")
    try:
        run_task = task(TASKS[args.task], retries=args.retries,
                        retry_delay_seconds=args.retry_delay_seconds,
                        retry_jitter_factor=args.retry_jitter_factor)
    except ValueError as err:
        print(f"prefect_fleet.py: {err}", file=sys.stderr)
        return 2

    outcomes = run_fleet(env, lambda _: None, lambda _, n: run_task(env["url"], {"n": n}),
                         one_host=args.one_host_per_client)
    total, failed = env["clients"] * env["requests"], failures(outcomes)
    print(f"prefect_fleet.py: {args.task}: {total - failed}/{total} task runs succeeded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
