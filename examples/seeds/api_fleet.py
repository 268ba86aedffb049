#!/usr/bin/env python3
"""Runs the seed's ResilientAPIClient as the fleet chaos check describes.

Each client of the fleet is one thread with its own ResilientAPIClient (its
own requests.Session, CircuitBreaker and APIRetryConfig), released together,
calling client.get(CHAOS_PATH) for each of its logical requests. The client
sends no X-Chaos-* headers, as the seed's does not: chaos infers its attempts.

  --profile ENV   apply environment ENV of --config (development, production,
                  testing) the way the seed's usage example configures a
                  client (see api_retry_strategy.configure)
  --config FILE   the profiles file [config/api_retry.yaml beside this file]
  --fallback      call through APIFallbackHandler.get_with_fallback (the
                  endpoint is the fallback key); exit 1 if any call got
                  neither live nor fallback data, the seed's promise broken
  --one-host-per-client  dial each client from a loopback address of its
                  own, so that a scenario's per: client phases see each
                  client as its own (see fleet.one_host_per_client)

Exit status 0 otherwise: what the client did is for chaos to judge.
"""

import argparse
import os
import sys

from api_retry_strategy import APIFallbackHandler, ResilientAPIClient, configure, load_profile
from fleet import add_arguments, failures, read_env, run_fleet

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(prog="api_fleet.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", help="environment of the profiles file to apply")
    parser.add_argument("--config", default=os.path.join(HERE, "config", "api_retry.yaml"))
    parser.add_argument("--fallback", action="store_true", help="call through APIFallbackHandler")
    add_arguments(parser)
    args = parser.parse_args()
    env = read_env("api_fleet.py")
    base, endpoint = os.environ["CHAOS_URL"], os.environ.get("CHAOS_PATH", "/")
    profile = None
    if args.profile:
        try:
            profile = load_profile(args.config, args.profile)
        except (OSError, ValueError) as err:
            print(f"api_fleet.py: --profile {args.profile}: {err}", file=sys.stderr)
            return 2

    def make_client(_):
        client = ResilientAPIClient(base, timeout=env["timeout"] or 30)
        if profile is not None:
            configure(client, profile)
        return client, APIFallbackHandler()

    def call(pair, _):
        client, handler = pair
        if args.fallback:
            return handler.get_with_fallback(client, endpoint, fallback_key=endpoint)
        return client.get(endpoint)

    outcomes = run_fleet(env, make_client, call, one_host=args.one_host_per_client)
    total, failed = env["clients"] * env["requests"], failures(outcomes)
    print(f"api_fleet.py: {total - failed}/{total} calls returned data")
    return 1 if args.fallback and failed else 0


if __name__ == "__main__":
    sys.exit(main())
