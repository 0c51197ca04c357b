"""The preflight's judgements on plain data (plugins/module_utils/_preflight.py). test_preflight.py runs the roles'
preflight tasks on a few inventories to show each judgement is wired in and stops the play; the cases here are the
rest, one per way an inventory can be wrong, each checked for the message a user reads."""
import pytest
import yaml
from ansible_collections.streamops.kafka.plugins.module_utils import _preflight as p
from conftest import REPO

SERVER_VARS = yaml.safe_load((REPO / "roles" / "server" / "vars" / "main.yml").read_text())
BOUNDS = dict((name, SERVER_VARS[name]) for name in ("_kafka_kraft_min_version", "_kafka_max_version_exclusive", "_kafka_zookeeper_min_version",
                                                     "_kafka_zookeeper_max_version_exclusive", "_kafka_removed_in_4"))
THREE = ["n1", "n2", "n3"]


def node(host="n1", controllers=("n1",), brokers=("n1",), **settings):
    """A Kafka host's settings as the server role's preflight hands them over, with the role's defaults."""
    s = dict(BOUNDS, inventory_hostname=host, kafka_mode="kraft", kafka_version="3.9.2", kafka_server_properties={},
             kafka_controllers_group="kafka_controllers", kafka_brokers_group="kafka_brokers", kafka_zookeeper_group="zookeeper",
             kafka_inter_broker_protocol_version="", kafka_log_message_format_version="", kafka_node_id=1,
             kafka_data_dirs=["/var/lib/kafka/data"], kafka_metadata_log_dir="", kafka_log_dir="/var/log/kafka",
             controllers=list(controllers), brokers=list(brokers), group_names=["kafka", "kafka_brokers", "kafka_controllers"],
             zookeeper_connect="")
    s.update(settings)
    return s


def zk_node(**settings):
    return node(**dict({"controllers": (), "kafka_mode": "zookeeper", "kafka_version": "2.8.2", "zookeeper_connect": "z1:2181"}, **settings))


def joined(problems):
    return " ".join(" ".join(problems).split())


@pytest.mark.parametrize("settings", [node(), node(host="b1", controllers=["c1"], brokers=["b1"]), zk_node(),
                                      node(kafka_version="4.3.1"), node(kafka_version="3.3.0"), zk_node(kafka_version="3.9.2"),
                                      zk_node(kafka_version="2.0.0", kafka_inter_broker_protocol_version="2.0-IV1",
                                              kafka_log_message_format_version="2.0"),
                                      node(kafka_data_dirs=["/srv/a", "/srv/b"], kafka_metadata_log_dir="/srv/meta", kafka_node_id=0),
                                      node(kafka_node_id="7"), node(kafka_data_dirs=["/tmpdata"])],
                         ids=["combined", "dedicated-broker", "zookeeper-mode", "newest-4", "oldest-kraft", "newest-zk", "oldest-zk",
                              "own-dirs", "id-as-string", "tmp-prefix-is-not-tmp"])
def test_good_node_settings_pass(settings):
    assert p.kafka_node_problems(settings) == []


