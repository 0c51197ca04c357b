"""streamops.kafka.preflight refuses bad inventories with a message naming the problem, before any host changes."""
import sys

import pytest
from conftest import REPO, local_inventory

PREFLIGHT = REPO / "playbooks" / "preflight.yml"
THREE = ["n1", "n2", "n3"]
# One combined node: where a check is about a setting, not about the layout, one host is enough, and each host is one
# more local run of every preflight task.
ONE = ["n1"]


@pytest.mark.parametrize("inventory", [local_inventory(THREE, THREE), local_inventory(THREE, ["b1", "b2", "b3"]),
                                       local_inventory(["c1"], ["b1"])], ids=["combined", "dedicated", "single"])
def test_good_inventories_pass(run_playbook, inventory):
    rc, out = run_playbook(PREFLIGHT, inventory)
    assert rc == 0, out


@pytest.mark.parametrize("inventory, message", [
    (local_inventory(["c1", "c2"], ["b1"]), "needs an odd number"),
    (local_inventory(ONE, []), "needs at least 1"),
    (local_inventory(ONE, ["n1", "n2"], host_vars={"n2": {"kafka_node_id": 1}}), "must be unique"),
    (local_inventory(ONE, ONE, host_vars={"n1": {"kafka_node_id": "two"}}), "argument 'kafka_node_id' is of type str"),
    (local_inventory(ONE, ONE, host_vars={"stray": {"kafka_node_id": 9}}), "is in neither 'kafka_controllers' nor 'kafka_brokers'"),
    (local_inventory(ONE, ONE, group_vars={"kafka_data_dirs": ["/tmp/kafka"]}), "outside /tmp"),
    (local_inventory(ONE, ONE, group_vars={"kafka_data_dirs": ["data"]}), "must be an absolute path"),
    (local_inventory(ONE, ONE, group_vars={"kafka_version": "2.8.2"}), "deploys KRaft clusters on Kafka 3.3.0"),
    (local_inventory(ONE, ONE, group_vars={"kafka_version": "5.0.0"}), "up to (not including) 5.0.0"),
    (local_inventory(ONE, ONE, group_vars={"kafka_version": "4.4"}), "is not deployable"),
    (local_inventory(ONE, ONE, group_vars={"kafka_version": "4.3.1", "jdk_major": 11}), "needs jdk_major >= 17"),
    (local_inventory(ONE, ONE, group_vars={"kafka_default_replication_factor": 3}), "at most the broker count"),
    (local_inventory(ONE, ONE, group_vars={"kafka_archive_sha512": "0123"}), "cannot be verified"),
    (local_inventory(ONE, ONE, group_vars={"kafka_archive_src": "/nonexistent/kafka.tgz"}), "file is missing"),
    (local_inventory(ONE, ONE, group_vars={"kafka_version": "4.3.1", "kafka_server_properties": {"log.message.format.version": "3.0"}}),
     "no longer knows log.message.format.version"),
], ids=["even-controllers", "no-broker", "duplicate-ids", "bad-node-id", "host-in-no-group", "data-under-tmp",
        "relative-dir", "zk-era-version", "too-new", "short-version", "jdk-too-old", "rf-above-brokers",
        "bad-checksum", "missing-archive", "removed-in-4"])
def test_bad_inventories_fail_with_a_clear_message(run_playbook, inventory, message):
    rc, out = run_playbook(PREFLIGHT, inventory)
    assert rc != 0, out
    assert message in " ".join(out.split()), out


def test_controller_side_archive_checksum_is_verified(run_playbook, tmp_path):
    archive = tmp_path / "kafka_2.13-3.9.2.tgz"
    archive.write_bytes(b"not really kafka")
    (tmp_path / "kafka_2.13-3.9.2.tgz.sha512").write_text("%s  kafka_2.13-3.9.2.tgz\n" % ("cd" * 64))
    # The archive is checked once, on the controller: one host is enough.
    inventory = local_inventory(ONE, ONE, group_vars={"kafka_archive_src": str(archive), "kafka_archive_sha512": ""})
    rc, out = run_playbook(PREFLIGHT, inventory)
    assert rc != 0 and "file has" in " ".join(out.split()), out

    import hashlib
    digest = hashlib.sha512(archive.read_bytes()).hexdigest()
    # Apache's own .sha512 layout: "name: HEX HEX ..." in upper case over several lines.
    grouped = " ".join(digest[i:i + 8].upper() for i in range(0, 128, 8))
    (tmp_path / "kafka_2.13-3.9.2.tgz.sha512").write_text("kafka_2.13-3.9.2.tgz: %s\n%s\n" % (grouped[:60], grouped[60:]))
    rc, out = run_playbook(PREFLIGHT, inventory)
    assert rc == 0, out


