"""The roll-safety rules, on fake cluster states."""
import uuid

import pytest
from ansible_collections.streamops.kafka.plugins.module_utils import _health as h


def topic(name, *parts):
    """parts: (leader, replicas, isr) per partition index."""
    return {"name": name, "partitions": [
        {"partition_index": i, "leader_id": leader, "replica_nodes": replicas, "isr_nodes": isr, "offline_replicas": []}
        for i, (leader, replicas, isr) in enumerate(parts)]}


def states(*topics, min_isr=None):
    return h.partition_states(list(topics), min_isr or {})


# --- cluster-wide -----------------------------------------------------------------------------

def test_healthy_cluster_has_no_problems():
    s = states(topic("t", (1, [1, 2, 3], [1, 2, 3]), (2, [2, 3, 1], [2, 3, 1])), min_isr={"t": 2})
    assert h.cluster_problems(s) == {"offline": [], "under_replicated": [], "under_min_isr": []}


def test_offline_under_replicated_and_under_min_isr_are_told_apart():
    s = states(topic("t", (-1, [1, 2, 3], []), (2, [1, 2, 3], [2, 3]), (3, [1, 2, 3], [3])), min_isr={"t": 2})
    p = h.cluster_problems(s)
    assert p["offline"] == ["t-0"]
    assert p["under_replicated"] == ["t-0", "t-1", "t-2"]
    assert p["under_min_isr"] == ["t-0", "t-2"]


def test_min_isr_defaults_to_one_for_unknown_topics():
    s = states(topic("t", (1, [1, 2], [1])))
    assert h.cluster_problems(s)["under_min_isr"] == []


# --- after a broker restart -------------------------------------------------------------------

def test_restarted_broker_must_be_registered_and_back_in_every_isr():
    s = states(topic("t", (1, [1, 2, 3], [1, 3]), (3, [3, 1, 2], [3, 1, 2]), (1, [1, 3], [1, 3])))
    assert h.broker_problems(s, 2, [1, 3]) == {"registered": False, "hosted_partitions": 2, "not_in_isr": ["t-0"]}
    s = states(topic("t", (1, [1, 2, 3], [1, 3, 2])))
    assert h.broker_problems(s, 2, [1, 2, 3]) == {"registered": True, "hosted_partitions": 1, "not_in_isr": []}


def test_broker_without_partitions_is_back_once_registered():
    s = states(topic("t", (1, [1, 3], [1, 3])))
    assert h.broker_problems(s, 2, [1, 2, 3])["not_in_isr"] == []


# --- before a broker stop ---------------------------------------------------------------------

def test_partition_at_the_minimum_with_the_broker_in_isr_blocks():
    s = states(topic("t", (1, [1, 2, 3], [1, 2])), min_isr={"t": 2})
    assert h.stop_blockers(s, 2)["blocking"] == ["t-0 (isr [1, 2], min.insync.replicas 2)"]


def test_broker_outside_the_isr_does_not_block():
    s = states(topic("t", (1, [1, 2, 3], [1, 3])), min_isr={"t": 2})
    assert h.stop_blockers(s, 2)["blocking"] == []


def test_full_isr_above_the_minimum_allows_the_stop():
    s = states(topic("t", (1, [1, 2, 3], [1, 2, 3])), min_isr={"t": 2})
    assert h.stop_blockers(s, 1) == {"blocking": [], "rf1": []}


def test_rf_equal_to_min_isr_always_blocks():
    s = states(topic("t", (1, [1, 2], [1, 2])), min_isr={"t": 2})
    assert h.stop_blockers(s, 2)["blocking"] == ["t-0 (isr [1, 2], min.insync.replicas 2)"]


def test_rf1_partitions_are_reported_not_blocking():
    s = states(topic("scratch", (2, [2], [2])), topic("t", (1, [1, 2, 3], [1, 2, 3])), min_isr={"t": 2})
    assert h.stop_blockers(s, 2) == {"blocking": [], "rf1": ["scratch-0"]}
    assert h.stop_blockers(s, 1)["rf1"] == []


