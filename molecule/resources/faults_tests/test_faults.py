"""The faults side_effect.yml of the faults scenario injected, each judged by what it must leave: what stopped, what was
left untouched, the message, the canary, and that the run after it completed. Figures go to .cache/figures-faults.json."""
import re

import pytest

from streamops_verify import EPHEMERAL, canary_report, hosts_of, inventory_vars, loss_evidence, run_module
from streamops_verify import ephemeral_json as load
from streamops_verify.faults import action, events, figures, gate_held, injected_as_written, output, timeline

VARS = inventory_vars()
TARGET = VARS["upgrade_target_version"]
CUT_OFF_S = float(VARS["faults_cut_off_seconds"])
DOWN_S = float(VARS["faults_down_seconds"])
RUNS = ("upgrade", "resume", "rollback", "complete", "restart", "restart-resume", "disk-preflight", "disk-full", "disk-resume")


@pytest.mark.parametrize("run", RUNS)
def test_every_fault_was_injected_as_written(run):
    injected_as_written(run)


def test_a_controller_cut_off_held_the_next_controller_until_it_was_back():
    """Fault 3: right after a controller was rolled it was taken off the network; the next controller's quorum gate
    (can_stop) must not pass while it is cut off, and the roll must go on once it is back."""
    cut, back = action("upgrade", "controller-cut-off", "disconnect"), action("upgrade", "controller-cut-off", "connect")
    assert back["time"] - cut["time"] >= CUT_OFF_S
    pids = [e["pids"] for e in events("upgrade")["events"] if e["rule"] == "controller-cut-off" and e["do"] == "pids"]
    assert len(pids) == 2 and pids[0] == pids[1] and all(pids[0].values()), pids
    # The next gate began while the controller was cut off and passed only after it was back.
    passed, held = gate_held("upgrade", "Wait until the quorum can lose this controller", cut, back)
    assert passed["host"] != cut["target"], passed
    # The roll went on: every controller passed its gate back into the quorum.
    back_in = timeline("upgrade", "Wait until this controller is back in the quorum", "passed")
    assert sorted(t["host"] for t in back_in) == hosts_of("kafka_controllers"), back_in
    figures(controller_cut_off=held)


def test_a_rolled_broker_killed_while_the_next_was_stopped_held_the_third_until_it_was_back():
    """Fault 2: kill -9 of the first broker rolled, right after the second stopped, and kept down a while. The third
    broker's stop gate must begin while it is down and pass only after it was started again."""
    kill = action("upgrade", "rolled-broker-killed", "kill_java")
    back = [e for e in events("upgrade")["events"] if e["rule"] == "rolled-broker-killed" and e["do"] == "exec"][-1]
    assert back["command"] == "systemctl start kafka" and back["time"] - kill["time"] >= DOWN_S, back
    after = load("processes-after-upgrade.json")[kill["target"]]
    assert int(after["pid"]) not in (0, kill["pid"]) and float(after["started"]) > kill["time"], (kill, after)
    passed, held = gate_held("upgrade", "Wait until every partition can lose this broker", kill, back)
    assert passed["host"] != kill["target"], passed
    # No broker stopped while it was down.
    stops = timeline("upgrade", "Stop the node and wait for its process to exit", "changed")
    assert not [t for t in stops if kill["time"] < t["time"] < back["time"]], stops
    figures(rolled_broker_killed=held)


def test_a_broker_killed_while_starting_ends_the_roll_on_it_stopped():
    """Fault 2: kill -9 of the last broker while it starts: the roll ends on it, stopped again, with the message."""
    kill = action("upgrade", "broker-killed-starting", "kill_java")
    host, out = kill["target"], output("upgrade")
    assert events("upgrade")["rc"] != 0, out[-3000:]
    assert "%s did not come up, so the roll ends here and restarts no later node." % host in out, out[-3000:]
    assert "It went down and is stopped again" in out and "run the same playbook again" in out, out[-3000:]
    detected = re.search(r"kafka went down after ([0-9.]+) s", out)
    assert detected, out[-3000:]
    after = load("processes-after-upgrade.json")
    assert int(after[host]["pid"]) == 0, after[host]
    assert all(int(after[h]["pid"]) for h in after if h != host), after
    # Finalize was not reached: no task of its play ran (the run's output names every task it began).
    assert "Raise metadata.version" not in out, out[-3000:]
    figures(broker_killed_starting={"detected_after_start_s": float(detected.group(1)),
                                    "run_s": round(events("upgrade")["end"] - events("upgrade")["start"], 1)})