@pytest.mark.parametrize("settings, message", [
    (node(kafka_version="2.8.2"), "deploys KRaft clusters on Kafka 3.3.0"),
    (node(kafka_version="5.0.0"), "up to (not including) 5.0.0"),
    (node(kafka_version="4.4"), "n1: kafka_version 4.4 names a release line, not a version: give the patch release too, for example 4.4.0"),
    (zk_node(kafka_version=2.8), "kafka_version 2.8 names a release line"),
    (node(kafka_data_dirs="/var/lib/kafka/data"),
     "n1: kafka_data_dirs must be a list of directories, got \"/var/lib/kafka/data\": write it as a YAML list, for example "
     "kafka_data_dirs: ['/var/lib/kafka/data']."),
    (node(kafka_mode="zk"), "kafka_mode=zk kafka_version=3.9.2 is not deployable"),
    (node(kafka_version="4.3.1", kafka_server_properties={"log.message.format.version": "3.0"}),
     "n1: Kafka 4.3.1 no longer knows log.message.format.version: remove it from kafka_server_properties"),
    (node(kafka_version="4.0.0", kafka_server_properties={"zookeeper.connect": "z", "message.format.version": "3.0", "num.io.threads": 8}),
     "no longer knows zookeeper.connect, message.format.version: remove them"),
    (node(host="stray", group_names=["kafka"]), "stray is in neither 'kafka_controllers' nor 'kafka_brokers' (its groups: kafka)"),
    (node(kafka_node_id="two"), "kafka_node_id must be set to a whole number >= 0 (got two)"),
    (node(kafka_node_id=None), "kafka_node_id must be set to a whole number >= 0 (got nothing)"),
    (node(kafka_node_id=-1), "(got -1)"),
    (node(kafka_data_dirs=["/tmp/kafka"]), "n1: '/tmp/kafka' must be an absolute path outside /tmp and /var/tmp (a temp cleaner"),
    (node(kafka_data_dirs=["data"]), "'data' must be an absolute path"),
    (node(kafka_metadata_log_dir="/var/tmp/meta"), "'/var/tmp/meta' must be an absolute path outside /tmp and /var/tmp"),
    (node(kafka_log_dir="/tmp"), "'/tmp' must be an absolute path"),
    (zk_node(kafka_version="4.0.0"), "Kafka 4.0 removed ZooKeeper mode"),
    (zk_node(kafka_version="1.1.1"), "ZooKeeper-mode clusters on Kafka 2.0.0"),
    (zk_node(controllers=["c1"]), "a ZooKeeper-mode cluster has brokers only ('kafka_controllers' holds c1)"),
    (zk_node(zookeeper_connect=" "), "needs ZooKeeper hosts in 'zookeeper' or kafka_zookeeper_connect (got '')"),
    (zk_node(kafka_inter_broker_protocol_version="two"), "version pins like \"2.8\" as quoted strings (got inter.broker.protocol.version 'two'"),
    (zk_node(kafka_log_message_format_version="2.8.x"), "log.message.format.version '2.8.x'"),
    (zk_node(kafka_server_properties={"inter.broker.protocol.version": "2.1"}), "never kafka_server_properties"),
], ids=["zk-era-version", "too-new", "short-version", "short-zk-version", "data-dirs-as-string", "bad-mode", "removed-in-4", "removed-in-4-several",
        "host-in-no-group", "bad-node-id", "no-node-id", "negative-node-id", "data-under-tmp", "relative-dir", "metadata-under-var-tmp",
        "log-dir-is-tmp", "kafka-4-zk", "kafka-1", "zk-with-controllers", "zk-without-ensemble", "bad-pin", "bad-format-pin", "pin-in-properties"])
def test_bad_node_settings_are_named(settings, message):
    assert message in joined(p.kafka_node_problems(settings))


def test_every_problem_of_a_node_is_named_at_once():
    problems = p.kafka_node_problems(node(kafka_version="4.4", kafka_node_id="x", kafka_data_dirs=["/tmp/a", "rel"]))
    assert len(problems) == 4, problems
    assert not any("no longer knows" in problem for problem in problems)  # an unreadable version judges nothing else


def layout(controllers, brokers, ids=None, zk_mode=False, rf=None, min_isr=None):
    hosts = list(dict.fromkeys(list(controllers) + list(brokers)))
    ids = ids or dict((host, i + 1) for i, host in enumerate(hosts))
    rf = min(len(brokers), 3) if rf is None else rf
    min_isr = max(rf - 1, 1) if min_isr is None else min_isr
    return p.kafka_layout_problems(controllers, brokers, ids, zk_mode, rf, min_isr, "kafka_controllers", "kafka_brokers")


@pytest.mark.parametrize("problems", [layout(THREE, THREE), layout(THREE, ["b1", "b2", "b3"]), layout(["c1"], ["b1"]),
                                      layout([], ["b1", "b2", "b3"], zk_mode=True), layout(THREE, THREE, ids={"n1": 5, "n2": 0, "n3": 17}),
                                      layout(["c1", "c2", "c3", "c4", "c5"], ["b1"], rf=1, min_isr=1)],
                         ids=["combined", "dedicated", "single", "zookeeper-mode", "non-sequential-ids", "five-controllers"])
def test_good_layouts_pass(problems):
    assert problems == []


@pytest.mark.parametrize("problems, expected", [
    (layout(["c1", "c2"], ["b1"]), ["Cluster layout: 2 controller(s) in 'kafka_controllers'; a KRaft quorum needs an odd number (1, 3 or 5)."]),
    (layout([], ["b1"]), ["Cluster layout: 0 controller(s) in 'kafka_controllers'; a KRaft quorum needs an odd number (1, 3 or 5)."]),
    (layout(["n1"], [], rf=3, min_isr=2), ["Cluster layout: 0 broker(s) in 'kafka_brokers'; a cluster needs at least 1."]),
    (layout(["n1"], ["n1", "n2"], ids={"n1": 1, "n2": 1}),
     ["Cluster layout: node id(s) 1 are given to more than one host (n1=1, n2=1); kafka_node_id must be unique."]),
    (layout(["n1"], ["n1"], rf=3), ["Cluster layout: replication factor 3 is above the 1 broker(s) in 'kafka_brokers'."]),
    (layout(THREE, THREE, rf=2, min_isr=3), ["Cluster layout: min.insync.replicas 3 is above the replication factor 2."]),
    # Every broken rule gets its own sentence, and only those.
    (layout(["c1", "c2"], ["c1", "c2"], ids={"c1": 1, "c2": 1}, rf=3, min_isr=2),
     ["Cluster layout: 2 controller(s) in 'kafka_controllers'; a KRaft quorum needs an odd number (1, 3 or 5).",
      "Cluster layout: node id(s) 1 are given to more than one host (c1=1, c2=1); kafka_node_id must be unique.",
      "Cluster layout: replication factor 3 is above the 2 broker(s) in 'kafka_brokers'."]),
], ids=["even-controllers", "no-controller", "no-broker", "duplicate-ids", "rf-above-brokers", "min-isr-above-rf", "three-rules"])
def test_bad_layouts_name_each_broken_rule(problems, expected):
    assert problems == expected