# The gate for a set of brokers, trusting only live replicas: (states, stopping, live, ignore) -> expected.
THREE_RF3 = [topic("orders", (1, [1, 2, 3], [1, 2, 3]), (2, [2, 3, 1], [2, 3, 1]), (3, [3, 1, 2], [3, 1, 2]))]
SIX_RACKED = [topic("t", (1, [1, 3, 5], [1, 3, 5]), (2, [2, 4, 6], [2, 4, 6]), (3, [3, 6, 1], [3, 6, 1]))]


@pytest.mark.parametrize("topics,stopping,live,ignore,expected", [
    pytest.param(THREE_RF3, [2], [1, 2, 3], (), {"blocking": [], "rf1": [], "rf_below_min_isr": [], "not_live": []},
                 id="all-live-one-stops"),
    # Broker 3 was killed 5 s ago: still registered, unfenced and in every ISR, but its listener does not answer.
    pytest.param(THREE_RF3, [2], [1, 2], (), {
        "blocking": ["orders-0 (isr [1, 2, 3], live without the set [1], min.insync.replicas 2)",
                     "orders-1 (isr [1, 2, 3], live without the set [1], min.insync.replicas 2)",
                     "orders-2 (isr [1, 2, 3], live without the set [1], min.insync.replicas 2)"],
        "rf1": [], "rf_below_min_isr": [], "not_live": [3]}, id="crashed-but-unfenced-broker-blocks"),
    pytest.param(THREE_RF3, [2], None, (), {"blocking": [], "rf1": [], "rf_below_min_isr": [], "not_live": []},
                 id="without-liveness-the-isr-is-trusted"),
    pytest.param(THREE_RF3, [1, 2], [1, 2, 3], (), {
        "blocking": ["orders-0 (isr [1, 2, 3], min.insync.replicas 2)", "orders-1 (isr [1, 2, 3], min.insync.replicas 2)",
                     "orders-2 (isr [1, 2, 3], min.insync.replicas 2)"],
        "rf1": [], "rf_below_min_isr": [], "not_live": []}, id="two-of-three-replicas-block"),
    # Racks a={1,2}, b={3,4}, c={5,6}: each partition keeps two replicas when one rack stops.
    pytest.param(SIX_RACKED, [1, 2], [1, 2, 3, 4, 5, 6], (), {"blocking": [], "rf1": [], "rf_below_min_isr": [], "not_live": []},
                 id="a-rack-stops-together"),
    pytest.param(SIX_RACKED, [1, 3], [1, 2, 3, 4, 5, 6], (), {
        "blocking": ["t-0 (isr [1, 3, 5], min.insync.replicas 2)", "t-2 (isr [1, 3, 6], min.insync.replicas 2)"],
        "rf1": [], "rf_below_min_isr": [], "not_live": []}, id="a-cross-rack-set-blocks"),
    pytest.param(THREE_RF3 + [topic("thin", (1, [1, 2], [1, 2])), topic("scratch", (2, [2], [2]))], [2], [1, 2, 3], (),
                 {"blocking": [], "rf1": ["scratch-0"], "rf_below_min_isr": ["scratch-0", "thin-0"], "not_live": []},
                 id="standing-risks-are-reported-apart"),
    # kafka_isr_wait leaves partitions whose risk the operator accepted out of the states it judges.
    pytest.param(THREE_RF3 + [topic("b", (2, [2, 1], [2]))], [2], [1, 2, 3], ("b-0",),
                 {"blocking": [], "rf1": [], "rf_below_min_isr": [], "not_live": []}, id="an-accepted-partition-is-not-judged"),
    pytest.param(THREE_RF3 + [topic("b", (2, [2, 1], [2]))], [2], [1, 2, 3], (),
                 {"blocking": ["b-0 (isr [2], min.insync.replicas 2)"], "rf1": [], "rf_below_min_isr": [], "not_live": []},
                 id="a-single-member-isr-blocks"),
])
def test_set_stop_blockers_on_named_clusters(topics, stopping, live, ignore, expected):
    min_isr = {"orders": 2, "t": 2, "thin": 3, "scratch": 2, "b": 2}
    judged = [s for s in states(*topics, min_isr=min_isr) if h.label(s) not in ignore]
    assert h.set_stop_blockers(judged, stopping, live) == expected


