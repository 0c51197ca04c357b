"""The ZooKeeper -> KRaft migration's judgements on plain data (plugins/module_utils/_migration.py): what a node is
configured as, the phase a cluster is in at every point of the road (forward and back), the steps left from there,
and every refusal, each checked for the message a user reads."""
import re

import pytest
from ansible_collections.streamops.kafka.plugins.module_utils import _migration as m

CTRL = ["c1", "c2", "c3"]
BRK = ["b1", "b2", "b3"]
ZK_BROKER = "# managed\nbroker.id=1\nzookeeper.connect=z1:2181\ninter.broker.protocol.version=3.9\n"
ZK_FLAGGED = ZK_BROKER + "zookeeper.metadata.migration.enable=true\ncontroller.quorum.voters=11@c1:9093\n"
KRAFT_BROKER = "process.roles=broker\nnode.id=1\ncontroller.quorum.voters=11@c1:9093\n"
CONTROLLER = "process.roles=controller\nnode.id=11\n"
CONTROLLER_FLAGGED = CONTROLLER + "zookeeper.metadata.migration.enable=true\nzookeeper.connect=z1:2181\n"
# /migration as the active controller writes it: at once with offset -1, then the copied metadata's offset.
STARTED = {"version": 0, "kraft_controller_id": 11, "kraft_controller_epoch": 1, "kraft_metadata_offset": -1, "kraft_metadata_epoch": -1}
COPIED = dict(STARTED, kraft_metadata_offset=142, kraft_metadata_epoch=1)
ZK_OWNED = {"version": 2, "brokerid": 2, "timestamp": "1764630000000", "kraftControllerEpoch": -1}
KRAFT_OWNED = {"version": 2, "brokerid": 11, "timestamp": "1764630000000", "kraftControllerEpoch": 1}


@pytest.mark.parametrize("text, kind", [
    ("", m.ABSENT),
    ("# only a comment\n\n", m.ABSENT),
    (ZK_BROKER, m.ZK_BROKER),
    (ZK_BROKER + "zookeeper.metadata.migration.enable=false\n", m.ZK_BROKER),
    (ZK_FLAGGED, m.ZK_BROKER_MIGRATING),
    (ZK_BROKER + "zookeeper.metadata.migration.enable = TRUE\n", m.ZK_BROKER_MIGRATING),
    (KRAFT_BROKER, m.KRAFT_BROKER),
    (CONTROLLER, m.CONTROLLER),
    (CONTROLLER_FLAGGED, m.CONTROLLER_MIGRATING),
    # the last value of a repeated key is the one Kafka uses
    (CONTROLLER_FLAGGED + "zookeeper.metadata.migration.enable=false\n", m.CONTROLLER),
    ("process.roles=broker,controller\nnode.id=1\n", m.COMBINED),
    ("process.roles= controller , broker\n", m.COMBINED),
])
def test_node_kind(text, kind):
    assert m.node_kind(text) == kind


def test_node_facts():
    assert m.node_facts(ZK_FLAGGED) == dict(kind=m.ZK_BROKER_MIGRATING, broker_id="1", node_id="", ibp="3.9")
    assert m.node_facts(CONTROLLER) == dict(kind=m.CONTROLLER, broker_id="", node_id="11", ibp="")
    assert m.node_facts("") == dict(kind=m.ABSENT, broker_id="", node_id="", ibp="")


def test_properties_skips_comments_and_keeps_the_last_value():
    assert m.properties("# a=1\n! b=2\nc = 3\nc=4\nnoequals\nd=x=y\n") == {"c": "4", "d": "x=y"}


@pytest.mark.parametrize("data, parsed", [
    (None, None), (b"", None), (b"  ", None),
    (b'{"version":2,"brokerid":1,"kraftControllerEpoch":-1}', {"version": 2, "brokerid": 1, "kraftControllerEpoch": -1}),
    ('{"a": 1}', {"a": 1}),
])
def test_znode_json(data, parsed):
    assert m.znode_json(data) == parsed


def test_znode_json_names_what_is_not_an_object():
    with pytest.raises(ValueError, match=r"expected a JSON object, got '\[1\]'"):
        m.znode_json(b"[1]")


@pytest.mark.parametrize("znode, epoch", [(None, None), ({}, None), (ZK_OWNED, None), (KRAFT_OWNED, 1),
                                          ({"kraftControllerEpoch": 0}, 0), ({"kraftControllerEpoch": "1"}, None)])
def test_kraft_controller_epoch(znode, epoch):
    assert m.kraft_controller_epoch(znode) == epoch


@pytest.mark.parametrize("znode, copied", [(None, False), (STARTED, False), (COPIED, True), ({"kraft_metadata_offset": 0}, True)])
def test_metadata_copied(znode, copied):
    assert m.metadata_copied(znode) is copied


