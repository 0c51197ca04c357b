"""The road from a secured ZooKeeper cluster to Kafka 4.x as side_effect.yml ran it: the phases each migrate run found
and left, what every node ran after each, the rollback's cleanup, the data, logins and ACLs carried, no secret on a
command line, ZooKeeper gone, and the canary from start to end."""
import json

import pytest
from kafka import KafkaProducer
from kafka.errors import TopicAuthorizationFailedError

from streamops_verify import (EPHEMERAL, FIGURES, RUNNER, SUMMARY_FIGURES, address_of, canary_report, client_security,
                              hosts_of, inventory_vars, leaks, loss_evidence, node_id, passwords, properties,
                              run_module)
from streamops_verify import ephemeral_json as load

# Every run of the road that restarted nodes, in order; upgrade_tests judges the upgrade's.
SUMMARIES = ["summary-migrate-1.json", "summary-migrate-rollback.json", "summary-migrate-2.json", "summary-upgrade.json"]
MIGRATION_KEYS = ("zookeeper.metadata.migration.enable", "controller.quorum.voters", "controller.listener.names")
ACL_AUTHORIZER = "kafka.security.authorizer.AclAuthorizer"
STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
SCRAM_USERS = [u for u in inventory_vars()["sasl_users"] if "SCRAM-SHA-512" in u["mechanisms"]]


def record(name):
    """{host: (service_info result, server.properties dict)} as record.yml wrote it."""
    return {host: (running, properties(text)) for host, (running, text) in load(name + ".json").items()}


def entries(summary, phase):
    return [e for e in summary["entries"] if e["phase"] == phase]


def test_plan_mode_showed_the_steps_and_changed_nothing():
    log = (EPHEMERAL / "migrate-check.log").read_text()
    assert "Phase zookeeper (0)" in log, log[-3000:]
    assert ("Steps left: Provision the KRaft controllers in migration mode, formatted with the ZooKeeper cluster id; Roll the brokers "
            "with the migration flag and the controller quorum; Wait until the controllers copied the metadata") in log
    # The first real run found the same phase: the check run provisioned nothing.
    assert load("summary-migrate-1.json")["migration"]["before"] == "zookeeper"


@pytest.mark.parametrize("name, before, after, steps", [
    ("summary-migrate-1.json", "zookeeper", "dual-write", ["provision_controllers", "brokers_with_migration", "wait_dual_write"]),
    ("summary-migrate-rollback.json", "dual-write", "zookeeper", ["deprovision_controllers", "clear_znodes", "brokers_without_migration"]),
    ("summary-migrate-2.json", "zookeeper", "kraft",
     ["provision_controllers", "brokers_with_migration", "wait_dual_write", "brokers_to_kraft", "finalize"]),
])
def test_each_run_went_from_the_phase_it_found_to_its_target(name, before, after, steps):
    migration = load(name)["migration"]
    assert (migration["before"], migration["after"], migration["steps"], migration["problems"]) == (before, after, steps, [])
    assert [e["phase"] for e in load(name)["entries"] if e["host"] == "cluster"] == [s for s in steps if s in (
        "provision_controllers", "wait_dual_write", "deprovision_controllers", "clear_znodes")]


@pytest.mark.parametrize("name, phase, hosts", [
    ("summary-migrate-1.json", "brokers_with_migration", "kafka_brokers"),
    ("summary-migrate-rollback.json", "brokers_without_migration", "kafka_brokers"),
    ("summary-migrate-2.json", "brokers_with_migration", "kafka_brokers"),
    ("summary-migrate-2.json", "brokers_to_kraft", "kafka_brokers"),
    ("summary-migrate-2.json", "finalize", "kafka_controllers"),
])
def test_every_roll_restarted_each_node_once_one_at_a_time(name, phase, hosts):
    rolled = entries(load(name), phase)
    assert sorted(e["host"] for e in rolled) == hosts_of(hosts)
    assert {e["action"] for e in rolled} == {"restarted"}
    windows = sorted(e["restart_window"] for e in rolled)
    assert all(a[1] <= b[0] for a, b in zip(windows, windows[1:]))


