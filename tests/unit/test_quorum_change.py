"""_quorum: the changes a KRaft voter set can take (each refusal), the join gate for a new controller and the blockers
of a removal, on quorums shaped as _health.quorum_summary shapes DescribeQuorum."""
import uuid

import pytest

from ansible_collections.streamops.kafka.plugins.module_utils import _quorum as q
from test_health import quorum

DYNAMIC = {"version": "4.1.1", "kraft_version": 1, "voters": [1], "leader_id": 1, "brokers": [11, 12, 13]}


def change(**more):
    return q.change_problems(dict(DYNAMIC, **more))


@pytest.mark.parametrize("version, expected", [("4.1.0", (4, 1)), ("3.9", (3, 9)), ("10.0.1", (10, 0)), (None, None), ("4", None),
                                               ("x.1", None), (4.1, (4, 1))])
def test_release_reads_major_and_minor(version, expected):
    assert q.release(version) == expected


@pytest.mark.parametrize("more", [
    {"voters": [1, 2, 3], "add": [4, 5]},
    {"add": [2, 3]},  # 1 -> 3, joined one at a time behind the gate
    {"voters": [1, 2, 3], "remove": [3], "add": [], "allow_even": True},
    {"voters": [1, 2, 3, 4], "remove": ["4"]},  # ids as the inventory may write them
    {"kraft_version": 0, "convert": True, "voters": [1, 2, 3], "mode": "dynamic", "metadata_version": 21},  # 4.1+, alone
    {"kraft_version": 1, "convert": True, "voters": [1, 2, 3], "mode": "dynamic"},  # raised already: the roll goes on
    {},  # nothing to change
], ids=["two-join", "two-join-to-a-standalone", "even-allowed", "ids-as-strings", "convert", "convert-raised", "no-change"])
def test_sound_changes_pass(more):
    assert change(**more) == []


@pytest.mark.parametrize("more, words", [
    ({"kraft_version": 0, "voters": [1, 2, 3], "add": [4, 5]},
     "the quorum is static (kraft.version 0, controller.quorum.voters): its voters cannot be added or removed. Convert it first "
     "with kafka_quorum_convert: true (it cannot be undone)."),
    ({"version": "3.9.1", "kraft_version": 0, "voters": [1, 2, 3], "remove": [3]}, "Converting it needs Kafka 4.1 or newer."),
    ({"version": "4.0.0", "kraft_version": 0, "convert": True},
     "a static quorum can be made dynamic only from Kafka 4.1 (kraft.version 1); these controllers run 4.0: upgrade them first."),
    ({"kraft_version": 0, "convert": True, "voters": [1, 2, 3], "add": [4, 5], "mode": "dynamic", "metadata_version": 21},
     "convert the quorum in a run of its own, then add ([4, 5]) or remove ([]) controllers in the next"),
    ({"kraft_version": 0, "convert": True, "mode": "dynamic", "metadata_version": 7},
     "kraft.version 1 needs metadata.version 3.9-IV0 or newer and the cluster is finalized at 3.3-IV3"),
    ({"kraft_version": 0, "convert": True, "metadata_version": 21}, "set kafka_quorum: dynamic in the inventory (got None)"),
    ({"voters": [1, 2, 3], "add": [4], "remove": [3]}, "add controllers ([4]) and remove controllers ([3]) in separate runs"),
    ({"add": [11, 2]}, "the controllers to add reuse node ids [11] that are already brokers."),
    ({"voters": [1, 2, 3], "add": [3, 4, 5]}, "reuse node ids [3] that are already voters."),
    ({"voters": [1, 2, 3], "remove": [7]}, "the controllers to remove [7] are not voters (voters: [1, 2, 3])."),
    ({"remove": [1]}, "removing [1] leaves no voter."),
    ({"voters": [1, 2, 3], "add": [4]}, "the change ends with 4 voters [1, 2, 3, 4]: an even number tolerates no more failures"),
    ({"voters": [1, 2, 3], "remove": [3]}, "set kafka_quorum_allow_even: true."),
    ({"version": "latest"}, "the controllers' release is unknown (got 'latest')"),
    ({"add": "2"}, "the controllers to add must be a list of node ids (got '2')."),
    ({"remove": [True]}, "the controllers to remove must be a list of node ids (got True)."),
    ({"add": [-1]}, "the controllers to add must be a list of node ids (got -1)."),
], ids=["static-add", "static-below-4.1", "convert-below-4.1", "convert-then-add", "convert-below-mv-3.9", "convert-to-static",
        "add-and-remove", "id-of-a-broker", "id-of-a-voter", "remove-a-stranger",
        "remove-the-last", "even-after-add", "even-after-remove", "unknown-release", "add-not-a-list", "remove-a-boolean", "negative-id"])