@pytest.mark.parametrize("keys, mode", [([0, 1, 3, 4, 5, 6, 7, 18], "zookeeper"), ([0, 1, 3, 18, 60], "kraft"), ([], "kraft")])
def test_broker_mode(keys, mode):
    assert m.broker_mode(keys) == mode


def kinds(ctrl, brokers):
    """Kinds for c1..c3 and b1..b3: ctrl is one kind or a list of three, brokers likewise."""
    ctrl = ctrl if isinstance(ctrl, list) else [ctrl] * 3
    brokers = brokers if isinstance(brokers, list) else [brokers] * 3
    return dict(list(zip(CTRL, ctrl)) + list(zip(BRK, brokers)))


def detect(ctrl, brokers, migration=None, controller=None):
    return m.detect(CTRL, BRK, kinds(ctrl, brokers), {"migration": migration, "controller": controller})


A, ZK, ZKM, KB, CM, C = m.ABSENT, m.ZK_BROKER, m.ZK_BROKER_MIGRATING, m.KRAFT_BROKER, m.CONTROLLER_MIGRATING, m.CONTROLLER

# The road, forward then back, as a run leaves the cluster at each point (interrupted ones included).
ROAD = [
    ("zookeeper", (A, ZK), None, ZK_OWNED),
    ("zookeeper", ([CM, A, A], ZK), None, ZK_OWNED),                # provisioning interrupted: still phase 0
    ("controllers", (CM, ZK), STARTED, ZK_OWNED),
    ("controllers", (CM, ZK), None, ZK_OWNED),                      # no controller active yet
    ("hybrid", (CM, [ZKM, ZK, ZK]), STARTED, ZK_OWNED),
    ("migrating", (CM, ZKM), STARTED, ZK_OWNED),
    ("dual-write", (CM, ZKM), COPIED, KRAFT_OWNED),
    ("converting", (CM, [KB, ZKM, ZKM]), COPIED, KRAFT_OWNED),
    ("kraft-brokers", (CM, KB), COPIED, KRAFT_OWNED),
    ("finalizing", ([C, CM, CM], KB), COPIED, KRAFT_OWNED),
    ("kraft", (C, KB), COPIED, KRAFT_OWNED),
    ("kraft", (C, KB), None, None),                                 # ZooKeeper decommissioned (or never read)
    ("kraft", ([C, C, A], KB), None, None),                         # a controller host not yet deployed is not a migration
    # the way back from dual-write: controllers gone, znodes and flags left
    ("reverting", ([A, CM, CM], ZKM), COPIED, KRAFT_OWNED),
    ("reverting", (A, ZKM), COPIED, KRAFT_OWNED),
    ("reverting", (A, ZKM), None, ZK_OWNED),
    ("reverting", (A, [ZK, ZKM, ZKM]), None, ZK_OWNED),
    ("reverting", (A, ZK), STARTED, ZK_OWNED),                      # only /migration left
    ("reverting", (A, ZK), None, KRAFT_OWNED),                      # only /controller left
]


@pytest.mark.parametrize("phase, layout, migration, controller", ROAD)
def test_detect_every_point_of_the_road(phase, layout, migration, controller):
    state = detect(*layout, migration=migration, controller=controller)
    assert (state["phase"], state["problems"]) == (phase, [])
    assert state["number"] == m.PHASE_NUMBER[phase] and state["text"] == m.PHASE_TEXT[phase]


def test_detect_groups_hosts_by_kind():
    state = detect(CM, [KB, ZKM, ZKM], COPIED, KRAFT_OWNED)
    assert state["hosts"] == {CM: CTRL, KB: ["b1"], ZKM: ["b2", "b3"]}
    assert state["kinds"]["b1"] == KB


@pytest.mark.parametrize("layout, migration, message", [
    ((C, [KB, ZKM, ZK]), COPIED, "c1, c2, c3 run without ZooKeeper while b2, b3 still run in ZooKeeper mode: those brokers get no metadata"),
    ((CM, [KB, ZK, ZK]), COPIED, "b2, b3 run in ZooKeeper mode without the migration flag while b1 already runs as KRaft brokers: "
                                 "the first broker roll was skipped"),
    (([A, CM, CM], [KB, ZKM, ZKM]), COPIED, "b1 runs as KRaft brokers but controller(s) c1 is not provisioned"),
    ((CM, [KB, ZKM, ZKM]), STARTED, "b1 runs as KRaft brokers but ZooKeeper's /migration records no finished copy"),
    ((CM, ZK), COPIED, "ZooKeeper holds /migration from an earlier migration while no broker has the migration flag"),
    ((CM, [ZK, ZK, KB]), None, "the first broker roll was skipped"),
])
def test_detect_names_states_no_step_leaves(layout, migration, message):
    state = detect(*layout, migration=migration, controller=KRAFT_OWNED)
    assert message in " ".join(state["problems"])
    with pytest.raises(ValueError, match=re.escape(message)):
        m.plan(state)