def test_risky_partitions():
    s = states(topic("a", (1, [1], [1])), topic("b", (1, [1, 2], [1]), (2, [2, 1], [2, 1])))
    assert h.risky_partitions(s) == {"rf1": ["a-0"], "single_isr": ["b-0"], "rf_below_min_isr": []}


def test_replication_factor_below_min_isr_is_a_standing_risk():
    # RF 2 under min.insync.replicas 3 never takes an acks=all write, with every replica in sync.
    s = states(topic("thin", (1, [1, 2], [1, 2])), topic("scratch", (1, [1], [1])), topic("t", (1, [1, 2, 3], [1, 2, 3])),
               min_isr={"thin": 3, "scratch": 2, "t": 2})
    assert h.risky_partitions(s) == {"rf1": ["scratch-0"], "single_isr": [], "rf_below_min_isr": ["scratch-0", "thin-0"]}
    assert h.cluster_problems(s)["under_min_isr"] == ["scratch-0", "thin-0"]


def test_broker_load_counts_replicas_and_leaders():
    s = states(topic("t", (1, [1, 2], [1, 2]), (2, [2, 1], [2, 1]), (-1, [1, 3], [])))
    assert h.broker_load(s) == {1: {"partitions": 3, "leaders": 1}, 2: {"partitions": 2, "leaders": 1},
                                3: {"partitions": 1, "leaders": 0}}


# --- metadata quorum --------------------------------------------------------------------------

def quorum(leader, voters, observers=(), now=1_000_000, directories=False):
    """voters/observers: {id: (log_end_offset, caught_up_ms_ago or None)}; with directories, replica n reports the
    directory id uuid.UUID(int=n) (in the hex text kafka-python's to_dict gives), as DescribeQuorum v2 does."""
    def entries(replicas):
        out = []
        for rid, (end, ago) in replicas.items():
            stamp = -1 if ago is None else now - ago
            out.append({"replica_id": rid, "log_end_offset": end, "last_fetch_timestamp": stamp,
                        "last_caught_up_timestamp": stamp})
            if directories:
                out[-1]["replica_directory_id"] = str(uuid.UUID(int=rid))
        return out
    return h.quorum_summary({"topics": [{"partitions": [{
        "leader_id": leader, "leader_epoch": 3, "high_watermark": 100, "error": None,
        "current_voters": entries(voters), "observers": entries(dict(observers))}]}]})


def test_lag_is_measured_from_the_leaders_log_end():
    q = quorum(1, {1: (100, 0), 2: (97, 0), 3: (100, 0)})
    assert [v["lag"] for v in q["voters"]] == [0, 3, 0]
    assert h.quorum_problems(q) == ["voters not caught up: 2 (lag 3)"]
    assert h.quorum_problems(q, max_lag=5) == []


def test_no_leader_is_a_problem():
    q = quorum(-1, {1: (100, 0), 2: (100, 0), 3: (100, 0)})
    assert "no quorum leader" in h.quorum_problems(q)[0]


def test_unknown_timestamps_count_as_not_caught_up():
    q = quorum(1, {1: (100, 0), 2: (100, None), 3: (100, 0)})
    assert h.quorum_problems(q, max_caught_up_age_ms=5000) == ["voters not caught up: 2 (never caught up)"]
    assert h.quorum_problems(q) == []


def test_stale_catch_up_is_measured_on_the_leaders_clock():
    q = quorum(1, {1: (100, 0), 2: (100, 20000), 3: (100, 100)}, now=5_000_000_000)
    assert h.quorum_problems(q, max_caught_up_age_ms=10000) == ["voters not caught up: 2 (caught up 20000 ms ago)"]