def test_each_refusal_is_named(more, words):
    assert any(words in problem for problem in change(**more)), change(**more)


def test_every_problem_is_named_at_once():
    problems = change(kraft_version=0, voters=[1, 2, 3], add=[3, 4], remove=[9])
    # static, both at once, a taken id, a stranger, and four voters at the end
    assert len(problems) == 5, problems


@pytest.mark.parametrize("mode, version, expected", [
    ("dynamic", "3.9.0", []), ("static", "3.3.2", []), ("dynamic", "4.2.0", []),
    ("dynamic", "3.8.1", ["kafka_quorum: dynamic needs Kafka 3.9 or newer (kafka_version 3.8.1); use static."]),
    ("auto", "4.2.0", ["kafka_quorum must be static or dynamic (got 'auto')."]),
])
def test_format_problems(mode, version, expected):
    assert q.format_problems(mode, version) == expected


def test_a_caught_up_observer_may_join():
    summary = quorum(1, {1: (500, 0)}, observers={4: (500, 100)})
    ready, problems, observed = q.join_gate(summary, 4)
    assert (ready, problems) == (True, [])
    assert observed["id"] == 4 and observed["lag"] == 0


@pytest.mark.parametrize("observers, voters, node, words", [
    ({4: (480, 0)}, {1: (500, 0)}, 4, "observer 4 (lag 20)"),
    ({4: (500, 9000)}, {1: (500, 0)}, 4, "observer 4 (caught up 9000 ms ago)"),
    ({4: (500, None)}, {1: (500, 0)}, 4, "observer 4 (never caught up)"),
    ({}, {1: (500, 0)}, 4, "4 is not an observer of the quorum yet"),
    ({}, {1: (500, 0), 4: (500, 0)}, 4, "4 is already a voter"),
    ({4: (500, 0)}, {1: (500, 0), 2: (100, 0), 3: (500, 0)}, 4, "voters not caught up: 2 (lag 400)"),
], ids=["lagging", "caught-up-long-ago", "never-caught-up", "not-started", "already-a-voter", "quorum-unhealthy"])
def test_the_join_gate_waits(observers, voters, node, words):
    ready, problems, dummy = q.join_gate(quorum(1, voters, observers=observers), node)
    assert not ready
    assert any(words in p for p in problems), problems


def test_removing_a_follower_of_a_healthy_three():
    assert q.removal_blockers(quorum(1, {1: (100, 0), 2: (100, 0), 3: (100, 0)}), 3) == []


def test_removing_the_leader_moves_leadership_first():
    assert q.removal_blockers(quorum(1, {1: (100, 0), 2: (100, 0), 3: (100, 0)}), 1) == [
        "1 is the quorum leader: move leadership first (restart it; a leader that shuts down resigns), then remove it"]


def test_removing_a_voter_that_would_leave_no_caught_up_majority_is_refused():
    blockers = q.removal_blockers(quorum(1, {1: (100, 0), 2: (100, 0), 3: (40, 0)}), 2)
    assert blockers == ["stopping 2 leaves 1 caught-up voter(s) [1] of 3; a majority needs 2"]


def test_removing_a_node_that_is_no_voter_has_no_blocker():
    assert q.removal_blockers(quorum(1, {1: (100, 0)}), 9) == []


def test_a_caught_up_observer_is_added():
    step, problems, entry = q.voter_step(quorum(1, {1: (500, 0)}, observers={4: (500, 100)}, directories=True), 4, True)
    assert (step, problems) == ("go", [])
    assert entry["id"] == 4 and entry["lag"] == 0 and entry["directory_id"]


