"""Authorization as the authorization role set it up: every node runs the authorizer of its mode with the super users
derived from the inventory, orders-app can do what its ACLs grant and nothing else, a user with no ACL is refused, the
admin can do everything, the ACLs are as the inventory says (kafka_acls reports no change), and - where side_effect.yml
turned the authorizer on in place (sasl-kraft) - the canary, running as a user with only its ACLs, saw no authorization
error and lost nothing."""
import json
import os
import pathlib
import re
import uuid

import pytest

from streamops_verify import (EPHEMERAL, RUNNER, client_security, ephemeral_json, hosts_of, inventory_vars, properties_file,
                              run_module)

VARS = inventory_vars()
KRAFT = VARS.get("kafka_mode", "kraft") == "kraft"
KAFKA_NODES = hosts_of("kafka")
MECHANISM = VARS.get("verify_sasl_mechanisms_after", ["PLAIN"])[0]
TOPIC = "orders.events"
FIGURES = pathlib.Path(os.environ.get("STREAMOPS_CACHE", ".cache")) / ("figures-%s-authorization.json" % os.environ["MOLECULE_SCENARIO_NAME"])
pytestmark = pytest.mark.skipif(not VARS.get("verify_authorizer_after"), reason="this scenario runs no authorizer")


def expected_super_users():
    users = {VARS.get("sasl_inter_broker_user", "broker"), VARS.get("sasl_admin_user", "admin")}
    if KRAFT:
        users.add(VARS.get("sasl_controller_user", VARS.get("sasl_inter_broker_user", "broker")))
    return ";".join("User:%s" % u for u in sorted(users))


def retried(action, timeout=90):
    """action(), tried again while a broker the kraft suite's gate tests stopped is still coming back
    (UnknownBrokerIdError, NotController and other retriable errors), until timeout seconds pass."""
    import time
    from kafka.errors import KafkaError, TopicAlreadyExistsError
    deadline = time.monotonic() + timeout
    while True:
        try:
            return action()
        except KafkaError as exc:
            if isinstance(exc, TopicAlreadyExistsError) or authorization_error(exc) or time.monotonic() > deadline:
                raise
            time.sleep(2)


def security(user):
    return client_security(user=user, mechanism=MECHANISM)


def authorization_error(exc):
    """The name of a Kafka authorization error in exc (or in what it carries), else None."""
    text = "%s %r" % (type(exc).__name__, exc)
    for name in ("TopicAuthorizationFailed", "GroupAuthorizationFailed", "ClusterAuthorizationFailed"):
        if name in text:
            return name
    return None


def refused(action):
    """Run action; it must fail with an authorization error, whose name is returned."""
    try:
        result = action()
    except Exception as exc:  # noqa: BLE001 - any client error is judged below
        name = authorization_error(exc)
        assert name, "refused, but not for authorization: %r" % exc
        return name
    raise AssertionError("not refused: %r" % (result,))


@pytest.fixture(scope="module")
def topic(admin):
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError
    try:
        retried(lambda: admin.create_topics([NewTopic(TOPIC, 3, 3, topic_configs={"min.insync.replicas": "2"})]))
    except TopicAlreadyExistsError:
        pass
    admin.wait_for_topics([TOPIC], timeout_ms=60000)
    return TOPIC


def producer(bootstrap, user):
    from kafka import KafkaProducer
    return KafkaProducer(bootstrap_servers=bootstrap, acks="all", max_block_ms=20000, request_timeout_ms=15000, **security(user))


def user_admin(bootstrap, user):
    from kafka import KafkaAdminClient
    return KafkaAdminClient(bootstrap_servers=bootstrap, client_id="verify-%s" % user, request_timeout_ms=15000, **security(user))


@pytest.mark.parametrize("node", KAFKA_NODES)
def test_every_node_runs_the_authorizer_of_its_mode_with_the_derived_super_users(node):
    props = properties_file(RUNNER.get_host(node), "/etc/kafka/server.properties")
    assert props["authorizer.class.name"] == ("org.apache.kafka.metadata.authorizer.StandardAuthorizer" if KRAFT
                                              else "kafka.security.authorizer.AclAuthorizer")
    assert props["super.users"] == expected_super_users()
    assert props["allow.everyone.if.no.acl.found"] == "false"


