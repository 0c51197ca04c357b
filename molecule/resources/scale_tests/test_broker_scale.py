"""What the kraft scenario's side_effect did with brokers: kraft-node4 was added with site, which restarted no other
node; a canary and a bulk topic were placed on the four brokers; streamops.kafka.brokers drained kraft-node4 (every
replica moved to the other three, each moved partition in sync again), stopped, cleaned and unregistered it; it was
added back with site and removed again; the canary lost nothing. The figures go to $STREAMOPS_CACHE/figures-<scenario>.json."""
import json

from streamops_verify import FIGURES, RUNNER, canary_report, ephemeral_json, loss_evidence, run_module


def _keep(**figures):
    kept = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    kept.update(figures)
    FIGURES.write_text(json.dumps(kept, indent=2))


def test_adding_a_broker_restarted_no_other_node():
    pids = ephemeral_json("broker-add-pids.json")
    assert pids["before"] == pids["after"], pids
    assert all(int(pid) > 0 for pid in pids["after"].values()), pids


def test_the_broker_was_drained_before_it_left():
    removal = ephemeral_json("brokers-remove.json")
    _keep(broker_drain=dict((k, v) for k, v in removal.items() if k != "moves"), broker_drain_moves=removal["moves"])
    assert (removal["brokers"], removal["broker_ids"], removal["unregistered"]) == (["kraft-node4"], [4], [4]), removal
    moved = removal["moves"]
    assert removal["moves_count"] == len(moved) > 0, removal
    # The canary's and the bulk topic's replicas on broker 4 moved; each target has the replication factor, no 4.
    assert {m["topic"] for m in moved} >= {"canary-drain", "drain-bulk"}, moved
    for move in moved:
        assert 4 in move["replicas"] and 4 not in move["target"], move
        assert len(move["target"]) == len(move["replicas"]) == len(set(move["target"])), move
        # The replicas that stayed kept their places.
        assert [r for r in move["target"] if r in move["replicas"]] == [r for r in move["replicas"] if r != 4], move


def test_the_broker_came_back_and_left_again():
    # Added back with site, it registered again (it could be unregistered again); it held nothing, so nothing moved.
    again = ephemeral_json("brokers-remove-again.json")
    _keep(broker_remove_again=again)
    assert (again["moves_count"], again["unregistered"]) == (0, [4]), again


def test_the_cluster_forgot_the_removed_broker(bootstrap):
    info = run_module("kafka_info", bootstrap_servers=bootstrap)
    assert not info.get("failed"), info.get("msg")
    assert sorted(b["broker_id"] for b in info["brokers"]) == [1, 2, 3], info["brokers"]
    assert info["fenced_brokers"] == [], info["fenced_brokers"]
    host = RUNNER.get_host("kraft-node4")
    assert not host.service("kafka").is_running and not host.service("kafka").is_enabled
    assert not host.file("/var/lib/kafka/data").exists


def test_the_canary_on_the_four_brokers_lost_nothing():
    report = canary_report("drain", [], windows=[])
    _keep(canary_drain=report)
    assert report["acked"] > 100
    assert report["lost"]["count"] == 0, loss_evidence(report)