def member(host="z1", members=("z1",), **settings):
    s = dict(inventory_hostname=host, members=list(members), zookeeper_version="3.8.4", zookeeper_id=1, zookeeper_hosts_group="zookeeper",
             zookeeper_data_dir="/var/lib/zookeeper/data", zookeeper_txn_log_dir="/var/lib/zookeeper/txnlog", zookeeper_log_dir="/var/log/zookeeper")
    s.update(settings)
    return s


@pytest.mark.parametrize("settings", [member(), member(zookeeper_version="3.5.0", zookeeper_id=255), member(zookeeper_id="3")],
                         ids=["default", "oldest-and-highest-id", "id-as-string"])
def test_good_members_pass(settings):
    assert p.zookeeper_member_problems(settings) == []


@pytest.mark.parametrize("settings, message", [
    (member(zookeeper_id=0), "a zookeeper_id from 1 to 255 (got 0)"),
    (member(zookeeper_id=256), "(got 256)"),
    (member(zookeeper_id=None), "(got nothing)"),
    (member(zookeeper_version="3.4.14"), "needs zookeeper_version 3.5 or later (got 3.4.14)"),
    (member(zookeeper_version="4.0.0"), "(got 4.0.0)"),
    (member(members=["z2"]), "membership in the 'zookeeper' group"),
    (member(zookeeper_txn_log_dir="/tmp/txn"), "z1: '/tmp/txn' must be an absolute path outside /tmp and /var/tmp."),
], ids=["myid-0", "myid-256", "no-myid", "zk-3.4", "zk-4", "not-a-member", "txn-log-under-tmp"])
def test_bad_members_are_named(settings, message):
    assert message in joined(p.zookeeper_member_problems(settings))


@pytest.mark.parametrize("members, ids, message", [
    (["z1", "z2"], {"z1": 1, "z2": 2}, "needs an odd number of members (1, 3 or 5; got 2)"),
    (["z1", "z2", "z3"], {"z1": 1, "z2": 1, "z3": 3}, "with unique ids (got {'z1': '1', 'z2': '1', 'z3': '3'})"),
], ids=["even-ensemble", "dup-myid"])
def test_bad_ensembles_are_named(members, ids, message):
    assert message in joined(p.zookeeper_ensemble_problems(members, ids, "zookeeper"))
    assert p.zookeeper_ensemble_problems(["z1", "z2", "z3"], {"z1": 1, "z2": 2, "z3": 3}, "zookeeper") == []


KEYTAB = __file__  # a file that exists: the preflight only checks the keytab is there


def sasl(host="n1", **settings):
    """A host's SASL settings with the sasl role's defaults (and what they derive from the others)."""
    s = dict(inventory_hostname=host, kafka_mode="kraft", kafka_version="3.9.2", kafka_disallowed_login_modules=None, scanned={},
             sasl_protocol="SASL_PLAINTEXT", sasl_mechanisms=["SCRAM-SHA-512", "PLAIN"], sasl_controller_mechanism="PLAIN",
             sasl_users=[{"name": "broker", "password": "b-pw"}, {"name": "admin", "password": "a-pw"}],
             sasl_inter_broker_user="broker", sasl_admin_user="admin", sasl_ssl_keystore_src="", sasl_ssl_keystore_password="",
             sasl_ssl_truststore_src="", sasl_kerberos_service_name="kafka", sasl_kerberos_realm="", sasl_kerberos_principal=None,
             sasl_kerberos_host=host, sasl_kerberos_keytab_src="", sasl_kerberos_kdcs=[], sasl_zookeeper_digest=False,
             sasl_zookeeper_user="kafka", sasl_zookeeper_password="", sasl_zookeeper_quorum_user="zkquorum", sasl_zookeeper_quorum_password="")
    s.update(settings)
    s.setdefault("sasl_controller_protocol", s["sasl_protocol"])
    s.setdefault("sasl_controller_user", s["sasl_inter_broker_user"])
    s.setdefault("sasl_inter_broker_mechanism", s["sasl_mechanisms"][0])
    s.setdefault("sasl_admin_mechanism", s["sasl_inter_broker_mechanism"] if s["sasl_inter_broker_mechanism"] != "GSSAPI"
                 else ([m for m in s["sasl_mechanisms"] if m != "GSSAPI"] + ["PLAIN"])[0])
    s.setdefault("sasl_ssl_keystore_type", "PKCS12" if s["sasl_ssl_keystore_src"].endswith((".p12", ".pfx")) else "PEM")
    if s["sasl_kerberos_principal"] is None:
        s["sasl_kerberos_principal"] = "%s/_HOST%s" % (s["sasl_kerberos_service_name"], "@" + s["sasl_kerberos_realm"] if s["sasl_kerberos_realm"] else "")
    return s


