"""kafka_isr_wait through main(): the stop gate, the liveness probe and accepted partitions (fake cluster)."""
import json

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.streamops.kafka.plugins.modules import kafka_isr_wait


def part(index, leader, replicas, isr):
    return {"partition_index": index, "leader_id": leader, "replica_nodes": replicas, "isr_nodes": isr, "offline_replicas": []}


ORDERS = {"name": "orders", "partitions": [part(0, 1, [1, 2, 3], [1, 2, 3]), part(1, 2, [2, 3, 1], [2, 3, 1])]}
RISKY = {"name": "risky", "partitions": [part(0, 1, [1], [1]), part(1, 2, [2], [2])]}


class FakeCluster:
    """The BrokerClient calls the module makes. answering: brokers whose listener completes a handshake."""

    def __init__(self, topics, min_isr, registered, answering):
        self._topics, self._min_isr, self.registered, self.answering = topics, min_isr, registered, answering
        self.probes = 0

    def topics(self, names=None):
        return [t for t in self._topics if names is None or t["name"] in names]

    def min_isr(self, names):
        return {n: self._min_isr[n] for n in names}

    def registered_brokers(self):
        return list(self.registered)

    def live_brokers(self, timeout_ms):
        self.probes += 1
        return sorted(self.registered), sorted(self.answering)

    def close(self):
        pass


@pytest.fixture
def run(monkeypatch, capsys):
    def go(cluster, **args):
        monkeypatch.setattr(kafka_isr_wait, "BrokerClient", lambda params, client_id: cluster)
        with patch_module_args(dict(bootstrap_servers=["b1:9092"], timeout=0.3, sleep=0.05, **args)):
            with pytest.raises(SystemExit):
                kafka_isr_wait.main()
        return json.loads(capsys.readouterr().out)
    return go


def test_a_broker_may_stop_when_every_other_replica_is_live(run):
    cluster = FakeCluster([ORDERS], {"orders": 2}, [1, 2, 3], [1, 2, 3])
    result = run(cluster, can_stop=[2])
    assert not result.get("failed"), result["msg"] if "msg" in result else result
    assert result["state"]["live_brokers"] == [1, 2, 3]
    assert cluster.probes == 1


def test_a_crashed_unfenced_broker_blocks_the_next_stop(run):
    # Broker 3 was killed with -9: the cluster still lists it, unfenced and in every ISR; its listener refuses.
    cluster = FakeCluster([ORDERS], {"orders": 2}, [1, 2, 3], [1, 2])
    result = run(cluster, can_stop=[2])
    assert result["failed"]
    assert "broker(s) 3 do not answer on their listener" in result["msg"]
    assert result["state"]["not_live"] == [3]
    assert result["state"]["blocking_count"] == 2


def test_without_the_live_check_the_isr_is_trusted(run):
    cluster = FakeCluster([ORDERS], {"orders": 2}, [1, 2, 3], [1, 2])
    result = run(cluster, can_stop=[2], live_check=False)
    assert not result.get("failed")
    assert cluster.probes == 0


def test_a_set_that_takes_two_replicas_of_a_partition_is_refused(run):
    result = run(FakeCluster([ORDERS], {"orders": 2}, [1, 2, 3], [1, 2, 3]), can_stop=[1, 2])
    assert result["failed"]
    assert "stopping brokers 1, 2 would put partitions under min.insync.replicas: orders-0" in result["msg"]


@pytest.mark.parametrize("min_isr, isr, stoppable, deferred", [
    (2, [1, 2, 3], [1], [2, 3]),      # any two of three would leave orders under 2: the first goes alone
    (1, [1, 2, 3], [1, 2], [3]),      # min 1: two may go together, not all three
], ids=["min-isr-2", "min-isr-1"])
def test_split_cuts_a_refused_set_to_the_longest_leading_part_that_may_stop(run, min_isr, isr, stoppable, deferred):
    topic = {"name": "orders", "partitions": [part(0, 1, [1, 2, 3], isr), part(1, 2, [2, 3, 1], isr)]}
    result = run(FakeCluster([topic], {"orders": min_isr}, [1, 2, 3], [1, 2, 3]), can_stop=[1, 2, 3], split=True)
    assert not result.get("failed"), result.get("msg")
    assert (result["stoppable"], result["deferred"]) == (stoppable, deferred)
    assert result["state"]["blocking"] == []


def test_a_set_that_may_stop_whole_is_not_split_and_without_split_a_refused_set_waits(run):
    cluster = FakeCluster([ORDERS], {"orders": 1}, [1, 2, 3], [1, 2, 3])
    whole = run(cluster, can_stop=[1, 2], split=True)
    assert (whole["stoppable"], whole["deferred"]) == ([1, 2], [])
    refused = run(FakeCluster([ORDERS], {"orders": 2}, [1, 2, 3], [1, 2, 3]), can_stop=[1, 2])
    assert refused["failed"] and refused["state"]["stoppable"] == [] and refused["state"]["deferred"] == [1, 2]


def test_split_still_waits_when_the_first_broker_may_not_stop_alone(run):
    # Broker 2 fell out of every ISR: stopping 1 would leave orders with 3 alone, under its minimum of 2.
    shrunk = {"name": "orders", "partitions": [part(0, 1, [1, 2, 3], [1, 3]), part(1, 3, [3, 1, 2], [3, 1])]}
    result = run(FakeCluster([shrunk], {"orders": 2}, [1, 2, 3], [1, 2, 3]), can_stop=[1, 3], split=True)
    assert result["failed"] and result["attempts"] > 1
    assert "stopping brokers 1, 3 would put partitions under min.insync.replicas: orders-0" in result["msg"]
    assert result["state"]["stoppable"] == []


def test_rf1_under_a_min_isr_of_2_fails_the_health_check_unless_accepted(run):
    cluster = FakeCluster([ORDERS, RISKY], {"orders": 2, "risky": 2}, [1, 2, 3], [1, 2, 3])
    refused = run(cluster)
    assert refused["failed"]
    assert "under min isr: risky-0, risky-1" in refused["msg"]
    accepted = run(cluster, ignore_partitions=["risky-0", "risky-1"])
    assert not accepted.get("failed")
    assert accepted["state"]["ignored"] == ["risky-0", "risky-1"]
    assert accepted["state"]["under_min_isr"] == []


def test_a_stopped_broker_is_named_beside_the_partitions_it_leaves_at_the_minimum(run):
    # Broker 3 just stopped: out of every ISR already, still registered, not answering; broker 2 must not follow.
    shrunk = {"name": "orders", "partitions": [part(0, 1, [1, 2, 3], [1, 2]), part(1, 2, [2, 3, 1], [2, 1])]}
    result = run(FakeCluster([shrunk], {"orders": 2}, [1, 2, 3], [1, 2]), can_stop=[2])
    assert result["failed"]
    assert "stopping broker 2 would put partitions under min.insync.replicas: orders-0 (isr [1, 2], min.insync.replicas 2)" in result["msg"]
    assert result["msg"].endswith("; and broker(s) 3 do not answer on their listener (down, or not yet fenced): no broker stops "
                                  "while another is down, so broker 2 stay(s) up")
