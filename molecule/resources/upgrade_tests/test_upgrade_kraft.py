"""A KRaft upgrade as the scenario's side_effect.yml ran it: versions, roll order, finalize, quorum, canary."""
import json

import pytest

from streamops_verify import EPHEMERAL, FIGURES, SUMMARY_FIGURES, canary_report, hosts_of, inventory_vars, node_id, run_module
from streamops_verify import ephemeral_json as load

VARS = inventory_vars()
SOURCE, TARGET, ROLLBACK = VARS["upgrade_from_version"], VARS["upgrade_target_version"], VARS["upgrade_rollback"]
RESUME_HOST = VARS["upgrade_resume_host"]
PLAN_CHECK = VARS.get("upgrade_plan_check", False)


def release(version):
    return ".".join(version.split(".")[:2])


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
    assert fin["action"] == "raised"
    live = run_module("kafka_features", bootstrap_servers=bootstrap)
    assert live["metadata_version"].startswith(release(TARGET) + "-IV"), live
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
    actions = {e["host"]: e["action"] for e in s["entries"] if e["phase"] == "upgrade"}
    assert sorted(actions) == hosts_of("kafka")
    assert actions.pop(RESUME_HOST) == "restarted"
    assert set(actions.values()) == {"verified"}, actions
    assert s["restarts"] == 1
    # Finalize found metadata.version already at the target and changed nothing.
    [fin] = [e for e in s["entries"] if e["phase"] == "finalize"]
    assert fin["action"] == "verified", fin


def test_canary_lost_no_acknowledged_record():
    summaries = ["summary-upgrade-1.json", "summary-rollback.json", "summary-upgrade.json"] if ROLLBACK else ["summary-upgrade.json"]
    report = canary_report("upgrade", summaries)
    FIGURES.write_text(json.dumps({"report": report, "summaries": {
        n: {k: load(n)[k] for k in SUMMARY_FIGURES} for n in summaries}}, indent=2))
    assert report["acked"] > 1000
    assert report["lost"]["count"] == 0, report["lost"]
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
        {"phase": "finalize", "host": "cluster", "planned": "raise", "actual": "raised", "as_planned": True}]
    assert comparison["differences"] == 0, comparison["rows"]
    assert comparison["estimate_s"] > 0 and comparison["roll_window_s"] == s["roll_window_s"]


def test_summary_prices_the_roll_beyond_its_restarts():
    s = load("summary-upgrade.json")
    assert s["restarts"] == len(hosts_of("kafka"))
    # One node at a time: the restarts' own seconds fit inside the roll window, which adds the gates and the hand-overs.
    assert 0 < s["restart_floor_s"] <= s["roll_window_s"], s
    assert s["overhead_ratio"] == round(s["roll_window_s"] / s["restart_floor_s"], 3)