def test_detect_refuses_combined_nodes_and_hosts_in_the_wrong_group():
    both = m.detect(["c1", "b1"], ["b1", "b2"], {"c1": CM, "b1": m.COMBINED, "b2": ZK}, None)
    assert "b1 is both broker and controller (a combined node): a migration needs dedicated controllers" in both["problems"][0]
    wrong = m.detect(CTRL, BRK, kinds([CM, ZK, CM], [ZK, m.CONTROLLER, ZK]), None)
    assert wrong["problems"] == ["c2, b2: configured as zk-broker, controller, which its group (controllers, brokers) does not allow; "
                                 "the inventory does not match the hosts."]


def steps(state, **kw):
    return [(s["step"], s["restart"], s["controllers"]) for s in m.plan(state, **kw)]


def test_forward_plan_from_zookeeper_stops_before_the_point_of_no_return():
    assert steps(detect(A, ZK, None, ZK_OWNED)) == [
        ("provision_controllers", [], CTRL), ("brokers_with_migration", BRK, []), ("wait_dual_write", [], []), ("brokers_to_kraft", BRK, [])]


def test_forward_plan_finalizes_only_when_asked():
    plan = steps(detect(A, ZK, None, ZK_OWNED), finalize=True)
    assert plan[-1] == ("finalize", CTRL, [])
    assert steps(detect(CM, KB, COPIED, KRAFT_OWNED)) == []
    assert steps(detect(CM, KB, COPIED, KRAFT_OWNED), finalize=True) == [("finalize", CTRL, [])]


@pytest.mark.parametrize("layout, migration, controller, expected", [
    (([CM, A, A], ZK), None, ZK_OWNED, [("provision_controllers", [], ["c2", "c3"]), ("brokers_with_migration", BRK, [])]),
    ((CM, [ZKM, ZK, ZK]), STARTED, ZK_OWNED, [("brokers_with_migration", ["b2", "b3"], [])]),
    ((CM, ZKM), STARTED, ZK_OWNED, [("wait_dual_write", [], []), ("brokers_to_kraft", BRK, [])]),
    ((CM, ZKM), COPIED, KRAFT_OWNED, [("brokers_to_kraft", BRK, [])]),
    ((CM, [KB, ZKM, ZKM]), COPIED, KRAFT_OWNED, [("brokers_to_kraft", ["b2", "b3"], [])]),
    (([C, CM, CM], KB), COPIED, KRAFT_OWNED, [("finalize", ["c2", "c3"], [])]),
    ((C, KB), None, None, []),
])
def test_forward_plan_resumes_on_the_hosts_not_done(layout, migration, controller, expected):
    plan = steps(detect(*layout, migration=migration, controller=controller), finalize=True)
    assert plan[:len(expected)] == expected
    if expected and expected[-1][0] != "finalize":
        assert plan[-1][0] == "finalize"


def test_forward_plan_refuses_an_interrupted_rollback():
    with pytest.raises(ValueError, match="A rollback was interrupted .*finish it with kafka_migration_rollback: true"):
        m.plan(detect(A, ZKM, COPIED, KRAFT_OWNED))


@pytest.mark.parametrize("layout, migration, controller, expected", [
    ((CM, ZK), STARTED, ZK_OWNED, [("deprovision_controllers", [], CTRL), ("clear_znodes", [], [])]),
    ((CM, [ZKM, ZK, ZK]), STARTED, ZK_OWNED, [("deprovision_controllers", [], CTRL), ("clear_znodes", [], []),
                                              ("brokers_without_migration", ["b1"], [])]),
    ((CM, ZKM), COPIED, KRAFT_OWNED, [("deprovision_controllers", [], CTRL), ("clear_znodes", [], []),
                                      ("brokers_without_migration", BRK, [])]),
    # from the second broker roll: two rolls, the controllers go in between
    ((CM, [KB, KB, ZKM]), COPIED, KRAFT_OWNED, [("brokers_to_zookeeper", ["b1", "b2"], []), ("deprovision_controllers", [], CTRL),
                                                ("clear_znodes", [], []), ("brokers_without_migration", BRK, [])]),
    # resuming a rollback
    (([A, CM, CM], ZKM), COPIED, KRAFT_OWNED, [("deprovision_controllers", [], ["c2", "c3"]), ("clear_znodes", [], []),
                                               ("brokers_without_migration", BRK, [])]),
    ((A, [ZK, ZKM, ZKM]), None, ZK_OWNED, [("clear_znodes", [], []), ("brokers_without_migration", ["b2", "b3"], [])]),
    ((A, ZK), STARTED, ZK_OWNED, [("clear_znodes", [], [])]),
    # nothing to undo, or only controllers half-provisioned
    ((A, ZK), None, ZK_OWNED, []),
    (([CM, A, A], ZK), None, ZK_OWNED, [("deprovision_controllers", [], ["c1"])]),
])
def test_rollback_plan(layout, migration, controller, expected):
    assert steps(detect(*layout, migration=migration, controller=controller), rollback=True) == expected