def zk_inventory(brokers=("b1",), members=3, controllers=(), zk_vars=None, **group_vars):
    inv = local_inventory(list(controllers), list(brokers),
                          group_vars=dict({"kafka_mode": "zookeeper", "kafka_version": "2.8.2", "jdk_major": 11,
                                           "zookeeper_archive_sha512": "ef" * 64}, **group_vars))
    hosts = {"z%d" % i: {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "zookeeper_id": i} for i in range(1, members + 1)}
    for host, extra in (zk_vars or {}).items():
        hosts[host].update(extra)
    inv["all"]["children"]["zookeeper"] = {"hosts": hosts}
    return inv


def test_good_zookeeper_mode_inventory_passes(run_playbook):
    rc, out = run_playbook(PREFLIGHT, zk_inventory())
    assert rc == 0, out


@pytest.mark.parametrize("inventory, message", [
    # One member where the check is about a setting, not the ensemble (a one-member ensemble is valid).
    (zk_inventory(members=1, kafka_version="4.0.0", jdk_major=17), "Kafka 4.0 removed ZooKeeper mode"),
    (zk_inventory(members=1, kafka_version="1.1.1"), "ZooKeeper-mode clusters on Kafka 2.0.0"),
    (zk_inventory(members=1, controllers=["c1"]), "a ZooKeeper-mode cluster has brokers only"),
    (zk_inventory(members=1, kafka_inter_broker_protocol_version="two"), "version pins like \"2.8\""),
    (zk_inventory(members=1, kafka_server_properties={"inter.broker.protocol.version": "2.1"}), "never kafka_server_properties"),
    (zk_inventory(members=2), "needs an odd number of members"),
    (zk_inventory(zk_vars={"z2": {"zookeeper_id": 1}}), "with unique ids"),
    (zk_inventory(members=1, zk_vars={"z1": {"zookeeper_id": 0}}), "a zookeeper_id from 1 to 255"),
    (zk_inventory(members=1, zookeeper_version="3.4.14"), "needs zookeeper_version 3.5 or later"),
    (zk_inventory(members=1, zookeeper_archive_sha512="12"), "The ZooKeeper distribution cannot be verified"),
], ids=["kafka-4-zk", "kafka-1", "zk-with-controllers", "bad-pin", "pin-in-properties", "even-ensemble", "dup-myid", "myid-0", "zk-3.4", "zk-checksum"])
def test_bad_zookeeper_inventories_fail_with_a_clear_message(run_playbook, inventory, message):
    rc, out = run_playbook(PREFLIGHT, inventory)
    assert rc != 0, out
    assert message in " ".join(out.split()), out


SASL = {"sasl_protocol": "SASL_PLAINTEXT", "sasl_mechanisms": ["SCRAM-SHA-512", "PLAIN"],
        "sasl_users": [{"name": "broker", "password": "b-pw"}, {"name": "admin", "password": "a-pw"}]}


# A keytab file that exists (preflight only checks it is there).
GSSAPI = {"sasl_mechanisms": ["GSSAPI", "PLAIN"], "sasl_kerberos_realm": "EXAMPLE.COM",
          "sasl_kerberos_keytab_src": __file__, "sasl_controller_user": "controller",
          "sasl_users": [{"name": "admin", "password": "a-pw"}, {"name": "controller", "password": "c-pw", "mechanisms": ["PLAIN"]}]}


def test_good_gssapi_inventory_passes(run_playbook):
    rc, out = run_playbook(PREFLIGHT, sasl(THREE, **GSSAPI, sasl_kerberos_kdcs=["kdc.example.com:88"]))
    assert rc == 0, out


def sasl(nodes=ONE, **overrides):
    return local_inventory(nodes, nodes, group_vars=dict(SASL, **overrides))


def test_good_sasl_inventory_passes(run_playbook):
    rc, out = run_playbook(PREFLIGHT, sasl(THREE))
    assert rc == 0, out
    assert "b-pw" not in out and "a-pw" not in out