def test_a_lagging_observer_is_waited_for():
    step, problems, entry = q.voter_step(quorum(1, {1: (500, 0)}, observers={4: (300, 100)}, directories=True), 4, True)
    assert step == "wait" and entry["lag"] == 200
    assert problems == ["observer 4 (lag 200)"]


@pytest.mark.parametrize("present, voters", [(True, {1: (500, 0), 4: (500, 0)}), (False, {1: (500, 0)})],
                         ids=["already-a-voter", "already-gone"])
def test_nothing_to_do_is_done(present, voters):
    assert q.voter_step(quorum(1, voters, directories=True), 4, present)[:2] == ("done", [])


def test_a_follower_is_removed():
    step, problems, entry = q.voter_step(quorum(1, {1: (500, 0), 2: (500, 0), 3: (500, 0)}, directories=True), 3, False)
    assert (step, problems, entry["id"]) == ("go", [], 3)


def test_the_leader_is_not_removed():
    step, problems, dummy = q.voter_step(quorum(1, {1: (500, 0), 2: (500, 0), 3: (500, 0)}, directories=True), 1, False)
    assert step == "wait" and "1 is the quorum leader: move leadership first" in problems[0]


@pytest.mark.parametrize("present", [True, False], ids=["add", "remove"])
def test_without_directory_ids_nothing_is_changed(present):
    # Before Kafka 3.9, DescribeQuorum has no directory ids; AddRaftVoter and RemoveRaftVoter need them.
    summary = quorum(1, {1: (500, 0), 2: (500, 0), 3: (500, 0)}, observers={4: (500, 0)})
    step, problems, dummy = q.voter_step(summary, 4 if present else 3, present)
    assert step == "wait"
    assert problems == ["the quorum reports no directory id for %d (DescribeQuorum before version 2: the controllers run a "
                        "release older than 3.9)" % (4 if present else 3)]


STATIC_CONTROLLER = "process.roles=controller\nnode.id=1\ncontroller.quorum.voters=1@c1:9093\n"
DYNAMIC_BROKER = "process.roles=broker\nnode.id=11\ncontroller.quorum.bootstrap.servers=c1:9093\n"
MIGRATING_BROKER = "broker.id=11\nzookeeper.connect=zk1:2181\nzookeeper.metadata.migration.enable=true\ncontroller.quorum.voters=1@c1:9093\n"


@pytest.mark.parametrize("text, mode, version, zk_mode", [
    ("", "dynamic", "4.3.1", False),  # a new node of a new dynamic cluster
    ("", "static", "3.3.2", False),
    (STATIC_CONTROLLER, "static", "4.3.1", False),
    (DYNAMIC_BROKER, "dynamic", "3.9.2", False),
    (MIGRATING_BROKER, "static", "3.9.2", True),
], ids=["new-dynamic", "new-static", "static-stays", "dynamic-stays", "migration-static"])
def test_a_quorum_that_keeps_its_kind_passes(text, mode, version, zk_mode):
    assert q.in_place_problems(text, "h1", mode, version, zk_mode) == []


@pytest.mark.parametrize("text, mode, version, zk_mode, words", [
    ("", "dynamic", "3.8.1", False, "h1: kafka_quorum: dynamic needs Kafka 3.9 or newer (kafka_version 3.8.1); use static."),
    ("", "sideways", "4.3.1", False, "h1: kafka_quorum must be static or dynamic (got 'sideways')."),
    ("", "dynamic", "3.9.2", True, "h1: kafka_quorum: dynamic is for KRaft clusters"),
    (MIGRATING_BROKER, "dynamic", "3.9.2", False, "h1: kafka_quorum: dynamic is for KRaft clusters"),
    (STATIC_CONTROLLER, "dynamic", "4.3.1", False, "h1 runs a static quorum (controller.quorum.voters in its server.properties)"),
    (DYNAMIC_BROKER, "static", "4.3.1", False, "h1 runs a dynamic quorum (controller.quorum.bootstrap.servers in its"),
], ids=["dynamic-below-3.9", "unknown-kind", "dynamic-zookeeper-mode", "dynamic-while-migrating", "static-to-dynamic",
        "dynamic-to-static"])