MTLS = {"sasl_mtls_enabled": True, "sasl_mtls_listener_name": "MTLS", "sasl_mtls_port": 9094, "sasl_mtls_client_ca_src": KEYTAB,
        "sasl_ssl_keystore_src": KEYTAB, "sasl_ssl_truststore_src": KEYTAB, "sasl_ssl_principal_mapping_rules": ["RULE:^CN=([^,]+)$/$1/", "DEFAULT"]}
GSSAPI = {"sasl_mechanisms": ["GSSAPI", "PLAIN"], "sasl_kerberos_realm": "EXAMPLE.COM", "sasl_kerberos_keytab_src": KEYTAB,
          "sasl_controller_user": "controller",
          "sasl_users": [{"name": "admin", "password": "a-pw"}, {"name": "controller", "password": "c-pw", "mechanisms": ["PLAIN"]}]}


@pytest.mark.parametrize("settings", [
    sasl(sasl_protocol="PLAINTEXT", sasl_users=[]), sasl(), sasl(**GSSAPI, sasl_kerberos_kdcs=["kdc.example.com:88"]),
    sasl(kafka_mode="zookeeper", kafka_version="2.8.2", sasl_inter_broker_mechanism="PLAIN", sasl_admin_mechanism="PLAIN"),
    sasl(sasl_protocol="SASL_SSL", sasl_ssl_keystore_src=KEYTAB, sasl_ssl_truststore_src=KEYTAB),
    sasl(sasl_zookeeper_digest=True, sasl_zookeeper_password="z", sasl_zookeeper_quorum_password="q"),
    sasl(kafka_version=None, kafka_mode="zookeeper"),
    sasl(**MTLS),
    sasl(**dict(MTLS, sasl_mtls_port="9094", sasl_mtls_enabled="yes", kafka_broker_listener_name="BROKER")),
    sasl(**dict(MTLS, sasl_mtls_enabled="false", sasl_mtls_port=9093, sasl_mtls_listener_name="mtls", sasl_mtls_client_ca_src="/nonexistent-ca.pem")),
    sasl(sasl_ssl_principal_mapping_rules=["RULE:^CN=(?<name>[^,]+),OU=apps$/${name}/L", r"RULE:^CN=a\/b$/x\/y/", "DEFAULT"]),
], ids=["plaintext", "scram-and-plain", "gssapi", "zookeeper-mode", "sasl-ssl-pem", "zookeeper-digest", "zookeeper-member-alone", "mtls",
        "mtls-as-strings", "mtls-off-as-a-string", "mapping-rules"])
def test_good_sasl_settings_pass(settings):
    assert p.sasl_problems(settings) == []


JNDI = "com.sun.security.auth.module.JndiLoginModule required user.provider.url=\"ldap://x\";"


