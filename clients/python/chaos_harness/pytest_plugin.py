"""pytest plugin: the chaos_server fixture.

Installed with the package, pytest loads it through the `pytest11` entry
point "chaos"; without installing, pass `-p chaos_harness.pytest_plugin`.

The fixture yields a running ChaosServer. What it serves comes from, first,
indirect parametrization (a scenario name or path, or a dict of ChaosServer
arguments), then the nearest `chaos` marker's keyword arguments
(scenario=, script=, seed=, admin_token=, log=, extra_args=), else serve's default
flaky script. The binary is --chaos-bin, else CHAOS_BIN, else chaos on PATH.

    @pytest.mark.chaos(scenario="flaky", seed=3)
    def test_my_client_survives(chaos_server):
        assert my_client(chaos_server.url).fetch() == ...
"""

import pytest

from .server import ChaosServer

_KEYS = ("scenario", "script", "seed", "admin_token", "log", "extra_args", "start_timeout")


def pytest_addoption(parser):
    parser.addoption("--chaos-bin", default=None,
                     help="the chaos binary the chaos_server fixture runs (default: $CHAOS_BIN, else chaos on PATH)")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "chaos(scenario=None, script=None, seed=None, admin_token=None, log=None, extra_args=()): "
        "what the chaos_server fixture serves: a built-in scenario name or file, or a script as YAML text",
    )


def _server_arguments(request):
    param = getattr(request, "param", None)
    if param is not None:
        if isinstance(param, dict):
            kwargs = dict(param)
        elif isinstance(param, str):
            kwargs = {"scenario": param}
        else:
            raise pytest.UsageError(f"chaos_server parameter {param!r}: give a scenario name or a dict of ChaosServer arguments")
    else:
        marker = request.node.get_closest_marker("chaos")
        if marker is not None and marker.args:
            raise pytest.UsageError("the chaos marker takes keyword arguments only: chaos(scenario=..., seed=...)")
        kwargs = dict(marker.kwargs) if marker is not None else {}
    unknown = sorted(set(kwargs) - set(_KEYS))
    if unknown:
        raise pytest.UsageError(f"chaos_server: unknown argument(s) {', '.join(unknown)} (known: {', '.join(_KEYS)})")
    return kwargs


@pytest.fixture
def chaos_server(request):
    """A running `chaos serve` (a ChaosServer); see the module doc for what it serves."""
    kwargs = _server_arguments(request)
    with ChaosServer(binary=request.config.getoption("--chaos-bin"), **kwargs) as server:
        yield server