def test_a_quorum_that_would_change_kind_is_refused(text, mode, version, zk_mode, words):
    problems = q.in_place_problems(text, "h1", mode, version, zk_mode)
    assert len(problems) == 1 and problems[0].startswith(words), problems


def test_a_converting_run_may_render_a_static_node_dynamic():
    # streamops.kafka.controllers with kafka_quorum_convert raises kraft.version before it re-renders any node.
    assert q.in_place_problems(STATIC_CONTROLLER, "h1", "dynamic", "4.3.1", False, True, True, False, True) == []
    # Converting never turns a dynamic node static, nor makes dynamic possible on a release below 3.9.
    assert q.in_place_problems(DYNAMIC_BROKER, "h1", "static", "4.3.1", False, convert=True)
    assert q.in_place_problems(STATIC_CONTROLLER, "h1", "dynamic", "3.8.1", False, convert=True)


def test_the_static_to_dynamic_refusal_names_the_way_through():
    problem, = q.in_place_problems(STATIC_CONTROLLER, "h1", "dynamic", "4.3.1", False)
    assert "streamops.kafka.controllers with kafka_quorum_convert: true" in problem and q.CONVERT_IS_FINAL in problem, problem


def cluster_read(voters, brokers, kraft_version=1, leader=1, metadata_version=30):
    """kafka_info's answer, the parts change_plan reads."""
    features = {"metadata.version": {"supported": [7, 30], "finalized": [metadata_version, metadata_version]}}
    if kraft_version:
        features["kraft.version"] = {"supported": [0, 1], "finalized": [kraft_version, kraft_version]}
    return {"cluster_id": "c", "brokers": [{"broker_id": b} for b in brokers],
            "quorum": {"leader_id": leader, "voters": [{"id": v} for v in voters], "observers": []}, "features": features}


CONTROLLERS = {"c1": 1, "c2": 2, "c3": 3, "c4": 4, "c5": 5}


def test_new_controllers_join_in_node_id_order():
    plan = q.change_plan(cluster_read([1, 2, 3], [11, 12, 13]), dict(CONTROLLERS, c5="5"), ["b1", "b2", "b3"], version="4.3.1")
    assert plan == {"join": ["c4", "c5"], "leave": [], "voters": [1, 2, 3], "after": [1, 2, 3, 4, 5], "kraft_version": 1,
                    "convert": None, "problems": []}


def test_controllers_leave_one_at_a_time_and_nothing_joins_meanwhile():
    plan = q.change_plan(cluster_read([1, 2, 3, 4, 5], [11]), CONTROLLERS, ["b1"], remove=["c5", "c4"], version="4.3.1")
    assert (plan["join"], plan["leave"], plan["after"], plan["problems"]) == ([], ["c4", "c5"], [1, 2, 3], [])


def test_nothing_to_change_is_an_empty_plan():
    plan = q.change_plan(cluster_read([1, 2, 3], [11]), {"c1": 1, "c2": 2, "c3": 3}, ["b1"], version="4.3.1")
    assert (plan["join"], plan["leave"], plan["problems"]) == ([], [], [])