@pytest.mark.parametrize("settings, message", [
    (sasl(scanned={"kafka_server_properties": {"listener.name.x.plain.sasl.jaas.config": JNDI}}),
     "CVE-2023-25194: JndiLoginModule is configured in kafka_server_properties"),
    (sasl(scanned={"kafka_jvm_opts": "-Djava.security.auth.login.config=/x -Dy=jndiloginmodule"}),
     "CVE-2023-25194: JndiLoginModule is configured in kafka_jvm_opts"),
    (sasl(kafka_disallowed_login_modules=["com.sun.security.auth.module.LdapLoginModule"]),
     "CVE-2023-25194: kafka_disallowed_login_modules must keep com.sun.security.auth.module.JndiLoginModule"),
    (sasl(sasl_protocol="SASL"), "must be PLAINTEXT, SASL_PLAINTEXT or SASL_SSL (got SASL, SASL)"),
    (sasl(sasl_mechanisms=["SCRAM-SHA-512", "OAUTHBEARER"]), "(got SCRAM-SHA-512, OAUTHBEARER)"),
    (sasl(sasl_inter_broker_mechanism="SCRAM-SHA-256"), "must be among them"),
    (sasl(sasl_controller_mechanism="SCRAM-SHA-512"), "sasl_controller_mechanism must be PLAIN (got SCRAM-SHA-512"),
    (sasl(sasl_users=[{"name": "broker", "password": "b-pw"}]), "missing: admin"),
    (sasl(sasl_users=[{"name": "broker", "password": ""}, {"name": "admin", "password": "a-pw"}]), "missing for: broker"),
    (sasl(sasl_users=[{"name": "broker"}, {"name": "admin", "password": 7}]), "missing for: broker, admin"),
    (sasl(sasl_users=[{"name": "bro ker", "password": "x"}, {"name": "broker", "password": "b"}, {"name": "admin", "password": "a"}]),
     "bad: bro ker"),
    (sasl(sasl_users=[{"name": "admin", "password": "x"}, {"name": "broker", "password": "b"}, {"name": "admin", "password": "a"}]),
     "1 repeated"),
    (sasl(sasl_users=[{"name": "broker", "password": "b", "mechanisms": ["OAUTHBEARER"]}, {"name": "admin", "password": "a"}]),
     "not so for: broker"),
    (sasl(sasl_users=[{"name": "broker", "password": "b-pw", "mechanisms": ["PLAIN"]}, {"name": "admin", "password": "a-pw"}]),
     "user broker must have SCRAM-SHA-512"),
    (sasl(kafka_version="3.4.1"), "creates SCRAM users at format time"),
    (sasl(kafka_mode="zookeeper", kafka_version="2.6.3"), "SCRAM on Kafka 2.6.3 in ZooKeeper mode"),
    (sasl(sasl_protocol="SASL_SSL", sasl_ssl_keystore_src="/nonexistent.p12"), "'/nonexistent.p12', not a file on the controller"),
    (sasl(sasl_protocol="SASL_SSL", sasl_ssl_keystore_src=KEYTAB, sasl_ssl_truststore_src=KEYTAB, sasl_ssl_keystore_type="PKCS12"),
     "for PKCS12, sasl_ssl_keystore_password"),
    (sasl(**GSSAPI, sasl_kerberos_host="10.0.0.7"), "GSSAPI needs sasl_kerberos_host to be a host name"),
    (sasl(**dict(GSSAPI, sasl_kerberos_keytab_src="/nonexistent.keytab")), "/nonexistent.keytab', not a file"),
    (sasl(**GSSAPI, sasl_kerberos_principal="HTTP/_HOST@EXAMPLE.COM"), "got 'HTTP/n1@EXAMPLE.COM'"),
    (sasl(**GSSAPI, sasl_kerberos_kdcs=["kdc1 kdc2"]), "got kdc1 kdc2"),
    (sasl(**dict(GSSAPI, sasl_kerberos_realm=""), sasl_kerberos_kdcs=["kdc1"]), "a sasl_kerberos_realm"),
    (sasl(**dict(GSSAPI, sasl_mechanisms=["GSSAPI"])), "the admin one a password mechanism"),
    (sasl(sasl_zookeeper_digest=True, sasl_zookeeper_quorum_password="q"),
     "sasl_zookeeper_digest needs sasl_zookeeper_user / sasl_zookeeper_quorum_user as plain names (got kafka, zkquorum)"),
    (sasl(**dict(MTLS, sasl_ssl_keystore_src="")), "SASL_SSL and the mutual TLS listener need sasl_ssl_keystore_src"),
    (sasl(**dict(MTLS, sasl_mtls_client_ca_src="/nonexistent-ca.pem")),
     "sasl_mtls_client_ca_src, the PEM CA bundle that signed the clients' certificates (got '/nonexistent-ca.pem', not a file"),
    (sasl(**dict(MTLS, sasl_mtls_listener_name="mtls")), "sasl_mtls_listener_name must be upper-case letters"),
    (sasl(**dict(MTLS, sasl_mtls_listener_name="CONTROLLER")), "differ from the broker and controller listeners (PLAINTEXT, CONTROLLER; got CONTROLLER)"),
    (sasl(**dict(MTLS, sasl_mtls_port=9093)), "sasl_mtls_port must be a port number other than the broker and controller ports (9092, 9093; got 9093)"),
    (sasl(**dict(MTLS, sasl_mtls_port="90x4")), "got 90x4"),
    (sasl(**dict(MTLS, sasl_mtls_port=True)), "got True"),
    (sasl(sasl_ssl_principal_mapping_rules="RULE:^CN=(.*)$/$1/"), "sasl_ssl_principal_mapping_rules: a list of rules is needed"),
    (sasl(sasl_ssl_principal_mapping_rules=["RULE:^CN=(.*)$/$1", "DEFAULTS"]),
     "a slash inside escaped as \\/ (not so: RULE:^CN=(.*)$/$1, DEFAULTS)"),
    (sasl(sasl_ssl_principal_mapping_rules=["RULE:^CN=(.*$/$1/"]), "these patterns are not regular expressions: ^CN=(.*$"),
], ids=["jndi-in-properties", "jndi-in-jvm-opts", "jndi-not-disallowed", "bad-protocol", "unknown-mechanism", "inter-broker-not-enabled",
        "controller-on-scram", "admin-missing", "empty-password", "password-not-a-string", "bad-user-name", "repeated-user",
        "user-mechanism-not-enabled", "user-lacks-mechanism", "scram-before-3.5", "scram-before-2.7-in-zookeeper-mode", "ssl-without-stores",
        "pkcs12-without-password", "kerberos-host-is-address", "keytab-missing", "principal-of-another-service", "bad-kdc", "kdcs-without-realm",
        "admin-on-gssapi", "digest-without-password", "mtls-without-keystore", "mtls-without-client-ca", "mtls-lower-case-listener",
        "mtls-listener-taken", "mtls-port-taken", "mtls-port-not-a-number", "mtls-port-a-boolean", "mapping-rules-not-a-list",
        "mapping-rule-malformed", "mapping-pattern-not-a-regex"])
