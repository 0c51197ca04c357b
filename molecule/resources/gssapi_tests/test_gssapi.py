"""Kerberos as the sasl role set it up: keytabs and principals per broker, Kafka's own krb5.conf, replication between
brokers over GSSAPI, a produce/consume round trip with a client keytab, and a client whose key the KDC no longer
holds refused. Brokers advertise their container names (the names in their principals), which only the containers
resolve, so the clients run inside them with the distribution's console tools."""
import re
import shlex
import uuid

import pytest

from streamops_verify import RUNNER, hosts_of, inventory_vars, properties_file, wait_until

VARS = inventory_vars()
REALM = VARS["sasl_kerberos_realm"]
NODES = hosts_of("kafka")
KDC = RUNNER.get_host(hosts_of("kdc")[0])
BIN = "/opt/kafka/current/bin"
# Client tools read the realm's KDC from the krb5.conf the role wrote for Kafka. Kafka 4.3's console tools take their
# client settings with --command-config.
TOOL_ENV = "KAFKA_OPTS=-Djava.security.krb5.conf=/etc/kafka/krb5.conf"
MESSAGES = 200


def kdc_log():
    return KDC.file("/var/lib/krb5kdc/kdc.log").content_string


@pytest.mark.parametrize("node", NODES)
def test_broker_logs_in_from_its_keytab_as_its_own_principal(node):
    host = RUNNER.get_host(node)
    keytab = host.file("/etc/kafka/kafka.keytab")
    assert (keytab.user, keytab.group, keytab.mode) == ("root", "kafka", 0o640)
    # Like every file under /etc/kafka, none of it is world-readable.
    assert host.run("find /etc/kafka -type f -perm /o=rwx").stdout.strip() == ""
    krb5 = host.file("/etc/kafka/krb5.conf")
    assert krb5.mode == 0o640
    assert re.search(r"default_realm = %s\b" % re.escape(REALM), krb5.content_string) and "kdc = gssapi-kdc" in krb5.content_string
    p = properties_file(host, "/etc/kafka/server.properties")
    assert p["sasl.mechanism.inter.broker.protocol"] == "GSSAPI"
    assert p["listener.name.broker.sasl.enabled.mechanisms"] == "GSSAPI,PLAIN"
    assert p["sasl.kerberos.service.name"] == "kafka"
    # _HOST became this broker's advertised name.
    assert 'principal="kafka/%s@%s"' % (node, REALM) in p["listener.name.broker.gssapi.sasl.jaas.config"]
    assert p["advertised.listeners"] == "BROKER://%s:9092" % node
    proc = host.process.get(comm="java", user="kafka")
    assert "-Djava.security.krb5.conf=/etc/kafka/krb5.conf" in proc.args


def run_on(node, command, timeout=120):
    return RUNNER.get_host(node).run("timeout %d bash -c %s" % (timeout, shlex.quote(command)))


@pytest.fixture(scope="module")
def round_trip():
    """Create a replicated topic as the admin (PLAIN), produce through one broker and consume through another as app@REALM."""
    topic = "krb-%s" % uuid.uuid4().hex[:8]
    first, second, third = NODES
    create = run_on(first, "%s/kafka-topics.sh --bootstrap-server %s:9092 --command-config /etc/kafka/client.properties --create "
                           "--topic %s --partitions 3 --replication-factor 3 --config min.insync.replicas=2" % (BIN, first, topic))
    assert create.rc == 0, create.stderr[-2000:]
    sent = ["krb-message-%d" % n for n in range(MESSAGES)]
    produce = run_on(second, "printf '%%s\\n' %s | %s %s/kafka-console-producer.sh --bootstrap-server %s:9092 --topic %s "
                             "--command-config /root/krb-client/app.properties --producer-property acks=all"
                     % (" ".join(sent), TOOL_ENV, BIN, second, topic))
    assert produce.rc == 0, produce.stderr[-2000:]
    consume = run_on(third, "%s %s/kafka-console-consumer.sh --bootstrap-server %s:9092 --topic %s --from-beginning "
                            "--max-messages %d --timeout-ms 60000 --command-config /root/krb-client/app.properties"
                     % (TOOL_ENV, BIN, third, topic, MESSAGES))
    return {"topic": topic, "sent": sent, "received": consume.stdout.split(), "consume": consume}


def test_produce_and_consume_with_kerberos(round_trip):
    assert round_trip["consume"].rc == 0, round_trip["consume"].stderr[-2000:]
    assert sorted(round_trip["received"]) == sorted(round_trip["sent"])


def test_replication_between_brokers_runs_over_kerberos(round_trip):
    def isr():
        out = run_on(NODES[0], "%s/kafka-topics.sh --bootstrap-server %s:9092 --command-config /etc/kafka/client.properties "
                               "--describe --topic %s" % (BIN, NODES[0], round_trip["topic"]))
        sets = re.findall(r"\bIsr: ([0-9,]+)", out.stdout)
        return (len(sets) == 3 and all(len(s.split(",")) == 3 for s in sets), out.stdout + out.stderr)
    ok, last = wait_until(isr, timeout=60, interval=2)
    assert ok, last
    # The brokers asked the KDC for tickets to each other (inter-broker GSSAPI), and app@REALM for tickets to them.
    log = kdc_log()
    issued = set(re.findall(r"ISSUE: .*?, (\S+) for (\S+)", log))
    between = {(a, b) for a, b in issued if a.startswith("kafka/") and b.startswith("kafka/") and a != b}
    assert len(between) >= 2, sorted(issued)
    assert ("app@%s" % REALM, "kafka/%s@%s" % (NODES[1], REALM)) in issued, sorted(issued)


def test_client_with_a_stale_key_is_refused(round_trip):
    node = NODES[0]
    out = run_on(node, "echo should-not-arrive | %s %s/kafka-console-producer.sh --bootstrap-server %s:9092 --topic %s "
                       "--command-config /root/krb-client/stale.properties --producer-property acks=all"
                 % (TOOL_ENV, BIN, node, round_trip["topic"]), timeout=90)
    assert out.rc != 0 and out.rc != 124, (out.rc, out.stdout[-1000:], out.stderr[-2000:])
    assert "LoginException" in out.stdout + out.stderr, out.stderr[-2000:]
    # The KDC refused it for its key, not for being unreachable.
    assert re.search(r"PREAUTH_FAILED: stale@%s" % re.escape(REALM), kdc_log()), kdc_log()[-2000:]
    # Nothing reached the topic: its partitions end where the round trip's records left them (read as app@REALM).
    # The end offsets answer at once, where a consumer asked for one record more would wait out its timeout.
    offsets = run_on(NODES[2], "%s %s/kafka-get-offsets.sh --bootstrap-server %s:9092 --topic %s --time latest "
                               "--command-config /root/krb-client/app.properties" % (TOOL_ENV, BIN, NODES[2], round_trip["topic"]))
    assert offsets.rc == 0, offsets.stderr[-2000:]
    ends = dict(line.rsplit(":", 2)[1:] for line in offsets.stdout.split() if line.startswith(round_trip["topic"] + ":"))
    assert len(ends) == 3 and sum(int(v) for v in ends.values()) == MESSAGES == len(round_trip["received"]), offsets.stdout
