"""What the fault suites read: the runs molecule/resources/fault_run.yml made under tests/faults/inject.py (their output,
return code, the faults' times and the timeline of the watched tasks), and the figures file they write."""
import json

from streamops_verify import FIGURES
from streamops_verify import ephemeral_json as load


def events(run):
    """inject.py's report of the run: rc, killed, fired, events (the faults), timeline (the watched tasks' lines)."""
    return load("fault-%s.events.json" % run)


def output(run):
    """The run's output (stdout and stderr) as one text."""
    run = load("fault-%s.run.json" % run)
    return "\n".join(run["stdout"] + run["stderr"])


def action(run, rule, do):
    """The one event of that rule and action."""
    [found] = [e for e in events(run)["events"] if e["rule"] == rule and e["do"] == do]
    return found


def timeline(run, task, status=None):
    """The watched task's lines: status "started" (its header), "ok", "changed" or "passed" (either), "fatal", ..."""
    wanted = ("ok", "changed") if status == "passed" else (status,)
    return [t for t in events(run)["timeline"] if task in t["task"] and (status is None or t["status"] in wanted)]


def figures(**update):
    """Add to the scenario's figures file (.cache/figures-<scenario>.json)."""
    current = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    current.update(update)
    FIGURES.write_text(json.dumps(current, indent=2, sort_keys=True))


def injected_as_written(run):
    """Every rule with actions fired, and every action succeeded (a Kafka process to kill had a PID)."""
    report = events(run)
    rules = load("fault-%s.rules.json" % run)["rules"]
    assert sorted(report["fired"]) == sorted(r["name"] for r in rules if r["actions"]), report
    for event in report["events"]:
        assert "error" not in event and event.get("rc", 0) == 0, event
        if event["do"] == "kill_java":
            assert event["pid"], event


def gate_held(run, task, down, up):
    """The gate `task` began while a node was down (between the events down and up) and passed only after it was back.

    Returns the line of its pass and the figures: how long the node was down, the gate held, and it took after."""
    gates = timeline(run, task)
    began = [t for t in gates if t["status"] == "started" and down["time"] <= t["time"] < up["time"]]
    assert began, gates
    passed = [t for t in gates if t["status"] in ("ok", "changed") and t["time"] > began[0]["time"]]
    assert passed and passed[0]["time"] > up["time"], gates
    return passed[0], {"down_s": round(up["time"] - down["time"], 1),
                       "gate_held_s": round(passed[0]["time"] - began[0]["time"], 1),
                       "gate_passed_after_back_s": round(passed[0]["time"] - up["time"], 1)}
