"""ChaosServer against a real chaos binary (CHAOS_BIN)."""

import json
import urllib.parse

import pytest

from chaos_harness import ChaosError, ChaosServer, analyze, find_binary, read_log
from helpers import DOWN_TWICE, LIMITED, attempt_headers, get


def test_serves_on_loopback_at_a_free_port_and_stops():
    with ChaosServer(script=DOWN_TWICE) as chaos:
        url = urllib.parse.urlsplit(chaos.url)
        assert url.scheme == "http" and url.hostname == "127.0.0.1" and url.port > 0
        assert chaos.health()["status"] == "ok"
        proc = chaos._proc
    assert proc.poll() == 0  # SIGTERM: serve flushed its log and exited 0


def test_a_script_runs_its_phases_in_order():
    with ChaosServer(script=DOWN_TWICE) as chaos:
        statuses = [get(chaos.url + "/api/orders")[0] for _ in range(3)]
        assert statuses == [503, 503, 200]
        assert chaos.wait_for_records(3) == 3
        stats = chaos.stats()
        assert stats["requests"] == 3
        # 2 of the 3 were faulted with a status, 1 drew no fault.
        assert stats["faults"] == {"status": 2, "none": 1}
        assert stats["statuses"] == {"503": 2, "200": 1}


def test_a_built_in_scenario_by_name():
    # fail-first: per client, the first 2 attempts get 503, then success.
    with ChaosServer(scenario="fail-first", seed=1) as chaos:
        h = {"X-Chaos-Client": "c1"}
        assert [get(chaos.url + "/", h)[0] for _ in range(3)] == [503, 503, 200]


def test_records_come_back_as_dicts_in_order():
    with ChaosServer(script=DOWN_TWICE) as chaos:
        for n in (1, 2, 3):
            get(chaos.url + "/api/orders", attempt_headers("c1", "c1/1", n))
        chaos.wait_for_records(3)
        recs = chaos.records()
        assert [r["attempt"] for r in recs] == [1, 2, 3]
        assert [r["status"] for r in recs] == [503, 503, 200]
        assert [r["phase"] for r in recs] == ["down", "down", "up"]
        assert {r["client"] for r in recs} == {"c1"} and {r["path"] for r in recs} == {"/api/orders"}
        assert chaos.mark() == 3
        assert [r["attempt"] for r in chaos.records(since=2)] == [3]


def test_swap_replaces_the_script_and_reset_restarts_it():
    with ChaosServer(script=DOWN_TWICE) as chaos:
        assert get(chaos.url + "/")[0] == 503
        answer = chaos.swap(LIMITED, seed=5)
        assert answer["status"] == "replaced" and answer["seed"] == 5
        status, headers = get(chaos.url + "/")
        assert status == 429 and headers["Retry-After"] == "1"
        chaos.swap(DOWN_TWICE)
        assert [get(chaos.url + "/")[0] for _ in range(3)] == [503, 503, 200]
        chaos.reset()  # back to the first phase: two more 503s
        assert [get(chaos.url + "/")[0] for _ in range(3)] == [503, 503, 200]


def test_swap_from_a_file(tmp_path):
    path = tmp_path / "limited.yaml"
    path.write_text(LIMITED)
    with ChaosServer(script=DOWN_TWICE) as chaos:
        chaos.swap(path)
        assert get(chaos.url + "/")[0] == 429
        chaos.swap(str(path))
        assert get(chaos.url + "/")[0] == 429


def test_a_bad_swap_names_the_field():
    with ChaosServer(script=DOWN_TWICE) as chaos:
        with pytest.raises(ChaosError) as err:
            chaos.swap("phases:\n  - {name: x, fault: {status: 99}}\n")
        assert "PUT /_chaos/script answered 400" in str(err.value)
        assert "status" in str(err.value)
        assert get(chaos.url + "/")[0] == 503  # the old script still serves


def test_analyze_returns_result_json_as_dicts():
    with ChaosServer(script=DOWN_TWICE) as chaos:
        # one logical request: attempts 1 and 2 get 503, attempt 3 succeeds
        for n in (1, 2, 3):
            get(chaos.url + "/", attempt_headers("c1", "c1/1", n))
        # a second one that succeeds at once
        get(chaos.url + "/", attempt_headers("c1", "c1/2", 1))
        chaos.wait_for_records(4)
        result = chaos.analyze()
    (policy,) = result["policies"]
    assert policy["logical_requests"] == 2
    assert policy["succeeded"] == 2 and policy["success_rate"] == 1
    assert policy["attempts"] == 4
    assert policy["amplification"] == 2  # 4 attempts / 2 logical requests
    assert policy["faults"]["status"] == 2


def test_analyze_since_a_mark_sees_only_what_came_after():
    with ChaosServer(script=DOWN_TWICE) as chaos:
        get(chaos.url + "/", attempt_headers("a", "a/1", 1))
        mark = chaos.wait_for_records(1)
        assert mark == 1 == chaos.mark()
        get(chaos.url + "/", attempt_headers("b", "b/1", 1))  # 503 (second of the down phase)
        get(chaos.url + "/", attempt_headers("b", "b/1", 2))  # 200
        chaos.wait_for_records(3)
        (policy,) = chaos.analyze(since=mark)["policies"]
    # b/1 alone: 2 attempts, one logical request, which succeeded
    assert policy["logical_requests"] == 1 and policy["attempts"] == 2 and policy["succeeded"] == 1


