"""Fault 7 as molecule/faults-zk/side_effect.yml injected it: the ZooKeeper leader killed and kept down while a
ZooKeeper-mode broker rolls. Figures go to .cache/figures-faults-zk.json."""
from streamops_verify import canary_report, hosts_of, loss_evidence
from streamops_verify import ephemeral_json as load
from streamops_verify.faults import action, events, figures, gate_held, injected_as_written, output, timeline

STOP = "Stop the node and wait for its process to exit"


def test_the_fault_was_injected_as_written():
    injected_as_written("restart")
    assert action("restart", "zookeeper-leader-killed", "kill_java")["unit"] == "zookeeper"


def test_the_zookeeper_gate_held_the_next_broker_until_the_ensemble_was_whole_and_the_roll_went_on():
    kill = action("restart", "zookeeper-leader-killed", "kill_java")
    back = [e for e in events("restart")["events"] if e["do"] == "exec" and e["command"].endswith("start zookeeper")][0]
    assert events("restart")["rc"] == 0, output("restart")[-3000:]
    stops = timeline("restart", STOP, "changed")
    # Only the broker that had stopped already was down while the member was: no broker stopped until it was back.
    assert stops[0]["time"] <= kill["time"] and all(t["time"] > back["time"] for t in stops[1:]), stops
    _passed, held = gate_held("restart", "Wait until the ZooKeeper ensemble serves", kill, back)
    s = load("summary-restart.json")
    assert sorted(e["host"] for e in s["entries"] if e["action"] == "restarted") == hosts_of("kafka_brokers"), s["entries"]
    figures(zookeeper_leader_killed=held)


def test_canary_lost_no_acknowledged_record():
    report = canary_report("faults", ["summary-restart.json"])
    figures(canary=report)
    assert report["acked"] > 500
    assert report["lost"]["count"] == 0, loss_evidence(report)
    assert report["shutdown"]["consumer_caught_up"], report["shutdown"]