def test_orders_app_produces_and_consumes_its_topics_with_its_group(bootstrap, topic):
    from kafka import KafkaConsumer
    marker = uuid.uuid4().hex
    p = producer(bootstrap, "orders-app")
    try:
        for n in range(10):
            p.send(topic, key=marker.encode(), value=("%s-%d" % (marker, n)).encode()).get(timeout=30)
    finally:
        p.close()
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id="orders-app", auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=30000, **security("orders-app"))
    try:
        seen = set()
        for record in consumer:
            if record.key == marker.encode():
                seen.add(record.value)
            if len(seen) == 10:
                break
        assert len(seen) == 10, sorted(seen)
        consumer.commit()  # the group's offsets: READ on the group
    finally:
        consumer.close()


def test_orders_app_cannot_touch_another_topic_or_group(bootstrap, topic):
    from kafka import KafkaConsumer
    p = producer(bootstrap, "orders-app")
    try:
        assert refused(lambda: p.send("canary", b"not-allowed").get(timeout=30)) == "TopicAuthorizationFailed"
    finally:
        p.close()
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id="someone-elses-group", auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=20000, **security("orders-app"))
    try:
        assert refused(lambda: consumer.poll(timeout_ms=20000)) == "GroupAuthorizationFailed"
    finally:
        consumer.close()


def test_orders_app_cannot_create_delete_or_reconfigure_topics(bootstrap, topic):
    from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
    client = user_admin(bootstrap, "orders-app")
    try:
        assert refused(lambda: client.create_topics([NewTopic("orders.new-%s" % uuid.uuid4().hex[:6], 1, 1)])) == "TopicAuthorizationFailed"
        assert refused(lambda: client.delete_topics([topic])) == "TopicAuthorizationFailed"

        def alter():
            # Straight to the broker: kafka-python's own check of the keys would first describe the topic's configs,
            # which the authorizer also refuses, and report an unknown key instead.
            result = client.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={"retention.ms": "1000"})],
                                          raise_on_unknown=False, incremental=True)
            outcome = result["topic"][topic]
            if outcome != "OK":
                raise RuntimeError(outcome)
            return result
        assert refused(alter) == "TopicAuthorizationFailed"
    finally:
        client.close()


def test_a_user_with_no_acl_is_refused(bootstrap, topic):
    p = producer(bootstrap, "app")
    try:
        assert refused(lambda: p.send(topic, b"not-allowed").get(timeout=30)) == "TopicAuthorizationFailed"
    finally:
        p.close()


def test_the_admin_can_create_and_delete_topics(admin):
    from kafka.admin import NewTopic
    name = "orders.admin-%s" % uuid.uuid4().hex[:6]
    retried(lambda: admin.create_topics([NewTopic(name, 1, 3)]))
    admin.wait_for_topics([name], timeout_ms=60000)
    admin.delete_topics([name])


def test_the_acls_are_the_inventory_and_a_rerun_changes_nothing(bootstrap):
    result = run_module("kafka_acls", bootstrap_servers=bootstrap, acls=VARS["kafka_acls"], exact=True)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False and result["created"] == [] and result["deleted"] == [], result
    assert result["authorizer"] is True
    assert "User:orders-app allow write on topic orders. (prefixed) from *" in result["acls"]
    # Check mode names what a changed inventory would do, and does not do it.
    more = VARS["kafka_acls"] + [{"principal": "User:orders-app", "resource_type": "topic", "name": "orders.audit",
                                  "operations": ["describe_configs"]}]
    planned = run_module("kafka_acls", check_mode=True, bootstrap_servers=bootstrap, acls=more)
    assert planned["changed"] is True
    assert planned["created"] == ["User:orders-app allow describe_configs on topic orders.audit (literal) from *"]
    again = run_module("kafka_acls", bootstrap_servers=bootstrap, acls=VARS["kafka_acls"], exact=True)
    assert again["changed"] is False, again


def task_results(log):
    """[(task name, {host: status})] in the order a -vvv run printed them (status: ok, changed, skipping, failed)."""
    blocks = []
    for chunk in re.split(r"^TASK \[", log, flags=re.M)[1:]:
        name = chunk.split("]", 1)[0]
        results = dict((host, status) for status, host in re.findall(r"^(ok|changed|skipping|failed): \[([^\]\s]+)", chunk, flags=re.M))
        blocks.append((name, results))
    return blocks


def canary_never_refused():
    """The canary ran as a user with only its ACLs, from before the roll to after it, and was never refused: its
    (acknowledged, failed) counts."""
    canary = EPHEMERAL / "canary-roll"
    assert json.loads((EPHEMERAL / "canary-roll.security.json").read_text())["sasl_plain_username"] == VARS["verify_canary_user"]
    failed = [json.loads(line) for line in (canary / "failed.jsonl").read_text().splitlines() if line.strip()]
    assert [f for f in failed if "Authorization" in str(f.get("error"))] == []
    assert "AuthorizationFailed" not in (canary / "canary.log").read_text(errors="replace")
    acked = len((canary / "acked.jsonl").read_text().splitlines())
    assert acked > 500
    return acked, len(failed)


