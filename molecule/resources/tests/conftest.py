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


def run_module(name, check_mode=False, **args):
    """Run a streamops.kafka module on the test host (the 'delegated to the controller' way). Returns its result."""
    import json
    import subprocess
    import sys

    # Molecule's ansible.cfg enables profile_tasks, which would print ahead of the JSON: leave it out.
    env = {k: v for k, v in os.environ.items() if k not in ("ANSIBLE_CONFIG", "ANSIBLE_CALLBACKS_ENABLED")}
    env.update(ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    cmd = ["ansible", "localhost", "-m", "streamops.kafka.%s" % name, "-a", json.dumps(args)] + (["--check"] if check_mode else [])
    proc = subprocess.run(cmd,
                          capture_output=True, text=True, env=env, timeout=600)
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("no JSON from ansible (rc %s): %s %s" % (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:]))
    return out["plays"][0]["tasks"][0]["hosts"]["localhost"]


@pytest.fixture(scope="session")
def controller_endpoints(controllers):
    return ["%s:9093" % address_of(h) for h in controllers]