def test_dual_write_copied_the_metadata_and_kept_the_brokers_in_zookeeper_mode():
    s = load("summary-migrate-1.json")
    [copy] = entries(s, "wait_dual_write")
    assert copy["detail"]["migration"]["kraft_metadata_offset"] >= 0
    assert s["migration"]["zk_broker_ids"] == sorted(node_id(h) for h in hosts_of("kafka_brokers"))
    assert set(s["migration"]["broker_modes"].values()) == {"zookeeper"}
    state = record("dual-write")
    for host in hosts_of("kafka_brokers"):
        p = state[host][1]
        assert p["broker.id"] == str(node_id(host)) and p["zookeeper.metadata.migration.enable"] == "true", (host, p)
        assert p["controller.quorum.voters"] == ",".join("%d@%s:9093" % (node_id(c), address_of(c)) for c in hosts_of("kafka_controllers"))
        # still the ZooKeeper-mode authorizer, and a login to the controllers' SASL_SSL listener
        assert p["authorizer.class.name"] == ACL_AUTHORIZER and p["sasl.mechanism.controller.protocol"] == "PLAIN", (host, p)
        assert p["listener.security.protocol.map"] == "BROKER:SASL_SSL,CONTROLLER:SASL_SSL", (host, p)
    for host in hosts_of("kafka_controllers"):
        running, p = state[host]
        assert running["active"] and running["version"] == "3.9.2", (host, running)
        assert p["process.roles"] == "controller" and p["zookeeper.metadata.migration.enable"] == "true", (host, p)
        # they reach the ZooKeeper-mode brokers on the inter-broker listener as the brokers' user, over TLS
        assert p["zookeeper.connect"] and p["inter.broker.listener.name"] == "BROKER", (host, p)
        assert p["sasl.mechanism.inter.broker.protocol"] == "PLAIN" and p["authorizer.class.name"] == STANDARD_AUTHORIZER, (host, p)


@pytest.mark.parametrize("host", hosts_of("kafka_controllers"))
def test_controllers_got_the_zookeeper_login_in_a_file_only_kafka_reads(host):
    # ZooKeeper admits no client without a login here (enforce.auth.enabled): the controllers copied the metadata with it.
    assert "enforce.auth.enabled=true" in RUNNER.get_host(hosts_of("zookeeper")[0]).file("/etc/zookeeper/zoo.cfg").content_string
    jaas = RUNNER.get_host(host).file("/etc/kafka/zookeeper-client.jaas")
    assert (jaas.user, jaas.group, jaas.mode) == ("root", "kafka", 0o640)
    assert "DigestLoginModule" in jaas.content_string


def test_rollback_left_zookeeper_mode_and_nothing_of_the_migration():
    s = load("summary-migrate-rollback.json")
    [cleared] = entries(s, "clear_znodes")
    assert cleared["detail"]["deleted"] == ["/controller", "/migration"]
    assert cleared["detail"]["migration"]["kraft_metadata_offset"] >= 0
    assert cleared["detail"]["controller_after"] in [node_id(h) for h in hosts_of("kafka_brokers")]
    assert set(s["migration"]["broker_modes"].values()) == {"zookeeper"}
    for host, (running, p) in record("after-migrate-rollback").items():
        assert running["active"] and "broker.id" in p and "process.roles" not in p, (host, p)
        assert not [k for k in MIGRATION_KEYS if k in p], (host, p)
        assert p["listener.security.protocol.map"] == "BROKER:SASL_SSL" and p["authorizer.class.name"] == ACL_AUTHORIZER, (host, p)
        assert "sasl.mechanism.controller.protocol" not in p, (host, p)
    # The brokers' KRaft metadata log went while they were stopped; the controllers kept neither configuration nor log.
    left = load("after-rollback-files.json")
    for host in hosts_of("kafka_brokers"):
        assert sorted(left[host]) == ["/etc/kafka/server.properties", "/var/lib/kafka/data/meta.properties"], (host, left[host])
    for host in hosts_of("kafka_controllers"):
        assert left[host] == [], (host, left[host])


