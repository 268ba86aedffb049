"""The chaos_server fixture, used as a user's suite uses it."""

import os
import textwrap

import pytest

from helpers import DOWN_TWICE, LIMITED, get

pytest_plugins = ["pytester"]


def plugin_args(config):
    """The arguments a fresh pytest needs to load the plugin: none when it is
    installed (the pytest11 entry point "chaos" loaded it here too), else -p."""
    if config.pluginmanager.get_plugin("chaos") is not None:
        return ["-p", "no:cacheprovider"]
    return ["-p", "chaos_harness.pytest_plugin", "-p", "no:cacheprovider"]


@pytest.mark.chaos(script=DOWN_TWICE)
def test_the_marker_chooses_the_script(chaos_server):
    assert [get(chaos_server.url + "/")[0] for _ in range(3)] == [503, 503, 200]


@pytest.mark.parametrize("chaos_server, status", [({"script": LIMITED}, 429), ("fail-first", 503)],
                         indirect=["chaos_server"])
def test_indirect_parametrization_chooses_it(chaos_server, status):
    assert get(chaos_server.url + "/", {"X-Chaos-Client": "k"})[0] == status


def test_without_a_marker_serves_the_default_script(chaos_server):
    assert "flaky" in chaos_server.script()


def readme_example():
    """The pytest example of README.md, the first python block after "## pytest"."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## pytest"):]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_example_passes_and_a_bad_scenario_errors(pytester, pytestconfig):
    # README.md's example, run as a user's suite in a fresh pytest process,
    # beside a test whose scenario does not exist.
    pytester.makepyfile(readme_example() + textwrap.dedent('''

        @pytest.mark.chaos(scenario="no-such-scenario")
        def test_unknown_scenario(chaos_server):
            pass
    '''))
    result = pytester.runpytest_subprocess(*plugin_args(pytestconfig))
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ChaosError: chaos serve did not start*", "*no-such-scenario*"])


def test_a_marker_with_an_unknown_argument_is_a_usage_error(pytester, pytestconfig):
    pytester.makepyfile(textwrap.dedent('''
        import pytest

        @pytest.mark.chaos(scenaro="flaky")
        def test_typo(chaos_server):
            pass
    '''))
    result = pytester.runpytest_subprocess(*plugin_args(pytestconfig))
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown argument(s) scenaro*"])