def test_the_rerun_started_the_stopped_broker_first_and_was_killed_after_finalize(bootstrap):
    """Fault 6, first half: the resume starts the broker left stopped, first and alone; the run is killed right after
    metadata.version was raised, before its summary."""
    stopped = action("upgrade", "broker-killed-starting", "kill_java")["target"]
    report = events("resume")
    assert report["killed"] and report["rc"] == -9, report
    starts = [t["host"] for t in timeline("resume", "Start the node on the new unit", "changed")]
    assert starts == [stopped], starts
    assert not (EPHEMERAL / "summary-resume.json").exists()
    live = run_module("kafka_features", bootstrap_servers=bootstrap)
    assert live["metadata_version"].startswith(".".join(TARGET.split(".")[:2]) + "-IV"), live


def test_rollback_refuses_after_the_killed_finalize_and_touches_nothing():
    out = output("rollback")
    assert events("rollback")["rc"] != 0, out[-3000:]
    release = ".".join(TARGET.split(".")[:2])
    assert "metadata.version is finalized at %s-IV" % release in out, out[-3000:]
    assert "runs: the upgrade was finalized (its point of no return) and cannot be rolled back." in out, out[-3000:]
    assert load("processes-after-rollback.json") == load("processes-before-rollback.json")
    assert not (EPHEMERAL / "summary-rollback.json").exists()


def test_the_upgrade_run_again_finalizes_nothing_twice_and_completes_the_summary():
    """Fault 6, second half: the run again sees the level raised, restarts nothing and writes the whole summary."""
    assert events("complete")["rc"] == 0, output("complete")[-3000:]
    s = load("summary-complete.json")
    up = [e for e in s["entries"] if e["phase"] == "upgrade"]
    assert sorted(e["host"] for e in up) == hosts_of("kafka") and {e["action"] for e in up} == {"verified"}, up
    [fin] = [e for e in s["entries"] if e["phase"] == "finalize"]
    assert fin["action"] == "verified", fin
    assert s["restarts"] == 0
    assert load("processes-before-restart.json") == load("processes-after-rollback.json")


def test_a_run_killed_between_stop_and_start_leaves_one_broker_stopped_and_the_rest_untouched():
    """Fault 4: the restart run killed right after the second broker stopped."""
    report = events("restart")
    assert report["killed"] and report["rc"] == -9, report
    stops = [t["host"] for t in timeline("restart", "Stop the node and wait for its process to exit", "changed")]
    assert len(stops) == 2 and all(h in hosts_of("kafka_brokers") for h in stops), stops
    before, after = load("processes-before-restart.json"), load("processes-after-restart.json")
    first, killed_at = stops
    assert int(after[killed_at]["pid"]) == 0, after[killed_at]
    assert after[first]["pid"] != before[first]["pid"], "the first broker was not restarted"
    for host in set(before) - {first, killed_at}:
        assert (after[host]["pid"], after[host]["started"]) == (before[host]["pid"], before[host]["started"]), host
    figures(run_killed={"stopped_left": killed_at})


def test_the_restart_run_again_starts_the_stopped_broker_first_and_restarts_only_what_is_due():
    stops = [t["host"] for t in timeline("restart", "Stop the node and wait for its process to exit", "changed")]
    first, stopped = stops
    assert events("restart-resume")["rc"] == 0, output("restart-resume")[-3000:]
    s = load("summary-restart-resume.json")
    assert s["order"][0] == stopped, s["order"]
    actions = {e["host"]: e["action"] for e in s["entries"]}
    due = set(hosts_of("kafka_brokers")) - {first}
    assert {h for h, a in actions.items() if a == "restarted"} == due, actions
    assert sorted(actions) == hosts_of("kafka")
    assert s["restarts"] == len(due)


