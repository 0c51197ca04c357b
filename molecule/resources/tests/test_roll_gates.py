"""The health gates on the real cluster: they pass when healthy, refuse an unsafe stop, and name what is wrong.

Runs after test_kraft_cluster.py (file order); every node it stops is started again before it ends.
"""
import re
import time

from kafka.admin import NewTopic

from streamops_verify import RUNNER, address_of, client_security, module_params, module_security, run_module, wait_until

TOPIC = "gates"


def start_all(hosts):
    for h in hosts:
        RUNNER.get_host(h).run("systemctl start kafka")


def test_healthy_cluster_passes_at_once(bootstrap, controller_endpoints, admin, brokers, controllers):
    if TOPIC not in admin.list_topics():
        # Six partitions on the first three brokers (by name), leaders rotating: every partition has a replica on each
        # broker the tests below stop, whether the scenario has three brokers or more.
        three = [brokers[name] for name in sorted(brokers)[:3]]
        admin.create_topics([NewTopic(TOPIC, replica_assignments=dict((p, three[p % 3:] + three[:p % 3]) for p in range(6)),
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
        assert result["changed"] is False
        assert "leaders_moved" not in result  # check mode: the election is skipped
    # "At once" is counted in polls, not in seconds (a busy test host must not fail a healthy gate): the first poll
    # of each gate passes, and the quorum within the few polls a no-op record can take.
    assert all(r["attempts"] == 1 for r in first_poll), [r["attempts"] for r in first_poll]
    assert all(r["attempts"] <= 3 for r in quorum), [r["attempts"] for r in quorum]


def test_broker_gates_on_a_stopped_broker(bootstrap, brokers):
    names = sorted(brokers)
    victim, other = names[1], names[2]
    live = [b for b in bootstrap if not b.startswith(address_of(victim) + ":")]
    try:
        assert RUNNER.get_host(victim).run("systemctl stop kafka").rc == 0

        result = run_module("kafka_isr_wait", bootstrap_servers=live, timeout=3, sleep=0.5, topics=[TOPIC])
        assert result.get("failed"), result
        assert "under replicated: %s-0" % TOPIC in result["msg"], result["msg"]
        assert result["state"]["under_replicated_count"] == 6
        # It polled until one more pause would pass its timeout, and gave up then: at least 3 - 0.5 s and more than
        # one poll. The time of the last poll itself is not bounded here (under load it ran 3.005 s).
        assert result["elapsed"] > 2.5 and result["attempts"] > 1, result

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


def gate_now(params, attempts=20):
    """kafka_isr_wait's gate run in this process, once, as soon as it can read the cluster: (ok, state, client).

    In-process, it answers within a second of a crash, well inside the controller's fencing window. params: every option
    of the module (its argument_spec() defaults) with this gate's; the caller put the collection on sys.path."""
    from ansible_collections.streamops.kafka.plugins.module_utils._client import BrokerClient, is_transient
    from ansible_collections.streamops.kafka.plugins.modules.kafka_isr_wait import IsrCheck

    client = BrokerClient(params, "streamops-verify-gate")
    for _ in range(attempts):
        try:
            ok, state = IsrCheck(client, params)()
            return ok, state, client
        except Exception as exc:  # pylint: disable=broad-except
            if not is_transient(exc):
                raise
            client.reset()
    raise AssertionError("the gate could not read the cluster in %d attempts" % attempts)


def test_a_killed_broker_still_in_every_isr_blocks_the_next_stop(bootstrap, brokers):
    names = sorted(brokers)
    victim, other = names[0], names[2]
    live = [b for b in bootstrap if not b.startswith(address_of(victim) + ":")]
    module_params()  # puts the installed collection on sys.path
    from ansible_collections.streamops.kafka.plugins.modules.kafka_isr_wait import argument_spec
    # Every option at the module's own default (a hand-written copy missed the next new option), then this gate's.
    params = dict({name: spec.get("default") for name, spec in argument_spec().items()}, **module_security())
    params.update(bootstrap_servers=live, can_stop=[brokers[other]], topics=[TOPIC], live_timeout=3)
    assert not run_module("kafka_isr_wait", bootstrap_servers=bootstrap, can_stop=brokers[other], timeout=60).get("failed")
    assert RUNNER.get_host(victim).run("systemctl kill --signal=KILL kafka").rc == 0
    killed_at = time.monotonic()
    ok, state, client = gate_now(params)
    try:
        # What fooled the ISR-only gate: the cluster still lists the broker, and every ISR still holds it.
        registered = client.registered_brokers()
        isrs = [p["isr_nodes"] for p in client.topics([TOPIC])[0]["partitions"]]
        seen_after = time.monotonic() - killed_at
    finally:
        client.close()
    assert brokers[victim] in registered and all(brokers[victim] in isr for isr in isrs), (
        "broker %d was fenced %.1f s after the kill, before the check could see it unfenced" % (brokers[victim], seen_after))
    assert not ok, state
    assert state["not_live"] == [brokers[victim]], state
    assert brokers[victim] not in state["live_brokers"]
    # systemd starts the killed broker again (Restart=on-failure); once it is back in every ISR the same gate passes.
    back = run_module("kafka_isr_wait", bootstrap_servers=live, broker=brokers[victim], timeout=180)
    assert not back.get("failed"), back
    quorum = run_module("kafka_quorum_wait", bootstrap_servers=bootstrap, timeout=180)
    assert not quorum.get("failed"), quorum
    result = run_module("kafka_isr_wait", bootstrap_servers=bootstrap, can_stop=brokers[other], timeout=60)
    assert not result.get("failed"), result
    assert brokers[victim] in result["state"]["live_brokers"]


def test_a_partition_below_its_min_isr_is_named_and_can_be_accepted(bootstrap):
    from kafka import KafkaAdminClient

    # A client of its own: the session's may still hold metadata from before the restarts above.
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="streamops-verify-risky", request_timeout_ms=15000,
                             **client_security())
    # Replication factor 1 under min.insync.replicas 2: no wait for the ISR can ever end.
    admin.create_topics([NewTopic("risky", num_partitions=2, replication_factor=1, topic_configs={"min.insync.replicas": "2"})])
    try:
        info = run_module("kafka_info", bootstrap_servers=bootstrap)
        assert info["at_risk"]["rf1"] == ["risky-0", "risky-1"], info["at_risk"]
        refused = run_module("kafka_isr_wait", bootstrap_servers=bootstrap, timeout=1)
        assert refused.get("failed") and "under min isr: risky-0, risky-1" in refused["msg"], refused
        accepted = run_module("kafka_isr_wait", bootstrap_servers=bootstrap, timeout=30, ignore_partitions=["risky-0", "risky-1"])
        assert not accepted.get("failed"), accepted
        assert accepted["state"]["ignored"] == ["risky-0", "risky-1"]
    finally:
        admin.delete_topics(["risky"])
        admin.close()


def test_controller_gate_on_a_stopped_controller(controllers, controller_endpoints, bootstrap):
    names = sorted(controllers)
    victim, other = names[1], names[2]
    try:
        assert RUNNER.get_host(victim).run("systemctl stop kafka").rc == 0
        result = run_module("kafka_quorum_wait", bootstrap_controllers=controller_endpoints,
                            can_stop=controllers[other], timeout=2)
        assert result.get("failed"), result
        # The message is the last poll's: the one live follower is caught up, or a record or two behind the leader's
        # latest append (a fresh-clone run saw "1 (lag 1)" there and "leaves 0"). Either way the stopped voter is
        # named and no majority is left.
        assert re.search(r"stopping %d leaves [01] caught-up voter\(s\)" % controllers[other], result["msg"]), result["msg"]
        assert re.search(r"voters not caught up: .*\b%d \(" % controllers[victim], result["msg"]), result["msg"]
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