def test_expected_voters_and_observers():
    q = quorum(1, {1: (100, 0), 2: (100, 0), 3: (100, 0)}, observers={11: (100, 0), 12: (90, 0)})
    assert h.quorum_problems(q, expected_voters=[1, 2, 3], observers=[11]) == []
    assert h.quorum_problems(q, expected_voters=[1, 2, 3, 4]) == ["voters are [1, 2, 3], expected [1, 2, 3, 4]"]
    assert h.quorum_problems(q, observers=[11, 12, 13]) == [
        "observers not registered: [13]", "observers not caught up: 12 (lag 10)"]


@pytest.mark.parametrize("count, majority", [(1, 1), (3, 2), (5, 3)])
def test_majority(count, majority):
    assert h.majority(count) == majority


def test_single_controller_can_never_stop_safely():
    q = quorum(1, {1: (100, 0)})
    assert h.controller_stop_blockers(q, 1) == ["stopping 1 leaves 0 caught-up voter(s) [] of 1; a majority needs 1"]


def test_three_controllers_tolerate_one_stop():
    q = quorum(1, {1: (100, 0), 2: (100, 0), 3: (100, 0)})
    assert h.controller_stop_blockers(q, 2) == []
    assert h.controller_stop_blockers(q, 1) == []


def test_three_controllers_with_one_behind_refuse_a_second_stop():
    q = quorum(1, {1: (100, 0), 2: (100, 0), 3: (40, 0)})
    assert h.controller_stop_blockers(q, 2) == ["stopping 2 leaves 1 caught-up voter(s) [1] of 3; a majority needs 2"]


def test_five_controllers_tolerate_two_down():
    q = quorum(1, {1: (100, 0), 2: (100, 0), 3: (100, 0), 4: (10, None), 5: (100, 0)})
    assert h.controller_stop_blockers(q, 5, max_caught_up_age_ms=5000) == []
    q = quorum(1, {1: (100, 0), 2: (100, 0), 3: (10, None), 4: (10, None), 5: (100, 0)})
    assert "a majority needs 3" in h.controller_stop_blockers(q, 5)[0]


def test_unknown_leader_refuses_any_controller_stop():
    q = quorum(-1, {1: (100, 0), 2: (100, 0), 3: (100, 0)})
    assert h.controller_stop_blockers(q, 3) == ["no quorum leader now; stopping another voter cannot be judged safe"]


def test_a_broker_is_not_a_voter_and_never_blocks_the_quorum():
    q = quorum(1, {1: (100, 0), 2: (100, 0), 3: (100, 0)}, observers={11: (100, 0)})
    assert h.controller_stop_blockers(q, 11) == []


def test_quorum_error_is_raised():
    with pytest.raises(ValueError):
        h.quorum_summary({"topics": [{"partitions": [{"error": "NOT_LEADER", "leader_id": -1}]}]})


# --- before stopping a set of brokers, trusting only live replicas ------------------------------

RF3 = topic("t", (1, [1, 2, 3], [1, 2, 3]), (2, [2, 3, 1], [2, 3, 1]), (3, [3, 1, 2], [3, 1, 2]))


def offline(states_, replica):
    """The same states with replica reported offline (a failed log directory) in every partition."""
    return [dict(s, offline_replicas=[replica]) for s in states_]