def test_the_second_migration_ended_in_kraft_and_zookeeper_holds_no_broker():
    s = load("summary-migrate-2.json")
    assert s["migration"]["zk_broker_ids"] == []
    assert set(s["migration"]["broker_modes"].values()) == {"kraft"}
    state = record("migrated")
    for host in hosts_of("kafka_brokers"):
        running, p = state[host]
        assert running["active"] and p["process.roles"] == "broker" and p["node.id"] == str(node_id(host)), (host, p)
        assert not [k for k in p if k.startswith("zookeeper.") or k in ("broker.id", "inter.broker.protocol.version")], (host, p)
        assert p["authorizer.class.name"] == STANDARD_AUTHORIZER, (host, p)
    for host in hosts_of("kafka_controllers"):
        running, p = state[host]
        assert running["active"] and p["process.roles"] == "controller" and p["authorizer.class.name"] == STANDARD_AUTHORIZER, (host, p)
        assert not [k for k in p if k.startswith("zookeeper.") or k == "inter.broker.listener.name"], (host, p)


def test_site_on_the_migrated_cluster_rewrote_nothing():
    migrated, after = record("migrated"), record("after-site")
    assert sorted(after) == sorted(migrated)
    for host in after:
        assert after[host][1] == migrated[host][1], host
        assert after[host][0]["active"], host


def test_rollback_after_finalize_is_refused_and_says_why():
    log = " ".join((EPHEMERAL / "rollback-after-finalize.log").read_text().split())
    assert ("The migration was finalized (mz-ctrl1, mz-ctrl2, mz-ctrl3 run without ZooKeeper): ZooKeeper no longer holds the "
            "cluster's metadata, so there is no way back to ZooKeeper mode. Nothing was changed.") in log, log[-3000:]
    assert "Phase kraft (4)" in log


def test_zookeeper_is_decommissioned_and_the_cluster_runs_4x_finalized():
    for host in hosts_of("zookeeper"):
        assert not RUNNER.get_host(host).service("zookeeper").is_running, host
    s = load("summary-upgrade.json")
    assert s["restarts"] == len(hosts_of("kafka_controllers")) + len(hosts_of("kafka_brokers"))
    for host, (running, p) in record("final").items():
        assert running["active"] and running["version"] == "4.3.1", (host, running)
    info = run_module("kafka_info", bootstrap_servers=["%s:9092" % address_of(h) for h in hosts_of("kafka_brokers")])
    assert info["features"]["metadata.version"]["finalized"][1] == info["features"]["metadata.version"]["supported"][1], info["features"]
    assert sorted(b["broker_id"] for b in info["brokers"]) == sorted(node_id(h) for h in hosts_of("kafka_brokers"))
    assert info["partitions"]["under_replicated"] == 0 and info["partitions"]["offline"] == 0, info["partitions"]


@pytest.mark.parametrize("name", ["after-rollback", "final"])
def test_topics_configs_scram_users_and_acls_are_carried(name):
    before, after = load("snapshot-before.json"), load("snapshot-%s.json" % name)
    assert sorted(before["topics"]) == ["audit", "orders"]
    assert dict((t, after["topics"].get(t)) for t in before["topics"]) == before["topics"]
    assert before["topics"]["orders"]["configs"] == {"cleanup.policy": "delete", "retention.ms": "3600000"}
    assert before["scram_users"] == {"alice": {"SCRAM-SHA-256": 8192, "SCRAM-SHA-512": 8192}, "bob": {"SCRAM-SHA-512": 8192}}
    assert after["scram_users"] == before["scram_users"]
    assert before["acls"] == sorted([["TOPIC", "orders", "LITERAL", "User:alice", "*", "WRITE", "ALLOW"],
                                     ["TOPIC", "orders", "LITERAL", "User:alice", "*", "DESCRIBE", "ALLOW"],
                                     ["TOPIC", "orders", "LITERAL", "User:bob", "*", "READ", "ALLOW"],
                                     ["TOPIC", "orders", "LITERAL", "User:bob", "*", "DESCRIBE", "ALLOW"],
                                     ["GROUP", "billing", "LITERAL", "User:bob", "*", "READ", "ALLOW"],
                                     ["GROUP", "billing", "LITERAL", "User:bob", "*", "DESCRIBE", "ALLOW"]])
    assert after["acls"] == before["acls"]