def test_each_step_names_the_kind_it_renders_and_only_the_last_roll_back_removes_the_metadata_log():
    forward = m.plan(detect(A, ZK, None, ZK_OWNED), finalize=True)
    back = m.plan(detect(CM, [KB, KB, ZKM], COPIED, KRAFT_OWNED), rollback=True)
    assert [(s["step"], s["kind"]) for s in forward + back] == [
        ("provision_controllers", m.CONTROLLER_MIGRATING), ("brokers_with_migration", m.ZK_BROKER_MIGRATING), ("wait_dual_write", None),
        ("brokers_to_kraft", m.KRAFT_BROKER), ("finalize", m.CONTROLLER),
        ("brokers_to_zookeeper", m.ZK_BROKER_MIGRATING), ("deprovision_controllers", m.ABSENT), ("clear_znodes", None),
        ("brokers_without_migration", m.ZK_BROKER)]
    assert [s["step"] for s in forward + back if s["remove_metadata_log"]] == ["brokers_without_migration"]
    assert [s["hosts"] for s in back] == [["b1", "b2"], CTRL, [], BRK]


def test_plan_filter_gives_the_steps_by_name():
    plan = f.migration_plan(detect(CM, ZKM, COPIED, KRAFT_OWNED), finalize=True)
    assert list(plan["by_step"]) == ["brokers_to_kraft", "finalize"]
    assert plan["by_step"]["finalize"] == plan["steps"][1] and plan["by_step"]["finalize"]["hosts"] == CTRL
    assert f.migration_plan(detect(C, KB, COPIED, KRAFT_OWNED), rollback=True)["by_step"] == {}


def test_rollback_plan_names_the_znodes():
    clear = [s for s in m.plan(detect(CM, ZKM, COPIED, KRAFT_OWNED), rollback=True) if s["step"] == "clear_znodes"]
    assert clear[0]["znodes"] == ["/controller", "/migration"]


@pytest.mark.parametrize("layout", [([C, CM, CM], KB), (C, KB)])
def test_rollback_refused_after_finalize(layout):
    with pytest.raises(ValueError) as err:
        m.plan(detect(*layout, migration=COPIED, controller=KRAFT_OWNED), rollback=True)
    assert str(err.value).startswith("The migration was finalized (c1")
    assert "ZooKeeper no longer holds the cluster's metadata, so there is no way back to ZooKeeper mode." in str(err.value)


def test_finalize_problems():
    ok = m.finalize_problems(BRK, kinds(CM, KB), {1: "kraft", 2: "kraft", 3: "kraft"}, [])
    assert ok == []
    problems = m.finalize_problems(BRK, kinds(CM, [KB, KB, ZKM]), {1: "kraft", 2: "kraft", 3: "zookeeper"}, ["3"])
    assert problems == [
        "Finalize needs every broker to run as a KRaft broker; b3 is configured as zk-broker-migrating.",
        "Finalize needs every broker to run as a KRaft broker; broker id(s) 3 still answer as ZooKeeper-mode brokers.",
        "Finalize needs no broker registered in ZooKeeper; /brokers/ids still lists 3."]
    # a broker restarted as KRaft on disk but whose old process still answers is caught by its answer alone
    assert m.finalize_problems(BRK, kinds(CM, KB), {"2": "zookeeper"}, []) == [
        "Finalize needs every broker to run as a KRaft broker; broker id(s) 2 still answer as ZooKeeper-mode brokers."]


def broker(version="3.9.2", ibp="3.9", broker_id="1", node_id=1):
    return dict(version=version, ibp=ibp, broker_id=broker_id, node_id=node_id)


