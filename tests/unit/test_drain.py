"""_drain: where a drained broker's replicas go (racks, load, the replication factor the others can hold) and when the
drain is over."""
import pytest

from ansible_collections.streamops.kafka.plugins.module_utils import _drain as d


def part(topic, partition, replicas, isr=None):
    return {"topic": topic, "partition": partition, "replicas": list(replicas), "isr": list(replicas if isr is None else isr)}


def targets(plan):
    return dict(((m["topic"], m["partition"]), m["target"]) for m in plan["moves"])


def test_only_the_partitions_on_the_drained_broker_move_and_the_others_keep_their_places():
    states = [part("t", 0, [1, 2, 4]), part("t", 1, [4, 3, 1]), part("t", 2, [1, 2, 3])]
    plan = d.drain_moves(states, [1, 2, 3, 4], [4])
    assert plan["problems"] == []
    assert targets(plan) == {("t", 0): [1, 2, 3], ("t", 1): [2, 3, 1]}


def test_the_least_loaded_broker_takes_the_replica():
    # Broker 3 holds nothing, 1 and 2 hold two each: 3 takes the first move, then load evens out.
    states = [part("a", 0, [1, 4]), part("a", 1, [2, 4]), part("b", 0, [1, 2])]
    plan = d.drain_moves(states, [1, 2, 3, 4], [4])
    assert targets(plan) == {("a", 0): [1, 3], ("a", 1): [2, 3]}


def test_a_replica_stays_in_its_rack_when_a_broker_there_is_free():
    racks = {1: "r1", 2: "r2", 3: "r3", 4: "r1", 5: "r2"}
    plan = d.drain_moves([part("t", 0, [4, 2, 3])], [1, 2, 3, 4, 5], [4], racks)
    assert targets(plan) == {("t", 0): [1, 2, 3]}


def test_without_a_free_broker_in_its_rack_a_replica_goes_to_a_rack_the_partition_does_not_use():
    # r1's other broker (1) holds the partition already; 5 is free but in r2, which broker 2 covers; 3 is in r3.
    racks = {1: "r1", 2: "r2", 3: "r3", 4: "r1", 5: "r2"}
    states = [part("t", 0, [4, 1, 2]), part("x", 0, [3, 1]), part("x", 1, [3, 2])]  # 3 is the most loaded
    assert targets(d.drain_moves(states, [1, 2, 3, 4, 5], [4], racks)) == {("t", 0): [3, 1, 2]}


def test_rack_aware_off_places_by_load_alone():
    racks = {1: "r1", 2: "r2", 3: "r1", 4: "r2"}
    states = [part("t", 0, [4, 1]), part("x", 0, [2, 1]), part("x", 1, [2, 1])]
    assert targets(d.drain_moves(states, [1, 2, 3, 4], [4], racks))[("t", 0)] == [2, 1]  # same rack as 4
    assert targets(d.drain_moves(states, [1, 2, 3, 4], [4], {}))[("t", 0)] == [3, 1]  # least loaded


def test_two_brokers_drain_at_once():
    plan = d.drain_moves([part("t", 0, [4, 5, 1])], [1, 2, 3, 4, 5], [4, 5])
    assert targets(plan) == {("t", 0): [2, 3, 1]}


def test_a_replication_factor_the_remaining_brokers_cannot_hold_is_refused_and_nothing_moves():
    states = [part("t", 0, [1, 2, 3]), part("t", 1, [2, 3, 1]), part("u", 0, [1, 2])]
    plan = d.drain_moves(states, [1, 2, 3], [3])
    assert plan["problems"] == ["t has replication factor 3 (2 partitions with a replica on brokers [3]) and only 2 brokers "
                                "would remain (1, 2): lower its replication factor or add a broker first."]


def test_draining_every_broker_is_refused():
    assert d.drain_moves([part("t", 0, [1])], [1], [1])["problems"] == [
        "draining brokers [1] leaves no broker to hold their replicas."]