def statuses(blocks, task):
    """[(block index, host, status)] of every block of the task (its name, or the end of it after the role's name)."""
    return [(i, host, status) for i, (name, results) in enumerate(blocks) if name == task or name.endswith(" : " + task)
            for host, status in results.items()]


STOP_TASK = "Stop the node and wait for its process to exit"
ACL_TASK = "streamops.kafka.authorization : Create the ACLs"


@pytest.mark.skipif(not (VARS.get("verify_canary_user") and KRAFT), reason="no authorizer turned on in one roll here")
def test_authorization_turned_on_in_place_without_an_error_or_a_loss_for_the_canary():
    # site wrote the authorizer for the roll and left the ACLs to it.
    site = (EPHEMERAL / "site-change-vvv.log").read_text(errors="replace")
    assert "do not run the authorizer yet" in site
    # The roll restarted every node, the controllers first; the ACLs were created once (changed), after the last
    # controller and before the first broker stopped, and found in place before every later broker.
    log = (EPHEMERAL / "restart-vvv.log").read_text(errors="replace")
    blocks = task_results(log)
    brokers, controllers = set(hosts_of("kafka_brokers")), set(hosts_of("kafka_controllers"))
    stops = [(i, host) for i, (name, results) in enumerate(blocks) if name.endswith("Stop the node and wait for its process to exit")
             for host, status in results.items() if status == "changed"]
    acls = [(i, status) for i, (name, results) in enumerate(blocks) if name == "streamops.kafka.authorization : Create the ACLs"
            for status in results.values()]
    acl_task = r'^TASK \[(streamops\.kafka\.authorization : Create the ACLs)\].*?"elapsed": ([0-9.]+)'
    elapsed = [float(e) for dummy, e in re.findall(acl_task, log, flags=re.M | re.S)]
    assert sorted(host for dummy, host in stops) == sorted(brokers | controllers), stops
    first_broker = min(i for i, host in stops if host in brokers)
    last_controller = max(i for i, host in stops if host in controllers)
    assert last_controller < first_broker, stops
    # Once per broker's turn, then once after the roll (restart.yml, as site does): found in place.
    assert [status for dummy, status in acls] == ["changed"] + ["ok"] * len(brokers), acls
    assert last_controller < acls[0][0] < first_broker, (acls, stops)
    assert acls[-1][0] > max(i for i, dummy in stops), (acls, stops)
    # Figures for the closing note: what the ACL step cost each broker's turn, and the canary's counts.
    acked, failed = canary_never_refused()
    FIGURES.write_text(json.dumps({"acl_task_elapsed_s": elapsed[:-1], "after_roll_acl_task_elapsed_s": elapsed[-1],
                                   "canary_acked": acked, "canary_failed": failed}, indent=1))


@pytest.mark.skipif(not (VARS.get("verify_canary_user") and not KRAFT), reason="no authorizer turned on in two rolls here")
def test_authorization_turned_on_in_two_rolls_without_an_error_or_a_loss_for_the_canary():
    """ZooKeeper mode: the first roll (kafka_authorizer_opening) restarted every broker into the authorizer with
    allow.everyone.if.no.acl.found=true and created the ACLs after its last broker; the second roll found them in place
    before each broker closed; the canary, a user with only its ACLs, was never refused."""
    brokers = sorted(hosts_of("kafka_brokers"))
    opening = (EPHEMERAL / "restart-vvv.log").read_text(errors="replace")
    assert "the nodes authorize with allow.everyone.if.no.acl.found=true" in opening
    blocks = task_results(opening)
    stops, acls = statuses(blocks, STOP_TASK), statuses(blocks, ACL_TASK)
    assert sorted(host for dummy, host, status in stops if status == "changed") == brokers, stops
    assert [status for dummy, dummy_host, status in acls] == ["changed"], acls
    assert acls[0][0] > max(i for i, dummy, dummy_status in stops), (acls, stops)
    closing = task_results((EPHEMERAL / "switch-vvv.log").read_text(errors="replace"))
    stops, acls = statuses(closing, STOP_TASK), statuses(closing, ACL_TASK)
    assert sorted(host for dummy, host, status in stops if status == "changed") == brokers, stops
    # Once before each broker's stop and once after the roll, never a change.
    assert [status for dummy, dummy_host, status in acls] == ["ok"] * (len(brokers) + 1), acls
    acked, failed = canary_never_refused()
    FIGURES.write_text(json.dumps({"canary_acked": acked, "canary_failed": failed}, indent=1))
