"""kafka_broker_drain through main() on a fake cluster whose reassignments complete as a controller would complete them."""
import pytest
from ansible_collections.streamops.kafka.plugins.modules import kafka_broker_drain


def topic(name, *partitions):
    """describe_topics' shape: partitions as (replicas, isr)."""
    return {"name": name, "error_code": 0, "partitions": [
        {"partition_index": i, "leader_id": r[0], "replica_nodes": list(r), "isr_nodes": list(isr), "offline_replicas": []}
        for i, (r, isr) in enumerate(partitions)]}


class FakeCluster:
    """The BrokerClient calls the module makes. A reassignment started is in flight for `flight` reads, then done (its
    target is the replica set, and in sync); refused: {label: error} the controller answers to reassign."""

    def __init__(self, topics, brokers, racks=None, flight=2, refused=None, fenced=(), unregister_codes=None):
        self.parts = dict(((t["name"], p["partition_index"]), (p["replica_nodes"], p["isr_nodes"])) for t in topics for p in t["partitions"])
        self.brokers, self.racks, self.flight, self.refused = list(brokers), dict(racks or {}), flight, refused or {}
        self.fenced = list(fenced)
        self.inflight = {}
        self.sent = []
        self.unregister_codes = dict(unregister_codes or {})
        self.unregistered = []

    def _tick(self):
        for key in list(self.inflight):
            self.inflight[key][1] -= 1
            if self.inflight[key][1] <= 0:
                target = self.inflight.pop(key)[0]
                self.parts[key] = (list(target), list(target))

    def describe_cluster(self):
        self._tick()
        return {"brokers": [{"broker_id": b, "rack": self.racks.get(b)} for b in self.brokers], "fenced_brokers": self.fenced}

    def topics(self, names=None):
        names = sorted(set(t for t, _ in self.parts))
        return [topic(n, *[self.parts[(n, i)] for i in range(len([k for k in self.parts if k[0] == n]))]) for n in names]

    def reassignments(self):
        return dict((key, list(target)) for key, (target, _) in self.inflight.items())

    def reassign(self, targets):
        self.sent.append(dict(targets))
        if self.refused:
            return self.refused
        for key, target in targets.items():
            self.inflight[key] = [list(target), self.flight]
        return {}

    def unregister_broker(self, broker_id):
        self.unregistered.append(broker_id)
        return self.unregister_codes.get(broker_id, 0)

    def reset(self):
        pass

    def close(self):
        pass


@pytest.fixture
def run(run_main):
    def go(fake, check=False, **args):
        return run_main(kafka_broker_drain, "BrokerClient", fake, dict(dict(bootstrap_servers=["b1:9092"], timeout=2, sleep=0.01), **args),
                        check)
    return go


def three_plus_four():
    return [topic("orders", ([1, 2, 4], [1, 2, 4]), ([4, 3, 1], [4, 3, 1]), ([1, 2, 3], [1, 2, 3])),
            topic("__consumer_offsets", ([4, 1, 2], [4, 1, 2]))]


def test_a_broker_is_drained_and_the_module_waits_until_every_move_is_over(run):
    fake = FakeCluster(three_plus_four(), [1, 2, 3, 4])
    result = run(fake, broker_ids=[4])
    assert result["changed"] and not result.get("failed"), result
    assert len(fake.sent) == 1 and sorted(fake.sent[0]) == [("__consumer_offsets", 0), ("orders", 0), ("orders", 1)]
    assert result["moves_count"] == 3
    assert result["state"] == {"left": [], "moving": [], "out_of_sync": [], "partitions": 4}
    assert all(4 not in replicas for replicas, _ in fake.parts.values())
    assert result["attempts"] >= 3  # one read started the moves, reads while in flight, one saw them over


def test_a_drained_broker_is_left_alone(run):
    fake = FakeCluster([topic("orders", ([1, 2, 3], [1, 2, 3]))], [1, 2, 3, 4])
    result = run(fake, broker_ids=[4])
    assert (result["changed"], result["moves_count"], fake.sent) == (False, 0, [])


def test_check_mode_reports_the_moves_and_makes_none(run):
    fake = FakeCluster(three_plus_four(), [1, 2, 3, 4])
    result = run(fake, check=True, broker_ids=[4])
    assert result["changed"] and result["moves_count"] == 3 and fake.sent == []


def test_a_replication_factor_the_others_cannot_hold_is_refused_before_anything_moves(run):
    fake = FakeCluster([topic("orders", ([1, 2, 3], [1, 2, 3]))], [1, 2, 3])
    result = run(fake, broker_ids=[3])
    assert result["failed"] and fake.sent == []
    assert result["msg"].startswith("orders has replication factor 3 (1 partition with a replica on brokers [3])"), result["msg"]


def test_a_move_that_never_ends_times_out_naming_what_is_left(run):
    fake = FakeCluster(three_plus_four(), [1, 2, 3, 4], flight=10 ** 6)
    result = run(fake, broker_ids=[4], timeout=0.3)
    assert result["failed"] and result["changed"], result
    assert "3 partition(s) still have a replica on a drained broker" in result["msg"]
    assert "3 reassignment(s) still in flight" in result["msg"]


def test_a_refused_reassignment_fails_with_the_controller_answer(run):
    fake = FakeCluster(three_plus_four(), [1, 2, 3, 4], refused={"orders-0": "InvalidReplicaAssignmentError"})
    result = run(fake, broker_ids=[4])
    assert result["failed"] and result["msg"] == "the controller refused reassigning orders-0 (InvalidReplicaAssignmentError)"


def test_a_stopped_empty_broker_is_unregistered(run):
    fake = FakeCluster([topic("orders", ([1, 2, 3], [1, 2, 3]))], [1, 2, 3], fenced=[4])
    result = run(fake, broker_ids=[4], state="unregistered")
    assert (result["changed"], result["unregistered"], fake.unregistered) == (True, [4], [4])


def test_a_broker_the_cluster_does_not_know_is_left_alone(run):
    fake = FakeCluster([topic("orders", ([1, 2, 3], [1, 2, 3]))], [1, 2, 3], unregister_codes={4: 102})
    result = run(fake, broker_ids=[4], state="unregistered")
    assert (result["changed"], result["unregistered"]) == (False, [])


def test_a_broker_that_still_holds_replicas_is_not_unregistered(run):
    fake = FakeCluster(three_plus_four(), [1, 2, 3], fenced=[4])
    result = run(fake, broker_ids=[4], state="unregistered")
    assert result["failed"] and fake.unregistered == []
    assert result["msg"].startswith("broker 4 still holds replicas of 3 partition(s)"), result["msg"]


def test_a_broker_that_still_runs_is_waited_for_and_not_unregistered(run):
    fake = FakeCluster([topic("orders", ([1, 2, 3], [1, 2, 3]))], [1, 2, 3, 4])
    result = run(fake, broker_ids=[4], state="unregistered", timeout=0.2)
    assert result["failed"] and fake.unregistered == []
    assert result["msg"].endswith("broker(s) 4 still serve: stop them first"), result["msg"]


def test_check_mode_unregisters_nothing(run):
    fake = FakeCluster([topic("orders", ([1, 2, 3], [1, 2, 3]))], [1, 2, 3], fenced=[4])
    result = run(fake, check=True, broker_ids=[4], state="unregistered")
    assert (result["changed"], fake.unregistered) == (True, [])
