"""The health gates on the real cluster: they pass when healthy, refuse an unsafe stop, and name what is wrong.

Runs after test_kraft_cluster.py (file order); every node it stops is started again before it ends.
"""
from kafka.admin import NewTopic

from conftest import RUNNER, run_module, wait_until

TOPIC = "gates"


def start_all(hosts):
    for h in hosts:
        RUNNER.get_host(h).run("systemctl start kafka")


def test_healthy_cluster_passes_at_once(bootstrap, controller_endpoints, admin, brokers):
    if TOPIC not in admin.list_topics():
        admin.create_topics([NewTopic(TOPIC, num_partitions=6, replication_factor=3,
                                      topic_configs={"min.insync.replicas": "2"})])
    ok, _ = wait_until(lambda: (not run_module("kafka_isr_wait", bootstrap_servers=bootstrap, timeout=0).get("failed"), None), 30)
    assert ok
    for result in (run_module("kafka_isr_wait", bootstrap_servers=bootstrap, timeout=5),
                   run_module("kafka_quorum_wait", bootstrap_servers=bootstrap, timeout=5),
                   run_module("kafka_quorum_wait", bootstrap_controllers=controller_endpoints, timeout=5)):
        assert not result.get("failed"), result
        assert result["attempts"] == 1 and result["elapsed"] < 1, result
        assert result["changed"] is False


def test_broker_gates_on_a_stopped_broker(bootstrap, brokers):
    names = sorted(brokers)
    victim, other = names[1], names[2]
    live = [b for b in bootstrap if not b.startswith(RUNNER.get_host(victim).interface("eth0").addresses[0] + ":")]
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
