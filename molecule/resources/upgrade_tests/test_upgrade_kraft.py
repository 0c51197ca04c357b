"""A KRaft upgrade as the scenario's side_effect.yml ran it: versions, roll order, finalize, quorum, canary."""
import json
import re

import pytest

from streamops_verify import (EPHEMERAL, FIGURES, SUMMARY_FIGURES, canary_report, hosts_of, inventory_vars,
                              loss_evidence, node_id, run_module)
from streamops_verify import ephemeral_json as load

VARS = inventory_vars()
SOURCE, TARGET, ROLLBACK = VARS["upgrade_from_version"], VARS["upgrade_target_version"], VARS["upgrade_rollback"]
RESUME_HOST = VARS["upgrade_resume_host"]
PLAN_CHECK = VARS.get("upgrade_plan_check", False)
START_FAULT = VARS.get("upgrade_start_fault", False)
FAULT_FIGURES = FIGURES.with_name(FIGURES.stem + "-fault.json")
# A scenario whose one canary runs through more than the upgrade (migrate-zk) names it; otherwise the upgrade's canary
# is "upgrade" and the fault's "fault" (side_effect.yml starts them).
SHARED_CANARY = VARS.get("upgrade_canary_run")


def release(version):
    return ".".join(version.split(".")[:2])


# A patch upgrade (make matrix's 4.3.0 -> 4.3.1) finds metadata.version already at the target's level: finalize verifies it.
SAME_RELEASE = release(SOURCE) == release(TARGET)
FINALIZE_ACTION = "verified" if SAME_RELEASE else "raised"


@pytest.mark.parametrize("record,version", [("final", TARGET)] + ([("after-rollback", SOURCE)] if ROLLBACK else []))
def test_every_node_runs_the_version_of_that_step(record, version):
    state = load(record + ".json")
    assert sorted(state) == hosts_of("kafka")
    for host, (running, _props) in state.items():
        assert running["active"] and running["version"] == version, (host, running)


def role_class(host, controllers, brokers):
    return 0 if host not in brokers else (1 if host in controllers else 2)


def test_roll_order_controllers_first_quorum_leader_last_then_brokers(controllers, brokers):
    s = load("summary-upgrade.json")
    up = [e for e in s["entries"] if e["phase"] == "upgrade"]
    assert [e["action"] for e in up] == ["restarted"] * len(hosts_of("kafka"))
    assert [e["host"] for e in up] == s["order"]
    classes = [role_class(h, controllers, brokers) for h in s["order"]]
    assert classes == sorted(classes)
    # The quorum leader at the start is the last node of its class.
    leader_host = next(h for h in s["order"] if node_id(h) == s["active_controller"])
    same_class = [h for h in s["order"] if role_class(h, controllers, brokers) == role_class(leader_host, controllers, brokers)]
    assert same_class[-1] == leader_host
    windows = sorted(e["restart_window"] for e in up)
    assert all(a[1] <= b[0] for a, b in zip(windows, windows[1:])), "two nodes were down at once"


def test_finalize_raised_metadata_version_and_left_kraft_version_alone(bootstrap):
    s = load("summary-upgrade.json")
    [fin] = [e for e in s["entries"] if e["phase"] == "finalize"]
    assert fin["action"] == FINALIZE_ACTION
    live = run_module("kafka_features", bootstrap_servers=bootstrap)
    assert live["metadata_version"].startswith(release(TARGET) + "-IV"), live
    if SAME_RELEASE:
        assert live["finalized"]["metadata.version"] == s["finalized_before"]["metadata.version"]
    else:
        assert live["finalized"]["metadata.version"] == fin["after"]["metadata.version"]
        assert live["finalized"]["metadata.version"] > s["finalized_before"]["metadata.version"]
    # KAFKA-18979: kraft.version is never raised as a side effect; a static quorum stays static.
    assert live["finalized"].get("kraft.version", 0) == s["finalized_before"].get("kraft.version", 0)


