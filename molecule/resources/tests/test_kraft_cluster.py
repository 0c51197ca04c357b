"""Verify a deployed KRaft cluster: services, storage identity, metadata quorum, and a real round trip."""
import base64
import uuid

import pytest
from streamops_verify import (RUNNER, client_security, hosts_of, inventory_vars, module_params, node_id, properties_file, run_module,
                              wait_until)

testinfra_hosts = sorted(set(hosts_of("kafka_controllers")) | set(hosts_of("kafka_brokers")))


def test_inventory_names_the_cluster():
    # Host-parametrised tests would silently skip with an empty inventory.
    assert hosts_of("kafka_controllers") and hosts_of("kafka_brokers"), testinfra_hosts


def meta_properties(host):
    """Parse meta.properties of every log dir on the host: {dir: {key: value}}."""
    dirs = host.run("ls -d /var/lib/kafka/*/meta.properties").stdout.split()
    assert dirs, "no meta.properties under /var/lib/kafka on %s" % host.backend.host
    return {path: properties_file(host, path) for path in dirs}


def test_service_active_and_enabled(host):
    service = host.service("kafka")
    assert service.is_running
    assert service.is_enabled


def test_runs_from_current_link_as_kafka_user(host):
    proc = host.process.get(comm="java", user="kafka")
    assert "kafka.Kafka" in proc.args
    assert host.file("/opt/kafka/current").is_symlink


def test_secrets_capable_files_not_world_readable(host):
    for path in ("/etc/kafka/server.properties", "/etc/kafka/kafka.env"):
        f = host.file(path)
        assert f.exists
        assert f.mode & 0o007 == 0, "%s is world-accessible (mode %o)" % (path, f.mode)


def test_disallowed_login_modules_on_command_line(host):
    proc = host.process.get(comm="java", user="kafka")
    assert "-Dorg.apache.kafka.disallowed.login.modules=" in proc.args
    assert "com.sun.security.auth.module.JndiLoginModule" in proc.args


def test_meta_properties_match_node(host):
    expected = str(node_id(host.backend.host))
    for path, props in meta_properties(host).items():
        assert props.get("node.id") == expected, "%s has node.id %s, expected %s" % (path, props.get("node.id"), expected)


def test_one_cluster_id_everywhere():
    ids = {}
    for name in testinfra_hosts:
        for path, props in meta_properties(RUNNER.get_host(name)).items():
            ids["%s:%s" % (name, path)] = props.get("cluster.id")
    assert len(set(ids.values())) == 1, "cluster ids differ: %s" % ids
    assert all(ids.values())


def test_finalized_levels_reach_the_formatted_levels(bootstrap):
    """What site checks after the first start, seen from outside: the finalized feature levels are not below the
    levels the controllers' storage was formatted with (bootstrap.checkpoint), and metadata.version has a name."""
    module_params()  # the installed collection on sys.path
    from ansible_collections.streamops.kafka.plugins.module_utils._features import bootstrap_levels, formatted_levels

    by_host = {}
    for name in hosts_of("kafka_controllers"):
        host = RUNNER.get_host(name)
        # The format writes the file into every directory it formats; the metadata log directory's is the one replayed.
        props = properties_file(host, "/etc/kafka/server.properties")
        metadata_dir = props.get("metadata.log.dir") or props["log.dirs"].split(",")[0]
        path = "%s/bootstrap.checkpoint" % metadata_dir
        assert host.file(path).exists, "%s: no %s" % (name, path)
        # It holds the format's salted SCRAM credentials: its directory is the service user's alone.
        assert host.file(metadata_dir).mode & 0o007 == 0, "%s: %s is world-accessible" % (name, metadata_dir)
        by_host[name] = bootstrap_levels(base64.b64decode(host.check_output("base64 -w0 %s" % path)))
    formatted = formatted_levels(by_host)
    assert formatted.get("metadata.version", 0) >= 7, formatted

    features = run_module("kafka_features", bootstrap_servers=bootstrap)
    assert not features.get("failed"), features.get("msg")
    below = {k: (features["finalized"].get(k, 0), v) for k, v in formatted.items() if features["finalized"].get(k, 0) < v}
    assert not below, "finalized below formatted (finalized, formatted): %s" % below
    assert features["metadata_version"], features


def test_all_nodes_in_metadata_quorum(admin, controllers, brokers):
    voter_ids = set(controllers.values())
    broker_only = set(brokers.values()) - voter_ids

    def quorum_state():
        partition = admin.describe_metadata_quorum()["topics"][0]["partitions"][0]
        voters = {v["replica_id"]: v for v in partition["current_voters"]}
        observers = {o["replica_id"]: o for o in partition["observers"]}
        leader_end = voters.get(partition["leader_id"], {}).get("log_end_offset", -1)
        lagging = sorted(r for r, v in voters.items() if v["log_end_offset"] < leader_end)
        ok = (set(voters) == voter_ids and partition["leader_id"] in voter_ids
              and broker_only <= set(observers) and not lagging and leader_end > 0)
        return ok, {"leader": partition["leader_id"], "voters": sorted(voters), "observers": sorted(observers), "lagging": lagging}

    ok, state = wait_until(quorum_state, timeout=60)
    assert ok, "metadata quorum not as expected (voters %s, broker-only observers %s): %s" % (
        sorted(voter_ids), sorted(broker_only), state)


