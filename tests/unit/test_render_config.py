"""server.properties as rendered for combined, controller-only and broker-only nodes."""
import json

import yaml
from conftest import REPO, local_inventory

DEFAULTS = dict((k, v) for role in ("server", "sasl", "metrics_exporter")
                for k, v in yaml.safe_load((REPO / "roles" / role / "defaults" / "main.yml").read_text()).items())


def props(path):
    out = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            assert key not in out, "%s set twice in %s" % (key, path.name)
            out[key] = value
    return out


def render(run_playbook, tmp_path, inventory):
    out = tmp_path / "out"
    out.mkdir(parents=True)
    inventory["all"]["vars"] = dict(DEFAULTS, **inventory["all"]["vars"])
    rc, log = run_playbook(REPO / "tests" / "unit" / "render_config.yml", inventory, {"out_dir": str(out)})
    assert rc == 0, log
    for host, files in json.loads((out / "rendered.json").read_text()).items():
        for name, text in files.items():
            (out / ("%s.%s" % (host, name))).write_text(text)
    return out


def test_dedicated_controllers_and_brokers(run_playbook, tmp_path):
    ids = {"c1": 1, "c2": 2, "c3": 3, "b1": 11, "b2": 12, "b3": 13, "b4": 14}
    inv = local_inventory(["c1", "c2", "c3"], ["b1", "b2", "b3", "b4"],
                          host_vars={h: {"kafka_node_id": i} for h, i in ids.items()},
                          group_vars={"kafka_server_properties": {"log.retention.hours": 72, "delete.topic.enable": True}})
    out = render(run_playbook, tmp_path, inv)
    controller, broker = props(out / "c2.server.properties"), props(out / "b1.server.properties")
    voters = "1@c1:9093,2@c2:9093,3@c3:9093"
    assert controller["process.roles"] == "controller"
    assert controller["node.id"] == "2"
    assert controller["listeners"] == "CONTROLLER://:9093"
    assert "advertised.listeners" not in controller and "inter.broker.listener.name" not in controller
    assert broker["process.roles"] == "broker"
    assert broker["listeners"] == "PLAINTEXT://:9092"
    assert broker["advertised.listeners"] == "PLAINTEXT://b1:9092"
    for p in (controller, broker):
        # Every node, broker-only ones too, needs the controller listener settings and the voters.
        assert p["controller.quorum.voters"] == voters
        assert p["controller.listener.names"] == "CONTROLLER"
        assert p["listener.security.protocol.map"] == "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
        assert p["default.replication.factor"] == "3" and p["min.insync.replicas"] == "2"
        assert p["offsets.topic.replication.factor"] == "3" and p["transaction.state.log.min.isr"] == "2"
        assert p["log.retention.hours"] == "72" and p["delete.topic.enable"] == "true"
        assert p["auto.create.topics.enable"] == "false"


def test_combined_nodes(run_playbook, tmp_path):
    inv = local_inventory(["n1", "n2", "n3"], ["n1", "n2", "n3"],
                          group_vars={"kafka_metadata_log_dir": "/var/lib/kafka/meta",
                                      "kafka_data_dirs": ["/data/1", "/data/2"]})
    out = render(run_playbook, tmp_path, inv)
    p = props(out / "n3.server.properties")
    assert p["process.roles"] == "broker,controller"
    assert p["listeners"] == "PLAINTEXT://:9092,CONTROLLER://:9093"
    assert p["metadata.log.dir"] == "/var/lib/kafka/meta"
    assert p["log.dirs"] == "/data/1,/data/2"


def test_small_cluster_replication_defaults(run_playbook, tmp_path):
    out = render(run_playbook, tmp_path, local_inventory(["c1"], ["b1", "b2"]))
    p = props(out / "b2.server.properties")
    assert p["default.replication.factor"] == "2" and p["min.insync.replicas"] == "1"