@pytest.mark.parametrize("s, broker_ids, live, accept, expected", [
    # Broker 3 was killed: still in every ISR until the controller fences it, but not live. Stopping 2 leaves only 1.
    (states(RF3, min_isr={"t": 2}), [2], [1, 2], (), {
        "blocking": ["t-0 (isr [1, 2, 3], live without the set [1], min.insync.replicas 2)",
                     "t-1 (isr [1, 2, 3], live without the set [1], min.insync.replicas 2)",
                     "t-2 (isr [1, 2, 3], live without the set [1], min.insync.replicas 2)"],
        "rf1": [], "rf_below_min_isr": [], "not_live": [3]}),
    # With min.insync.replicas 1 no partition blocks, but the dead broker is named: the caller refuses every stop.
    (states(RF3, min_isr={"t": 1}), [2], [1, 2], (), {"blocking": [], "rf1": [], "rf_below_min_isr": [], "not_live": [3]}),
    # Trusting the ISR alone, the same crash passes: why live_brokers is needed.
    (states(RF3, min_isr={"t": 2}), [2], None, (), {"blocking": [], "rf1": [], "rf_below_min_isr": [], "not_live": []}),
    (states(RF3, min_isr={"t": 2}), [2], [1, 2, 3], (), {"blocking": [], "rf1": [], "rf_below_min_isr": [], "not_live": []}),
    (states(RF3, min_isr={"t": 2}), [1, 2], [1, 2, 3], (), {
        "blocking": ["t-0 (isr [1, 2, 3], min.insync.replicas 2)",
                     "t-1 (isr [1, 2, 3], min.insync.replicas 2)",
                     "t-2 (isr [1, 2, 3], min.insync.replicas 2)"],
        "rf1": [], "rf_below_min_isr": [], "not_live": []}),
    # Two brokers that share no partition stop together.
    (states(topic("a", (1, [1, 2, 3], [1, 2, 3])), topic("b", (4, [4, 5, 6], [4, 5, 6])), min_isr={"a": 2, "b": 2}), [1, 4], [1, 2, 3, 4, 5, 6], (),
     {"blocking": [], "rf1": [], "rf_below_min_isr": [], "not_live": []}),
    # A stopped member of the set is not "not live": it is the one being handled.
    (states(RF3, min_isr={"t": 1}), [2], [1, 3], (), {"blocking": [], "rf1": [], "rf_below_min_isr": [], "not_live": []}),
    (states(topic("scratch", (2, [2], [2])), min_isr={"scratch": 2}), [2], [1, 2, 3], (),
     {"blocking": [], "rf1": ["scratch-0"], "rf_below_min_isr": ["scratch-0"], "not_live": []}),
    # Replication factor below min.insync.replicas never reaches the minimum: reported, blocking only when it would go offline.
    (states(topic("t", (1, [1, 2], [1, 2])), min_isr={"t": 3}), [1], [1, 2], (),
     {"blocking": [], "rf1": [], "rf_below_min_isr": ["t-0"], "not_live": []}),
    (states(topic("t", (1, [1, 2], [1, 2])), min_isr={"t": 3}), [1, 2], [1, 2], (),
     {"blocking": ["t-0 (isr [1, 2], min.insync.replicas 3)"], "rf1": [], "rf_below_min_isr": ["t-0"], "not_live": []}),
    # Replication factor equal to min.insync.replicas blocks every stop unless the caller accepts it.
    (states(topic("t", (1, [1, 2], [1, 2])), min_isr={"t": 2}), [1], [1, 2], (),
     {"blocking": ["t-0 (isr [1, 2], min.insync.replicas 2)"], "rf1": [], "rf_below_min_isr": [], "not_live": []}),
    (states(topic("t", (1, [1, 2], [1, 2])), min_isr={"t": 2}), [1], [1, 2], ("t-0",),
     {"blocking": [], "rf1": [], "rf_below_min_isr": [], "not_live": []}),
    (states(topic("t", (1, [1, 2], [1, 2])), min_isr={"t": 2}), [1, 2], [1, 2], ("t-0",),
     {"blocking": ["t-0 (isr [1, 2], min.insync.replicas 2)"], "rf1": [], "rf_below_min_isr": [], "not_live": []}),
    (states(topic("t", (1, [1, 2, 3], [1, 3])), min_isr={"t": 2}), [2], [1, 2, 3], (),
     {"blocking": [], "rf1": [], "rf_below_min_isr": [], "not_live": []}),
    # Unlike stop_blockers, a partition already under its minimum blocks even when the broker left its ISR.
    (states(topic("t", (1, [1, 2, 3], [1])), min_isr={"t": 2}), [2], [1, 2, 3], (),
     {"blocking": ["t-0 (isr [1], min.insync.replicas 2)"], "rf1": [], "rf_below_min_isr": [], "not_live": []}),
    (offline(states(topic("t", (1, [1, 2, 3], [1, 2, 3])), min_isr={"t": 2}), 3), [2], None, (),
     {"blocking": ["t-0 (isr [1, 2, 3], live without the set [1], min.insync.replicas 2)"], "rf1": [], "rf_below_min_isr": [], "not_live": []}),
    # min.insync.replicas 1 still keeps one in-sync replica.
    (states(topic("t", (1, [1, 2], [1, 2]))), [1, 2], [1, 2], (),
     {"blocking": ["t-0 (isr [1, 2], min.insync.replicas 1)"], "rf1": [], "rf_below_min_isr": [], "not_live": []}),
], ids=["crashed-unfenced-broker-blocks", "crashed-unfenced-min-isr-1-named", "isr-alone-misses-the-crash", "all-live-one-stops",
        "two-of-rf3-block", "disjoint-pair-stops", "set-member-not-live-is-not-reported", "rf1-reported", "rf-below-min-isr-reported",
        "rf-below-min-isr-would-go-offline", "rf-equal-min-isr-blocks", "rf-equal-min-isr-accepted", "accepted-would-go-offline",
        "outside-the-isr", "already-under-min-isr", "offline-replica-does-not-count", "min-isr-1-keeps-one"])
