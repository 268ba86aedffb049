"""A Prefect-style task decorator, and the seed's tasks, run without Prefect.

The seed design "Retry Strategies for Marketing Automation" writes its retry
policy as Prefect task options: @task(retries=N, retry_delay_seconds=S,
retry_jitter_factor=F). This module gives `task` those options with
Prefect's semantics, so that the seed's task bodies run as they would under
Prefect, without a Prefect server:

- retries: how many times a failed run is retried (1 initial + retries in all);
  a run fails when the function raises any exception, and is then retried,
  whatever the exception (Prefect retries unless a retry_condition_fn says
  otherwise; the seed sets none).
- retry_delay_seconds: the wait before each retry: a number (the same before
  every retry) or a list (the n-th retry waits list[n-1], the last value
  repeated once the list runs out). Default 0.
- retry_jitter_factor: when set, each wait d is replaced by a draw of
  Prefect's clamped_poisson_interval(d, factor): an exponential variate of
  mean d, clamped to [c*d, (1+factor)*d], c chosen so that the mass between
  c*d and the median equals that between the median and the upper bound
  (prefect.utilities.math: lower_clamp_multiple, clamped_poisson_interval).

The task bodies are the seed's, with requests in place of httpx (the same
raise_for_status and response.status_code; httpx.TimeoutException becomes
requests.Timeout). The URLs are the fault server's instead of the services'.
"""

import math
import random
import time
from functools import wraps

import requests


def lower_clamp_multiple(k):
    """c with P(c*d < X < median) = P(median < X < k*d) for X ~ Exp(mean d).

    Prefect's formula: c = log2(2^k / (2^k - 1)); 0 for k >= 50 (overflow).

    >>> round(lower_clamp_multiple(1.5), 3)   # retry_jitter_factor 0.5: [0.629 d, 1.5 d]
    0.629
    """
    if k >= 50:
        return 0.0
    return math.log2(max(2 ** k / (2 ** k - 1), 1e-10))


def clamped_poisson_interval(average, clamping_factor, rng=random):
    """An exponential variate of mean `average`, clamped as Prefect clamps it.

    Inverse CDF: X = -mean * ln(1 - U), U uniform between the CDF values of
    the lower and upper bounds, so X falls between them.

    >>> rng = random.Random(7)
    >>> draws = [clamped_poisson_interval(60, 0.5, rng) for _ in range(10000)]
    >>> 0.629 * 60 < min(draws) < 39 and 89 < max(draws) <= 90
    True
    >>> round(sum(draws) / len(draws))   # the mean stays near the delay
    60
    """
    if clamping_factor <= 0:
        raise ValueError("retry_jitter_factor must be > 0 to jitter")
    if average <= 0:
        return 0.0
    upper = average * (1 + clamping_factor)
    lower = max(0.0, average * lower_clamp_multiple(1 + clamping_factor))
    cdf = lambda x: 1 - math.exp(-x / average)  # noqa: E731 (the exponential CDF)
    u = rng.uniform(cdf(lower), cdf(upper))
    return -math.log(max(1 - u, 1e-10)) * average


def retry_delay(retry_delay_seconds, retry_number):
    """The wait before retry number retry_number (1 for the first retry).

    >>> [retry_delay([1, 10, 100], n) for n in (1, 2, 3, 4, 5)]
    [1, 10, 100, 100, 100]
    >>> retry_delay(60, 3)
    60
    """
    if isinstance(retry_delay_seconds, (list, tuple)):
        return retry_delay_seconds[min(retry_number, len(retry_delay_seconds)) - 1]
    return retry_delay_seconds


