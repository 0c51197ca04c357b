"""streamops.kafka.preflight refuses bad inventories with a message naming the problem, before any host changes."""
import pytest
from conftest import REPO, local_inventory

PREFLIGHT = REPO / "playbooks" / "preflight.yml"
THREE = ["n1", "n2", "n3"]


def test_good_inventories_pass(run_playbook):
    for inventory in (local_inventory(THREE, THREE),
                      local_inventory(THREE, ["b1", "b2", "b3"]),
                      local_inventory(["c1"], ["b1"])):
        rc, out = run_playbook(PREFLIGHT, inventory)
        assert rc == 0, out


@pytest.mark.parametrize("inventory, message", [
    (local_inventory(["c1", "c2"], ["b1"]), "needs an odd number"),
    (local_inventory(THREE, []), "needs at least 1"),
    (local_inventory(THREE, THREE, host_vars={"n2": {"kafka_node_id": 1}}), "must be unique"),
    (local_inventory(THREE, THREE, host_vars={"n2": {"kafka_node_id": "two"}}), "argument 'kafka_node_id' is of type str"),
    (local_inventory(THREE, THREE, host_vars={"stray": {"kafka_node_id": 9}}), "is in neither 'kafka_controllers' nor 'kafka_brokers'"),
    (local_inventory(THREE, THREE, group_vars={"kafka_data_dirs": ["/tmp/kafka"]}), "outside /tmp"),
    (local_inventory(THREE, THREE, group_vars={"kafka_data_dirs": ["data"]}), "must be an absolute path"),
    (local_inventory(THREE, THREE, group_vars={"kafka_version": "2.8.2"}), "deploys KRaft clusters on Kafka 3.3.0"),
    (local_inventory(THREE, THREE, group_vars={"kafka_version": "5.0.0"}), "up to (not including) 5.0.0"),
    (local_inventory(THREE, THREE, group_vars={"kafka_version": "4.4"}), "is not deployable"),
    (local_inventory(THREE, THREE, group_vars={"kafka_version": "4.3.1", "jdk_major": 11}), "needs jdk_major >= 17"),
    (local_inventory(THREE, ["n1"], group_vars={"kafka_default_replication_factor": 3}), "at most the broker count"),
    (local_inventory(THREE, THREE, group_vars={"kafka_archive_sha512": "0123"}), "cannot be verified"),
    (local_inventory(THREE, THREE, group_vars={"kafka_archive_src": "/nonexistent/kafka.tgz"}), "file is missing"),
], ids=["even-controllers", "no-broker", "duplicate-ids", "bad-node-id", "host-in-no-group", "data-under-tmp",
        "relative-dir", "zk-era-version", "too-new", "short-version", "jdk-too-old", "rf-above-brokers",
        "bad-checksum", "missing-archive"])
def test_bad_inventories_fail_with_a_clear_message(run_playbook, inventory, message):
    rc, out = run_playbook(PREFLIGHT, inventory)
    assert rc != 0, out
    assert message in " ".join(out.split()), out


def test_controller_side_archive_checksum_is_verified(run_playbook, tmp_path):
    archive = tmp_path / "kafka_2.13-3.9.2.tgz"
    archive.write_bytes(b"not really kafka")
    (tmp_path / "kafka_2.13-3.9.2.tgz.sha512").write_text("%s  kafka_2.13-3.9.2.tgz\n" % ("cd" * 64))
    inventory = local_inventory(THREE, THREE, group_vars={"kafka_archive_src": str(archive), "kafka_archive_sha512": ""})
    rc, out = run_playbook(PREFLIGHT, inventory)
    assert rc != 0 and "file has" in " ".join(out.split()), out

    import hashlib
    digest = hashlib.sha512(archive.read_bytes()).hexdigest()
    # Apache's own .sha512 layout: "name: HEX HEX ..." in upper case over several lines.
    grouped = " ".join(digest[i:i + 8].upper() for i in range(0, 128, 8))
    (tmp_path / "kafka_2.13-3.9.2.tgz.sha512").write_text("kafka_2.13-3.9.2.tgz: %s\n%s\n" % (grouped[:60], grouped[60:]))
    rc, out = run_playbook(PREFLIGHT, inventory)
    assert rc == 0, out