def test_preflight_passes_a_ready_cluster():
    brokers = dict(("b%d" % i, broker(broker_id=str(i), node_id=i)) for i in (1, 2, 3))
    controllers = dict(("c%d" % i, {"node_id": 10 + i}) for i in (1, 2, 3))
    assert m.preflight_problems(brokers, controllers, ["1", "2", "3"]) == []
    assert m.preflight_problems(brokers, controllers, zk_acl_users=["kafka"], controller_zk_user="kafka") == []
    assert m.preflight_problems({"b1": broker(ibp="3.9-IV0")}, {}) == []
    # no pin: a 3.9.x broker runs the 3.9 protocol
    assert m.preflight_problems({"b1": broker(ibp="")}, {}) == []
    assert [p.split(":")[0] for p in m.preflight_problems({"b1": broker(version="3.8.1", ibp="")}, {})] == ["b1 runs Kafka 3.8.1"]


@pytest.mark.parametrize("b, message", [
    (broker(version="3.8.1"), "b1 runs Kafka 3.8.1: a migration needs every broker on 3.9; upgrade it first (streamops.kafka.upgrade with "
                              "kafka_version 3.9.x)."),
    (broker(version=""), "b1 runs Kafka an unknown release: a migration needs every broker on 3.9"),
    (broker(ibp="3.8"), "b1 runs inter.broker.protocol.version=3.8: a migration needs it at 3.9; finish the upgrade to 3.9 "
                        "(kafka_upgrade_finalize: true) first."),
    (broker(broker_id=""), "b1 has no broker.id in its server.properties: a migration needs explicit broker ids"),
    (broker(broker_id=None), "b1 has no broker.id in its server.properties"),
    (broker(broker_id="1001", node_id=1001), "b1 has broker.id 1001, generated by ZooKeeper (above 1000): a migration needs explicit broker ids"),
    (broker(broker_id="4", node_id=1), "b1 runs as broker.id 4 but the inventory gives it kafka_node_id 1: a migrated broker keeps its "
                                       "broker.id as node.id; set kafka_node_id: 4."),
])
def test_preflight_refuses_a_broker(b, message):
    problems = m.preflight_problems({"b1": b}, {})
    assert len(problems) == 1 and problems[0].startswith(message)


def test_preflight_refuses_a_controller_id_a_broker_uses():
    problems = m.preflight_problems({"b1": broker()}, {"c1": {"node_id": 1}, "c2": {"node_id": 7}, "c3": {"node_id": 8}}, ["7"])
    assert problems == ["c1: controller node id 1 is a broker id: controllers need ids no broker uses; pick another kafka_node_id.",
                        "c2: controller node id 7 is a broker id: controllers need ids no broker uses; pick another kafka_node_id."]


@pytest.mark.parametrize("acl_users, user, who", [(["kafka"], None, "no user"), (["kafka", "admin"], "other", "other")])
def test_preflight_refuses_controllers_that_cannot_write_the_znodes(acl_users, user, who):
    problems = m.preflight_problems({}, {}, zk_acl_users=acl_users, controller_zk_user=user)
    assert problems == ["Kafka's znodes are writable only by the ZooKeeper user%s %s and the controllers would log in as %s: they could "
                        "not write the metadata (NoAuthException). Give them the brokers' ZooKeeper credentials (sasl_zookeeper_digest)."
                        % ("" if len(acl_users) == 1 else "s", ", ".join(sorted(acl_users)), who)]


def test_preflight_reports_every_problem_at_once():
    problems = m.preflight_problems({"b1": broker(version="3.8.1", ibp="3.8"), "b2": broker(broker_id="", node_id=2)}, {"c1": {"node_id": 2}})
    assert [p.split(":")[0] for p in problems] == ["b1 runs Kafka 3.8.1", "b1 runs inter.broker.protocol.version=3.8",
                                                   "b2 has no broker.id in its server.properties", "c1"]


ACL, STD = m.ACL_AUTHORIZER, m.STANDARD_AUTHORIZER


