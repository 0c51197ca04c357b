"""The health gates on the real cluster: they pass when healthy, refuse an unsafe stop, and name what is wrong.

Runs after test_kraft_cluster.py (file order); every node it stops is started again before it ends.
"""
from kafka.admin import NewTopic

from streamops_verify import RUNNER, address_of, run_module, wait_until

TOPIC = "gates"


def start_all(hosts):
    for h in hosts:
        RUNNER.get_host(h).run("systemctl start kafka")


def test_healthy_cluster_passes_at_once(bootstrap, controller_endpoints, admin, brokers, controllers):
    if TOPIC not in admin.list_topics():
        admin.create_topics([NewTopic(TOPIC, num_partitions=6, replication_factor=3,
                                      topic_configs={"min.insync.replicas": "2"})])
    ok, _ = wait_until(lambda: (not run_module("kafka_isr_wait", bootstrap_servers=bootstrap, timeout=0).get("failed"), None), 30)
    assert ok
    first_poll = (run_module("kafka_isr_wait", bootstrap_servers=bootstrap, timeout=5),
                  run_module("kafka_info", bootstrap_servers=bootstrap),
                  run_module("kafka_isr_wait", check_mode=True, bootstrap_servers=bootstrap,
                             broker=sorted(brokers.values())[0], elect_leaders=True, timeout=5))
    # The metadata log gets a no-op record every 500 ms, so a follower can be one record behind for a few
    # milliseconds: with max_lag 0 a healthy quorum passes within a poll or two, never by waiting out a timeout.
    quorum = (run_module("kafka_quorum_wait", bootstrap_servers=bootstrap, timeout=5),
              run_module("kafka_quorum_wait", bootstrap_controllers=controller_endpoints, timeout=5,
                         voters=sorted(controllers.values()),
                         observers=sorted(set(brokers.values()) - set(controllers.values()))))
    for result in first_poll + quorum:
        assert not result.get("failed"), result
        assert result["elapsed"] < 1, result
        assert result["changed"] is False
        assert "leaders_moved" not in result  # check mode: the election is skipped
    assert all(r["attempts"] == 1 for r in first_poll), [r["attempts"] for r in first_poll]
    assert all(r["attempts"] <= 3 for r in quorum), [r["attempts"] for r in quorum]


def test_broker_gates_on_a_stopped_broker(bootstrap, brokers):
    names = sorted(brokers)
    victim, other = names[1], names[2]
    live = [b for b in bootstrap if not b.startswith(address_of(victim) + ":")]
    try:
        assert RUNNER.get_host(victim).run("systemctl stop kafka").rc == 0

        result = run_module("kafka_isr_wait", bootstrap_servers=live, timeout=3, topics=[TOPIC])
        assert result.get("failed"), result
        assert "under replicated: %s-0" % TOPIC in result["msg"], result["msg"]
        assert result["state"]["under_replicated_count"] == 6
        assert result["elapsed"] <= 3 and result["attempts"] > 1

        result = run_module("kafka_isr_wait", bootstrap_servers=live, can_stop=brokers[other], timeout=2, topics=[TOPIC])
        assert result.get("failed"), result
        assert "stopping broker %d would put partitions under min.insync.replicas: %s-" % (brokers[other], TOPIC) in result["msg"]
    finally:
        start_all([victim])

    result = run_module("kafka_isr_wait", bootstrap_servers=live, broker=brokers[victim], elect_leaders=True, timeout=180)
    assert not result.get("failed"), result
    assert result["state"]["not_in_isr"] == [] and result["state"]["registered"] is True
    assert result["election_failed"] == []
    assert run_module("kafka_isr_wait", bootstrap_servers=bootstrap, can_stop=brokers[other], timeout=30).get("failed") is not True


def test_controller_gate_on_a_stopped_controller(controllers, controller_endpoints, bootstrap):
    names = sorted(controllers)
    victim, other = names[1], names[2]
    try:
        assert RUNNER.get_host(victim).run("systemctl stop kafka").rc == 0
        result = run_module("kafka_quorum_wait", bootstrap_controllers=controller_endpoints,
                            can_stop=controllers[other], timeout=2)
        assert result.get("failed"), result
        assert "stopping %d leaves 1 caught-up voter(s)" % controllers[other] in result["msg"], result["msg"]
        assert "a majority needs 2" in result["msg"]
    finally:
        start_all([victim])
    result = run_module("kafka_quorum_wait", bootstrap_controllers=controller_endpoints, voters=sorted(controllers.values()),
                        timeout=180)
    assert not result.get("failed"), result
    assert all(v["lag"] == 0 for v in result["state"]["voters"]), result["state"]
    # Everything is back: the whole cluster converges again before the scenario ends.
    result = run_module("kafka_isr_wait", bootstrap_servers=bootstrap, timeout=180)
    assert not result.get("failed"), result


def test_kafka_info_describes_the_cluster(bootstrap, controller_endpoints, brokers, controllers):
    ids = set()
    for name in sorted(set(brokers) | set(controllers)):
        text = RUNNER.get_host(name).file("/var/lib/kafka/data/meta.properties").content_string
        ids |= {l.split("=", 1)[1] for l in text.splitlines() if l.startswith("cluster.id=")}
    info = run_module("kafka_info", bootstrap_servers=bootstrap)
    assert not info.get("failed"), info
    assert {info["cluster_id"]} == ids
    assert sorted(b["broker_id"] for b in info["brokers"]) == sorted(brokers.values())
    assert info["quorum"]["leader_id"] in controllers.values()
    assert sorted(v["id"] for v in info["quorum"]["voters"]) == sorted(controllers.values())
    assert info["features"]["metadata.version"]["finalized"][0] > 0
    assert info["partitions"]["offline"] == 0 and info["partitions"]["total"] >= 6
    assert set(info["broker_load"]) == {str(b) for b in brokers.values()}
    only_quorum = run_module("kafka_info", bootstrap_controllers=controller_endpoints)
    assert not only_quorum.get("failed"), only_quorum
    assert sorted(v["id"] for v in only_quorum["quorum"]["voters"]) == sorted(controllers.values())
    assert only_quorum["quorum"]["leader_id"] in controllers.values()
    assert "cluster_id" not in only_quorum  # controllers answer only the quorum