def test_the_quorum_is_the_kind_the_inventory_asks_for(bootstrap, controllers):
    """kafka_quorum: static renders controller.quorum.voters and finalizes kraft.version 0; dynamic renders
    controller.quorum.bootstrap.servers, finalizes kraft.version 1, and the quorum reports each voter with the directory
    id of its metadata directory. A cluster formatted dynamic has the ids every first controller named for each other
    (--initial-controllers); one converted after the deploy (verify_kafka_quorum_after) keeps those of its format."""
    module_params()  # the installed collection on sys.path
    from ansible_collections.streamops.kafka.plugins.module_utils._quorum import directory_id

    deployed = inventory_vars().get("kafka_quorum", "static")
    dynamic = inventory_vars().get("verify_kafka_quorum_after", deployed) == "dynamic"
    features = run_module("kafka_features", bootstrap_servers=bootstrap)
    assert not features.get("failed"), features.get("msg")
    assert features["finalized"].get("kraft.version", 0) == (1 if dynamic else 0), features["finalized"]
    formatted = {}
    for name in testinfra_hosts:
        host = RUNNER.get_host(name)
        props = properties_file(host, "/etc/kafka/server.properties")
        assert ("controller.quorum.bootstrap.servers" in props) == dynamic, (name, props)
        assert ("controller.quorum.voters" in props) != dynamic, (name, props)
        if name in controllers:
            metadata_dir = props.get("metadata.log.dir") or props["log.dirs"].split(",")[0]
            formatted[controllers[name]] = properties_file(host, metadata_dir + "/meta.properties")["directory.id"]
    if dynamic:
        info = run_module("kafka_info", bootstrap_servers=bootstrap)
        assert not info.get("failed"), info.get("msg")
        reported = dict((v["id"], v["directory_id"]) for v in info["quorum"]["voters"])
        assert reported == formatted, (reported, formatted)
        if deployed == "dynamic":
            assert reported == dict((i, directory_id(info["cluster_id"], i)) for i in controllers.values()), reported


def test_round_trip_rf3_min_isr2(admin, bootstrap, brokers):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

    topic = "verify-%s" % uuid.uuid4().hex[:8]
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=3,
                                  topic_configs={"min.insync.replicas": "2"})])

    def topic_ready():
        described = admin.describe_topics([topic])[0]
        parts = described.get("partitions") or []
        ready = len(parts) == 3 and all(p["leader_id"] in brokers.values() and len(p["isr_nodes"]) == 3 for p in parts)
        return ready, parts

    ready, parts = wait_until(topic_ready, timeout=30)
    assert ready, "topic %s partitions not fully replicated: %s" % (topic, parts)

    # A broker that has not caught up with the new topic answers DescribeConfigs without its configs.
    def min_isr():
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)], config_filter="all")
        entry = configs.get("topic", {}).get(topic, {}).get("min.insync.replicas")
        return entry is not None, entry

    _, entry = wait_until(min_isr, timeout=30)
    assert entry is not None and entry["value"] == "2", entry

    count = 300
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5, **client_security())
    sent = {}
    futures = []
    for i in range(count):
        value = ("record-%d-%s" % (i, uuid.uuid4().hex)).encode()
        futures.append((value, producer.send(topic, key=str(i % 7).encode(), value=value)))
    for value, future in futures:
        meta = future.get(timeout=30)
        sent[value] = (meta.partition, meta.offset)
    producer.close()
    assert len(sent) == count

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, **client_security(),
                             auto_offset_reset="earliest", consumer_timeout_ms=1000)
    consumer.assign([TopicPartition(topic, p) for p in range(3)])
    received = {}

    def drain():
        for message in consumer:
            received[message.value] = (message.partition, message.offset)
        return len(received) >= count, len(received)

    done, _ = wait_until(drain, timeout=60, interval=0)
    consumer.close()
    missing = set(sent) - set(received)
    assert not missing, "%d of %d acknowledged records not consumed back" % (len(missing), count)
    assert received == sent, "records came back at other partitions/offsets than acknowledged"
    admin.delete_topics([topic])


def test_service_runs_on_the_java_the_jdk_role_installed(host):
    env = host.file("/etc/kafka/kafka.env").content_string
    java_home = [l.split("=", 1)[1] for l in env.splitlines() if l.startswith("JAVA_HOME=")]
    assert java_home, "no JAVA_HOME in kafka.env"
    # The launcher execs $JAVA_HOME/bin/java; /proc/<pid>/exe is not readable without CAP_SYS_PTRACE here.
    exe = host.process.get(comm="java", user="kafka").args.split()[0]
    assert exe == java_home[0] + "/bin/java", (exe, java_home)
    if RUNNER.get_variables(host.backend.host).get("jdk_source") == "archive":
        assert java_home[0] == "/opt/jdk/jdk-17-local"
