"""DirectClient.answering: which listeners complete a fresh handshake (fake connection manager)."""
import asyncio
from types import SimpleNamespace

import kafka.errors as kafka_errors
import pytest
from ansible_collections.streamops.kafka.plugins.module_utils import _client


class FakeManager:
    """Connections that complete, fail, or refuse the login, per host; records what was closed."""

    def __init__(self, outcomes):
        self.nodes = [SimpleNamespace(node_id="bootstrap-%d" % i, host=h, port="9092") for i, h in enumerate(outcomes)]
        self.outcomes = dict(("bootstrap-%d" % i, o) for i, o in enumerate(outcomes.values()))
        self.cluster = SimpleNamespace(bootstrap_brokers=lambda: self.nodes)
        self.closed = []

    def get_connection(self, node_id, **kwargs):
        outcome = self.outcomes[node_id]

        async def handshake():
            if isinstance(outcome, Exception):
                raise outcome
            return "conn-%s" % node_id
        return handshake()

    def close(self, node_id):
        self.closed.append(node_id)

    def run(self, coroutine_function):
        return asyncio.run(coroutine_function())


def client(manager):
    probe = _client.DirectClient({"security_protocol": "PLAINTEXT", "sasl_mechanism": None, "request_timeout_ms": 1000},
                                 "test", [])
    probe._started = lambda: manager
    return probe


def test_only_the_listeners_that_complete_a_handshake_answer():
    manager = FakeManager({"b1": "ok", "b2": kafka_errors.KafkaConnectionError("refused"), "b3": "ok"})
    assert client(manager).answering(500) == [("b1", 9092), ("b3", 9092)]
    # Every probe connection is closed, answered or not: the next poll starts fresh.
    assert manager.closed == ["bootstrap-0", "bootstrap-1", "bootstrap-2"]


def test_a_refused_login_is_an_error_not_a_dead_broker():
    manager = FakeManager({"b1": "ok", "b2": kafka_errors.SaslAuthenticationFailedError("bad password")})
    with pytest.raises(kafka_errors.SaslAuthenticationFailedError):
        client(manager).answering(500)