def test_quorum_caught_up_with_every_voter(bootstrap, controllers):
    result = run_module("kafka_quorum_wait", bootstrap_servers=bootstrap, max_lag=0, voters=sorted(controllers.values()), timeout=30)
    assert result.get("failed") is not True, result
    assert result["state"]["leader_id"] in controllers.values()


@pytest.mark.skipif(not ROLLBACK, reason="this scenario does not roll back")
def test_rollback_restarted_every_node_onto_the_old_version():
    back = [e for e in load("summary-rollback.json")["entries"] if e["phase"] == "rollback"]
    assert [e["action"] for e in back] == ["restarted"] * len(hosts_of("kafka"))
    assert {e["to_version"] for e in back} == {SOURCE}


@pytest.mark.skipif(not RESUME_HOST, reason="this scenario does not resume an interrupted roll")
def test_rerun_starts_the_stopped_node_first_and_only_verifies_the_rest():
    s = load("summary-resume.json")
    assert s["order"][0] == RESUME_HOST, s["order"]
    entries = {e["host"]: e for e in s["entries"] if e["phase"] == "upgrade"}
    actions = {h: e["action"] for h, e in entries.items()}
    assert sorted(actions) == hosts_of("kafka")
    assert actions.pop(RESUME_HOST) == "restarted"
    # With the start fault, the brokers after the resume host were left due by the failed restart: the re-run finishes
    # them (their config changed since their start); every other node is only verified.
    due = [h for h in hosts_of("kafka_brokers") if node_id(h) > node_id(RESUME_HOST)] if START_FAULT else []
    for host in due:
        assert actions.pop(host) == "restarted", entries[host]
        assert any("config changed" in reason for reason in entries[host]["reasons"]), entries[host]
    assert set(actions.values()) == {"verified"}, actions
    assert s["restarts"] == 1 + len(due)
    # Finalize found metadata.version already at the target and changed nothing.
    [fin] = [e for e in s["entries"] if e["phase"] == "finalize"]
    assert fin["action"] == "verified", fin


@pytest.mark.skipif(not START_FAULT, reason="this scenario does not inject a node that cannot start")
def test_a_node_that_cannot_start_ends_the_roll_on_it(controllers, brokers):
    """The restart gave RESUME_HOST num.network.threads=0, which Kafka refuses at start."""
    run = load("fault-run.json")
    out = " ".join(run["stdout"] + run["stderr"])
    assert run["rc"] != 0, out[-3000:]
    assert "%s did not come up, so the roll ends here and restarts no later node." % RESUME_HOST in out, out[-3000:]
    assert "It went down and is stopped again" in out, out[-3000:]
    # The unit's journal lines are quoted: Kafka's own words about the setting.
    assert "num.network.threads" in out, out[-3000:]
    detected = re.search(r"kafka went down after ([0-9.]+) s", out)
    assert detected, out[-3000:]
    FAULT_FIGURES.write_text(json.dumps({"detected_after_start_s": float(detected.group(1)), "fault_run": run["delta"]}, indent=2))

    before, after = load("processes-before-fault.json"), load("processes-after-fault.json")
    assert int(after[RESUME_HOST]["pid"]) == 0, after[RESUME_HOST]
    # Nothing else restarted: the controllers (nothing changed for them) and the brokers after the resume host, which
    # the roll had given a changed server.properties (written before the first stop) and so were due.
    later = [h for h in brokers if brokers[h] > brokers[RESUME_HOST]]
    assert later, "no broker rolls after %s: the fault proves nothing about the others" % RESUME_HOST
    for host in list(controllers) + later:
        assert (after[host]["pid"], after[host]["started"]) == (before[host]["pid"], before[host]["started"]), host
    for host in later:
        written = float(after[host]["files"]["/etc/kafka/server.properties"]["mtime"])
        assert written > float(after[host]["started"]), "%s was not due for a restart: %s" % (host, after[host])


