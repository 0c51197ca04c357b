"""streamops.kafka.preflight refuses bad inventories with a message naming the problem, before any host changes."""
import sys

import pytest
from conftest import REPO, local_inventory

PREFLIGHT = REPO / "playbooks" / "preflight.yml"
THREE = ["n1", "n2", "n3"]
# One combined node: where a check is about a setting, not about the layout, one host is enough, and each host is one
# more local run of every preflight task.
ONE = ["n1"]


# The judgements themselves (every layout, version, id, directory and SASL case) are tested on plain data in
# test_preflight_rules.py. Here each preflight task runs on a real ansible-playbook run at least once, passing and failing,
# so the wiring (which variables reach the judgement, that a problem stops the play) is tested too.
def test_a_good_inventory_passes(run_playbook):
    # A controller-only and a broker-only node; the combined and 3 + 3 layouts are judged in test_preflight_rules.py.
    # The inventory also keeps a prefixed name of its own, declared in kafka_preflight_other_variables.
    rc, out = run_playbook(PREFLIGHT, local_inventory(["c1"], ["b1"], group_vars={
        "kafka_team_owner": "payments", "kafka_preflight_other_variables": ["kafka_team_owner"]}))
    assert rc == 0, out


@pytest.mark.parametrize("inventory, message", [
    # The node's own settings, the cluster layout, the role's argument spec, the JDK, the distribution's checksum.
    (local_inventory(ONE, ONE, group_vars={"kafka_version": "2.8.2"}), "deploys KRaft clusters on Kafka 3.3.0"),
    (local_inventory(["c1", "c2"], ["b1"]), "needs an odd number"),
    (local_inventory(ONE, ONE, host_vars={"n1": {"kafka_node_id": "two"}}), "argument 'kafka_node_id' is of type str"),
    (local_inventory(ONE, ONE, group_vars={"kafka_version": "4.3.1", "jdk_major": 11}), "needs jdk_major >= 17"),
    (local_inventory(ONE, ONE, group_vars={"kafka_archive_sha512": "0123"}), "cannot be verified"),
    # With and without a checksum in the inventory: the archive's absence is named before its .sha512 is read.
    (local_inventory(ONE, ONE, group_vars={"kafka_archive_src": "/nonexistent/kafka.tgz"}),
     "The Kafka archive /nonexistent/kafka.tgz does not exist on the Ansible controller"),
    (local_inventory(ONE, ONE, group_vars={"kafka_archive_src": "/nonexistent/kafka.tgz", "kafka_archive_sha512": ""}),
     "The Kafka archive /nonexistent/kafka.tgz does not exist on the Ansible controller"),
    # A misspelled setting would leave the default in force: the preflight names it and the closest declared name.
    (local_inventory(ONE, ONE, group_vars={"kafka_verison": "4.3.1"}),
     "n1: kafka_verison is not a setting of streamops.kafka (did you mean kafka_version?)"),
    # The host's gathered facts reach the target-system check (a host name of its own: facts are cached per name).
    (local_inventory(["rpm1"], ["rpm1"], host_vars={"rpm1": {"ansible_facts_modules": ["ansible.builtin.setup", "dnf_host_facts"]}}),
     "rpm1 (Rocky 9.4) installs packages with dnf; jdk_source=package installs Debian's OpenJDK package with apt."),
], ids=["zk-era-version", "even-controllers", "bad-node-id", "jdk-too-old", "bad-checksum", "missing-archive",
        "missing-archive-no-checksum", "misspelled-variable", "rhel-host-package-jdk"])
def test_bad_inventories_fail_with_a_clear_message(run_playbook, inventory, message):
    rc, out = run_playbook(PREFLIGHT, inventory)
    assert rc != 0, out
    assert message in " ".join(out.split()), out


def test_controller_side_archive_checksum_is_verified(run_playbook, tmp_path):
    archive = tmp_path / "kafka_2.13-3.9.2.tgz"
    archive.write_bytes(b"not really kafka")
    # The archive is checked once, on the controller: one host is enough.
    inventory = local_inventory(ONE, ONE, group_vars={"kafka_archive_src": str(archive), "kafka_archive_sha512": ""})
    rc, out = run_playbook(PREFLIGHT, inventory)
    assert rc != 0 and "%s.sha512 is missing beside the archive" % archive in " ".join(out.split()), out

    (tmp_path / "kafka_2.13-3.9.2.tgz.sha512").write_text("%s  kafka_2.13-3.9.2.tgz\n" % ("cd" * 64))
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
    # A broker's ZooKeeper-mode settings, a member's own settings, the ensemble, the ZooKeeper distribution's checksum.
    (zk_inventory(members=1, controllers=["c1"]), "a ZooKeeper-mode cluster has brokers only"),
    (zk_inventory(members=1, zookeeper_version="3.4.14"), "needs zookeeper_version 3.5 or later"),
    (zk_inventory(members=2), "needs an odd number of members"),
    (zk_inventory(members=1, zookeeper_archive_sha512="12"), "The ZooKeeper distribution cannot be verified"),
], ids=["zk-with-controllers", "zk-3.4", "even-ensemble", "zk-checksum"])
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
    rc, out = run_playbook(PREFLIGHT, sasl(ONE, **GSSAPI, sasl_kerberos_kdcs=["kdc.example.com:88"]))
    assert rc == 0, out