@pytest.mark.parametrize("read, controllers, brokers, remove, version, words", [
    (cluster_read([1], [11], kraft_version=0), {"c1": 1, "c2": 2, "c3": 3}, ["b1"], [], "4.3.1",
     "the quorum is static (kraft.version 0, controller.quorum.voters): its voters cannot be added or removed. Convert it first"),
    (cluster_read([1, 2, 3], [11]), {"c1": 1, "c2": 2, "c3": 3, "c4": 4}, ["b1"], [], "4.3.1",
     "the change ends with 4 voters [1, 2, 3, 4]"),
    (cluster_read([1, 2, 3], [11]), {"c1": 1, "c2": 2, "c3": 3, "c4": 11, "c5": 5}, ["b1"], [], "4.3.1",
     "the controllers to add reuse node ids [11] that are already brokers."),
    (cluster_read([1, 2, 3], [11]), {"c1": 1, "c2": 2, "c3": 3}, ["b1"], ["c9"], "4.3.1",
     "kafka_controllers_remove names c9, which is not in the controllers group"),
    (cluster_read([1, 2, 3], [1, 2, 3]), {"c1": 1, "c2": 2, "c3": 3}, ["c1", "c2", "c3"], ["c3"], "4.3.1",
     "c3 also runs as broker: a combined node leaves the quorum only with its replicas drained first"),
    (cluster_read([1, 2, 3], [11]), {"c1": 1, "c2": 2, "c3": 3, "c4": 4, "c5": 5}, ["b1"], ["c3"], "4.3.1",
     "add controllers ([4, 5]) and remove controllers ([3]) in separate runs"),
    (cluster_read([1, 2, 3], [11]), {"c1": 1, "c2": 2, "c3": 3}, ["b1"], ["c1", "c2", "c3"], "4.3.1", "removing [1, 2, 3] leaves no voter."),
], ids=["static", "even", "id-of-a-broker", "unknown-host", "combined-node", "add-and-remove", "no-voter-left"])
def test_a_change_the_quorum_cannot_take_is_refused(read, controllers, brokers, remove, version, words):
    problems = q.change_plan(read, controllers, brokers, remove=remove, version=version)["problems"]
    assert any(p.startswith(words) for p in problems), problems


def test_a_controller_that_left_already_is_cleaned_again():
    # A removal that stopped after RemoveRaftVoter and before the stop: the run again only stops and cleans it.
    plan = q.change_plan(cluster_read([1, 2, 3], [11]), CONTROLLERS, ["b1"], remove=["c4", "c5"], version="4.3.1")
    assert (plan["join"], plan["leave"], plan["after"], plan["problems"]) == ([], ["c4", "c5"], [1, 2, 3], [])


def _with_former_format(summary, node_id, end, fetched):
    """The summary with a second observer entry for node_id: its former directory, last fetched at fetched."""
    stale = dict(next(o for o in summary["observers"] if o["id"] == node_id), directory_id="FormerDirectoryAAAAAAAA",
                 log_end_offset=end, lag=summary["voters"][0]["log_end_offset"] - end, last_fetch_timestamp=fetched,
                 last_caught_up_timestamp=fetched)
    summary["observers"].insert(0, stale)
    return summary


def test_a_controller_formatted_anew_is_judged_by_its_current_entry():
    # Seen in the kraft scenario: a controller that left and came back is listed twice for minutes, once with its former
    # directory (lag 373, no longer fetching); the gate waited on that entry until it timed out.
    summary = _with_former_format(quorum(1, {1: (500, 0)}, observers={4: (500, 100)}, directories=True), 4, 127, 1)
    current = q._health.kafka_uuid(uuid.UUID(int=4))
    assert q.voter_step(summary, 4, True)[:2] == ("go", [])  # the entry that fetched last
    step, problems, entry = q.voter_step(summary, 4, True, directory_id=current)
    assert (step, problems, entry["directory_id"]) == ("go", [], current)
    step, problems, entry = q.voter_step(summary, 4, True, directory_id="FormerDirectoryAAAAAAAA")
    assert step == "wait" and problems == ["observer 4 (lag 373)"]


def test_a_voter_left_from_a_former_format_blocks_the_join():
    summary = quorum(1, {1: (500, 0), 4: (500, 0)}, observers={}, directories=True)
    step, problems, dummy = q.voter_step(summary, 4, True, directory_id="NewDirectoryAAAAAAAAAAA")
    assert step == "wait"
    assert problems[0].startswith("4 is a voter with directory AAAAAAAAAAAAAAAAAAAABA, a former format of this controller")


