"""streamops.kafka.migrate refuses what it cannot migrate with a message naming the problem, before any host changes
and before it reads ZooKeeper or Kafka. (Phase detection, the plan and every refusal that needs the cluster's state are
judged on plain data in test_migration.py; the migrate-zk scenario runs the whole road on real clusters.)"""
import pytest
from conftest import REPO, local_inventory

MIGRATE = REPO / "playbooks" / "migrate.yml"
CONTROLLERS = ["c1", "c2", "c3"]
BROKERS = ["b1", "b2", "b3"]
ZOOKEEPER = {"kafka_zookeeper_connect": "127.0.0.1:9"}


def inventory(controllers=CONTROLLERS, **group_vars):
    return local_inventory(controllers, BROKERS, group_vars=dict(ZOOKEEPER, **group_vars))


@pytest.mark.parametrize("inv, extra, message", [
    (inventory(kafka_mode="zookeeper"), {}, "reads the inventory as the cluster after the migration, plus its ZooKeeper: kafka_mode kraft (got zookeeper)"),
    (inventory(controllers=["c1", "c2"]), {}, "the new dedicated controllers in 'kafka_controllers' (an odd number, 3 or 5; got 2)"),
    (inventory(kafka_zookeeper_connect=""), {}, "(or kafka_zookeeper_connect; got 0 host(s) and '')"),
    (inventory(), {"kafka_migration_rollback": True, "kafka_migration_finalize": True},
     "kafka_migration_rollback and kafka_migration_finalize do not go together"),
    (inventory(kafka_server_properties={"authorizer.class.name": "kafka.security.authorizer.AclAuthorizer"}), {},
     "super.users lacks User:ANONYMOUS: with an authorizer the controllers and brokers of a migration reach each other"),
    (inventory(kafka_server_properties={"authorizer.class.name": "com.example.Ranger", "super.users": "User:ANONYMOUS"}), {},
     "authorizer.class.name is com.example.Ranger: a migration replaces"),
    # The settings pass: the first read of the cluster (ZooKeeper here answers nothing) fails, naming where. A secured
    # cluster (SASL, a ZooKeeper login, the ACL authorizer with the nodes as super users) passes too.
    (inventory(), {}, "kafka_migration_info could not open a ZooKeeper session on 127.0.0.1:9"),
    # (Passwords no message holds: the modules' no_log masks each value wherever it appears in their output.)
    (inventory(sasl_protocol="SASL_PLAINTEXT", sasl_users=[{"name": "admin", "password": "adm-pw-1"}, {"name": "broker", "password": "br-pw-2"}],
               sasl_zookeeper_digest=True, sasl_zookeeper_password="zk-pw-3", sasl_zookeeper_quorum_password="q-pw-4",
               kafka_server_properties={"authorizer.class.name": "kafka.security.authorizer.AclAuthorizer", "super.users": "User:broker"}),
     {}, "kafka_migration_info could not open a ZooKeeper session on 127.0.0.1:9"),
], ids=["inventory-still-zookeeper", "even-controllers", "no-zookeeper", "rollback-and-finalize", "authorizer-without-nodes",
        "unknown-authorizer", "zookeeper-down", "secured-cluster-passes"])
def test_migrate_refuses_before_anything_changes(run_playbook, inv, extra, message):
    rc, out = run_playbook(MIGRATE, inv, extra_vars=extra)
    assert rc != 0, out
    assert message in " ".join(out.split()), out
    # Nothing past the preflight ran.
    assert "Phase 1: provision" not in out or "skipping: no hosts matched" in out.split("Phase 1: provision")[1][:400], out