def sasl(nodes=ONE, **overrides):
    return local_inventory(nodes, nodes, group_vars=dict(SASL, **overrides))


def test_good_sasl_inventory_passes(run_playbook):
    rc, out = run_playbook(PREFLIGHT, sasl(THREE))
    assert rc == 0, out
    assert "b-pw" not in out and "a-pw" not in out


@pytest.mark.parametrize("inventory, message", [
    # The scan of every setting for a JNDI login module, the users (with their secrets kept out), the Kafka version.
    (sasl(kafka_server_properties={"listener.name.x.plain.sasl.jaas.config":
                                   "com.sun.security.auth.module.JndiLoginModule required user.provider.url=\"ldap://x\";"}),
     "CVE-2023-25194: JndiLoginModule is configured in kafka_server_properties"),
    (sasl(sasl_users=[{"name": "broker", "password": ""}, {"name": "admin", "password": "a-pw"}]), "missing for: broker"),
    (sasl(kafka_version="3.4.1"), "creates SCRAM users at format time"),
    # The authorization role's checks (a dependency of the server role's): each refusal reaches the play.
    (sasl(sasl_protocol="PLAINTEXT", sasl_controller_protocol="PLAINTEXT", kafka_authorizer=True),
     "kafka_authorizer needs every listener to authenticate"),
    (sasl(kafka_acls=[{"principal": "User:admin", "role": "producer", "topic": "t"}]), "grants User:admin, a super user"),
], ids=["jndi-in-properties", "empty-password", "scram-before-3.5", "authorizer-on-plaintext", "acl-for-a-super-user"])
def test_bad_sasl_inventories_fail_before_any_change(run_playbook, inventory, message):
    rc, out = run_playbook(PREFLIGHT, inventory)
    assert rc != 0, out
    assert message in " ".join(out.split()), out
    assert "b-pw" not in out and "a-pw" not in out


def test_a_protocol_change_in_place_is_refused(run_playbook, tmp_path):
    config_dir = tmp_path / "etc-kafka"
    config_dir.mkdir()
    (config_dir / "server.properties").write_text("listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n")
    rc, out = run_playbook(PREFLIGHT, sasl(kafka_config_dir=str(config_dir), sasl_inter_broker_mechanism="PLAIN", sasl_admin_mechanism="PLAIN"))
    assert rc != 0, out
    assert ("its PLAINTEXT listener is PLAINTEXT and the inventory asks for SASL_PLAINTEXT: a listener does not change protocol in place"
            in " ".join(out.split())), out


@pytest.fixture
def mirror(tmp_path):
    """An HTTP server on loopback serving an empty directory: every file on it is missing (404)."""
    import functools
    import http.server
    import threading
    root = tmp_path / "mirror"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()


def test_an_unpublished_version_is_named_not_found(run_playbook, mirror):
    # kafka_version 3.9.20 does not exist: its .sha512 answers 404, and the message says what to check.
    url = "%s/kafka/3.9.20/kafka_2.13-3.9.20.tgz" % mirror
    rc, out = run_playbook(PREFLIGHT, local_inventory(ONE, ONE, group_vars={"kafka_archive_url": url, "kafka_archive_sha512": ""}))
    assert rc != 0, out
    assert ("The Kafka distribution %s was not found: its .sha512 answered 404. Check that kafka_version names a published release, "
            "or fix kafka_archive_url." % url) in " ".join(out.split()), out
    assert "<html" not in out.lower(), out


def test_an_unreachable_mirror_is_named_with_the_way_around(run_playbook):
    # Port 9 on loopback: nothing listens (discard), so the connection is refused.
    url = "http://127.0.0.1:9/kafka_2.13-3.9.2.tgz"
    rc, out = run_playbook(PREFLIGHT, local_inventory(ONE, ONE, group_vars={"kafka_archive_url": url, "kafka_archive_sha512": ""}))
    assert rc != 0, out
    flat = " ".join(out.split())
    assert "%s.sha512 could not be fetched from n1 (HTTP status -1)" % url in flat, out
    assert "Set kafka_archive_sha512, or kafka_archive_src for a copy on the controller." in flat, out
