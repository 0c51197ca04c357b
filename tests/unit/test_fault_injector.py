"""tests/faults/inject.py without Docker: reading the default callback's lines, when a rule fires and on which host,
and the run it wraps (a shell loop standing in for ansible-playbook)."""
import json
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "faults"))
import inject  # noqa: E402

LINES = """PLAY [Phase 2: move every node to the target version] ***
TASK [streamops.kafka.rolling_upgrade : Stop the node and wait for its process to exit] ***
Tuesday 01 December 2026  19:30:00 +0000 (0:00:01.234)       0:01:02.345 *****
changed: [b1]
TASK [streamops.kafka.rolling_upgrade : Wait until this broker is back in every ISR] ***
ok: [b1 -> localhost]
TASK [streamops.kafka.rolling_upgrade : Stop the node and wait for its process to exit] ***
\x1b[0;33mchanged: [b2]\x1b[0m
fatal: [b3]: FAILED! => {"msg": "x"}
"""


def results(text):
    parser = inject.Parser()
    return [r for r in (parser.feed(line) for line in text.splitlines()) if r]


def test_parser_reads_task_headers_and_results_with_or_without_colour_and_delegation():
    got = results(LINES)
    stop, back = "Stop the node and wait for its process to exit", "Wait until this broker is back in every ISR"
    assert got == [(stop, "started", None), (stop, "changed", "b1"), (back, "started", None), (back, "ok", "b1"),
                   (stop, "started", None), (stop, "changed", "b2"), (stop, "fatal", "b3")]


def test_a_line_before_any_task_is_no_result():
    assert results("ok: [b1]\nPLAY RECAP ***\nb1 : ok=3 changed=1") == []


class FakeRun(object):
    pid = 0


def injector(rules):
    return inject.Injector({"network": "n", "rules": rules}, FakeRun())


def test_a_rule_fires_once_on_its_nth_match_and_names_the_first_and_the_matching_host():
    inj = injector([{"name": "r", "task": "Stop the node", "status": ["changed"], "host": "b", "nth": 2,
                     "actions": [{"do": "sleep", "seconds": 0, "target": "first"}]}])
    for result in results(LINES):
        inj.feed(result)
    for thread in inj.threads:
        thread.join()
    [rule] = inj.rules
    assert rule.fired and rule.hosts == ["b1", "b2"]
    assert rule.target({"target": "first"}) == "b1" and rule.target({}) == "b2" and rule.target({"target": "c9"}) == "c9"
    assert [(e["do"], e.get("host")) for e in inj.events] == [("fired", "b2"), ("sleep", None)]
    # The watched task's headers and results, with their times; the other task's lines are not kept.
    assert [(t["status"], t["host"]) for t in inj.timeline] == [("started", None), ("changed", "b1"), ("started", None),
                                                                ("changed", "b2"), ("fatal", "b3")]


@pytest.mark.parametrize("spec", [{"status": ["ok"]}, {"host": "^c"}, {"nth": 3}])
def test_a_rule_does_not_fire_on_other_statuses_hosts_or_before_its_nth_match(spec):
    inj = injector([dict({"name": "r", "task": "Stop the node", "status": ["changed"], "actions": []}, **spec)])
    for result in results(LINES):
        inj.feed(result)
    assert not inj.rules[0].fired and inj.events == []


def test_an_unknown_action_is_recorded_as_an_error():
    inj = injector([{"name": "r", "task": "Stop the node", "status": ["changed"], "actions": [{"do": "explode"}]}])
    for result in results(LINES):
        inj.feed(result)
    for thread in inj.threads:
        thread.join()
    assert inj.events[-1]["do"] == "explode" and "unknown action" in inj.events[-1]["error"]


def test_kill_run_ends_the_wrapped_run_and_counts_as_the_expected_outcome(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"rules": [{"name": "k", "task": "Stop the node", "status": ["changed"],
                                            "actions": [{"do": "kill_run"}]}]}))
    events = tmp_path / "events.json"
    script = ("echo 'TASK [Stop the node] ***'; echo 'changed: [b1]'; sleep 30; echo 'TASK [Start the node] ***'")
    rc = inject.main(["--rules", str(rules), "--events", str(events), "--", "sh", "-c", script])
    report = json.loads(events.read_text())
    assert rc == 0 and report["killed"] and report["rc"] == -9 and report["fired"] == ["k"]
    assert report["end"] - report["start"] < 20
    assert [t["status"] for t in report["timeline"]] == ["started", "changed"]


def test_the_run_s_own_return_code_passes_through(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"rules": []}))
    events = tmp_path / "events.json"
    assert inject.main(["--rules", str(rules), "--events", str(events), "--", "sh", "-c", "exit 3"]) == 3
    assert json.loads(events.read_text())["rc"] == 3


def test_actions_run_these_docker_commands(monkeypatch):
    calls = []

    def docker(*args):
        calls.append(args)
        return {"rc": 0, "out": "4242" if "MainPID" in args else ""}
    monkeypatch.setattr(inject, "docker", docker)
    inj = injector([{"name": "r", "task": "Stop the node", "status": ["changed"], "nth": 2, "actions": [
        {"do": "disconnect", "target": "first"}, {"do": "kill_java"}, {"do": "exec", "target": "b9", "command": "rm -f /x"},
        {"do": "pids", "hosts": ["b1"]}, {"do": "connect", "target": "first"}]}])
    for result in results(LINES):
        inj.feed(result)
    for thread in inj.threads:
        thread.join()
    pid = ("exec", "b2", "systemctl", "show", "-p", "MainPID", "--value", "kafka")
    assert calls == [("network", "disconnect", "n", "b1"), pid, ("exec", "b2", "kill", "-9", "4242"),
                     ("exec", "b9", "sh", "-c", "rm -f /x"), pid[:1] + ("b1",) + pid[2:], ("network", "connect", "n", "b1")]
    assert [e["do"] for e in inj.events] == ["fired", "disconnect", "kill_java", "exec", "pids", "connect"]
    assert inj.events[2]["pid"] == 4242 and inj.events[4]["pids"] == {"b1": 4242}