@pytest.mark.parametrize("text, controller, configured, join, refused", [
    ("", True, True, False, True),  # a controller added to the inventory of a running cluster, then site
    ("", True, True, True, False),  # the same host through streamops.kafka.controllers
    ("", True, False, False, False),  # every host new: a new cluster
    ("", False, True, False, False),  # a new broker
    (DYNAMIC_BROKER, True, True, False, False),  # configured already
], ids=["new-controller-by-site", "new-controller-joining", "new-cluster", "new-broker", "configured"])
def test_a_controller_new_to_a_running_dynamic_cluster_joins_through_the_playbook(text, controller, configured, join, refused):
    problems = q.in_place_problems(text, "c4", "dynamic", "4.3.1", False, controller, configured, join)
    assert problems == (["c4 is a controller new to a running cluster (other hosts of this play are configured already). "
                         + q.JOIN_THROUGH_PLAYBOOK] if refused else []), problems


def test_derived_directory_ids_read_as_kafka_prints_them():
    # What 0.13.0 derived for this cluster and node: other ids would give a re-run format other voters than its first run.
    assert q.directory_id("3v4g8V2bQhyOf-vl0NANcg", 1) == "BxODc84sWKi3aIz35TjigQ"
    assert q._health.parse_kafka_uuid(q.directory_id("x", 2)).int != 0


STATIC_THREE = {"c1": 1, "c2": 2, "c3": 3}


def test_a_static_quorum_on_4_1_converts():
    plan = q.change_plan(cluster_read([1, 2, 3], [11], kraft_version=0), STATIC_THREE, ["b1"], version="4.1.0",
                         convert=True, mode="dynamic")
    assert (plan["join"], plan["leave"], plan["after"], plan["kraft_version"], plan["problems"]) == ([], [], [1, 2, 3], 0, [])
    assert plan["convert"]["raise"] is True and plan["convert"]["final"] == q.CONVERT_IS_FINAL


def test_a_conversion_that_raised_kraft_version_already_goes_on_with_the_roll():
    # A run that stopped after the raise (or a quorum kafka-features --release-version converted silently, KAFKA-21426).
    plan = q.change_plan(cluster_read([1, 2, 3], [11], kraft_version=1), STATIC_THREE, ["b1"], version="4.3.1",
                         convert=True, mode="dynamic")
    assert (plan["convert"]["raise"], plan["problems"]) == (False, [])


def test_without_convert_there_is_no_conversion():
    assert q.change_plan(cluster_read([1, 2, 3], [11]), STATIC_THREE, ["b1"], version="4.3.1")["convert"] is None


@pytest.mark.parametrize("read, controllers, remove, version, mode, words", [
    (cluster_read([1, 2, 3], [11], kraft_version=0, metadata_version=21), STATIC_THREE, [], "4.0.1", "dynamic",
     "a static quorum can be made dynamic only from Kafka 4.1 (kraft.version 1); these controllers run 4.0: upgrade them first."),
    (cluster_read([1, 2, 3], [11], kraft_version=0, metadata_version=20), STATIC_THREE, [], "4.1.0", "dynamic",
     "kraft.version 1 needs metadata.version 3.9-IV0 or newer and the cluster is finalized at 3.8-IV0: finalize it first"),
    (cluster_read([1, 2, 3], [11], kraft_version=0), STATIC_THREE, [], "4.3.1", "static",
     "kafka_quorum_convert makes the quorum dynamic: set kafka_quorum: dynamic in the inventory (got 'static')"),
    (cluster_read([1, 2, 3], [11], kraft_version=0), dict(STATIC_THREE, c4=4, c5=5), [], "4.3.1", "dynamic",
     "convert the quorum in a run of its own, then add ([4, 5]) or remove ([]) controllers in the next"),
    (cluster_read([1, 2, 3], [11], kraft_version=1), STATIC_THREE, ["c3"], "4.3.1", "dynamic",
     "convert the quorum in a run of its own, then add ([]) or remove ([3]) controllers in the next"),
], ids=["below-4.1", "metadata-version-below-3.9", "inventory-static", "with-joins", "with-removals"])
def test_a_conversion_the_cluster_cannot_take_is_refused(read, controllers, remove, version, mode, words):
    problems = q.change_plan(read, controllers, ["b1"], remove=remove, version=version, convert=True, mode=mode)["problems"]
    assert any(p.startswith(words) for p in problems), problems