def test_analyze_of_a_log_file(tmp_path):
    log = tmp_path / "arrivals.jsonl"
    lines = [
        {"t_ms": 0, "client": "c1", "request": "c1/1", "attempt": 1, "method": "GET", "path": "/",
         "fault": "status", "status": 503, "latency_ms": 1},
        {"t_ms": 100, "client": "c1", "request": "c1/1", "attempt": 2, "method": "GET", "path": "/",
         "fault": "none", "status": 200, "latency_ms": 1},
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in lines))
    result = analyze(log, out=tmp_path / "out")
    (policy,) = result["policies"]
    # 2 attempts for 1 logical request, which succeeded on its retry
    assert policy["attempts"] == 2 and policy["logical_requests"] == 1 and policy["success_rate"] == 1
    assert (tmp_path / "out" / "report.md").exists()


def test_records_the_server_no_longer_keeps_are_an_error():
    with ChaosServer(script=DOWN_TWICE, extra_args=["--log-limit", "2"]) as chaos:
        for _ in range(3):
            get(chaos.url + "/")
        chaos.wait_for_records(3)
        assert [r["status"] for r in chaos.records(since=1)] == [503, 200]  # the 2 kept
        with pytest.raises(ChaosError) as err:
            chaos.records()  # Record 0 was dropped from memory
        assert "--log-limit" in str(err.value)


def test_analyze_passes_its_flags_on(tmp_path):
    log = tmp_path / "arrivals.jsonl"
    log.write_text(json.dumps({"t_ms": 0, "client": "c1", "request": "c1/1", "attempt": 1,
                               "method": "GET", "path": "/", "fault": "none", "status": 200,
                               "latency_ms": 1}) + "\n")
    result = analyze([log], retry_window="50ms", capacity="rate=10,burst=5", seed=42, scenario="mine")
    assert result["retry_window_ms"] == 50
    assert result["seed"] == 42 and result["scenario"] == "mine"
    # a capacity makes peak_to_capacity a number: 0 retries over B + R*w = 5 + 10*0.05 = 5.5
    assert result["policies"][0]["peak_to_capacity"] == 0


def test_analyze_failure_names_the_command_and_stderr(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("this is not a record\n{}\n")
    with pytest.raises(ChaosError) as err:
        analyze(bad)
    text = str(err.value)
    assert "chaos analyze failed" in text and "exit status: 2" in text
    assert "analyze " + str(bad) in text
    assert "bad.jsonl" in err.value.stderr  # chaos names the file (and line) in its stderr


def test_a_scenario_chaos_rejects_fails_start_with_its_stderr(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("phases:\n  - {name: x, fault: {status: 99}}\n")
    with pytest.raises(ChaosError) as err:
        ChaosServer(scenario=str(bad)).start()
    assert "chaos serve did not start" in str(err.value)
    assert err.value.returncode == 2
    assert "bad.yaml" in err.value.stderr


def test_the_log_file_is_kept_where_asked(tmp_path):
    log = tmp_path / "kept.jsonl"
    with ChaosServer(script=DOWN_TWICE, log=log, extra_args=["--log-header"]) as chaos:
        for _ in range(3):
            get(chaos.url + "/")
    header, records = read_log(log)
    assert header["chaos_log"] == 1 and header["epoch_unix_ms"] > 0
    assert [r["status"] for r in records] == [503, 503, 200]


def test_an_admin_token_is_required_and_sent():
    with ChaosServer(script=DOWN_TWICE, admin_token="s3cret") as chaos:
        assert chaos.stats()["requests"] == 0
        assert get(chaos.url + "/_chaos/stats")[0] == 401  # no token, refused
        assert get(chaos.url + "/_chaos/stats", {"Authorization": "Bearer s3cret"})[0] == 200


def test_the_binary_comes_from_the_argument_then_chaos_bin(monkeypatch, tmp_path):
    chaos_bin = find_binary()  # what this run uses: CHAOS_BIN or chaos on PATH
    monkeypatch.setenv("CHAOS_BIN", chaos_bin)
    assert find_binary() == chaos_bin
    monkeypatch.setenv("CHAOS_BIN", str(tmp_path / "nope"))
    with pytest.raises(ChaosError) as err:
        find_binary()
    assert "from CHAOS_BIN" in str(err.value) and "nope" in str(err.value)
    assert find_binary(chaos_bin) == chaos_bin  # the argument wins
    monkeypatch.delenv("CHAOS_BIN")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ChaosError) as err:
        find_binary()
    assert "set CHAOS_BIN" in str(err.value)


def test_waiting_for_records_that_never_come_times_out():
    with ChaosServer(script=DOWN_TWICE) as chaos:
        get(chaos.url + "/")
        assert chaos.wait_for_records(1) == 1
        with pytest.raises(ChaosError) as err:
            chaos.wait_for_records(2, timeout=0.2)
        assert "logged 1 Records, not 2, within 0.2s" in str(err.value)


def test_scenario_and_script_together_is_an_error():
    with pytest.raises(ValueError):
        ChaosServer(scenario="flaky", script=LIMITED)


def test_a_server_that_never_listens_times_out_and_is_killed(tmp_path):
    silent = tmp_path / "silent-chaos"
    silent.write_text("#!/bin/sh\necho 'starting' >&2\nexec sleep 30\n")
    silent.chmod(0o755)
    server = ChaosServer(binary=str(silent), start_timeout=0.5)
    with pytest.raises(ChaosError) as err:
        server.start()
    assert "printed no listening line within 0.5s" in str(err.value)
    assert "starting" in err.value.stderr
    assert server._proc is None  # killed and reaped, nothing left to stop
    server.stop()  # a no-op