def task(fn=None, *, retries=0, retry_delay_seconds=0, retry_jitter_factor=None, rng=random):
    """@task or @task(retries=..., retry_delay_seconds=..., retry_jitter_factor=...).

    rng: the random source of the jitter (module random by default, as
    Prefect draws from it).

    >>> calls = []
    >>> @task(retries=3, retry_delay_seconds=0)
    ... def flaky():
    ...     calls.append(1)
    ...     if len(calls) < 3:
    ...         raise ValueError("Simulated API failure")
    ...     return len(calls)
    >>> flaky()  # doctest: +ELLIPSIS
    Task run failed with ValueError: Simulated API failure; retry 1/3 in 0.000s
    Task run failed with ValueError: Simulated API failure; retry 2/3 in 0.000s
    3
    >>> task(retries=-1)
    Traceback (most recent call last):
    ValueError: retries must be a whole number >= 0, got -1
    """
    if not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a whole number >= 0, got {retries!r}")
    delays = retry_delay_seconds if isinstance(retry_delay_seconds, (list, tuple)) else [retry_delay_seconds]
    if not delays or any(not isinstance(d, (int, float)) or d < 0 for d in delays):
        raise ValueError(f"retry_delay_seconds must be seconds >= 0 or a list of them, got {retry_delay_seconds!r}")
    if retry_jitter_factor is not None and retry_jitter_factor < 0:
        raise ValueError(f"retry_jitter_factor must be >= 0, got {retry_jitter_factor!r}")

    def decorate(func):
        @wraps(func)
        def run(*args, **kwargs):
            for run_count in range(1, retries + 2):
                try:
                    return func(*args, **kwargs)
                except Exception as exc:
                    if run_count > retries:
                        raise
                    delay = retry_delay(retry_delay_seconds, run_count)
                    if retry_jitter_factor is not None:
                        delay = clamped_poisson_interval(delay, retry_jitter_factor, rng)
                    print(f"Task run failed with {type(exc).__name__}: {exc}; "
                          f"retry {run_count}/{retries} in {delay:.3f}s")
                    time.sleep(delay)
        return run

    return decorate(fn) if fn is not None else decorate


# The seed's task bodies. Each is decorated by the driver (prefect_fleet.py)
# with the options a command line gives, the seed's values scaled down.

def api_call_with_backoff(endpoint: str, data: dict):
    """
    API call with exponential backoff and jitter.

    Retry delays (approximate with jitter):
    - Attempt 1: Initial call
    - Attempt 2: 30-90 seconds (60 ± 50%)
    - Attempt 3: 60-180 seconds (120 ± 50%)
    - Attempt 4: 120-360 seconds (240 ± 50%)
    - Attempt 5: 240-720 seconds (480 ± 50%)
    - Attempt 6: 480-1440 seconds (960 ± 50%)
    """
    response = requests.post(endpoint, json=data, timeout=30)
    response.raise_for_status()
    return response.json()


def smart_api_call(url: str, data: dict):
    """
    API call with smart retry logic.

    Retries only on specific error codes:
    - 429 (Rate Limit) - Retry
    - 500, 502, 503, 504 (Server Errors) - Retry
    - 400, 401, 403, 404 (Client Errors) - Don't retry
    """
    try:
        response = requests.post(url, json=data, timeout=30)
        response.raise_for_status()
        return response.json()

    except requests.HTTPError as e:
        status_code = e.response.status_code

        # Don't retry client errors (4xx except 429)
        if 400 <= status_code < 500 and status_code != 429:
            print(f"❌ Client error {status_code}, not retrying")
            raise  # Raises without retry

        # Retry server errors (5xx) and rate limits (429)
        elif status_code >= 500 or status_code == 429:
            print(f"⚠️ Transient error {status_code}, will retry")
            raise  # Raises with retry

    except requests.Timeout:
        print("⚠️ Timeout, will retry")
        raise  # Raises with retry


def facebook_ads_api_call(url: str, params: dict):
    """
    Facebook Ads API call with custom retry logic.

    Handles:
    - Rate limits with retry-after header
    - Temporary errors
    """
    # port: the seed takes ad_account_id and builds the Graph API URL with a
    # bearer token; here the URL is the fault server's. Its
    # cache_key_fn/cache_expiration options cache results across runs, which
    # no probe here exercises.
    try:
        response = requests.get(url, params=params, timeout=60)

        response.raise_for_status()
        return response.json()

    except requests.HTTPError as e:
        if e.response.status_code == 429:
            # Check retry-after header
            retry_after = int(e.response.headers.get("Retry-After", 60))
            print(f"⚠️ Rate limited, retrying after {retry_after}s")

            # Note: Prefect doesn't support dynamic retry delays
            # This will use default retry_delay_seconds
            raise

        elif e.response.status_code == 400:
            # Invalid request - don't retry
            error_msg = e.response.json().get("error", {}).get("message", "Unknown error")
            print(f"❌ Invalid request: {error_msg}")
            raise

        else:
            # Other errors - retry
            print(f"⚠️ Error {e.response.status_code}, will retry")
            raise


TASKS = {f.__name__: f for f in (api_call_with_backoff, smart_api_call, facebook_ads_api_call)}