def test_service_environment(run_playbook, tmp_path):
    out = render(run_playbook, tmp_path, local_inventory(["n1"], ["n1"], group_vars={
        "kafka_version": "4.3.1", "kafka_java_home": "/usr/lib/jvm/j17", "kafka_jvm_opts": "-Dfoo=bar"}))
    env = (out / "n1.kafka.env").read_text()
    assert 'JAVA_HOME=/usr/lib/jvm/j17' in env
    assert '-Dlog4j2.configurationFile=/etc/kafka/log4j2.properties' in env
    assert ('-Dorg.apache.kafka.disallowed.login.modules=com.sun.security.auth.module.JndiLoginModule,'
            'com.sun.security.auth.module.LdapLoginModule -Dfoo=bar"') in env
    assert "javaagent" not in env
    out3 = render(run_playbook, tmp_path / "v3", local_inventory(["n1"], ["n1"], group_vars={"kafka_version": "3.9.2"}))
    assert "-Dlog4j.configuration=file:/etc/kafka/log4j.properties" in (out3 / "n1.kafka.env").read_text()


def test_the_metrics_agent_joins_the_kafka_command_line_on_the_node_address(run_playbook, tmp_path):
    out = render(run_playbook, tmp_path, local_inventory(
        ["n1"], ["n1", "n2"], host_vars={"n2": {"metrics_exporter_bind_host": "0.0.0.0", "metrics_exporter_kafka_port": 7071}},
        group_vars={"metrics_exporter_enabled": True, "kafka_jvm_opts": "-Dfoo=bar"}))
    agent = "-javaagent:/opt/jmx-exporter/jmx_prometheus_javaagent-1.0.1.jar="
    assert ' -Dfoo=bar %sn1:9404:/etc/kafka/jmx-exporter.yml"' % agent in (out / "n1.kafka.env").read_text()
    assert ' %s0.0.0.0:7071:/etc/kafka/jmx-exporter.yml"' % agent in (out / "n2.kafka.env").read_text()


def zk_inventory(**group_vars):
    inv = local_inventory([], ["b1", "b2", "b3"], group_vars=dict({"kafka_mode": "zookeeper", "kafka_version": "2.8.2"}, **group_vars))
    inv["all"]["children"]["zookeeper"] = {"hosts": {"zk1": {"zookeeper_client_port": 2182}, "zk2": {}, "zk3": {"zookeeper_client_host": "10.0.0.3"}}}
    return inv


def test_zookeeper_mode_broker(run_playbook, tmp_path):
    out = render(run_playbook, tmp_path, zk_inventory(kafka_zookeeper_chroot="/kafka"))
    p = props(out / "b2.server.properties")
    assert p["broker.id"] == "2"
    assert p["zookeeper.connect"] == "zk1:2182,zk2:2181,10.0.0.3:2181/kafka"
    assert p["listeners"] == "PLAINTEXT://:9092" and p["advertised.listeners"] == "PLAINTEXT://b2:9092"
    for kraft_only in ("process.roles", "node.id", "controller.quorum.voters", "controller.listener.names", "metadata.log.dir"):
        assert kraft_only not in p
    # Nothing pinned unless asked or already in place.
    assert "inter.broker.protocol.version" not in p and "log.message.format.version" not in p


def test_zookeeper_mode_pins(run_playbook, tmp_path):
    # The inventory's pin wins; without one, the pin already in the host's file stays (read by the preflight).
    inv = zk_inventory(kafka_log_message_format_version="2.8")
    inv["all"]["children"]["kafka"]["children"]["kafka_brokers"]["hosts"]["b1"]["_kafka_ibp_in_place"] = "2.8"
    inv["all"]["children"]["kafka"]["children"]["kafka_brokers"]["hosts"]["b2"]["kafka_inter_broker_protocol_version"] = "3.4"
    inv["all"]["children"]["kafka"]["children"]["kafka_brokers"]["hosts"]["b3"]["_kafka_ibp_override"] = ""
    inv["all"]["children"]["kafka"]["children"]["kafka_brokers"]["hosts"]["b3"]["_kafka_ibp_in_place"] = "2.8"
    out = render(run_playbook, tmp_path, inv)
    b1, b2, b3 = (props(out / ("%s.server.properties" % h)) for h in ("b1", "b2", "b3"))
    assert b1["inter.broker.protocol.version"] == "2.8"
    assert b2["inter.broker.protocol.version"] == "3.4"
    # A roll's override wins even when empty (finalize clears a pin that way).
    assert "inter.broker.protocol.version" not in b3
    assert b1["log.message.format.version"] == "2.8"