@pytest.mark.skipif(not START_FAULT, reason="this scenario does not inject a node that cannot start")
def test_canary_lost_nothing_through_the_fault_and_the_resume():
    report = canary_report(SHARED_CANARY or "fault", ["summary-resume.json"])
    figures = json.loads(FAULT_FIGURES.read_text()) if FAULT_FIGURES.exists() else {}
    FAULT_FIGURES.write_text(json.dumps(dict(figures, canary=report), indent=2))
    assert report["acked"] > 100
    assert report["lost"]["count"] == 0, loss_evidence(report)
    assert report["shutdown"]["consumer_caught_up"], report["shutdown"]


def test_canary_lost_no_acknowledged_record():
    summaries = ["summary-upgrade-1.json", "summary-rollback.json", "summary-upgrade.json"] if ROLLBACK else ["summary-upgrade.json"]
    report = canary_report(SHARED_CANARY or "upgrade", summaries)
    # Beside what another suite of the scenario wrote there (migrate-zk's).
    figures = json.loads(FIGURES.read_text()) if SHARED_CANARY and FIGURES.exists() else {}
    figures.update(report=report, summaries={n: {k: load(n)[k] for k in SUMMARY_FIGURES} for n in summaries})
    FIGURES.write_text(json.dumps(figures, indent=2))
    assert report["acked"] > 1000
    assert report["lost"]["count"] == 0, loss_evidence(report)
    assert report["shutdown"]["consumer_caught_up"], report["shutdown"]


@pytest.mark.skipif(not PLAN_CHECK, reason="this scenario does not plan with --check first")
def test_check_run_planned_a_restart_of_every_node_to_the_target():
    plan = load("plan-upgrade.json")
    [up] = [p for p in plan["phases"] if p["name"] == "upgrade"]
    assert sorted(n["host"] for n in up["nodes"]) == hosts_of("kafka")
    for n in up["nodes"]:
        assert n["action"] == "restart" and any(TARGET in reason for reason in n["reasons"]), n
    assert plan["irreversible"] == "finalize"


@pytest.mark.skipif(not PLAN_CHECK, reason="this scenario does not plan with --check first")
def test_check_run_printed_the_plan_and_ran_no_play_after_it():
    run = load("plan-run.json")
    out = "\n".join(run["stdout"])
    assert run["rc"] == 0, out[-3000:]
    assert "point of no return: phase finalize; rollback.yml refuses after it" in out
    assert "POINT OF NO RETURN" in out and "Check mode: plan written to" in out
    # Stage, the phases' plays and the summary: no hosts in check mode.
    assert "skipping: no hosts matched" in out
    assert not (EPHEMERAL / "summary-plan.json").exists()
    # Wall time of the plan run, for the record (not judged): ansible's own start and end.
    print("plan run: %s to %s, %s" % (run["start"], run["end"], run["delta"]))


@pytest.mark.skipif(not PLAN_CHECK, reason="this scenario does not plan with --check first")
def test_check_run_changed_nothing_on_any_host():
    before, after = load("processes-before-plan.json"), load("processes-after-plan.json")
    assert sorted(before) == hosts_of("kafka")
    assert after == before


def test_summary_sets_the_plan_beside_what_happened():
    s = load("summary-upgrade.json")
    comparison = s["plan_vs_actual"]
    up = [r for r in comparison["rows"] if r["phase"] == "upgrade"]
    assert [(r["host"], r["planned"], r["actual"]) for r in up] == [(h, "restart", "restarted") for h in s["order"]]
    assert [r for r in comparison["rows"] if r["phase"] == "finalize"] == [
        {"phase": "finalize", "host": "cluster", "planned": "raise", "actual": FINALIZE_ACTION, "as_planned": True}]
    assert comparison["differences"] == 0, comparison["rows"]
    assert comparison["estimate_s"] > 0 and comparison["roll_window_s"] == s["roll_window_s"]


def test_summary_prices_the_roll_beyond_its_restarts():
    s = load("summary-upgrade.json")
    assert s["restarts"] == len(hosts_of("kafka"))
    # One node at a time: the restarts' own seconds fit inside the roll window, which adds the gates and the hand-overs.
    assert 0 < s["restart_floor_s"] <= s["roll_window_s"], s
    assert s["overhead_ratio"] == round(s["roll_window_s"] / s["restart_floor_s"], 3)