def test_bad_sasl_settings_are_named_without_secrets(settings, message):
    text = joined(p.sasl_problems(settings))
    assert message in text
    assert "b-pw" not in text and "a-pw" not in text and "c-pw" not in text


PROTOCOLS_IN_PLACE = "listener.security.protocol.map=PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT\n"


def in_place(text, **settings):
    s = dict(inventory_hostname="n1", kafka_broker_listener_name="PLAINTEXT", kafka_inter_broker_protocol_version="",
             broker_protocol="SASL_PLAINTEXT", sasl_inter_broker_mechanism="PLAIN", sasl_admin_mechanism="PLAIN")
    s.update(settings)
    return p.in_place_problems(text, s)


@pytest.mark.parametrize("problems", [
    in_place(""),
    in_place(PROTOCOLS_IN_PLACE + "listener.name.plaintext.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512\n", sasl_inter_broker_mechanism="SCRAM-SHA-512"),
    in_place("listener.security.protocol.map=PLAINTEXT:PLAINTEXT\n", broker_protocol="PLAINTEXT"),
    in_place("inter.broker.protocol.version=2.8\n", kafka_inter_broker_protocol_version="3.0"),
    in_place("inter.broker.protocol.version=2.8-IV1\n", kafka_inter_broker_protocol_version="2.8"),
    in_place("inter.broker.protocol.version=2.8\n"),
], ids=["new-node", "mechanism-already-accepted", "plaintext-stays", "pin-raised", "pin-kept", "pin-left-to-the-roll"])
def test_changes_a_running_cluster_can_follow_pass(problems):
    assert problems == []


@pytest.mark.parametrize("problems, message", [
    (in_place("listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n"),
     "its PLAINTEXT listener is PLAINTEXT and the inventory asks for SASL_PLAINTEXT: a listener does not change protocol in place"),
    (in_place(PROTOCOLS_IN_PLACE + "listener.name.plaintext.sasl.enabled.mechanisms=PLAIN\n", sasl_inter_broker_mechanism="SCRAM-SHA-512"),
     "its brokers accept PLAIN, so they cannot switch to SCRAM-SHA-512"),
    (in_place(PROTOCOLS_IN_PLACE, sasl_admin_mechanism="SCRAM-SHA-256"), "its brokers accept no SASL mechanism, so they cannot switch to PLAIN, SCRAM-SHA-256"),
    (in_place("inter.broker.protocol.version=2.1\ninter.broker.protocol.version=3.0-IV1\n", kafka_inter_broker_protocol_version="2.8"),
     "n1 runs inter.broker.protocol.version=3.0-IV1; the inventory asks for 2.8. Brokers cannot go back"),
], ids=["protocol-changed-in-place", "mechanism-not-yet-accepted", "no-mechanism-in-place", "pin-lowered"])
def test_changes_a_running_cluster_cannot_follow_are_named(problems, message):
    assert message in joined(problems)


def test_pins_in_place_are_the_last_values():
    assert p.pins_in_place("inter.broker.protocol.version=2.1\nlog.message.format.version=2.0 \ninter.broker.protocol.version=2.8\n") == ("2.8", "2.0")
    assert p.pins_in_place("") == ("", "")


def test_controller_side_files_are_looked_up_through_is_file():
    assert p.sasl_problems(sasl(**GSSAPI)) == []
    assert "got '%s', not a file" % KEYTAB in joined(p.sasl_problems(sasl(**GSSAPI), is_file=lambda path: False))