def test_naming_no_broker_is_refused():
    assert d.drain_moves([], [1, 2], [])["problems"] == ["no broker to drain was named."]


def test_a_reassignment_in_flight_is_left_to_finish_and_counts_by_its_target():
    states = [part("t", 0, [4, 1, 2]), part("t", 1, [4, 1])]
    # t-0 is being moved 4 -> 3 already: it is not moved again, and broker 3 counts it.
    plan = d.drain_moves(states, [1, 2, 3, 4], [4], ongoing={("t", 0): [3, 1, 2]})
    assert targets(plan) == {("t", 1): [2, 1]}


def test_a_broker_that_holds_nothing_has_nothing_to_move():
    assert d.drain_moves([part("t", 0, [1, 2])], [1, 2, 3], [3]) == {"moves": [], "problems": []}


@pytest.mark.parametrize("states, ongoing, moved, expected", [
    ([part("t", 0, [1, 2])], {}, [("t", 0)], {"left": [], "moving": [], "out_of_sync": []}),
    ([part("t", 0, [1, 4])], {}, [], {"left": ["t-0"], "moving": [], "out_of_sync": []}),
    ([part("t", 0, [1, 2, 4])], {("t", 0): [1, 2]}, [("t", 0)], {"left": ["t-0"], "moving": ["t-0"], "out_of_sync": []}),
    ([part("t", 0, [1, 2], isr=[1])], {}, [("t", 0)], {"left": [], "moving": [], "out_of_sync": ["t-0"]}),
    # A partition this drain did not move is not its to judge.
    ([part("t", 0, [1, 2], isr=[1])], {}, [], {"left": [], "moving": [], "out_of_sync": []}),
], ids=["over", "left", "moving", "moved-not-in-sync", "not-moved"])
def test_the_drain_is_over_when_nothing_is_left_moving_or_out_of_sync(states, ongoing, moved, expected):
    assert d.drain_progress(states, [4], ongoing, moved) == expected


def test_a_drain_that_timed_out_says_what_was_left():
    message = d.progress_message({"left": ["t-%d" % i for i in range(25)], "moving": ["t-0"], "out_of_sync": []})
    assert message == ("25 partition(s) still have a replica on a drained broker: %s and 5 more; 1 reassignment(s) still "
                       "in flight: t-0" % ", ".join("t-%d" % i for i in range(20)))


@pytest.mark.parametrize("remove, mode, words", [
    ([], "kraft", "kafka_brokers_remove names no broker. To add brokers, put them in the brokers group and run site."),
    (["b9"], "kraft", "kafka_brokers_remove names b9, not in the brokers group."),
    (["c1"], "kraft", "c1 also runs a controller: a combined node leaves the quorum too"),
    (["b4", "c1", "b5"], "kraft", "removing every broker (b4, c1, b5) leaves none to hold the partitions."),
    (["b4"], "zookeeper", "removing brokers needs a KRaft cluster (kafka_mode is zookeeper): migrate it first."),
], ids=["none", "not-a-broker", "combined", "every-broker", "zookeeper-mode"])
def test_a_removal_the_inventory_cannot_take_is_refused(remove, mode, words):
    problems = d.removal_problems(remove, ["c1", "b4", "b5"], ["c1", "c2", "c3"], mode)
    assert any(p.startswith(words) for p in problems), problems


def test_removing_a_dedicated_broker_passes():
    assert d.removal_problems(["b4"], ["c1", "b4", "b5"], ["c1"]) == []


def test_a_broker_that_still_holds_replicas_blocks_its_unregistration():
    states = [part("t", 0, [1, 4]), part("t", 1, [1, 2]), part("u", 0, [4, 5])]
    assert d.unregister_blockers(states, [5, 4, 3]) == [
        "broker 4 still holds replicas of 2 partition(s) (t-0, u-0): drain it first (state: drained)",
        "broker 5 still holds replicas of 1 partition(s) (u-0): drain it first (state: drained)"]