def test_every_node_ends_on_the_target_version():
    state = load("final.json")
    assert sorted(state) == hosts_of("kafka")
    for host, (running, _props) in state.items():
        assert running["active"] and running["version"] == TARGET, (host, running)


def test_canary_lost_no_acknowledged_record_through_every_fault():
    summaries = ("summary-complete.json", "summary-restart-resume.json", "summary-disk-resume.json")
    report = canary_report("faults", [n for n in summaries if (EPHEMERAL / n).exists()])
    figures(canary=report)
    assert report["acked"] > 1000
    assert report["lost"]["count"] == 0, loss_evidence(report)
    assert report["shutdown"]["consumer_caught_up"], report["shutdown"]


SHORT = re.compile(r"(fk-[a-z0-9]+): (\S+) \(filesystem [^)]*\) has (\d+) MB free, below kafka_upgrade_min_free_mb=300")


def test_the_preflight_refuses_a_broker_short_of_free_space_and_changes_nothing():
    """Fault 5: fk-broker3's data directory (256 MB) is below the 300 MB asked; every other filesystem has plenty."""
    out = output("disk-preflight")
    assert events("disk-preflight")["rc"] != 0, out[-3000:]
    short = set(m.groups()[:2] for m in SHORT.finditer(out))
    assert short == {("fk-broker3", "/var/lib/kafka/data")}, out[-3000:]
    assert load("processes-after-disk-preflight.json") == load("processes-before-disk.json")


def test_a_disk_that_fills_mid_roll_ends_the_roll_before_the_next_broker_stops():
    """Fault 5: fk-broker3's data directory filled right after fk-broker1 stopped: fk-broker3 goes down, and the next
    broker's stop gate must give up (a 60 s timeout here) naming what it waits for, with nothing stopped after."""
    report, out = events("disk-full"), output("disk-full")
    fill = action("disk-full", "disk-filled", "exec")
    assert report["rc"] != 0, out[-3000:]
    stops = timeline("disk-full", "Stop the node and wait for its process to exit", "changed")
    assert stops and stops[-1]["host"] == "fk-broker1" and all(t["time"] <= fill["time"] for t in stops), stops
    failed = [t for t in timeline("disk-full", "Wait until every partition can lose this broker") if t["status"] in ("fatal", "failed")]
    assert failed and failed[0]["time"] > fill["time"], report["timeline"]
    assert "timed out after" in out and "canary-" in out, out[-3000:]
    assert "would put partitions under min.insync.replicas" in out or "do not answer on their listener" in out, out[-3000:]
    before, after = load("processes-after-disk-preflight.json"), load("processes-after-disk-full.json")
    assert after["fk-broker3"]["pid"] != before["fk-broker3"]["pid"], "the full disk did not take fk-broker3 down"
    stopped = {t["host"] for t in stops}
    for host in set(before) - stopped - {"fk-broker3"}:
        assert (after[host]["pid"], after[host]["started"]) == (before[host]["pid"], before[host]["started"]), host
    figures(disk_full={"gate_gave_up_after_fill_s": round(failed[0]["time"] - fill["time"], 1), "stopped_by_the_roll": sorted(stopped)})


def test_after_the_disk_is_freed_the_restart_run_again_completes():
    assert events("disk-resume")["rc"] == 0, output("disk-resume")[-3000:]
    s = load("summary-disk-resume.json")
    actions = {e["host"]: e["action"] for e in s["entries"]}
    assert sorted(actions) == hosts_of("kafka")
    # fk-broker1 restarted in the run the full disk ended; fk-broker2 was left due.
    assert actions["fk-broker1"] == "verified" and actions["fk-broker2"] == "restarted", actions