def test_unknown_prefixed_variables_are_named_with_the_closest_declared_name():
    declared = ["kafka_version", "kafka_node_id", "zookeeper_version", "sasl_users"]
    names = ["kafka_verison", "kafka_version", "zookeeper_vesion", "sasl_usrs", "kafka_my_own_thing", "ansible_host", "_kafka_internal",
             "upgrade_target_version"]
    assert p.unknown_variable_problems("n1", names, declared) == [
        "n1: kafka_my_own_thing is not a setting of streamops.kafka; no role reads it, so its default would be used.",
        "n1: kafka_verison is not a setting of streamops.kafka (did you mean kafka_version?); no role reads it, so its default would be used.",
        "n1: sasl_usrs is not a setting of streamops.kafka (did you mean sasl_users?); no role reads it, so its default would be used.",
        "n1: zookeeper_vesion is not a setting of streamops.kafka (did you mean zookeeper_version?); no role reads it, so its default "
        "would be used."]
    assert p.unknown_variable_problems("n1", declared + ["ansible_port"], declared) == []


DEBIAN_12 = dict(system="Linux", service_mgr="systemd", pkg_mgr="apt", distribution="Debian", distribution_version="12.8")
ROCKY_9 = dict(system="Linux", service_mgr="systemd", pkg_mgr="dnf", distribution="Rocky", distribution_version="9.4")


@pytest.mark.parametrize("facts, source", [
    (DEBIAN_12, "package"), (dict(DEBIAN_12, distribution_version="11.11"), "package"), (ROCKY_9, "archive"),
    ({}, "package"),  # no facts gathered: nothing to judge
], ids=["debian-12", "debian-11", "rocky-archive-jdk", "no-facts"])
def test_target_systems_that_pass(facts, source):
    assert p.target_system_problems(facts, "n1", source) == []


@pytest.mark.parametrize("facts, source, expected", [
    (ROCKY_9, "package",
     ["n1 (Rocky 9.4) installs packages with dnf; jdk_source=package installs Debian's OpenJDK package with apt. Install Java from an "
      "archive instead (jdk_source: archive with jdk_archive_url or jdk_archive_src and jdk_archive_checksum)."]),
    (dict(DEBIAN_12, service_mgr="sysvinit"), "package",
     ["n1 (Debian 12.8) is managed by sysvinit; every service streamops.kafka deploys is a systemd unit, so it needs systemd."]),
    (dict(system="FreeBSD", service_mgr="bsdinit", pkg_mgr="pkgng", distribution="FreeBSD", distribution_version="14.1"), "archive",
     ["n1 runs FreeBSD 14.1; streamops.kafka deploys Linux hosts with systemd."]),
    (dict(ROCKY_9, service_mgr="upstart"), "package", [
        "n1 (Rocky 9.4) is managed by upstart; every service streamops.kafka deploys is a systemd unit, so it needs systemd.",
        "n1 (Rocky 9.4) installs packages with dnf; jdk_source=package installs Debian's OpenJDK package with apt. Install Java from an "
        "archive instead (jdk_source: archive with jdk_archive_url or jdk_archive_src and jdk_archive_checksum)."]),
], ids=["rhel-family-package-jdk", "no-systemd", "not-linux", "both"])
def test_target_systems_that_are_refused(facts, source, expected):
    assert p.target_system_problems(facts, "n1", source) == expected


URL = "https://mirror.example/kafka/3.9.20/kafka_2.13-3.9.20.tgz"


@pytest.mark.parametrize("label, status, msg, expected", [
    ("Kafka", 200, "OK (123 bytes)", []),
    ("Kafka", "200", "", []),  # a status from Jinja may arrive as a string
    ("Kafka", 404, "Status code was 404 and not [200]: HTTP Error 404: Not Found",
     ["The Kafka distribution %s was not found: its .sha512 answered 404. Check that kafka_version names a published release, "
      "or fix kafka_archive_url." % URL]),
    ("ZooKeeper", 404, "", ["The ZooKeeper distribution %s was not found: its .sha512 answered 404. Check that zookeeper_version "
                            "names a published release, or fix zookeeper_archive_url." % URL]),
    ("Kafka", -1, "Request failed: <urlopen error [Errno 111] Connection refused>",
     ["%s.sha512 could not be fetched from n1 (HTTP status -1): Request failed: <urlopen error [Errno 111] Connection refused> "
      "Set kafka_archive_sha512, or kafka_archive_src for a copy on the controller." % URL]),
    ("Kafka", 503, "x" * 250, ["%s.sha512 could not be fetched from n1 (HTTP status 503): %s... Set kafka_archive_sha512, or "
                               "kafka_archive_src for a copy on the controller." % (URL, "x" * 197)]),
], ids=["found", "found-as-string", "not-published", "zookeeper-not-published", "unreachable", "long-message-cut"])
def test_checksum_fetch_problems(label, status, msg, expected):
    assert p.checksum_fetch_problems(label, URL, "n1", status, msg) == expected