def test_the_scram_users_log_in_unchanged_in_kraft():
    # Each login is checked with its password (verify_password): the credentials ZooKeeper held work on 4.3.1.
    result = run_module("kafka_scram_users", check_mode=True, users=SCRAM_USERS, verify_password=True,
                        bootstrap_servers=["%s:9092" % address_of(h) for h in hosts_of("kafka_brokers")])
    assert not result.get("failed") and not result["changed"], result


def test_a_user_can_do_only_what_its_migrated_acls_grant():
    alice = next(u for u in SCRAM_USERS if u["name"] == "alice")
    producer = KafkaProducer(bootstrap_servers=["%s:9092" % address_of(h) for h in hosts_of("kafka_brokers")], acks="all",
                             max_block_ms=30000, **client_security(user="alice", password=alice["password"], mechanism="SCRAM-SHA-512"))
    try:
        assert producer.send("orders", b"granted").get(timeout=30).offset >= 0
        with pytest.raises(TopicAuthorizationFailedError):
            producer.send("audit", b"not granted").get(timeout=30)
    finally:
        producer.close(timeout=10)


def test_no_password_on_any_command_line():
    logs = {p.name: p.read_text(errors="replace") for p in (EPHEMERAL / "cmdlines").glob("cmdlines-*.log")}
    nodes = sorted(set(hosts_of("kafka")) | set(hosts_of("zookeeper")))
    assert sorted(logs) == sorted(["cmdlines-%s.log" % h for h in nodes] + ["cmdlines-test-host.log"])
    for host in hosts_of("kafka"):
        assert "kafka.Kafka" in logs["cmdlines-%s.log" % host], host
    assert any(".kraft-storage-format.args" in logs["cmdlines-%s.log" % h] for h in hosts_of("kafka_controllers"))
    assert len(passwords()) >= 6, sorted(passwords())
    assert {name: leaks(text) for name, text in logs.items() if leaks(text)} == {}


def phase_windows():
    """One canary window per step of every run: from the step's first start to its last end."""
    windows = []
    for name in SUMMARIES:
        s = load(name)
        for phase in dict.fromkeys(e["phase"] for e in s["entries"]):
            es = entries(s, phase)
            windows.append({"name": "%s/%s" % (name.split(".")[0], phase), "start": min(e["started_at"] for e in es),
                            "end": max(e["ended_at"] for e in es), "restarts": sum(1 for e in es if e["action"] == "restarted")})
    return windows


def test_canary_lost_no_acknowledged_record_from_start_to_end():
    report = canary_report("migrate", SUMMARIES)
    phases = canary_report("migrate", SUMMARIES, windows=phase_windows())
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures["migrate"] = {
        "report": report,
        "phases": [dict(w, wall_s=round(w["end"] - w["start"], 1)) for w in phases["windows"]],
        "summaries": dict((name, dict((k, load(name).get(k)) for k in SUMMARY_FIGURES)) for name in SUMMARIES),
        "road_s": round(max(load(n)["started_at"] + load(n)["total_s"] for n in SUMMARIES) - load(SUMMARIES[0])["started_at"], 1),
    }
    FIGURES.write_text(json.dumps(figures, indent=2))
    assert report["acked"] > 1000
    assert report["lost"]["count"] == 0, loss_evidence(report)
    assert report["shutdown"]["consumer_caught_up"], report["shutdown"]
