"""The session fixtures of the verify suites: the cluster's controllers and brokers from the inventory, their
listener addresses, and an admin client logged in as the inventory's admin user."""
import pytest

from streamops_verify import address_of, client_security, hosts_of, node_id


@pytest.fixture(scope="session")
def controllers():
    return {h: node_id(h) for h in hosts_of("kafka_controllers")}


@pytest.fixture(scope="session")
def brokers():
    return {h: node_id(h) for h in hosts_of("kafka_brokers")}


@pytest.fixture(scope="session")
def bootstrap(brokers):
    return ["%s:9092" % address_of(h) for h in brokers]


@pytest.fixture(scope="session")
def admin(bootstrap):
    from kafka import KafkaAdminClient

    # Metadata at most 5 s old: the gate tests stop and start nodes, and kafka-python otherwise keeps the broker list
    # it last read for 5 minutes - one read while a broker was fenced made every request routed to that broker fail
    # with UnknownBrokerIdError for minutes (seen in sasl-kraft's authorization tests).
    client = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="streamops-verify", request_timeout_ms=15000,
                              metadata_max_age_ms=5000, **client_security())
    yield client
    client.close()


@pytest.fixture(scope="session")
def controller_endpoints(controllers):
    return ["%s:9093" % address_of(h) for h in controllers]