DF = """Filesystem     1024-blocks     Used Available Capacity Mounted on
overlay           61255492 30123456  28000000      52% /
tmpfs               262144   6144    256000       3% /var/lib/kafka/data
"""


@pytest.mark.parametrize("min_free_mb,expected", [
    (200, []),
    (250, []),
    (251, ["b3: /var/lib/kafka/data (filesystem /var/lib/kafka/data) has 250 MB free, below kafka_upgrade_min_free_mb=251. "
           "Nothing was changed; free space there (or set kafka_upgrade_min_free_mb lower) and run again."]),
    ("30000", ["b3: /opt/kafka (filesystem /) has 27343 MB free, below kafka_upgrade_min_free_mb=30000. Nothing was changed; "
               "free space there (or set kafka_upgrade_min_free_mb lower) and run again.",
               "b3: /var/lib/kafka/data (filesystem /var/lib/kafka/data) has 250 MB free, below kafka_upgrade_min_free_mb=30000. "
               "Nothing was changed; free space there (or set kafka_upgrade_min_free_mb lower) and run again."]),
], ids=["plenty", "exactly-enough", "one-short", "both-short"])
def test_free_space_problems(min_free_mb, expected):
    assert p.free_space_problems(DF, ["/opt/kafka", "/var/lib/kafka/data"], "b3", min_free_mb) == expected


@pytest.mark.parametrize("output", [DF.splitlines()[0], DF.replace("28000000", "-"), ""], ids=["no-rows", "malformed", "empty"])
def test_free_space_output_that_cannot_be_read_is_a_problem_not_a_pass(output):
    [problem] = p.free_space_problems(output, ["/opt/kafka", "/var/lib/kafka/data"], "b3", 1)
    assert problem.startswith("b3: could not read the free space of /opt/kafka, /var/lib/kafka/data from df")


ZK_TEXT = "broker.id=1\nzookeeper.connect=z1:2181\n"
KRAFT_TEXT = "process.roles=broker\nnode.id=1\n"


@pytest.mark.parametrize("text, wanted", [("", "kraft-broker"), ("", "zk-broker"), (ZK_TEXT, "zk-broker"), (KRAFT_TEXT, "kraft-broker"),
                                          ("process.roles=controller\nnode.id=9\n", "controller"),
                                          # what a migration step itself renders is checked by the migration
                                          (ZK_TEXT, "zk-broker-migrating"), (KRAFT_TEXT, "combined")])
def test_kind_in_place_allows(text, wanted):
    assert p.kind_in_place_problems(text, "b1", wanted) == []


@pytest.mark.parametrize("text, wanted, start", [
    (ZK_TEXT, "kraft-broker", "b1 runs as a ZooKeeper-mode broker and the inventory makes it kraft-broker (kafka_mode: kraft): a broker "
                              "does not switch to KRaft in place. Migrate the cluster with streamops.kafka.migrate"),
    (KRAFT_TEXT, "zk-broker", "b1 runs in KRaft mode (kraft-broker) and the inventory makes it a ZooKeeper-mode broker (kafka_mode: "
                              "zookeeper): a KRaft node does not go back to ZooKeeper"),
    (ZK_TEXT + "zookeeper.metadata.migration.enable=true\n", "kraft-broker",
     "b1 is in the middle of a ZooKeeper to KRaft migration (configured as zk-broker-migrating): run streamops.kafka.migrate"),
    ("process.roles=controller\nzookeeper.metadata.migration.enable=true\n", "controller",
     "b1 is in the middle of a ZooKeeper to KRaft migration (configured as controller-migrating)"),
])
def test_kind_in_place_refuses(text, wanted, start):
    problems = p.kind_in_place_problems(text, "b1", wanted)
    assert len(problems) == 1 and problems[0].startswith(start), problems


@pytest.mark.parametrize("text, node", [
    ("version=1\ncluster.id=abc\nnode.id=11\ndirectory.id=x\n", "11"),
    # a ZooKeeper-mode broker's, kept as it is by the broker once migrated to KRaft
    ("#\nbroker.id=3\ndirectory.id=J\nversion=0\ncluster.id=5kw\n", "3"),
    ("version=1\nnode.id=2\nbroker.id=2\n", "2"),
    ("version=0\ncluster.id=abc\n", ""),
    ("", ""),
])
def test_meta_properties_id(text, node):
    assert p.meta_properties_id(text) == node
