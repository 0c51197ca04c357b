"""The shared connection options map onto kafka-python's settings for every protocol and mechanism."""
import pytest
from ansible_collections.streamops.kafka.plugins.module_utils import _client


def params(**overrides):
    p = {k: v.get("default") for k, v in _client.connection_argument_spec().items()}
    p.update(overrides)
    return p


def test_plaintext_has_no_credentials():
    c = _client.client_config(params(), "t")
    assert c == {"client_id": "t", "security_protocol": "PLAINTEXT", "request_timeout_ms": 10000}


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_plaintext_user_mechanisms(mechanism):
    c = _client.client_config(params(security_protocol="SASL_PLAINTEXT", sasl_mechanism=mechanism,
                                     sasl_username="admin", sasl_password="s3cr\"et"), "t")
    assert c["sasl_mechanism"] == mechanism
    assert (c["sasl_plain_username"], c["sasl_plain_password"]) == ("admin", "s3cr\"et")
    assert not any(k.startswith("ssl_") for k in c)


def test_sasl_ssl_gssapi():
    c = _client.client_config(params(security_protocol="SASL_SSL", sasl_mechanism="GSSAPI", ssl_cafile="/ca.pem",
                                     sasl_kerberos_domain_name="kafka1.example.com"), "t")
    assert c["sasl_mechanism"] == "GSSAPI" and c["sasl_kerberos_service_name"] == "kafka"
    assert c["sasl_kerberos_domain_name"] == "kafka1.example.com"
    assert "sasl_plain_username" not in c
    assert c["ssl_cafile"] == "/ca.pem" and c["ssl_check_hostname"] is True


def test_mutual_tls():
    c = _client.client_config(params(security_protocol="SSL", ssl_cafile="/ca", ssl_certfile="/c", ssl_keyfile="/k",
                                     ssl_password="pw", ssl_check_hostname=False), "t")
    assert {k: c[k] for k in ("ssl_cafile", "ssl_certfile", "ssl_keyfile", "ssl_password", "ssl_check_hostname")} == {
        "ssl_cafile": "/ca", "ssl_certfile": "/c", "ssl_keyfile": "/k", "ssl_password": "pw", "ssl_check_hostname": False}


def test_secrets_are_no_log():
    spec = _client.connection_argument_spec()
    assert spec["sasl_password"].get("no_log") is True
    assert spec["ssl_password"].get("no_log") is True


class FakeAdmin:
    """describe_configs answers only for the topics it 'knows', like a broker behind on metadata."""

    def __init__(self, known):
        self.known = known
        self.calls = 0

    def describe_configs(self, resources, config_filter):
        self.calls += 1
        return {"topic": {r.name: {"min.insync.replicas": {"value": str(self.known[r.name])}}
                          for r in resources if r.name in self.known}}


def broker_client(admin):
    client = _client.BrokerClient(params(bootstrap_servers=["b:9092"]), "t")
    client._admin = admin
    return client


def test_min_isr_is_read_once_per_topic():
    admin = FakeAdmin({"a": 2, "b": 1})
    client = broker_client(admin)
    assert client.min_isr(["a", "b"]) == {"a": 2, "b": 1}
    assert client.min_isr(["a"]) == {"a": 2}
    assert admin.calls == 1


def test_unreadable_min_isr_is_a_retryable_error_not_a_default():
    client = broker_client(FakeAdmin({"a": 2}))
    with pytest.raises(_client.kafka_errors.KafkaError, match="not yet readable for new-topic"):
        client.min_isr(["a", "new-topic"])
    assert _client.is_transient(_client.kafka_errors.KafkaError("x"))


class FencedAdmin:
    """DescribeCluster as Kafka 4.x answers kafka-python's IncludeFencedBrokers: broker 13 stopped, so fenced."""

    def describe_cluster(self):
        return {"cluster_id": "c", "controller_id": 11, "brokers": [
            {"broker_id": 11, "host": "b1", "port": 9092, "rack": None, "is_fenced": False},
            {"broker_id": 13, "host": "b3", "port": 9092, "rack": None, "is_fenced": True},
            {"broker_id": 12, "host": "b2", "port": 9092, "rack": None, "is_fenced": False}]}


def test_a_fenced_broker_is_not_registered_and_is_reported_apart():
    client = broker_client(FencedAdmin())
    cluster = client.describe_cluster()
    assert [b["broker_id"] for b in cluster["brokers"]] == [11, 12]
    assert cluster["fenced_brokers"] == [13] and cluster["controller_id"] == 11
    assert client.registered_brokers() == [11, 12]


def test_an_answer_without_fencing_keeps_every_broker():
    """Before Kafka 4.0 (and from the Metadata fallback) no broker carries is_fenced: all are listed, none fenced."""
    cluster = {"cluster_id": "c", "controller_id": 1, "brokers": [{"broker_id": 1, "host": "b1", "port": 9092, "rack": None}]}
    assert _client.unfenced_cluster(cluster) == dict(cluster, fenced_brokers=[])
    assert _client.unfenced_cluster({"cluster_id": "c", "brokers": None})["brokers"] == []