# ------------------------------------------------------------------ SASL (sasl role settings rendered by the server role)

def java_properties_value(raw):
    """The value java.util.Properties.load reads from a raw value (the escapes properties_value writes)."""
    out, i = [], 0
    while i < len(raw):
        char = raw[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        nxt = raw[i + 1]
        if nxt == "u":
            out.append(chr(int(raw[i + 2:i + 6], 16)))
            i += 6
            continue
        out.append({"n": "\n", "r": "\r", "t": "\t"}.get(nxt, nxt))
        i += 2
    return "".join(out).encode("utf-16", "surrogatepass").decode("utf-16")


def jaas_options(text):
    """(login module, {option: value}) of one JAAS entry, reading quoted values as java.io.StreamTokenizer does."""
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char == '"':
            value, i = [], i + 1
            while text[i] != '"':
                if text[i] == "\\":
                    i += 1
                value.append(text[i])
                i += 1
            tokens.append(("str", "".join(value)))
            i += 1
        elif char in "=;":
            tokens.append((char, char))
            i += 1
        else:
            start = i
            while i < len(text) and not text[i].isspace() and text[i] not in '=;"':
                i += 1
            tokens.append(("word", text[start:i]))
    assert tokens[1] == ("word", "required") and tokens[-1] == (";", ";"), tokens
    options = {}
    body = tokens[2:-1]
    for n in range(0, len(body), 3):
        assert body[n + 1][0] == "=", body
        options[body[n][1]] = body[n + 2][1]
    return tokens[0][1], options


TRICKY = 'p"a\\ss $x \'q\' é€𝄞'


def sasl_inventory():
    users = [{"name": "broker", "password": TRICKY}, {"name": "admin", "password": "adm\\in\""},
             {"name": "app", "password": "app-pw", "mechanisms": ["SCRAM-SHA-512"]}]
    return local_inventory(["c1"], ["b1"], host_vars={"c1": {"kafka_node_id": 1}, "b1": {"kafka_node_id": 2}},
                           group_vars={"sasl_protocol": "SASL_PLAINTEXT", "sasl_mechanisms": ["SCRAM-SHA-512", "PLAIN"],
                                       "sasl_users": users, "kafka_broker_listener_name": "BROKER"})


def test_sasl_listeners_and_login_modules_escape_passwords(run_playbook, tmp_path):
    out = render(run_playbook, tmp_path, sasl_inventory())
    for host in ("c1", "b1"):
        p = props(out / ("%s.server.properties" % host))
        assert p["listener.security.protocol.map"] == "BROKER:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"
        assert p["sasl.mechanism.inter.broker.protocol"] == "SCRAM-SHA-512"
        assert p["sasl.mechanism.controller.protocol"] == "PLAIN"
        assert p["listener.name.broker.sasl.enabled.mechanisms"] == "SCRAM-SHA-512,PLAIN"
        assert p["listener.name.controller.sasl.enabled.mechanisms"] == "PLAIN"
        # Only printable ASCII in the file: Java reads .properties as ISO 8859-1.
        assert all(32 <= ord(c) < 127 for c in "".join(p.values()))
        scram = jaas_options(java_properties_value(p["listener.name.broker.scram-sha-512.sasl.jaas.config"]))
        assert scram == ("org.apache.kafka.common.security.scram.ScramLoginModule", {"username": "broker", "password": TRICKY})
        module, plain = jaas_options(java_properties_value(p["listener.name.broker.plain.sasl.jaas.config"]))
        assert module == "org.apache.kafka.common.security.plain.PlainLoginModule"
        # app has SCRAM only, so the PLAIN module does not list it.
        assert plain == {"username": "broker", "password": TRICKY, "user_broker": TRICKY, "user_admin": 'adm\\in"'}
        controller = jaas_options(java_properties_value(p["listener.name.controller.plain.sasl.jaas.config"]))[1]
        assert controller == {"username": "broker", "password": TRICKY, "user_broker": TRICKY, "user_admin": 'adm\\in"'}
    env = (out / "b1.kafka.env").read_text()
    assert "com.sun.security.auth.module.JndiLoginModule" in env and TRICKY not in env


def test_authorization_renders_the_authorizer_of_the_node_mode_and_the_derived_super_users(run_playbook, tmp_path):
    from ansible_collections.streamops.kafka.plugins.module_utils import _acls
    decision = _acls.decide({"setting": "auto", "broker_protocol": "SASL_PLAINTEXT", "controller_protocol": "SASL_PLAINTEXT", "in_place": [None],
                             "security": {"inter_broker_user": "broker", "controller_user": "broker", "admin_user": "admin",
                                          "kraft": True}})
    inv = sasl_inventory()
    inv["all"]["vars"]["render_authorization"] = decision
    out = render(run_playbook, tmp_path, inv)
    for host in ("c1", "b1"):
        p = props(out / ("%s.server.properties" % host))
        assert p["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
        assert p["super.users"] == "User:admin;User:broker"
        assert p["allow.everyone.if.no.acl.found"] == "false"
    inv = zk_inventory()
    inv["all"]["vars"]["render_authorization"] = decision
    p = props(render(run_playbook, tmp_path / "zk", inv) / "b2.server.properties")
    assert p["authorizer.class.name"] == "kafka.security.authorizer.AclAuthorizer"
    assert p["super.users"] == "User:admin;User:broker"


def test_sasl_off_leaves_listeners_plaintext(run_playbook, tmp_path):
    out = render(run_playbook, tmp_path, local_inventory(["c1"], ["c1"], host_vars={"c1": {"kafka_node_id": 1}}))
    p = props(out / "c1.server.properties")
    assert p["listener.security.protocol.map"] == "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    assert not [k for k in p if "sasl" in k or k.startswith("ssl.")]
    assert "authorizer.class.name" not in p and "super.users" not in p


def test_gssapi_between_brokers_with_plain_for_admin(run_playbook, tmp_path):
    users = [{"name": "admin", "password": "adm-pw"}, {"name": "app", "password": "app-pw"}]
    inv = local_inventory(["c1"], ["b1"], host_vars={"c1": {"kafka_node_id": 1},
                                                     "b1": {"kafka_node_id": 2, "kafka_advertised_host": "B1.Example.com"}},
                          group_vars={"sasl_protocol": "SASL_PLAINTEXT", "sasl_mechanisms": ["GSSAPI", "PLAIN"],
                                      "sasl_users": users, "sasl_controller_user": "admin", "kafka_broker_listener_name": "BROKER",
                                      "sasl_kerberos_realm": "EXAMPLE.COM", "sasl_kerberos_kdcs": ["kdc1.example.com:88"]})
    out = render(run_playbook, tmp_path, inv)
    p = props(out / "b1.server.properties")
    assert p["sasl.mechanism.inter.broker.protocol"] == "GSSAPI"
    assert p["listener.name.broker.sasl.enabled.mechanisms"] == "GSSAPI,PLAIN"
    assert p["sasl.kerberos.service.name"] == "kafka"
    gssapi = jaas_options(java_properties_value(p["listener.name.broker.gssapi.sasl.jaas.config"]))
    # _HOST is the advertised host in lower case: the name clients ask the KDC a ticket for.
    assert gssapi == ("com.sun.security.auth.module.Krb5LoginModule",
                      {"useKeyTab": "true", "storeKey": "true", "keyTab": "/etc/kafka/kafka.keytab",
                       "principal": "kafka/b1.example.com@EXAMPLE.COM"})
    # With Kerberos between brokers the PLAIN module only serves clients: no login of its own.
    assert jaas_options(java_properties_value(p["listener.name.broker.plain.sasl.jaas.config"])) == (
        "org.apache.kafka.common.security.plain.PlainLoginModule", {"user_admin": "adm-pw", "user_app": "app-pw"})
    assert "principal" not in "".join(v for k, v in p.items() if "controller" in k)
    env = (out / "b1.kafka.env").read_text()
    assert "-Djava.security.krb5.conf=/etc/kafka/krb5.conf" in env
    c1 = props(out / "c1.server.properties")
    assert "kafka/c1@EXAMPLE.COM" in java_properties_value(c1["listener.name.broker.gssapi.sasl.jaas.config"])


def test_migration_kinds(run_playbook, tmp_path):
    """streamops.kafka.migrate renders each node as the step needs (_kafka_node_kind_override): the migration flag on
    ZooKeeper-mode brokers and KRaft controllers, then KRaft brokers, then controllers without ZooKeeper."""
    kinds = {"c1": "controller-migrating", "c2": "controller", "b1": "zk-broker", "b2": "zk-broker-migrating", "b3": "kraft-broker"}
    ids = {"c1": 11, "c2": 12, "c3": 13, "b1": 1, "b2": 2, "b3": 3}
    host_vars = dict((h, {"kafka_node_id": i}) for h, i in ids.items())
    for host, kind in kinds.items():
        host_vars[host]["_kafka_node_kind_override"] = kind
    inv = local_inventory(["c1", "c2", "c3"], ["b1", "b2", "b3"], host_vars=host_vars,
                          group_vars={"kafka_zookeeper_connect": "z1:2181,z2:2181/kafka"})
    out = render(run_playbook, tmp_path, inv)
    p = dict((h, props(out / ("%s.server.properties" % h))) for h in ids)
    voters = "11@c1:9093,12@c2:9093,13@c3:9093"
    # a migrating controller: KRaft controller + the flag, ZooKeeper and the brokers' listener to reach them on
    assert {k: p["c1"].get(k) for k in ("process.roles", "node.id", "zookeeper.metadata.migration.enable", "zookeeper.connect",
                                        "inter.broker.listener.name", "listener.security.protocol.map", "controller.quorum.voters")} == {
        "process.roles": "controller", "node.id": "11", "zookeeper.metadata.migration.enable": "true", "zookeeper.connect": "z1:2181,z2:2181/kafka",
        "inter.broker.listener.name": "PLAINTEXT", "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "controller.quorum.voters": voters}
    # finalized controllers (c2 as told, c3 by the inventory's kafka_mode: kraft) have nothing of ZooKeeper left
    for host in ("c2", "c3"):
        assert p[host]["process.roles"] == "controller"
        assert not [k for k in p[host] if k.startswith("zookeeper.") or k == "inter.broker.listener.name"], p[host]
    # a ZooKeeper-mode broker before and after the first roll
    assert p["b1"]["broker.id"] == "1" and p["b1"]["zookeeper.connect"] == "z1:2181,z2:2181/kafka"
    assert "zookeeper.metadata.migration.enable" not in p["b1"] and "controller.quorum.voters" not in p["b1"]
    assert p["b1"]["listener.security.protocol.map"] == "PLAINTEXT:PLAINTEXT"
    assert {k: p["b2"].get(k) for k in ("broker.id", "zookeeper.connect", "zookeeper.metadata.migration.enable", "controller.quorum.voters",
                                        "controller.listener.names", "listener.security.protocol.map", "process.roles")} == {
        "broker.id": "2", "zookeeper.connect": "z1:2181,z2:2181/kafka", "zookeeper.metadata.migration.enable": "true",
        "controller.quorum.voters": voters, "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT", "process.roles": None}
    # after the second roll: a KRaft broker with its broker.id as node.id and no ZooKeeper
    assert p["b3"]["process.roles"] == "broker" and p["b3"]["node.id"] == "3" and "broker.id" not in p["b3"]
    assert not [k for k in p["b3"] if k.startswith("zookeeper.") or k == "inter.broker.protocol.version"], p["b3"]


def test_migration_kinds_of_a_secured_cluster(run_playbook, tmp_path):
    """A SASL_SSL cluster with a ZooKeeper login and an ACL authorizer: each node logs in where its kind talks to - ZooKeeper
    (the JAAS file in kafka.env) for ZooKeeper-mode brokers and migrating controllers, the controller listener for every
    kind but a ZooKeeper-mode broker, the brokers' listener for migrating controllers - and runs its mode's authorizer."""
    kinds = {"c1": "controller-migrating", "c2": "controller", "b1": "zk-broker", "b2": "zk-broker-migrating", "b3": "kraft-broker"}
    ids = {"c1": 11, "c2": 12, "c3": 13, "b1": 1, "b2": 2, "b3": 3}
    host_vars = dict((h, {"kafka_node_id": i, "_kafka_node_kind_override": kinds.get(h, "controller")}) for h, i in ids.items())
    users = [{"name": "broker", "password": "br-pw", "mechanisms": ["PLAIN"]}, {"name": "admin", "password": "adm-pw", "mechanisms": ["PLAIN"]}]
    inv = local_inventory(["c1", "c2", "c3"], ["b1", "b2", "b3"], host_vars=host_vars, group_vars={
        "kafka_zookeeper_connect": "z1:2181", "sasl_protocol": "SASL_SSL", "sasl_mechanisms": ["PLAIN", "SCRAM-SHA-512"],
        "sasl_inter_broker_mechanism": "PLAIN", "sasl_users": users, "kafka_broker_listener_name": "BROKER",
        "sasl_ssl_keystore_src": "/tls/{{ inventory_hostname }}.pem", "sasl_ssl_truststore_src": "/tls/ca.pem",
        "sasl_zookeeper_digest": True, "sasl_zookeeper_password": "zk-pw", "sasl_zookeeper_quorum_password": "q-pw",
        "kafka_server_properties": {"authorizer.class.name": "kafka.security.authorizer.AclAuthorizer", "super.users": "User:broker"}})
    out = render(run_playbook, tmp_path, inv)
    p = dict((h, props(out / ("%s.server.properties" % h))) for h in ids)
    env = dict((h, (out / ("%s.kafka.env" % h)).read_text()) for h in ids)
    zookeeper_login = "-Djava.security.auth.login.config=/etc/kafka/zookeeper-client.jaas"
    assert sorted(h for h in ids if zookeeper_login in env[h]) == ["b1", "b2", "c1"]
    assert sorted(h for h in ids if "sasl.mechanism.controller.protocol" in p[h]) == ["b2", "b3", "c1", "c2", "c3"]
    for host in ("b2", "b3", "c1", "c2", "c3"):
        login = jaas_options(java_properties_value(p[host]["listener.name.controller.plain.sasl.jaas.config"]))[1]
        assert (login["username"], login["password"]) == ("broker", "br-pw"), host
        assert p[host]["listener.security.protocol.map"] == "BROKER:SASL_SSL,CONTROLLER:SASL_SSL", host
    assert p["b1"]["listener.security.protocol.map"] == "BROKER:SASL_SSL"
    # the migrating controller reaches the ZooKeeper-mode brokers on their listener, as the inter-broker user, over TLS
    assert p["c1"]["inter.broker.listener.name"] == "BROKER" and p["c1"]["sasl.mechanism.inter.broker.protocol"] == "PLAIN"
    assert jaas_options(java_properties_value(p["c1"]["listener.name.broker.plain.sasl.jaas.config"]))[1]["username"] == "broker"
    assert p["c1"]["ssl.truststore.location"] == "/etc/kafka/tls/truststore.pem"
    assert {h: p[h]["authorizer.class.name"] for h in ids} == dict(
        (h, "kafka.security.authorizer.AclAuthorizer" if h in ("b1", "b2") else "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
        for h in ids)
    assert "zk-pw" not in "".join(env.values()) + "".join(str(v) for v in p.values())


def test_the_mutual_tls_listener_is_on_every_node_that_serves_clients(run_playbook, tmp_path):
    """sasl_mtls_enabled adds an SSL listener asking for a client certificate on ZooKeeper-mode, migrating and KRaft brokers
    (not on controllers), trusting the clients' CA alone, with the principal mapping rules."""
    kinds = {"c1": "controller-migrating", "c2": "controller", "b1": "zk-broker", "b2": "zk-broker-migrating", "b3": "kraft-broker"}
    ids = {"c1": 11, "c2": 12, "c3": 13, "b1": 1, "b2": 2, "b3": 3}
    host_vars = dict((h, {"kafka_node_id": i, "_kafka_node_kind_override": kinds.get(h, "controller")}) for h, i in ids.items())
    users = [{"name": "broker", "password": "br-pw"}, {"name": "admin", "password": "adm-pw"}]
    inv = local_inventory(["c1", "c2", "c3"], ["b1", "b2", "b3"], host_vars=host_vars, group_vars={
        "kafka_zookeeper_connect": "z1:2181", "sasl_protocol": "SASL_PLAINTEXT", "sasl_mechanisms": ["PLAIN"], "sasl_users": users,
        "kafka_broker_listener_name": "BROKER", "sasl_mtls_enabled": True, "sasl_mtls_port": 9444,
        "sasl_ssl_keystore_src": "/tls/{{ inventory_hostname }}.pem", "sasl_ssl_truststore_src": "/tls/ca.pem",
        "sasl_mtls_client_ca_src": "/tls/clients-ca.pem", "sasl_ssl_principal_mapping_rules": ["RULE:^CN=([^,]+)(,.*)?$/$1/L", "DEFAULT"]})
    out = render(run_playbook, tmp_path, inv)
    p = dict((h, props(out / ("%s.server.properties" % h))) for h in ids)
    for host in ("b1", "b2", "b3"):
        assert p[host]["listeners"] == "BROKER://:9092,MTLS://:9444", host
        assert p[host]["advertised.listeners"] == "BROKER://%s:9092,MTLS://%s:9444" % (host, host), host
        assert p[host]["listener.security.protocol.map"].endswith(",MTLS:SSL"), host
    assert p["b1"]["listener.security.protocol.map"] == "BROKER:SASL_PLAINTEXT,MTLS:SSL"
    assert p["b3"]["listener.security.protocol.map"] == "BROKER:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,MTLS:SSL"
    for host in ("c1", "c2", "c3"):
        assert "MTLS" not in p[host]["listeners"] + p[host]["listener.security.protocol.map"], host
    for host in ids:
        assert p[host]["listener.name.mtls.ssl.client.auth"] == "required", host
        assert p[host]["listener.name.mtls.ssl.truststore.location"] == "/etc/kafka/tls/client-ca.pem", host
        assert p[host]["listener.name.mtls.ssl.truststore.type"] == "PEM", host
        assert p[host]["ssl.keystore.location"] == "/etc/kafka/tls/keystore.pem", host
        assert p[host]["ssl.truststore.location"] == "/etc/kafka/tls/truststore.pem", host
        assert java_properties_value(p[host]["ssl.principal.mapping.rules"]) == "RULE:^CN=([^,]+)(,.*)?$/$1/L,DEFAULT", host