def test_set_stop_blockers(s, broker_ids, live, accept, expected):
    assert h.set_stop_blockers(s, broker_ids, live, accept) == expected


@pytest.mark.parametrize("accept, isr, expected", [
    ((), [1, 2], {"offline": [], "under_replicated": [], "under_min_isr": ["t-0"]}),
    (("t-0",), [1, 2], {"offline": [], "under_replicated": [], "under_min_isr": []}),
    # Accepted for its standing shortfall only: a replica out of sync still counts.
    (("t-0",), [1], {"offline": [], "under_replicated": ["t-0"], "under_min_isr": []}),
], ids=["rf-below-min-isr-waits-forever", "accepted", "accepted-still-under-replicated"])
def test_cluster_problems_accepts_standing_shortfalls(accept, isr, expected):
    s = states(topic("t", (1, [1, 2], isr)), topic("u", (1, [1, 2, 3], [1, 2, 3])), min_isr={"t": 3, "u": 2})
    assert h.cluster_problems(s, accept) == expected


def test_rf_below_min_isr():
    s = states(topic("a", (1, [1], [1])), topic("b", (1, [1, 2], [1, 2])), topic("c", (1, [1, 2, 3], [1])), min_isr={"a": 2, "b": 3, "c": 3})
    assert h.rf_below_min_isr(s) == ["a-0", "b-0"]


def test_directory_ids_read_as_kafka_prints_them():
    # Controller 2's directory as meta.properties and kafka-metadata-quorum print it, and as kafka-python's to_dict gives it.
    assert h.kafka_uuid("dd8f2969-8eae-ae09-2dcc-1ae82eed767a") == "3Y8paY6urgktzBroLu12eg"
    assert h.kafka_uuid(uuid.UUID("dd8f2969-8eae-ae09-2dcc-1ae82eed767a")) == "3Y8paY6urgktzBroLu12eg"
    assert h.parse_kafka_uuid("3Y8paY6urgktzBroLu12eg") == uuid.UUID("dd8f2969-8eae-ae09-2dcc-1ae82eed767a")
    assert h.kafka_uuid(None) is None
    assert h.kafka_uuid(str(uuid.UUID(int=0))) is None  # DescribeQuorum before v2 sends none


@pytest.mark.parametrize("text", ["", None, "3Y8paY6urgktzBroLu12e", "3Y8paY6urgktzBroLu12eg=", "not a uuid at all!!!!!",
                                  "dd8f2969-8eae-ae09-2dcc-1ae82eed767a"])
def test_what_is_no_kafka_uuid_is_refused(text):
    with pytest.raises(ValueError, match="is not a Kafka uuid"):
        h.parse_kafka_uuid(text)


def test_the_summary_carries_each_replicas_directory():
    q = quorum(1, {1: (100, 0)}, observers={4: (100, 0)}, directories=True)
    assert q["voters"][0]["directory_id"] == h.kafka_uuid(uuid.UUID(int=1))
    assert q["observers"][0]["directory_id"] == h.kafka_uuid(uuid.UUID(int=4))
    assert quorum(1, {1: (100, 0)})["voters"][0]["directory_id"] is None
