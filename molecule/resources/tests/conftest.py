"""Fixtures shared by the scenarios' verify tests: the inventory and clients that talk to the real cluster."""
import os
import time

import pytest
import testinfra.utils.ansible_runner

RUNNER = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"])


def hosts_of(group):
    return sorted(RUNNER.get_hosts(group))


def node_id(hostname):
    return int(RUNNER.get_variables(hostname)["kafka_node_id"])


def address_of(hostname):
    """The host's address on the scenario network: what the brokers advertise to the test host."""
    return RUNNER.get_host(hostname).interface("eth0").addresses[0]


def wait_until(predicate, timeout, interval=0.5):
    """Poll predicate() until it returns a truthy value; return (value, last) where value is None on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last and last[0]:
            return last
        if time.monotonic() >= deadline:
            return last
        time.sleep(interval)


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

    client = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="streamops-verify", request_timeout_ms=15000)
    yield client
    client.close()