@pytest.mark.parametrize("inventory, message", [
    (sasl(kafka_server_properties={"listener.name.x.plain.sasl.jaas.config":
                                   "com.sun.security.auth.module.JndiLoginModule required user.provider.url=\"ldap://x\";"}),
     "CVE-2023-25194: JndiLoginModule is configured in kafka_server_properties"),
    (sasl(kafka_jvm_opts="-Djava.security.auth.login.config=/x -Dy=jndiloginmodule"), "CVE-2023-25194: JndiLoginModule is configured in kafka_jvm_opts"),
    (sasl(kafka_disallowed_login_modules=["com.sun.security.auth.module.LdapLoginModule"]),
     "CVE-2023-25194: kafka_disallowed_login_modules must keep com.sun.security.auth.module.JndiLoginModule"),
    (sasl(sasl_inter_broker_mechanism="SCRAM-SHA-256"), "must be among them"),
    (sasl(sasl_users=[{"name": "broker", "password": "b-pw"}]), "missing: admin"),
    (sasl(sasl_users=[{"name": "broker", "password": ""}, {"name": "admin", "password": "a-pw"}]), "missing for: broker"),
    (sasl(sasl_users=[{"name": "bro ker", "password": "x"}, {"name": "broker", "password": "b"}, {"name": "admin", "password": "a"}]),
     "bad: bro ker"),
    (sasl(sasl_users=[{"name": "broker", "password": "b-pw", "mechanisms": ["PLAIN"]}, {"name": "admin", "password": "a-pw"}]),
     "user broker must have SCRAM-SHA-512"),
    (sasl(kafka_version="3.4.1"), "creates SCRAM users at format time"),
    (sasl(sasl_protocol="SASL_SSL", sasl_ssl_keystore_src="/nonexistent.p12"), "not a file on the controller"),
    (sasl(**GSSAPI, kafka_advertised_host="10.0.0.7"), "GSSAPI needs sasl_kerberos_host to be a host name"),
    (sasl(**dict(GSSAPI, sasl_kerberos_keytab_src="/nonexistent.keytab")), "/nonexistent.keytab', not a file"),
    (sasl(**GSSAPI, sasl_kerberos_principal="HTTP/_HOST@EXAMPLE.COM"), "got 'HTTP/n1@EXAMPLE.COM'"),
    (sasl(**GSSAPI, sasl_kerberos_kdcs=["kdc1 kdc2"]), "got kdc1 kdc2"),
    (sasl(**dict(GSSAPI, sasl_mechanisms=["GSSAPI"])), "the admin one a password mechanism"),
], ids=["jndi-in-properties", "jndi-in-jvm-opts", "jndi-not-disallowed", "inter-broker-not-enabled", "admin-missing",
        "empty-password", "bad-user-name", "user-lacks-mechanism", "scram-before-3.5", "ssl-without-stores",
        "kerberos-host-is-address", "keytab-missing", "principal-of-another-service", "bad-kdc", "admin-on-gssapi"])
def test_bad_sasl_inventories_fail_before_any_change(run_playbook, inventory, message):
    rc, out = run_playbook(PREFLIGHT, inventory)
    assert rc != 0, out
    assert message in " ".join(out.split()), out
    assert "b-pw" not in out and "a-pw" not in out


@pytest.mark.parametrize("in_place, overrides, message", [
    ("listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n", {},
     "its PLAINTEXT listener is PLAINTEXT and the inventory asks for SASL_PLAINTEXT: a listener does not change protocol in place"),
    ("listener.security.protocol.map=PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT\n"
     "listener.name.plaintext.sasl.enabled.mechanisms=PLAIN\n", {"sasl_inter_broker_mechanism": "SCRAM-SHA-512"},
     "its brokers accept PLAIN, so they cannot switch to SCRAM-SHA-512"),
], ids=["protocol-changed-in-place", "mechanism-not-yet-accepted"])
def test_authentication_changes_a_running_cluster_cannot_roll_are_refused(run_playbook, tmp_path, in_place, overrides, message):
    config_dir = tmp_path / "etc-kafka"
    config_dir.mkdir()
    (config_dir / "server.properties").write_text(in_place)
    settings = dict({"kafka_config_dir": str(config_dir), "sasl_inter_broker_mechanism": "PLAIN", "sasl_admin_mechanism": "PLAIN"},
                    **overrides)
    rc, out = run_playbook(PREFLIGHT, sasl(**settings))
    assert rc != 0, out
    assert message in " ".join(out.split()), out


def test_a_mechanism_the_brokers_already_accept_can_roll(run_playbook, tmp_path):
    config_dir = tmp_path / "etc-kafka"
    config_dir.mkdir()
    (config_dir / "server.properties").write_text("listener.security.protocol.map=PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT\n"
                                                  "listener.name.plaintext.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512\n")
    rc, out = run_playbook(PREFLIGHT, sasl(kafka_config_dir=str(config_dir)))
    assert rc == 0, out
