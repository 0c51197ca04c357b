"""kafka_info through main(): a read that fails on a transient error is retried on a fresh connection (fake cluster)."""
import json

import kafka.errors
import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.streamops.kafka.plugins.modules import kafka_info


def part(index, leader, replicas, isr):
    return {"partition_index": index, "leader_id": leader, "replica_nodes": replicas, "isr_nodes": isr, "offline_replicas": []}


class NewTopicCluster:
    """A cluster whose canary topic was created a moment ago: the first `unknown_for` DescribeConfigs find a broker that
    does not know it yet, as _client.BrokerClient.min_isr reports it."""

    def __init__(self, unknown_for):
        self.unknown_for, self.resets, self.closed = unknown_for, 0, False

    def describe_cluster(self):
        return {"cluster_id": "c", "controller_id": 1, "fenced_brokers": [4],
                "brokers": [{"broker_id": b, "host": "b%d" % b, "port": 9092, "rack": None} for b in (1, 2, 3)]}

    def topics(self, names=None):
        return [{"name": "canary", "partitions": [part(0, 1, [1, 2, 3], [1, 2, 3])]}]

    def min_isr(self, names):
        if self.unknown_for > 0:
            self.unknown_for -= 1
            raise kafka.errors.KafkaError("min.insync.replicas not yet readable for canary")
        return {"canary": 2}

    def describe_quorum(self):
        raise kafka.errors.UnsupportedVersionError("ZooKeeper mode")

    def describe_features(self):
        return {}

    def reset(self):
        self.resets += 1

    def close(self):
        self.closed = True


@pytest.fixture
def run(monkeypatch, capsys):
    def go(cluster, **args):
        monkeypatch.setattr(kafka_info, "BrokerClient", lambda params, client_id: cluster)
        monkeypatch.setattr(kafka_info, "RETRY_PAUSE_S", 0.01)
        with patch_module_args(dict(bootstrap_servers=["b1:9092"], **args)):
            with pytest.raises(SystemExit):
                kafka_info.main()
        return json.loads(capsys.readouterr().out)
    return go


def test_a_topic_not_every_broker_knows_yet_is_read_again(run):
    cluster = NewTopicCluster(unknown_for=2)
    out = run(cluster)
    assert not out.get("failed"), out
    assert out["attempts"] == 3 and cluster.resets == 2 and cluster.closed
    assert out["partitions"] == {"total": 1, "offline": 0, "under_replicated": 0, "under_min_isr": 0}
    assert out["quorum"] is None
    assert [b["broker_id"] for b in out["brokers"]] == [1, 2, 3] and out["fenced_brokers"] == [4]


def test_a_read_that_keeps_failing_names_the_error_and_the_attempts(run):
    out = run(NewTopicCluster(unknown_for=1000), retry_timeout=0.05)
    assert out["failed"]
    assert "min.insync.replicas not yet readable for canary" in out["msg"] and "attempts" in out["msg"], out
    assert out["attempts"] >= 2


def test_retry_timeout_0_reads_once(run):
    cluster = NewTopicCluster(unknown_for=1)
    out = run(cluster, retry_timeout=0)
    assert out["failed"] and out["attempts"] == 1, out
