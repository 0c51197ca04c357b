"""Mutual TLS as the sasl role set it up (sasl_mtls_enabled): every broker has an SSL listener that asks for a client
certificate; a client with a certificate from the cluster's CA is the principal its subject maps to and gets what that
principal's ACLs grant, nothing more; a certificate from another CA, or none, is refused at the handshake; and the
certificates side_effect.yml re-issued were rolled in, on the SASL_SSL listener and on the mutual TLS one."""
import socket
import ssl
import struct
import uuid

import pytest

from streamops_verify import EPHEMERAL, RUNNER, address_of, hosts_of, inventory_vars, properties_file

VARS = inventory_vars()
TLS = EPHEMERAL / "tls"
PORT = int(VARS.get("sasl_mtls_port", 9094))
BROKERS = hosts_of("kafka_brokers")
CLIENT = (VARS.get("verify_mtls_clients") or ["orders-app"])[0]
TOPIC = "orders.mtls"
pytestmark = pytest.mark.skipif(not VARS.get("sasl_mtls_enabled"), reason="this scenario has no mutual TLS listener")

# ApiVersions v0, correlation id 7: the smallest request every broker answers once a connection is authenticated.
CLIENT_ID = b"verify-mtls"
_BODY = struct.pack(">hhih", 18, 0, 7, len(CLIENT_ID)) + CLIENT_ID
API_VERSIONS = struct.pack(">i", len(_BODY)) + _BODY


def client_cert(name):
    return str(TLS / "clients" / ("%s.crt" % name)), str(TLS / "clients" / ("%s.key" % name))


def mtls(name=CLIENT):
    """kafka-python options for the mutual TLS listener with a client certificate."""
    cert, key = client_cert(name)
    return dict(security_protocol="SSL", ssl_cafile=str(TLS / "ca.pem"), ssl_certfile=cert, ssl_keyfile=key)


def mtls_bootstrap():
    return ["%s:%d" % (address_of(h), PORT) for h in BROKERS]


def exchange(host, port, cert=None):
    """Open TLS to host:port (presenting the client certificate cert, a name under tls/clients, or none), send ApiVersions
    and read the answer's first 8 bytes: (the broker's certificate, DER; those bytes), or the error that ended it."""
    context = ssl.create_default_context(cafile=str(TLS / "ca.pem"))
    context.check_hostname = False  # the address, not the name, is what the test host connects to
    if cert:
        context.load_cert_chain(*client_cert(cert))
    with socket.create_connection((address_of(host), port), timeout=15) as raw:
        with context.wrap_socket(raw) as tls:
            served = tls.getpeercert(binary_form=True)
            tls.sendall(API_VERSIONS)
            head = b""
            while len(head) < 8:
                chunk = tls.recv(8 - len(head))
                if not chunk:
                    break
                head += chunk
    return served, head


def refusal(host, cert):
    """The TLS alert the broker ended a connection presenting cert with (a certificate name, or None for none). Fails when
    the broker answered; any other error propagates."""
    try:
        served, head = exchange(host, PORT, cert)
    except ssl.SSLError as exc:
        return str(exc)
    raise AssertionError("%s answered a client with %s: %r" % (host, cert or "no certificate", head))


def der(path):
    return ssl.PEM_cert_to_DER_cert(path.read_text())


@pytest.mark.parametrize("node", BROKERS)
def test_every_broker_asks_for_a_client_certificate_on_the_mutual_tls_listener(node):
    props = properties_file(RUNNER.get_host(node), "/etc/kafka/server.properties")
    name = VARS.get("sasl_mtls_listener_name", "MTLS")
    assert ("%s://" % name) in props["listeners"] and (":%d" % PORT) in props["listeners"]
    assert ("%s:SSL" % name) in props["listener.security.protocol.map"]
    assert props["listener.name.%s.ssl.client.auth" % name.lower()] == "required"


@pytest.mark.parametrize("node", BROKERS)
def test_a_certificate_from_the_cluster_ca_is_answered_and_another_ca_or_none_is_refused_at_the_handshake(node):
    served, head = exchange(node, PORT, CLIENT)
    assert len(head) == 8 and struct.unpack(">i", head[4:])[0] == 7, head  # the ApiVersions answer, correlation id 7
    # Seen here (TLS 1.3): "sslv3 alert certificate unknown" and "tlsv13 alert certificate required".
    rogue, none = refusal(node, "rogue-" + CLIENT), refusal(node, None)
    assert "alert" in rogue.lower() and "certificate" in rogue.lower(), rogue
    assert "alert" in none.lower() and ("certificate" in none.lower() or "handshake" in none.lower()), none


def test_the_certificate_logs_in_as_its_mapped_principal_and_gets_its_acls_only(admin):
    """orders-app's ACLs (producer and consumer on orders.*, group orders-app) are all that User:orders-app has: the
    certificate's subject (OU=apps, CN=orders-app) maps to it, or nothing here would be allowed."""
    from kafka import KafkaConsumer, KafkaProducer
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError, TopicAuthorizationFailedError
    try:
        admin.create_topics([NewTopic(TOPIC, 3, 3, topic_configs={"min.insync.replicas": "2"})])
    except TopicAlreadyExistsError:
        pass
    admin.wait_for_topics([TOPIC], timeout_ms=60000)
    marker = uuid.uuid4().hex
    producer = KafkaProducer(bootstrap_servers=mtls_bootstrap(), acks="all", max_block_ms=20000, request_timeout_ms=15000, **mtls())
    try:
        for n in range(5):
            producer.send(TOPIC, key=marker.encode(), value=("%s-%d" % (marker, n)).encode()).get(timeout=30)
        with pytest.raises(TopicAuthorizationFailedError):
            producer.send("canary", b"not-allowed").get(timeout=30)
    finally:
        producer.close()
    consumer = KafkaConsumer(TOPIC, bootstrap_servers=mtls_bootstrap(), group_id=CLIENT, auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=30000, **mtls())
    expected = {("%s-%d" % (marker, n)).encode() for n in range(5)}
    seen = set()
    try:
        for record in consumer:
            if record.key == marker.encode():
                seen.add(record.value)
            if seen == expected:
                break
    finally:
        consumer.close()
    assert seen == expected


@pytest.mark.parametrize("node", BROKERS)
def test_every_broker_serves_the_certificate_side_effect_reissued(node):
    new, old = der(TLS / ("%s.crt" % node)), der(TLS / ("%s.old.crt" % node))
    assert new != old
    assert exchange(node, 9092)[0] == new, "SASL_SSL listener"
    assert exchange(node, PORT, CLIENT)[0] == new, "mutual TLS listener"
