"""Modules on a host without kafka-python (or kazoo) fail with Ansible's standard missing-library message."""
import pytest
from conftest import needs_bare_python


@needs_bare_python
@pytest.mark.parametrize("module", ["kafka_info", "kafka_isr_wait", "kafka_quorum_wait", "kafka_quorum_voter", "kafka_broker_drain"])
def test_missing_kafka_python_is_named(module, without_kafka_python):
    result = without_kafka_python[module]
    assert result.get("failed"), result
    assert "Failed to import the required Python library (kafka-python)" in result["msg"], result["msg"]


@needs_bare_python
def test_missing_kazoo_is_named(without_kafka_python):
    """kafka_migration_info reads ZooKeeper first: a host without kazoo is told so (kafka-python is checked after)."""
    result = without_kafka_python["kafka_migration_info"]
    assert result.get("failed"), result
    assert "Failed to import the required Python library (kazoo)" in result["msg"], result["msg"]
