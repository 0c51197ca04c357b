"""The ZooKeeper-mode upgrade as side_effect.yml ran it: versions, Java, protocol pins, roll order, resume, canary."""
import json

import pytest

from streamops_verify import (FIGURES, RUNNER, SUMMARY_FIGURES, address_of, canary_report, hosts_of, loss_evidence,
                              node_id, properties)
from streamops_verify import ephemeral_json as load


def brokers_state(name):
    """{host: (service_info result, server.properties dict)} as record.yml wrote it."""
    return {host: (running, properties(text)) for host, (running, text) in load(name + ".json").items()}


@pytest.mark.parametrize("record,version,java,ibp", [
    ("after-upgrade-1", "3.4.1", "java-17", "2.8"),
    ("after-rollback", "2.8.2", "java-11", "2.8"),
    ("final", "3.4.1", "java-17", "3.4"),
])
def test_brokers_run_what_each_step_asked(record, version, java, ibp):
    state = brokers_state(record)
    assert sorted(state) == hosts_of("kafka_brokers")
    for host, (running, p) in state.items():
        assert running["active"], host
        assert running["version"] == version, (host, running)
        assert java in running["java_home"], (host, running)
        assert p["inter.broker.protocol.version"] == ibp, (host, p)
        assert "log.message.format.version" not in p


def entries(summary, phase):
    return [e for e in summary["entries"] if e["phase"] == phase]


def test_first_upgrade_pinned_then_moved_every_broker_with_the_controller_last():
    s = load("summary-upgrade-1.json")
    pin, up = entries(s, "pin"), entries(s, "upgrade")
    assert [e["action"] for e in pin] == ["restarted"] * 3
    assert [e["action"] for e in up] == ["restarted"] * 3
    assert {e["from_version"] for e in up} == {"2.8.2"} and {e["to_version"] for e in up} == {"3.4.1"}
    # One broker at a time: no two restart windows overlap.
    windows = sorted(e["restart_window"] for e in pin + up)
    assert all(a[1] <= b[0] for a, b in zip(windows, windows[1:]))
    assert s["active_controller"] in [node_id(h) for h in hosts_of("kafka_brokers")]
    assert node_id(s["order"][-1]) == s["active_controller"]
    assert [e["host"] for e in up] == s["order"]


def test_zookeeper_rolled_first_with_the_leader_last():
    s = load("summary-upgrade-1.json")
    zk = entries(s, "zookeeper")
    assert [e["action"] for e in zk] == ["restarted"] * 3
    assert {e["from_version"] for e in zk} == {"3.8.4"} and {e["to_version"] for e in zk} == {"3.9.5"}
    assert [e["host"] for e in zk] == s["zookeeper_order"]
    leader = [h for h in s["zookeeper_order"] if address_of(h) + ":2181" == s["zookeeper_leader"]]
    assert leader == [s["zookeeper_order"][-1]], (s["zookeeper_leader"], s["zookeeper_order"])
    # The ensemble before any broker.
    assert max(e["ended_at"] for e in zk) <= min(e["started_at"] for e in entries(s, "pin"))
    for host in hosts_of("zookeeper"):
        assert RUNNER.get_host(host).check_output("readlink /opt/zookeeper/current").endswith("apache-zookeeper-3.9.5-bin")


def test_stop_all_rollback_stopped_every_broker_before_starting_any():
    s = load("summary-rollback.json")
    down = entries(s, "stop_all")
    assert len(down) == 3 and {e["to_version"] for e in down} == {"2.8.2"}
    # Every broker was stopped before the first one started again.
    assert max(e["stopped_at"] for e in down) <= min(e["start_at"] for e in down)
    # The roll that follows finds every broker on 2.8.2 and only verifies it.
    assert [e["action"] for e in entries(s, "rollback")] == ["verified"] * 3


def test_second_upgrade_finalized_with_a_gated_roll():
    s = load("summary-upgrade-2.json")
    assert [e["action"] for e in entries(s, "zookeeper")] == ["verified"] * 3
    # The pin was already in place and running: verified, not restarted again.
    assert [e["action"] for e in entries(s, "pin")] == ["verified"] * 3
    assert [e["action"] for e in entries(s, "upgrade")] == ["restarted"] * 3
    assert [e["action"] for e in entries(s, "finalize")] == ["restarted"] * 3


def test_rerun_after_the_upgrade_restarts_nothing():
    s = load("summary-upgrade-3.json")
    assert s["restarts"] == 0
    assert len(s["entries"]) == 12 and {e["action"] for e in s["entries"]} == {"verified"}


@pytest.mark.parametrize("run,summaries", [
    ("rollback", ["summary-upgrade-1.json", "summary-rollback.json"]),
    ("upgrade", ["summary-upgrade-2.json"]),
])
def test_canary_lost_no_acknowledged_record(run, summaries):
    report = canary_report(run, summaries)
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures[run] = {"report": report, "summaries": {name: {k: load(name)[k] for k in SUMMARY_FIGURES}
                                                    for name in summaries}}
    FIGURES.write_text(json.dumps(figures, indent=2))
    assert report["acked"] > 1000
    assert report["lost"]["count"] == 0, loss_evidence(report)
    assert report["shutdown"]["consumer_caught_up"], report["shutdown"]