@pytest.mark.parametrize("protocol, controller, mechanisms, authorizer, supers", [
    ("PLAINTEXT", "PLAINTEXT", ["SCRAM-SHA-512"], "", ""),
    ("SASL_SSL", "SASL_SSL", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"], "", ""),
    ("SASL_PLAINTEXT", "SASL_PLAINTEXT", ["SCRAM-SHA-512"], ACL, "User:broker"),
    ("SASL_SSL", "SASL_SSL", ["PLAIN"], STD, " User:admin ; User:broker"),
    ("PLAINTEXT", "PLAINTEXT", ["GSSAPI"], ACL, "User:ANONYMOUS"),   # GSSAPI listed, but no SASL listener uses it
])
def test_security_passes_what_the_controllers_can_log_in_with(protocol, controller, mechanisms, authorizer, supers):
    assert m.security_problems(protocol, controller, mechanisms, "broker", "broker", authorizer, supers) == []


def test_security_refuses_gssapi():
    [problem] = m.security_problems("SASL_SSL", "SASL_SSL", ["GSSAPI", "PLAIN"], "broker", "broker")
    assert problem.startswith("sasl_mechanisms holds GSSAPI: this release migrates clusters whose listeners use PLAIN and SCRAM only")


def test_security_refuses_an_unknown_authorizer():
    assert m.security_problems("SASL_SSL", "SASL_SSL", ["PLAIN"], "broker", "broker", "com.example.Ranger", "User:broker") == [
        "authorizer.class.name is com.example.Ranger: a migration replaces %s by %s on the KRaft nodes and knows no other authorizer; "
        "set one of the two." % (ACL, STD)]


@pytest.mark.parametrize("protocol, controller, controller_user, supers, missing", [
    ("SASL_SSL", "SASL_SSL", "broker", "User:admin", "User:broker"),
    ("SASL_SSL", "SASL_SSL", "ctl", "User:broker", "User:ctl"),
    ("SASL_SSL", "SASL_SSL", "ctl", "", "User:broker, User:ctl"),
    ("PLAINTEXT", "SASL_PLAINTEXT", "broker", "User:broker", "User:ANONYMOUS"),
])
def test_security_refuses_an_authorizer_without_the_nodes_as_super_users(protocol, controller, controller_user, supers, missing):
    [problem] = m.security_problems(protocol, controller, ["PLAIN"], "broker", controller_user, ACL, supers)
    assert problem.startswith("super.users lacks %s: with an authorizer the controllers and brokers of a migration reach each other" % missing)
    assert problem.endswith("add %s to super.users." % missing.replace(", ", ";"))


@pytest.mark.parametrize("authorizer, zk_mode, rendered", [
    (ACL, True, ACL), (ACL, False, STD), (STD, True, ACL), (STD, False, STD),
    ("com.example.Ranger", True, "com.example.Ranger"), ("", False, ""),
])
def test_authorizer_for_each_mode(authorizer, zk_mode, rendered):
    assert m.authorizer_for(authorizer, zk_mode) == rendered


# --- kafka_migration_info's reads (a fake ZooKeeper) and the filters over them

from ansible_collections.streamops.kafka.plugins.filter import migration as f  # noqa: E402
from ansible_collections.streamops.kafka.plugins.module_utils import _zkclient  # noqa: E402
from ansible_collections.streamops.kafka.plugins.modules import kafka_migration_info as info_module  # noqa: E402
from ansible_collections.streamops.kafka.plugins.modules import kafka_migration_znodes as znodes_module  # noqa: E402


class FakeZooKeeper:
    """znodes as {path: bytes}; ACLs as {path: [(scheme, id, perms)]}."""

    def __init__(self, nodes, acls=None):
        self.nodes, self._acls = nodes, acls or {}

    def data(self, path):
        return self.nodes.get(path)

    def children(self, path):
        prefix = path.rstrip("/") + "/"
        return sorted(set(p[len(prefix):].split("/")[0] for p in self.nodes if p.startswith(prefix)))

    def delete(self, path):
        doomed = [p for p in self.nodes if p == path or p.startswith(path + "/")]
        for p in doomed:
            del self.nodes[p]
        return bool(doomed)

    def acls(self, path):
        exists = any(p == path or p.startswith(path + "/") for p in self.nodes)
        return self._acls.get(path, [("world", "anyone", 31)]) if exists else None


DUAL_WRITE_ZNODES = {
    "/cluster/id": b'{"version":"1","id":"k1ENoNWCQ_KieUZcqhrGeQ"}',
    "/migration": b'{"version":0,"kraft_controller_id":11,"kraft_controller_epoch":1,"kraft_metadata_offset":142,"kraft_metadata_epoch":1}',
    "/controller": b'{"version":2,"brokerid":11,"timestamp":"1764630000000","kraftControllerEpoch":1}',
    "/brokers/ids/1": b"{}", "/brokers/ids/2": b"{}", "/brokers/ids/3": b"{}",
    "/brokers/topics/orders": b"{}",
    "/config/users/alice": b"{}", "/config/users/admin": b"{}",
    "/kafka-acl/Topic/orders": b"{}", "/kafka-acl/Group/billing": b"{}",
}


def test_zookeeper_facts_in_dual_write():
    facts = info_module.zookeeper_facts(FakeZooKeeper(DUAL_WRITE_ZNODES, {"/brokers/topics": [("sasl", "kafka", 31), ("world", "anyone", 1)]}))
    assert facts == dict(cluster_id="k1ENoNWCQ_KieUZcqhrGeQ", migration=COPIED, controller=KRAFT_OWNED, metadata_copied=True,
                         kraft_controller_epoch=1, zk_broker_ids=[1, 2, 3], znode_writers=["kafka"], scram_users=["admin", "alice"],
                         acl_resources=["Group:billing", "Topic:orders"])


def test_zookeeper_facts_of_an_empty_ensemble():
    assert info_module.zookeeper_facts(FakeZooKeeper({})) == dict(
        cluster_id=None, migration=None, controller=None, metadata_copied=False, kraft_controller_epoch=None, zk_broker_ids=[],
        znode_writers=None, scram_users=[], acl_resources=[])


@pytest.mark.parametrize("acls, expected", [
    ([("world", "anyone", 31)], None),                                    # zookeeper.set.acl off
    ([("sasl", "kafka", 31), ("world", "anyone", 1)], ["kafka"]),         # set.acl on: the creator writes, anyone reads
    ([("sasl", "kafka", 31), ("digest", "ops:hash", 6), ("ip", "10.0.0.1", 1)], ["digest:ops:hash", "kafka"]),
    ([("world", "anyone", 1)], []),                                       # nobody may write
])
def test_znode_writers(acls, expected):
    assert _zkclient.writers(acls) == expected


@pytest.mark.parametrize("connect, expected", [("z1:2181, z2:2181".replace(" ", ""), "z1:2181,z2:2181"), ("z1:2181/kafka/", "z1:2181/kafka"),
                                               ("z1:2181/", "z1:2181"), (" z1:2181,[::1]:2182/a/b ", "z1:2181,[::1]:2182/a/b")])
def test_check_connect(connect, expected):
    assert _zkclient.check_connect(connect) == expected


@pytest.mark.parametrize("connect, message", [("", "zookeeper_connect names no server"), ("/kafka", "zookeeper_connect names no server"),
                                              ("z1:2181,z2/kafka", "'z2' is not host:port"), ("z1:99999", "'z1:99999' is not host:port")])
def test_check_connect_refuses(connect, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        _zkclient.check_connect(connect)


def test_filters_from_what_the_module_returned():
    info = dict(info_module.zookeeper_facts(FakeZooKeeper(DUAL_WRITE_ZNODES)), broker_modes={"1": "zookeeper", "2": "kraft", "3": "kraft"})
    node_kinds = dict((h, f.FILTERS["migration_node"](text)["kind"]) for h, text in
                      list(zip(CTRL, [CONTROLLER_FLAGGED] * 3)) + list(zip(BRK, [ZK_FLAGGED, KRAFT_BROKER, KRAFT_BROKER])))
    phase = f.migration_phase(info, CTRL, BRK, node_kinds)
    assert phase["phase"] == "converting"
    assert f.migration_plan(phase) == dict(steps=m.plan(phase), by_step=dict((s["step"], s) for s in m.plan(phase)), refusal=None)
    assert [s["restart"] for s in f.migration_plan(phase)["steps"]] == [["b1"]]
    assert f.migration_plan(phase, rollback=True)["steps"][0]["restart"] == ["b2", "b3"]
    assert f.migration_finalize_problems(info, BRK, node_kinds) == [
        "Finalize needs every broker to run as a KRaft broker; b1 is configured as zk-broker-migrating.",
        "Finalize needs every broker to run as a KRaft broker; broker id(s) 1 still answer as ZooKeeper-mode brokers.",
        "Finalize needs no broker registered in ZooKeeper; /brokers/ids still lists 1, 2, 3."]
    hostvars = {"b1": {"kafka_node_id": 1, "_kafka_upgrade_running_version": "3.9.2", "_kafka_migration_node": m.node_facts(ZK_FLAGGED)},
                "b2": {"kafka_node_id": 2, "_kafka_upgrade_running_version": "3.9.2",
                       "_kafka_migration_node": m.node_facts(KRAFT_BROKER.replace("node.id=1", "node.id=2"))},
                "c1": {"kafka_node_id": 3}}
    problems = f.migration_preflight_problems(info, hostvars, ["b1", "b2"], ["c1"], "3.9.2", "")
    assert problems == ["c1: controller node id 3 is a broker id: controllers need ids no broker uses; pick another kafka_node_id."]
    hostvars["b2"]["_kafka_upgrade_running_version"] = "3.8.1"
    assert [p.split(":")[0] for p in f.migration_preflight_problems({}, hostvars, ["b1", "b2"], [], "4.3.1")] == [
        "kafka_version is 4.3.1", "b2 runs Kafka 3.8.1"]


def test_plan_filter_returns_the_refusal():
    finalized = detect(C, KB, COPIED, KRAFT_OWNED)
    assert f.migration_plan(finalized, rollback=True)["steps"] == []
    assert f.migration_plan(finalized, rollback=True)["refusal"].startswith("The migration was finalized (c1, c2, c3 run without ZooKeeper)")


def test_phase_filter_without_zookeeper():
    assert f.migration_phase(None, CTRL, BRK, kinds(C, KB))["phase"] == "kraft"


def test_finalize_filter_needs_the_brokers_answers():
    with pytest.raises(ValueError, match="needs the brokers' answers: run kafka_migration_info with bootstrap_servers"):
        f.migration_finalize_problems({"zk_broker_ids": []}, BRK, kinds(CM, KB))


def test_clear_znodes_returns_what_they_held_and_is_idempotent():
    zk = FakeZooKeeper(dict(DUAL_WRITE_ZNODES))
    assert znodes_module.clear(zk, ["/controller", "/migration"], check_mode=True) == (
        ["/controller", "/migration"], {"/controller": KRAFT_OWNED, "/migration": COPIED})
    assert zk.data("/migration") is not None, "check mode deleted a znode"
    assert znodes_module.clear(zk, ["/controller", "/migration"], check_mode=False)[0] == ["/controller", "/migration"]
    assert (zk.data("/controller"), zk.data("/migration"), zk.data("/cluster/id") is not None) == (None, None, True)
    assert znodes_module.clear(zk, ["/controller", "/migration"], check_mode=False) == ([], {})


def test_clear_znodes_only_the_ones_asked():
    zk = FakeZooKeeper(dict(DUAL_WRITE_ZNODES))
    assert znodes_module.clear(zk, ["/migration"], check_mode=False) == (["/migration"], {"/migration": COPIED})
    assert zk.data("/controller") is not None


def test_forward_plan_to_dual_write():
    assert steps(detect(A, ZK, None, ZK_OWNED), target="dual-write") == [
        ("provision_controllers", [], CTRL), ("brokers_with_migration", BRK, []), ("wait_dual_write", [], [])]
    assert steps(detect(CM, ZKM, COPIED, KRAFT_OWNED), target="dual-write") == []


@pytest.mark.parametrize("layout, kw, message", [
    ((CM, [KB, ZKM, ZKM]), dict(target="dual-write"), "The cluster is past dual-write (converting: the second broker roll is under way"),
    ((CM, ZKM), dict(target="dual-write", finalize=True), "kafka_migration_finalize needs kafka_migration_target kraft-brokers"),
    ((CM, ZKM), dict(target="kraft"), "kafka_migration_target must be one of dual-write, kraft-brokers (got 'kraft')."),
])
def test_forward_plan_refusals(layout, kw, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        m.plan(detect(*layout, migration=COPIED, controller=KRAFT_OWNED), **kw)


class FailJson(Exception):
    pass


class FakeModule:
    params = {"zookeeper_connect": "z1:2181/kafka"}

    def fail_json(self, msg, **kwargs):
        raise FailJson(msg)


def test_run_on_zookeeper_closes_the_session_and_names_the_ensemble(monkeypatch):
    closed = []

    class Session:
        def __init__(self, params):
            if params.get("refuse"):
                raise OSError("connection refused")

        def close(self):
            closed.append(True)

    monkeypatch.setattr(_zkclient, "ZooKeeper", Session)
    assert _zkclient.run_on_zookeeper(FakeModule(), "m", "read", lambda zk: "done") == "done" and closed == [True]
    with pytest.raises(FailJson, match=re.escape("m could not read the znodes on z1:2181/kafka: ValueError: bad data")):
        _zkclient.run_on_zookeeper(FakeModule(), "m", "read the znodes", lambda zk: (_ for _ in ()).throw(ValueError("bad data")))
    assert closed == [True, True]
    refused = FakeModule()
    refused.params = dict(FakeModule.params, refuse=True)
    with pytest.raises(FailJson, match=re.escape("m could not open a ZooKeeper session on z1:2181/kafka: OSError: connection refused")):
        _zkclient.run_on_zookeeper(refused, "m", "read", lambda zk: None)


def test_authorizer_filter_changes_only_the_authorizer():
    props = {"authorizer.class.name": ACL, "super.users": "User:broker", "num.io.threads": 8}
    assert f.kafka_authorizer(props, False) == dict(props, **{"authorizer.class.name": STD})
    assert f.kafka_authorizer(props, True) == props and props["authorizer.class.name"] == ACL
    assert f.kafka_authorizer({"num.io.threads": 8}, False) == {"num.io.threads": 8}
    assert f.kafka_authorizer(None, True) == {}


def test_security_filter_reads_the_authorizer_from_the_server_properties():
    assert f.migration_security_problems("SASL_SSL", "SASL_SSL", ["PLAIN"], "broker", "broker") == []
    [problem] = f.migration_security_problems("SASL_SSL", "SASL_SSL", ["PLAIN"], "broker", "broker", {"authorizer.class.name": ACL})
    assert problem.startswith("super.users lacks User:broker")
