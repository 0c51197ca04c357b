"""The roll planner, on plain data. Where it replaces Jinja, each case also runs the Jinja it replaces (as it stood at
4cc0f8f, transcribed below) through Ansible's templar, so "reproduces today's rule" is checked, not assumed."""
import json
import re

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template
from ansible_collections.streamops.kafka.plugins.module_utils import _health as h
from ansible_collections.streamops.kafka.plugins.module_utils import _roll as r

# --- the Jinja being replaced ------------------------------------------------------------------

# roles/rolling_upgrade/vars/main.yml, _kafka_upgrade_off_target
OFF_TARGET = """{{ not _kafka_upgrade_service.active or _kafka_upgrade_service.version != kafka_version
     or _kafka_upgrade_service.stale | length > 0
     or (kafka_java_home | length > 0 and _kafka_upgrade_service.java_home != kafka_java_home) }}"""
# roles/rolling_upgrade/tasks/cluster.yml, "Order the roll"
ORDER_KEYS = """{% for host in ansible_play_hosts %}{{ '%d%d%d%06d|%s' | format(
        0 if host in _kafka_upgrade_stopped else 1,
        0 if host not in _brokers else (1 if host in _controllers else 2),
        1 if hostvars[host].kafka_node_id | int == _controller | int else 0,
        hostvars[host].kafka_node_id | int, host) }}{{ '' if loop.last else ',' }}{% endfor %}"""
ORDER = "{{ _keys | split(',') | sort | map('regex_replace', '^[^|]*\\|', '') | list }}"
# cluster.yml, "Decide the protocol pin"
PINS = "{{ pins_in_place | select | unique | list }}"
LOWEST_PIN = """{% set ns = namespace(v='') %}{% for v in _pins %}{% if ns.v == ''
      or (v | regex_replace('-IV.*$', '')) is version(ns.v | regex_replace('-IV.*$', ''), '<') %}{% set ns.v = v %}{% endif %}{%
      endfor %}{{ ns.v }}"""
OLDEST = """{% set ns = namespace(v='') %}{% for v in _versions %}{% if ns.v == '' or v is version(ns.v, '<') %}{% set ns.v = v %}{% endif %}{%
      endfor %}{{ ns.v }}"""
PIN = "{{ _lowest_pin | trim if _pins | length > 0 else _oldest | trim | regex_replace('^([0-9]+\\.[0-9]+)\\..*$', '\\1') }}"
# cluster.yml, "Check the brokers agree on the protocol pin"
PINS_AGREE = """{{ _kafka_upgrade_pins_in_place | length <= 1 or (_kafka_upgrade_pins_in_place | length == 2 and _kafka_upgrade_direction == 'up'
      and _kafka_upgrade_release in _kafka_upgrade_pins_in_place) }}"""
# cluster.yml, "Decide this broker's pin for the roll"
HOST_PIN = """{{ _kafka_ibp_in_place if _kafka_ibp_in_place | length > 0 and (_kafka_ibp_in_place | regex_replace('-IV.*$', ''))
         is version(_kafka_upgrade_pin | regex_replace('-IV.*$', ''), '>') else _kafka_upgrade_pin }}"""
# cluster.yml, "Check at most one node is stopped"
STOPPED_OK = "{{ _kafka_upgrade_stopped | length <= 1 or kafka_upgrade_strategy == 'stop_all' }}"
# zookeeper_preflight.yml, "Order the ensemble roll, leader last"
ZK_KEYS = """{% for host in ansible_play_hosts %}{{ '%d|%s' | format(
        1 if (hostvars[host].zookeeper_client_host | default(host)) ~ ':' ~ (hostvars[host].zookeeper_client_port | default(zookeeper_client_port))
             == __zookeeper_upgrade_ensemble.leader else 0, host) }}{{ '' if loop.last else ',' }}{% endfor %}"""
# roll_node.yml, "Add this node to the summary" (the timing keys)
SUMMARY_ENTRY = {
    "started_at": "{{ _kafka_roll_t0 | float | round(3) }}",
    "ended_at": "{{ _end | float | round(3) }}",
    "gate_before_s": "{{ ((_kafka_roll_t_stop | float) - (_kafka_roll_t0 | float)) | round(3) if _restarted else 0 }}",
    "stop_s": "{{ ((_kafka_roll_t_start | float) - (_kafka_roll_t_stop | float)) | round(3) if _restarted else 0 }}",
    "start_s": "{{ ((_kafka_roll_t_up | float) - (_kafka_roll_t_start | float)) | round(3) if _restarted else 0 }}",
    "gate_after_s": "{{ ((_end | float) - (_kafka_roll_t_up | float)) | round(3) }}",
    "restart_window": "{{ [_kafka_roll_t_stop | float | round(3), _kafka_roll_t_up | float | round(3)] if _restarted else [] }}",
    "total_s": "{{ ((_end | float) - (_kafka_roll_t0 | float)) | round(3) }}",
}
# playbooks/summary.yml, "Write the summary"
RESTART_TIME = """{{ (_restarted | map(attribute='stop_s') | map('float') | sum + _restarted | map(attribute='start_s') | map('float') | sum
                   + _restarted | map(attribute='gate_after_s') | map('float') | sum) | round(3) }}"""


def jinja(template, **variables):
    return Templar(loader=DataLoader(), variables=variables).template(trust_as_template(template))


def service(version="3.9.1", java="/jdk21", active=True, stale=()):
    return {"active": active, "version": version if active else "", "java_home": java if active else "", "stale": list(stale)}


# --- restart reasons ---------------------------------------------------------------------------

@pytest.mark.parametrize("svc, version, java, expected", [
    (service(), "3.9.1", "/jdk21", []),
    (service(), "3.9.1", "", []),
    (service(active=False), "3.9.1", "/jdk21", ["stopped"]),
    (service(active=False, stale=["/etc/kafka/server.properties"]), "3.9.1", "", ["stopped"]),
    (service("3.8.1"), "3.9.1", "/jdk21", ["runs version 3.8.1 not 3.9.1"]),
    (service(java="/jdk17"), "3.9.1", "/jdk21", ["runs Java /jdk17 not /jdk21"]),
    (service(java="/jdk17"), "3.9.1", "", []),
    (service(stale=["/etc/kafka/server.properties", "/etc/kafka/kafka.env"]), "3.9.1", "/jdk21",
     ["config changed since start: /etc/kafka/server.properties, /etc/kafka/kafka.env"]),
    (service("3.8.1", "/jdk17", stale=["/etc/kafka/server.properties"]), "3.9.1", "/jdk21",
     ["runs version 3.8.1 not 3.9.1", "runs Java /jdk17 not /jdk21", "config changed since start: /etc/kafka/server.properties"]),
    ({"active": True, "version": "", "java_home": "", "stale": []}, "3.9.1", "/jdk21",
     ["runs version unknown not 3.9.1", "runs Java unknown not /jdk21"]),
], ids=["on-target", "no-java-asked", "stopped", "stopped-only-reason", "version", "java", "java-not-asked", "stale",
        "all-in-order", "version-unreadable"])
def test_restart_reasons(svc, version, java, expected):
    assert r.restart_reasons(svc, version, java) == expected
    assert jinja(OFF_TARGET, _kafka_upgrade_service=svc, kafka_version=version, kafka_java_home=java) == bool(expected)


# --- roll order --------------------------------------------------------------------------------

def kafka_node(host, node_id, roles=("broker",), active=True):
    return {"host": host, "node_id": node_id, "roles": list(roles), "active": active}


C, B, CB = ("controller",), ("broker",), ("controller", "broker")

ORDER_CASES = [
    ([kafka_node("ctl-b", 2, C), kafka_node("ctl-a", 1, C), kafka_node("ctl-c", 3, C),
      kafka_node("kafka-a", 250), kafka_node("kafka-b", 101), kafka_node("kafka-c", 102)], 3, False,
     ["ctl-a", "ctl-b", "ctl-c", "kafka-b", "kafka-c", "kafka-a"]),
    ([kafka_node("c1", 1, C), kafka_node("c2", 2, C), kafka_node("c3", 3, C),
      kafka_node("b4", 4), kafka_node("b5", 5), kafka_node("b6", 6), kafka_node("b7", 7)], 2, False,
     ["c1", "c3", "c2", "b4", "b5", "b6", "b7"]),
    ([kafka_node("n1", 1, CB), kafka_node("n2", 2, CB), kafka_node("n3", 3, CB)], 1, False, ["n2", "n3", "n1"]),
    ([kafka_node("n1", 1, CB), kafka_node("n2", 2, CB), kafka_node("n3", 3, CB), kafka_node("b4", 4), kafka_node("c9", 9, C)], 2, False,
     ["c9", "n1", "n3", "n2", "b4"]),
    ([kafka_node("c1", 1, C), kafka_node("c2", 2, C), kafka_node("c3", 3, C), kafka_node("b4", 4), kafka_node("b5", 5, active=False),
      kafka_node("b6", 6)], 2, False, ["b5", "c1", "c3", "c2", "b4", "b6"]),
    ([kafka_node("c1", 1, C), kafka_node("c2", 2, C, active=False), kafka_node("c3", 3, C), kafka_node("b4", 4)], 1, False,
     ["c2", "c3", "c1", "b4"]),
    # ZooKeeper mode: every node a broker, the controller broker last.
    ([kafka_node("k1", 1), kafka_node("k2", 2), kafka_node("k3", 3), kafka_node("k4", 4)], 1, True, ["k2", "k3", "k4", "k1"]),
    ([kafka_node("k1", 1), kafka_node("k2", 2), kafka_node("k3", 3)], -1, True, ["k1", "k2", "k3"]),
    # No known active controller: plain classes and ids.
    ([kafka_node("n3", 3, CB), kafka_node("n1", 1, CB), kafka_node("n2", 2, CB)], None, False, ["n1", "n2", "n3"]),
]
ORDER_IDS = ["non-sequential-ids", "3-controllers-4-brokers", "combined", "controller-combined-broker", "one-stopped-first",
             "stopped-controller-first", "zookeeper-controller-last", "zookeeper-no-controller", "no-active-controller"]


@pytest.mark.parametrize("nodes, controller, zk_mode, expected", ORDER_CASES, ids=ORDER_IDS)
def test_roll_order(nodes, controller, zk_mode, expected):
    assert r.roll_order(nodes, controller, zk_mode) == expected


@pytest.mark.parametrize("nodes, controller, zk_mode, expected", ORDER_CASES, ids=ORDER_IDS)
def test_roll_order_matches_the_jinja(nodes, controller, zk_mode, expected):
    hosts = [n["host"] for n in nodes]
    keys = jinja(ORDER_KEYS, ansible_play_hosts=hosts, hostvars=dict((n["host"], {"kafka_node_id": n["node_id"]}) for n in nodes),
                 _kafka_upgrade_stopped=[n["host"] for n in nodes if not n["active"]],
                 _brokers=[n["host"] for n in nodes if "broker" in n["roles"]],
                 _controllers=[] if zk_mode else [n["host"] for n in nodes if "controller" in n["roles"]],
                 _controller=-1 if controller is None else controller)
    assert jinja(ORDER, _keys=keys) == expected


def test_ids_from_jinja_may_be_strings():
    nodes = [{"host": "a", "node_id": "10", "roles": "broker", "active": "True"}, {"host": "b", "node_id": "9", "roles": "broker,controller",
                                                                                   "active": "False"}]
    assert r.roll_order(nodes, "9", "False") == ["b", "a"]


def test_ids_of_seven_digits_sort_numerically_where_the_jinja_did_not():
    # The Jinja zero-padded ids to six digits and sorted text: 1000000 came before 999999.
    nodes = [kafka_node("big", 1000000), kafka_node("small", 999999)]
    assert r.roll_order(nodes, -1, False) == ["small", "big"]
    keys = jinja(ORDER_KEYS, ansible_play_hosts=["big", "small"], hostvars={"big": {"kafka_node_id": 1000000}, "small": {"kafka_node_id": 999999}},
                 _kafka_upgrade_stopped=[], _brokers=["big", "small"], _controllers=[], _controller=-1)
    assert jinja(ORDER, _keys=keys) == ["big", "small"]


@pytest.mark.parametrize("members, leader, expected", [
    ([{"host": "zk3", "address": "zk3:2181"}, {"host": "zk1", "address": "zk1:2181"}, {"host": "zk2", "address": "zk2:2181"}], "zk1:2181",
     ["zk2", "zk3", "zk1"]),
    ([{"host": "zk1", "address": "zk1:2181"}, {"host": "zk2", "address": "zk2:2181"}], "", ["zk1", "zk2"]),
    ([{"host": "zk1", "address": "10.0.0.1:2181"}, {"host": "zk2", "address": "10.0.0.2:2181"}], "10.0.0.1:2181", ["zk2", "zk1"]),
], ids=["leader-last", "no-leader", "by-address"])
def test_zookeeper_order(members, leader, expected):
    assert r.zookeeper_order(members, leader) == expected
    hostvars = dict((m["host"], {"zookeeper_client_host": m["address"].split(":")[0]}) for m in members)
    keys = jinja(ZK_KEYS, ansible_play_hosts=[m["host"] for m in members], hostvars=hostvars, zookeeper_client_port=2181,
                 __zookeeper_upgrade_ensemble={"leader": leader})
    assert jinja(ORDER, _keys=keys) == expected


# --- protocol pins -----------------------------------------------------------------------------

@pytest.mark.parametrize("pins, versions, expected", [
    (["2.8", "2.8", "2.8"], ["2.8.2", "2.8.2", "2.8.2"], "2.8"),
    (["", "", ""], ["3.8.1", "3.7.2", "3.8.1"], "3.7"),
    (["", "", ""], ["3.10.0", "3.9.1"], "3.9"),
    (["3.8", "3.9", "3.8"], ["3.9.1", "3.9.1", "3.9.1"], "3.8"),
    (["2.8-IV1", "2.7"], ["2.8.2", "2.8.2"], "2.7"),
    # Equal once -IVn is dropped: the first one seen wins, as in the Jinja loop.
    (["2.8-IV1", "2.8"], ["2.8.2", "2.8.2"], "2.8-IV1"),
    (["", "3.8", ""], ["3.9.1", "3.8.1", "3.8.1"], "3.8"),
    ([], [], ""),
], ids=["one-pin", "no-pin-oldest-version", "no-pin-numeric-compare", "interrupted-finalize-lowest", "iv-suffix-ignored",
        "iv-tie-first-wins", "unpinned-brokers-ignored", "nothing"])
def test_protocol_pin(pins, versions, expected):
    assert r.protocol_pin(pins, versions) == expected
    distinct = jinja(PINS, pins_in_place=pins)
    reference = jinja(PIN, _pins=distinct, _lowest_pin=jinja(LOWEST_PIN, _pins=distinct), _oldest=jinja(OLDEST, _versions=versions))
    assert reference == expected


@pytest.mark.parametrize("in_place, cluster_pin, expected", [
    ("3.9", "3.8", "3.9"),
    ("3.8", "3.8", "3.8"),
    ("", "3.8", "3.8"),
    ("3.7", "3.8", "3.8"),
    ("3.8-IV1", "3.8", "3.8"),
    ("3.10", "3.9", "3.10"),
], ids=["raised-by-interrupted-finalize-kept", "same", "unpinned", "never-kept-lower", "iv-same-release", "numeric-compare"])
def test_host_pin(in_place, cluster_pin, expected):
    assert r.host_pin(in_place, cluster_pin) == expected
    assert jinja(HOST_PIN, _kafka_ibp_in_place=in_place, _kafka_upgrade_pin=cluster_pin) == expected


@pytest.mark.parametrize("pins, direction, release, expected", [
    (["3.8", "3.8"], "up", "3.9", True),
    ([], "up", "3.9", True),
    (["3.8", "3.9"], "up", "3.9", True),
    (["3.8", "3.9"], "down", "3.9", False),
    (["3.7", "3.8"], "up", "3.9", False),
    (["3.7", "3.8", "3.9"], "up", "3.9", False),
    (["3.8", "", "3.9"], "none", "3.9", False),
], ids=["one", "none", "mid-finalize", "rollback-mid-finalize", "other-release", "three", "restart-two"])
def test_pins_consistent(pins, direction, release, expected):
    assert r.pins_consistent(pins, direction, release) is expected
    distinct = jinja(PINS, pins_in_place=pins)
    assert jinja(PINS_AGREE, _kafka_upgrade_pins_in_place=distinct, _kafka_upgrade_direction=direction, _kafka_upgrade_release=release) is expected


@pytest.mark.parametrize("stopped, strategy, expected", [
    ([], "rolling", None),
    (["b5"], "rolling", None),
    (["b5", "b6"], "rolling", "Kafka is stopped on b5, b6. A roll resumes with one stopped node (it starts it first), never with more: start them, "
                              "or let site.yml start them, and check the cluster before rolling."),
    (["b5", "b6"], "stop_all", None),
], ids=["none", "one", "two", "two-stop-all"])
def test_stopped_check(stopped, strategy, expected):
    nodes = [kafka_node(h, i, active=h not in stopped) for i, h in enumerate(["b4", "b5", "b6"], 4)]
    assert r.stopped_check(nodes, strategy) == expected
    assert jinja(STOPPED_OK, _kafka_upgrade_stopped=stopped, kafka_upgrade_strategy=strategy) is (expected is None)


# --- partition risks ---------------------------------------------------------------------------

def topic(name, *parts):
    return {"name": name, "partitions": [{"partition_index": i, "leader_id": replicas[0], "replica_nodes": replicas, "isr_nodes": isr}
                                         for i, (replicas, isr) in enumerate(parts)]}


@pytest.mark.parametrize("topics, min_isr, expected", [
    ([topic("t", ([1, 2, 3], [1, 2, 3]))], {"t": 2}, {"rf1": [], "single_isr": [], "rf_below_min_isr": []}),
    ([topic("scratch", ([1], [1])), topic("t", ([1, 2], [1]), ([2, 1], [2, 1]))], {"t": 1},
     {"rf1": ["scratch-0"], "single_isr": ["t-0"], "rf_below_min_isr": []}),
    ([topic("narrow", ([1, 2], [1, 2]), ([2, 3], [2, 3])), topic("scratch", ([1], [1]))], {"narrow": 3, "scratch": 2},
     {"rf1": ["scratch-0"], "single_isr": [], "rf_below_min_isr": ["narrow-0", "narrow-1", "scratch-0"]}),
], ids=["healthy", "rf1-and-single-isr", "rf-below-min-isr"])
def test_partition_risks(topics, min_isr, expected):
    assert r.partition_risks(h.partition_states(topics, min_isr)) == expected


def test_accepted_rf_below_min_isr_lets_the_health_check_pass():
    s = h.partition_states([topic("narrow", ([1, 2], [1, 2])), topic("t", ([1, 2, 3], [1, 2, 3]))], {"narrow": 3, "t": 2})
    assert h.cluster_problems(s)["under_min_isr"] == ["narrow-0"]
    assert h.cluster_problems(s, r.partition_risks(s)["rf_below_min_isr"]) == {"offline": [], "under_replicated": [], "under_min_isr": []}


# --- batches -----------------------------------------------------------------------------------

RACKS = {1: "a", 2: "b", 3: "c", 4: "a", 5: "b", 6: "c"}


@pytest.mark.parametrize("batch, racks, alone, expected", [
    (1, None, (), [[1], [2], [3], [4], [5], [6]]),
    (2, None, (), [[1, 2], [3, 4], [5, 6]]),
    ("2", None, (), [[1, 2], [3, 4], [5, 6]]),
    (4, None, (), [[1, 2, 3, 4], [5, 6]]),
    (2, None, (6,), [[1, 2], [3, 4], [5], [6]]),
    (2, None, (3,), [[1, 2], [3], [4, 5], [6]]),
    ("rack", RACKS, (), [[1, 4], [2, 5], [3, 6]]),
    ("rack", RACKS, (6,), [[1, 4], [2, 5], [3], [6]]),
    ("rack", RACKS, (1,), [[1], [2, 5], [3, 6], [4]]),
    ("rack", dict((str(k), v) for k, v in RACKS.items()), ("6",), [[1, 4], [2, 5], [3], [6]]),
    ("rack", {1: "a", 2: None, 3: "a", 4: "", 5: "b", 6: "b"}, (), [[1, 3], [2], [4], [5, 6]]),
    ("rack", None, (), [[1], [2], [3], [4], [5], [6]]),
], ids=["one-at-a-time", "two", "two-from-jinja", "four", "controller-alone-at-the-end", "alone-splits-the-run", "rack",
        "rack-controller-alone", "rack-stopped-first-alone", "rack-string-ids", "no-rack-one-at-a-time", "rack-without-racks"])
def test_propose_batches(batch, racks, alone, expected):
    assert r.propose_batches([1, 2, 3, 4, 5, 6], batch, racks, alone) == expected


@pytest.mark.parametrize("batch", [0, -1, "x", None], ids=["zero", "negative", "word", "none"])
def test_propose_batches_refuses_a_bad_size(batch):
    with pytest.raises((ValueError, TypeError)):
        r.propose_batches([1, 2], batch)


def member(node_id, roles="broker", restart=True, active=True):
    return {"node_id": node_id, "roles": roles, "restart": restart, "active": active}


# The rule it replaces, roll_node.yml at ef2a348, evaluated per host: "ansible_play_batch | length > 1 and
# _kafka_roll_restart | bool and _kafka_is_broker | bool and __kafka_roll_before.active".
@pytest.mark.parametrize("members, expected", [
    ([member(4)], []),
    ([member(4), member(5), member(6)], [4, 5, 6]),
    ([member(4), member(5, restart=False), member(6)], [4, 6]),
    ([member(4, active=False), member(5)], [5]),
    ([member(4, restart="False"), member(5, restart="True", active="true")], [5]),
    ([member("4", roles="broker,controller"), member(5, roles=["controller"]), member(6, roles="")], [4]),
    ([member(4, restart=False), member(5, restart=False)], []),
    ([], []),
], ids=["one-host-batch", "three-brokers", "one-needs-no-restart", "one-stopped-since-the-plan", "flags-from-jinja",
        "only-brokers", "nothing-to-restart", "empty"])
def test_batch_stoppers(members, expected):
    assert r.batch_stoppers(members) == expected


# Brokers 4, 5 and 6 replicate the same partitions (RF 3, min.insync.replicas 2); 1, 2 and 3 others.
GATE_STATES = h.partition_states([topic("left", ([1, 2, 3], [1, 2, 3]), ([2, 3, 1], [2, 3, 1])),
                                  topic("right", ([4, 5, 6], [4, 5, 6]), ([5, 6, 4], [5, 6, 4]))], {"left": 2, "right": 2})


def gate(live):
    return lambda ids: not h.set_stop_blockers(GATE_STATES, ids, live)["blocking"]


@pytest.mark.parametrize("batch, live, expected", [
    ([1, 4], [1, 2, 3, 4, 5, 6], [1, 4]),
    ([1, 4, 5], [1, 2, 3, 4, 5, 6], [1, 4]),
    ([4, 5], [1, 2, 3, 4, 5, 6], [4]),
    ([4, 5, 1], [1, 2, 3, 4, 5, 6], [4]),
    # Broker 6 is dead: even 4 alone may not stop; it is returned alone, and the caller waits on it as today.
    ([4, 1], [1, 2, 3, 4, 5], [4]),
    ([], [1, 2, 3, 4, 5, 6], []),
], ids=["safe-pair", "split-to-prefix", "split-to-one", "first-pair-unsafe", "single-waits", "empty"])
def test_a_batch_the_gate_refuses_is_split(batch, live, expected):
    assert r.largest_safe_prefix(batch, gate(live)) == expected


def test_largest_safe_prefix_tries_the_largest_first():
    asked = []
    assert r.largest_safe_prefix([7, 8, 9], lambda ids: asked.append(ids) or len(ids) <= 2) == [7, 8]
    assert asked == [[7, 8, 9], [7, 8]]


# --- summary arithmetic ------------------------------------------------------------------------

@pytest.mark.parametrize("times, restarted, expected", [
    ((1000.0, 1012.5, 1020.25, 1051.125, 1063.0), True,
     {"started_at": 1000.0, "ended_at": 1063.0, "gate_before_s": 12.5, "stop_s": 7.75, "start_s": 30.875, "gate_after_s": 11.875,
      "restart_window": [1012.5, 1051.125], "total_s": 63.0}),
    (("1700000000.1234", "1700000003.5", "1700000010.25", "1700000040", "1700000045.0006"), "True",
     {"started_at": 1700000000.123, "ended_at": 1700000045.001, "gate_before_s": 3.377, "stop_s": 6.75, "start_s": 29.75, "gate_after_s": 5.001,
      "restart_window": [1700000003.5, 1700000040.0], "total_s": 44.877}),
    ((1000.0, None, None, 1001.5, 1009.0), False,
     {"started_at": 1000.0, "ended_at": 1009.0, "gate_before_s": 0, "stop_s": 0, "start_s": 0, "gate_after_s": 7.5, "restart_window": [],
      "total_s": 9.0}),
], ids=["restarted", "strings-from-jinja", "verified"])
def test_summary_entry(times, restarted, expected):
    t0, t_stop, t_start, t_up, t_end = times
    assert r.summary_entry(t0, t_stop, t_start, t_up, t_end, restarted) == expected
    variables = dict(_kafka_roll_t0=t0, _kafka_roll_t_stop=t_stop, _kafka_roll_t_start=t_start, _kafka_roll_t_up=t_up, _end=t_end,
                     _restarted=r.flag(restarted))
    assert dict((k, jinja(v, **variables)) for k, v in SUMMARY_ENTRY.items()) == expected


def entry(host, action, stop_s=0, start_s=0, gate_after_s=0, window=(), ended_at=0, phase="upgrade"):
    return {"host": host, "phase": phase, "action": action, "stop_s": stop_s, "start_s": start_s, "gate_after_s": gate_after_s,
            "restart_window": list(window), "ended_at": ended_at}


ENTRIES = [
    entry("k1", "restarted", 5, 20, 10, (100, 125), 135),
    entry("k2", "restarted", 6, 25, 9, (140, 171), 180),
    entry("k3", "verified", 0, 0, 3, (), 184),
    entry("k4", "restarted", 4, 30, 12, (190, 224), 236),
    {"host": "cluster", "phase": "finalize", "action": "raised", "started_at": 237, "ended_at": 238, "total_s": 1},
]


@pytest.mark.parametrize("entries, batches, expected", [
    # stop + start + catch-up: (5+6+4) + (20+25+30) + (10+9+12) = 121; first stop 100 to last gate 236 = 136; 136 / 121.
    (ENTRIES, None, {"restarts": 3, "restart_time_s": 121.0, "roll_window_s": 136.0, "restart_floor_s": 121.0, "overhead_ratio": 1.124}),
    # k1 and k2 in one batch: the slower (6+25+9 = 40) counts, then k4 (46): 86; 136 / 86.
    (ENTRIES, [["k1", "k2"], ["k4"]], {"restarts": 3, "restart_time_s": 121.0, "roll_window_s": 136.0, "restart_floor_s": 86.0,
                                       "overhead_ratio": 1.581}),
    (ENTRIES, {"upgrade": [["k1", "k2"]]}, {"restarts": 3, "restart_time_s": 121.0, "roll_window_s": 136.0, "restart_floor_s": 86.0,
                                            "overhead_ratio": 1.581}),
    # Batches of another phase do not group these.
    (ENTRIES, {"pin": [["k1", "k2"]]}, {"restarts": 3, "restart_time_s": 121.0, "roll_window_s": 136.0, "restart_floor_s": 121.0,
                                        "overhead_ratio": 1.124}),
    (ENTRIES[2:], None, {"restarts": 1, "restart_time_s": 46.0, "roll_window_s": 46.0, "restart_floor_s": 46.0, "overhead_ratio": 1.0}),
    ([entry("k3", "verified", gate_after_s=3, ended_at=184)], None,
     {"restarts": 0, "restart_time_s": 0.0, "roll_window_s": 0, "restart_floor_s": 0, "overhead_ratio": None}),
], ids=["one-at-a-time", "batched", "batched-by-phase", "other-phase-batches", "single", "no-restart"])
def test_roll_totals(entries, batches, expected):
    totals = r.roll_totals(entries, batches)
    per_batch = totals.pop("batches")
    assert totals == expected
    assert len(per_batch) == (2 if batches in ([["k1", "k2"], ["k4"]], {"upgrade": [["k1", "k2"]]}) else expected["restarts"])
    restarted = [e for e in entries if e["action"] == "restarted"]
    assert jinja(RESTART_TIME, _restarted=restarted) == expected["restart_time_s"]


def test_batches_from_the_entries_themselves():
    """restart.yml writes into each entry the hosts that stopped with it; the totals group by that."""
    timed = dict(gate_before_s=1.5, started_at=90)
    entries = [dict(entry("b1", "restarted", 5, 20, 10, (100, 125), 135, phase="restart"), batch=["b1", "b2"], **timed),
               dict(entry("b2", "restarted", 6, 25, 9, (100, 131), 140, phase="restart"), batch=["b2", "b1"], **timed),
               dict(entry("b3", "restarted", 4, 30, 12, (150, 184), 196, phase="restart"), batch=["b3"], started_at=145, gate_before_s=5),
               dict(entry("b4", "verified", 0, 0, 3, (), 200, phase="restart"), batch=["b3", "b4"], started_at=197)]
    totals = r.roll_totals(entries)
    # b1 + b2 together: the slower (6+25+9 = 40), then b3 (4+30+12 = 46); window 100 to 196.
    assert totals["restart_floor_s"] == 86.0 and totals["roll_window_s"] == 96.0 and totals["overhead_ratio"] == 1.116
    assert totals["batches"] == [
        {"phase": "restart", "nodes": ["b1", "b2"], "gate_s": 1.5, "stop_s": 6.0, "start_s": 25.0, "catch_up_s": 10.0, "restart_s": 40.0,
         "started_at": 90.0},
        {"phase": "restart", "nodes": ["b3"], "gate_s": 5.0, "stop_s": 4.0, "start_s": 30.0, "catch_up_s": 12.0, "restart_s": 46.0,
         "started_at": 145.0}]


# --- plans -------------------------------------------------------------------------------------

ZK_RESTART = {"leader": "zk1:2181", "target_version": "3.8.4", "members": [
    {"host": "zk1", "address": "zk1:2181", "service": service("3.8.4", "/jdk17")},
    {"host": "zk2", "address": "zk2:2181", "service": service("3.8.4", "/jdk17", stale=["/etc/systemd/system/zookeeper.service"])},
    {"host": "zk3", "address": "zk3:2181", "service": service("3.8.4", "/jdk17")}]}


def node(host, node_id, roles=B, version="3.8.1", java="/jdk17", active=True, stale=(), pin="", rack=None, record=None):
    """A node as preflight sees it; a stopped node "runs" what its link points at."""
    return {"host": host, "node_id": node_id, "roles": list(roles), "service": service(version, java, active, stale),
            "running_version": version, "running_java": java, "pin_in_place": pin, "rack": rack, "record": record or {}}


def outline(plan):
    """Each phase as (name, batches of 'host:r' for a restart and 'host:v' for a verify)."""
    out = []
    for phase in plan["phases"]:
        by_host = dict((n["host"], n) for n in phase["nodes"])
        out.append((phase["name"], [["%s:%s" % (h, by_host[h]["action"][0]) for h in batch] for batch in phase["batches"]]))
    return out


KRAFT_7 = [node("c1", 1, C), node("c2", 2, C), node("c3", 3, C), node("b4", 4), node("b5", 5), node("b6", 6), node("b7", 7)]
ZK_RECORD = {"from_version": "3.8.1", "from_java_home": "/jdk17", "to_version": "3.9.1", "to_java_home": "/jdk21"}

PLAN_CASES = [
    ("kraft-3-controllers-4-brokers",
     dict(kind="upgrade", nodes=KRAFT_7, active_controller=2, target_version="3.9.1", target_java_home="/jdk21"),
     {"order": ["c1", "c3", "c2", "b4", "b5", "b6", "b7"], "errors": [], "irreversible": None, "seconds": 315, "restarts": 7, "verifies": 0,
      "outline": [("upgrade", [["c1:r"], ["c3:r"], ["c2:r"], ["b4:r"], ["b5:r"], ["b6:r"], ["b7:r"]])], "pins": {"upgrade": {}}}),
    ("kraft-combined-finalize",
     dict(kind="upgrade", nodes=[node("n1", 1, CB), node("n2", 2, CB), node("n3", 3, CB)], active_controller=1, target_version="3.9.1",
          target_java_home="/jdk21", finalize=True),
     {"order": ["n2", "n3", "n1"], "errors": [], "irreversible": "finalize", "seconds": 140, "restarts": 3, "verifies": 0,
      "outline": [("upgrade", [["n2:r"], ["n3:r"], ["n1:r"]]), ("finalize", [])],
      "pins": {"upgrade": {}, "finalize": {"metadata.version": "3.9"}}}),
    ("kraft-finalize-metadata-version-given",
     dict(kind="upgrade", nodes=[node("n1", 1, CB, "3.9.1", "/jdk21")], active_controller=1, target_version="3.9.1",
          target_java_home="/jdk21", finalize=True, metadata_version="3.9-IV0"),
     {"order": ["n1"], "errors": [], "irreversible": "finalize", "seconds": 10, "restarts": 0, "verifies": 1,
      "outline": [("upgrade", [["n1:v"]]), ("finalize", [])], "pins": {"upgrade": {}, "finalize": {"metadata.version": "3.9-IV0"}}}),
    # An interrupted roll: the controllers and b4 were done, b5 was stopped mid-restart (its link already on 3.9.1).
    ("interrupted-one-stopped",
     dict(kind="upgrade", nodes=[node("c1", 1, C, "3.9.1", "/jdk21"), node("c2", 2, C, "3.9.1", "/jdk21"), node("c3", 3, C, "3.9.1", "/jdk21"),
                                 node("b4", 4, B, "3.9.1", "/jdk21"), node("b5", 5, B, "3.9.1", "/jdk21", active=False), node("b6", 6),
                                 node("b7", 7)],
          active_controller=2, target_version="3.9.1", target_java_home="/jdk21"),
     {"order": ["b5", "c1", "c3", "c2", "b4", "b6", "b7"], "errors": [], "irreversible": None, "seconds": 155, "restarts": 3, "verifies": 4,
      "outline": [("upgrade", [["b5:r"], ["c1:v"], ["c3:v"], ["c2:v"], ["b4:v"], ["b6:r"], ["b7:r"]])], "pins": {"upgrade": {}}}),
    ("two-stopped-refused",
     dict(kind="upgrade", nodes=[node("n1", 1, CB, active=False), node("n2", 2, CB, active=False), node("n3", 3, CB)], active_controller=3,
          target_version="3.9.1", target_java_home="/jdk21"),
     {"order": ["n1", "n2", "n3"], "irreversible": None, "seconds": 135, "restarts": 3, "verifies": 0,
      "errors": ["Kafka is stopped on n1, n2. A roll resumes with one stopped node (it starts it first), never with more: start them, "
                 "or let site.yml start them, and check the cluster before rolling."],
      "outline": [("upgrade", [["n1:r"], ["n2:r"], ["n3:r"]])], "pins": {"upgrade": {}}}),
    # A fresh ZooKeeper-mode upgrade of a cluster still partly on 3.7.2: pin to 3.7, ensemble first, leader zk1 last.
    ("zookeeper-fresh-with-ensemble",
     dict(kind="upgrade", zk_mode=True, nodes=[node("k1", 1), node("k2", 2, version="3.7.2"), node("k3", 3)], active_controller=2,
          target_version="3.9.1", target_java_home="/jdk21",
          zookeeper={"leader": "zk1:2181", "target_version": "3.8.4", "members": [
              {"host": "zk1", "address": "zk1:2181", "service": service("3.8.3")}, {"host": "zk2", "address": "zk2:2181", "service": service("3.8.3")},
              {"host": "zk3", "address": "zk3:2181", "service": service("3.8.4")}]}),
     {"order": ["k1", "k3", "k2"], "errors": [], "irreversible": None, "seconds": 365, "restarts": 8, "verifies": 1,
      "outline": [("zookeeper", [["zk2:r"], ["zk3:v"], ["zk1:r"]]), ("pin", [["k1:r"], ["k3:r"], ["k2:r"]]),
                  ("upgrade", [["k1:r"], ["k3:r"], ["k2:r"]])],
      "pins": {"zookeeper": {}, "pin": {"k1": "3.7", "k2": "3.7", "k3": "3.7"}, "upgrade": {"k1": "3.7", "k2": "3.7", "k3": "3.7"}}}),
    # Re-run after a finalize that raised k3 and failed: k3 keeps 3.9, the others are pinned at 3.8 and only the finalize restarts them.
    ("zookeeper-resume-interrupted-finalize",
     dict(kind="upgrade", zk_mode=True, finalize=True, active_controller=1, target_version="3.9.1", target_java_home="/jdk21",
          nodes=[node("k1", 1, B, "3.9.1", "/jdk21", pin="3.8"), node("k2", 2, B, "3.9.1", "/jdk21", pin="3.8"),
                 node("k3", 3, B, "3.9.1", "/jdk21", pin="3.9"), node("k4", 4, B, "3.9.1", "/jdk21", pin="3.8")]),
     {"order": ["k2", "k3", "k4", "k1"], "errors": [], "irreversible": "finalize", "seconds": 180, "restarts": 3, "verifies": 9,
      "outline": [("pin", [["k2:v"], ["k3:v"], ["k4:v"], ["k1:v"]]), ("upgrade", [["k2:v"], ["k3:v"], ["k4:v"], ["k1:v"]]),
                  ("finalize", [["k2:r"], ["k3:v"], ["k4:r"], ["k1:r"]])],
      "pins": {"pin": {"k1": "3.8", "k2": "3.8", "k3": "3.9", "k4": "3.8"}, "upgrade": {"k1": "3.8", "k2": "3.8", "k3": "3.9", "k4": "3.8"},
               "finalize": {"k1": "3.9", "k2": "3.9", "k3": "3.9", "k4": "3.9"}}}),
    ("zookeeper-pins-disagree",
     dict(kind="upgrade", zk_mode=True, active_controller=1, target_version="3.9.1", target_java_home="/jdk17",
          nodes=[node("k1", 1, pin="3.7"), node("k2", 2, pin="3.8")]),
     {"order": ["k2", "k1"], "irreversible": None, "seconds": 100, "restarts": 2, "verifies": 2,
      "errors": ["the brokers pin different inter-broker protocol versions (3.7, 3.8): only an interrupted finalize to 3.9 may leave two"],
      "outline": [("pin", [["k2:v"], ["k1:v"]]), ("upgrade", [["k2:r"], ["k1:r"]])],
      "pins": {"pin": {"k1": "3.7", "k2": "3.8"}, "upgrade": {"k1": "3.7", "k2": "3.8"}}}),
    # stop_all: one node already on target stops with the others; the gated roll after it only verifies.
    ("kraft-stop-all",
     dict(kind="upgrade", strategy="stop_all", nodes=[node("n1", 1, CB, "3.9.1", "/jdk21"), node("n2", 2, CB), node("n3", 3, CB)],
          active_controller=1, target_version="3.9.1", target_java_home="/jdk21"),
     {"order": ["n2", "n3", "n1"], "errors": [], "irreversible": None, "seconds": 60, "restarts": 3, "verifies": 3,
      "outline": [("stop_all", [["n2:r", "n3:r", "n1:r"]]), ("upgrade", [["n2:v"], ["n3:v"], ["n1:v"]])], "pins": {"stop_all": {}, "upgrade": {}}}),
    ("kraft-stop-all-nothing-to-do",
     dict(kind="upgrade", strategy="stop_all", nodes=[node("n1", 1, CB, "3.9.1", "/jdk21"), node("n2", 2, CB, "3.9.1", "/jdk21")],
          active_controller=1, target_version="3.9.1", target_java_home="/jdk21"),
     {"order": ["n2", "n1"], "errors": [], "irreversible": None, "seconds": 15, "restarts": 0, "verifies": 4,
      "outline": [("stop_all", [["n2:v", "n1:v"]]), ("upgrade", [["n2:v"], ["n1:v"]])], "pins": {"stop_all": {}, "upgrade": {}}}),
    # stop_all with two nodes stopped is no error: everything starts together anyway.
    ("zookeeper-stop-all-with-ensemble",
     dict(kind="upgrade", zk_mode=True, strategy="stop_all", finalize=True, active_controller=1, target_version="3.9.1", target_java_home="/jdk21",
          nodes=[node("k1", 1, pin="3.8", active=False), node("k2", 2, pin="3.8", active=False)],
          zookeeper={"leader": "zk1:2181", "target_version": "3.8.4", "members": [
              {"host": "zk1", "address": "zk1:2181", "service": service("3.8.3")}, {"host": "zk2", "address": "zk2:2181", "service": service("3.8.4")}]}),
     {"order": ["k2", "k1"], "errors": [], "irreversible": "finalize", "seconds": 200, "restarts": 5, "verifies": 5,
      "outline": [("stop_all", [["k2:r", "k1:r"]]), ("stop_all_zookeeper", [["zk2:v", "zk1:r"]]), ("zookeeper", [["zk2:v"], ["zk1:v"]]),
                  ("upgrade", [["k2:v"], ["k1:v"]]), ("finalize", [["k2:r"], ["k1:r"]])],
      "pins": {"stop_all": {"k1": "3.8", "k2": "3.8"}, "stop_all_zookeeper": {}, "zookeeper": {}, "upgrade": {"k1": "3.8", "k2": "3.8"},
               "finalize": {"k1": "3.9", "k2": "3.9"}}}),
    # Rollback: back to the recorded version and Java, pins kept; k2 already went back.
    ("zookeeper-rollback",
     dict(kind="rollback", zk_mode=True, active_controller=3, target_version="3.8.1",
          nodes=[node("k1", 1, B, "3.9.1", "/jdk21", pin="3.8", record=ZK_RECORD), node("k2", 2, B, "3.8.1", "/jdk17", pin="3.8", record=ZK_RECORD),
                 node("k3", 3, B, "3.9.1", "/jdk21", pin="3.8", record=ZK_RECORD)]),
     {"order": ["k1", "k2", "k3"], "errors": [], "irreversible": None, "seconds": 95, "restarts": 2, "verifies": 1,
      "outline": [("rollback", [["k1:r"], ["k2:v"], ["k3:r"]])], "pins": {"rollback": {"k1": "3.8", "k2": "3.8", "k3": "3.8"}}}),
    ("rollback-mid-finalize-refused",
     dict(kind="rollback", zk_mode=True, active_controller=1, target_version="3.8.1",
          nodes=[node("k1", 1, B, "3.9.1", "/jdk21", pin="3.8", record=ZK_RECORD), node("k2", 2, B, "3.9.1", "/jdk21", pin="3.9", record=ZK_RECORD)]),
     {"order": ["k2", "k1"], "irreversible": None, "seconds": 90, "restarts": 2, "verifies": 0,
      "errors": ["the brokers pin different inter-broker protocol versions (3.8, 3.9): only an interrupted finalize to 3.8 may leave two"],
      "outline": [("rollback", [["k2:r"], ["k1:r"]])], "pins": {"rollback": {"k1": "3.8", "k2": "3.9"}}}),
    ("kraft-restart-stale-only",
     dict(kind="restart", strategy="stop_all", active_controller=1,
          nodes=[node("n1", 1, CB), node("n2", 2, CB, stale=["/etc/kafka/server.properties"]), node("n3", 3, CB)]),
     {"order": ["n2", "n3", "n1"], "errors": [], "irreversible": None, "seconds": 55, "restarts": 1, "verifies": 2,
      "outline": [("restart", [["n2:r"], ["n3:v"], ["n1:v"]])], "pins": {"restart": {}}}),
    # A restart in ZooKeeper mode: the ensemble first as in an upgrade (zk2's unit changed: the metrics agent), on the
    # version each member runs, leader last; then the brokers whose config changed.
    ("zookeeper-restart-with-ensemble",
     dict(kind="restart", zk_mode=True, active_controller=2,
          nodes=[node("k1", 1, B, "3.9.1", "/jdk21"), node("k2", 2, B, "3.9.1", "/jdk21"),
                 node("k3", 3, B, "3.9.1", "/jdk21", stale=["/etc/kafka/kafka.env"])],
          zookeeper=ZK_RESTART),
     {"order": ["k1", "k3", "k2"], "errors": [], "irreversible": None, "seconds": 110, "restarts": 2, "verifies": 4,
      "outline": [("zookeeper", [["zk2:r"], ["zk3:v"], ["zk1:v"]]), ("restart", [["k1:v"], ["k3:r"], ["k2:v"]])],
      "pins": {"zookeeper": {}, "restart": {}}}),
    # Six ZooKeeper-mode brokers in three racks; the controller broker (6) alone and last.
    ("zookeeper-rack-batches",
     dict(kind="upgrade", zk_mode=True, active_controller=6, target_version="3.9.1", target_java_home="/jdk21", batch="rack",
          nodes=[node("k%d" % i, i, B, "3.9.1", "/jdk17", pin="3.9", rack="abc"[(i - 1) % 3]) for i in range(1, 7)]),
     {"order": ["k1", "k2", "k3", "k4", "k5", "k6"], "errors": [], "irreversible": None, "seconds": 200, "restarts": 6, "verifies": 6,
      "outline": [("pin", [["k1:v", "k4:v"], ["k2:v", "k5:v"], ["k3:v"], ["k6:v"]]), ("upgrade", [["k1:r", "k4:r"], ["k2:r", "k5:r"], ["k3:r"], ["k6:r"]])],
      "pins": {"pin": dict(("k%d" % i, "3.9") for i in range(1, 7)), "upgrade": dict(("k%d" % i, "3.9") for i in range(1, 7))}}),
    # KRaft batches of 2: voters go alone, brokers pair up.
    ("kraft-batches-of-2",
     dict(kind="upgrade", nodes=KRAFT_7, active_controller=2, target_version="3.9.1", target_java_home="/jdk17", batch=2),
     {"order": ["c1", "c3", "c2", "b4", "b5", "b6", "b7"], "errors": [], "irreversible": None, "seconds": 225, "restarts": 7, "verifies": 0,
      "outline": [("upgrade", [["c1:r"], ["c3:r"], ["c2:r"], ["b4:r", "b5:r"], ["b6:r", "b7:r"]])], "pins": {"upgrade": {}}}),
]


@pytest.mark.parametrize("kwargs, expected", [c[1:] for c in PLAN_CASES], ids=[c[0] for c in PLAN_CASES])
def test_build_plan(kwargs, expected):
    plan = r.build_plan(**kwargs)
    assert json.loads(json.dumps(plan)) == plan
    assert plan["order"] == expected["order"]
    assert outline(plan) == expected["outline"]
    assert dict((p["name"], p["pins"]) for p in plan["phases"]) == expected["pins"]
    assert plan["errors"] == expected["errors"]
    assert plan["irreversible"] == expected["irreversible"]
    assert (plan["estimate"]["seconds"], plan["estimate"]["restarts"], plan["estimate"]["verifies"]) == (
        expected["seconds"], expected["restarts"], expected["verifies"])


def test_plan_reasons_follow_the_phases():
    plan = r.build_plan(**PLAN_CASES[5][1])
    reasons = dict((p["name"], dict((n["host"], n["reasons"]) for n in p["nodes"])) for p in plan["phases"])
    assert reasons["zookeeper"] == {"zk2": ["runs version 3.8.3 not 3.8.4"], "zk3": [], "zk1": ["runs version 3.8.3 not 3.8.4"]}
    assert reasons["pin"]["k2"] == ["inter.broker.protocol.version 3.7, was unset"]
    assert reasons["upgrade"]["k2"] == ["runs version 3.7.2 not 3.9.1", "runs Java /jdk17 not /jdk21"]
    assert plan["cluster_pin"] == "3.7"


def test_a_restart_names_why_each_zookeeper_member_restarts():
    plan = r.build_plan("restart", [node("k1", 1, B, "3.9.1", "/jdk21")], zk_mode=True, active_controller=1, zookeeper=ZK_RESTART)
    reasons = dict((n["host"], n["reasons"]) for n in plan["phases"][0]["nodes"])
    assert reasons == {"zk2": ["config changed since start: /etc/systemd/system/zookeeper.service"], "zk3": [], "zk1": []}
    # KRaft, or ZooKeeper mode without the inventory's ensemble: the brokers alone.
    assert [p["name"] for p in r.build_plan("restart", [node("k1", 1, B)], zk_mode=True, active_controller=1)["phases"]] == ["restart"]


def test_plan_does_not_change_its_input():
    nodes = [node("n1", "1", CB), node("n2", "2", CB)]
    before = json.dumps(nodes, sort_keys=True)
    r.build_plan("upgrade", nodes, active_controller="1", target_version="3.9.1")
    assert json.dumps(nodes, sort_keys=True) == before


@pytest.mark.parametrize("restart_seconds, seconds, basis", [
    (None, 95, "defaults: 45 s a restart, 5 s a verify"),
    (30, 65, "given restart seconds (45 s where none is given), 5 s a verify"),
    ({"n2": 120}, 170, "given restart seconds (45 s where none is given), 5 s a verify"),
], ids=["defaults", "one-number", "per-host"])
def test_plan_estimate(restart_seconds, seconds, basis):
    nodes = [node("n1", 1, CB, "3.9.1", "/jdk21"), node("n2", 2, CB), node("n3", 3, CB)]
    plan = r.build_plan("upgrade", nodes, active_controller=1, target_version="3.9.1", target_java_home="/jdk21", restart_seconds=restart_seconds)
    assert plan["estimate"] == {"seconds": seconds, "restarts": 2, "verifies": 1, "basis": basis}


@pytest.mark.parametrize("kwargs", [dict(kind="resize", nodes=[]), dict(kind="upgrade", nodes=[], strategy="canary")], ids=["kind", "strategy"])
def test_plan_refuses_unknown_kinds_and_strategies(kwargs):
    with pytest.raises(ValueError):
        r.build_plan(**kwargs)


def test_format_plan():
    s = h.partition_states([topic("scratch", ([1], [1])), topic("t", ([1, 2, 3], [1, 2, 3]))], {"t": 2})
    plan = r.build_plan("upgrade", [node("n1", 1, CB, "3.9.1", "/jdk21"), node("n2", 2, CB), node("n3", 3, CB, active=False), node("b4", 4)],
                        active_controller=1, target_version="3.9.1", target_java_home="/jdk21", finalize=True, batch=2, states=s)
    assert r.format_plan(plan) == [
        "upgrade plan, KRaft mode, rolling: 2 phase(s), 3 restart(s), 1 verify(s), about 2 min 25 s",
        "order: n3, n2, n1, b4 (active controller 1)",
        "phase 1/2 upgrade (rolling, about 2 min 20 s): move every node to 3.9.1",
        "  batch 1: n3 (node 3) restart: stopped",
        "  batch 2: n2 (node 2) restart: runs version 3.8.1 not 3.9.1; runs Java /jdk17 not /jdk21",
        "  batch 3: n1 (node 1) verify: already runs 3.9.1 on /jdk21",
        "  batch 4: b4 (node 4) restart: runs version 3.8.1 not 3.9.1; runs Java /jdk17 not /jdk21",
        "phase 2/2 finalize (cluster step, about 5 s): raise metadata.version to 3.9 once, cluster-wide - POINT OF NO RETURN",
        "  metadata.version 3.9",
        "risks: replication factor 1: scratch-0; single in-sync replica: none; replication factor below min.insync.replicas: none",
        "point of no return: phase finalize; rollback.yml refuses after it",
        "estimate: about 2 min 25 s (defaults: 45 s a restart, 5 s a verify)",
    ]


def test_format_plan_zookeeper_batches_and_errors():
    nodes = [node("k%d" % i, i, B, pin="3.7" if i == 1 else "3.8", rack="ab"[(i - 1) % 2]) for i in range(1, 5)]
    plan = r.build_plan("upgrade", nodes, zk_mode=True, active_controller=4, target_version="3.9.1", batch="rack")
    assert r.format_plan(plan) == [
        "upgrade plan, ZooKeeper mode, rolling: 2 phase(s), 4 restart(s), 4 verify(s), about 2 min 30 s",
        "order: k1, k2, k3, k4 (active controller 4)",
        "protocol pin: inter.broker.protocol.version 3.7 until the finalize",
        "ERROR: the brokers pin different inter-broker protocol versions (3.7, 3.8): only an interrupted finalize to 3.9 may leave two",
        "phase 1/2 pin (rolling, about 15 s): pin inter.broker.protocol.version to what the cluster speaks (3.7), on the versions running now",
        "  batch 1: k1 (node 1) verify: already runs 3.8.1 on /jdk17 with inter.broker.protocol.version 3.7",
        "           k3 (node 3) verify: already runs 3.8.1 on /jdk17 with inter.broker.protocol.version 3.8",
        "  batch 2: k2 (node 2) verify: already runs 3.8.1 on /jdk17 with inter.broker.protocol.version 3.8",
        "  batch 3: k4 (node 4) verify: already runs 3.8.1 on /jdk17 with inter.broker.protocol.version 3.8",
        "phase 2/2 upgrade (rolling, about 2 min 15 s): move every node to 3.9.1",
        "  batch 1: k1 (node 1) restart: runs version 3.8.1 not 3.9.1",
        "           k3 (node 3) restart: runs version 3.8.1 not 3.9.1",
        "  batch 2: k2 (node 2) restart: runs version 3.8.1 not 3.9.1",
        "  batch 3: k4 (node 4) restart: runs version 3.8.1 not 3.9.1",
        "note: Java homes are not compared: the target JDK is known once staging installed it",
        "point of no return: none in this plan",
        "estimate: about 2 min 30 s (defaults: 45 s a restart, 5 s a verify)",
    ]


@pytest.mark.parametrize("kwargs, notes", [
    (dict(kind="upgrade", target_version="3.9.1", target_java_home="/jdk21"), []),
    (dict(kind="upgrade", target_version="3.9.1"), ["Java homes are not compared: the target JDK is known once staging installed it"]),
    (dict(kind="restart"), ["only config files changed before this run count: a node whose configuration this run rewrites restarts too"]),
], ids=["java-given", "java-unknown", "restart"])
def test_plan_notes_say_what_it_cannot_know(kwargs, notes):
    assert r.build_plan(nodes=[node("n1", 1, CB)], active_controller=1, **kwargs)["notes"] == notes


def test_plan_vs_actual():
    plan = r.build_plan("upgrade", [node("n1", 1, CB, "3.9.1", "/jdk21"), node("n2", 2, CB), node("n3", 3, CB)], active_controller=1,
                        target_version="3.9.1", target_java_home="/jdk21", finalize=True)
    entries = [entry("n2", "restarted", 5, 30, 5, (100, 135), 140), entry("n3", "verified", ended_at=150),
               entry("n1", "verified", ended_at=155), {"host": "cluster", "phase": "finalize", "action": "raised"},
               entry("x9", "restarted", 1, 1, 1, (160, 162), 163, phase="restart")]
    comparison = r.plan_vs_actual(plan, entries)
    assert comparison["rows"] == [
        {"phase": "upgrade", "host": "n2", "planned": "restart", "actual": "restarted", "as_planned": True},
        {"phase": "upgrade", "host": "n3", "planned": "restart", "actual": "verified", "as_planned": False},
        {"phase": "upgrade", "host": "n1", "planned": "verify", "actual": "verified", "as_planned": True},
        {"phase": "finalize", "host": "cluster", "planned": "raise", "actual": "raised", "as_planned": True},
        {"phase": "restart", "host": "x9", "planned": None, "actual": "restarted", "as_planned": False},
    ]
    assert (comparison["differences"], comparison["estimate_s"], comparison["roll_window_s"]) == (2, 100, 63.0)
    assert r.format_plan_vs_actual(comparison) == [
        "upgrade n2: planned restart, actual restarted (as planned)",
        "upgrade n3: planned restart, actual verified (DIFFERS)",
        "upgrade n1: planned verify, actual verified (as planned)",
        "finalize cluster: planned raise, actual raised (as planned)",
        "restart x9: planned nothing, actual restarted (DIFFERS)",
        "2 difference(s); estimate 100 s (defaults: 45 s a restart, 5 s a verify), roll window 63.0 s",
    ]


def test_plan_vs_actual_without_a_plan_and_unrecorded_phases():
    assert r.format_plan_vs_actual(r.plan_vs_actual({}, [])) == ["no plan for this run"]
    plan = r.build_plan(**dict((c[0], c[1]) for c in PLAN_CASES)["zookeeper-stop-all-with-ensemble"])
    rows = r.plan_vs_actual(plan, [])["rows"]
    assert {row["as_planned"] for row in rows if row["phase"] == "stop_all_zookeeper"} == {None}
    assert {row["as_planned"] for row in rows if row["phase"] != "stop_all_zookeeper"} == {False}


def test_plan_takes_the_risks_kafka_info_reports():
    risks = {"rf1": ["scratch-0"], "single_isr": [], "rf_below_min_isr": []}
    plan = r.build_plan("restart", [node("n1", 1, CB)], active_controller=1, at_risk=risks)
    assert plan["risks"] == risks
    assert "risks: replication factor 1: scratch-0; single in-sync replica: none; replication factor below min.insync.replicas: none" in r.format_plan(plan)


def test_restart_plan_by_rack_keeps_controllers_alone_and_groups_each_rack():
    """restart.yml's batches (kraft-dedicated's layout): each controller alone first, then one batch per rack; the play
    runs the flattened batches with serial set to their sizes."""
    racks = "abcabc"
    nodes = [node("c%d" % i, i, C, stale=["/etc/kafka/server.properties"]) for i in (1, 2, 3)]
    nodes += [node("b%d" % i, 10 + i, B, rack="rack-" + racks[i - 1], stale=["/etc/kafka/server.properties"]) for i in range(1, 7)]
    plan = r.build_plan("restart", nodes, active_controller=2, batch="rack")
    (phase,) = plan["phases"]
    assert phase["name"] == "restart"
    assert phase["batches"] == [["c1"], ["c3"], ["c2"], ["b1", "b4"], ["b2", "b5"], ["b3", "b6"]]
    assert [len(b) for b in phase["batches"]] == [1, 1, 1, 2, 2, 2]
    assert all(n["action"] == "restart" for n in phase["nodes"])
    # One at a time unless asked: the default batch is 1.
    assert [len(b) for b in r.build_plan("restart", nodes, active_controller=2)["phases"][0]["batches"]] == [1] * 9


def test_phase_serial_follows_the_plan_batches():
    # Controllers one at a time, the four brokers two by two (the restart batches of the 3 + 4 layout below).
    plan = r.build_plan("restart", [dict(n, service=dict(n["service"], stale=["server.properties"])) for n in KRAFT_7],
                        active_controller=2, batch=2)
    serial = r.phase_serial(plan, "restart")
    assert serial == {"hosts": ["c1", "c3", "c2", "b4", "b5", "b6", "b7"], "serial": [1, 1, 1, 2, 2]}
    assert r.phase_serial(plan, "upgrade") == {"hosts": [], "serial": [1]}
    assert r.phase_serial({}, "restart") == {"hosts": [], "serial": [1]}


TESTED = [{"mode": "kraft", "from": "3.7.0", "to": "4.3.1", "by": "make matrix"},
          {"mode": "kraft", "from": "3.5.2", "to": "3.9.2", "by": "upgrade-kraft"},
          {"mode": "kraft", "from": "3.5.0", "to": "4.3.1", "by": "make matrix"},
          {"mode": "zookeeper", "from": "2.8.2", "to": "3.4.1", "by": "upgrade-zk"}]


@pytest.mark.parametrize("running, target, mode, expected", [
    # the same lines as a test: patches do not matter
    (["3.7.2", "3.7.2", "3.7.2"], "4.3.0", "kraft", []),
    (["3.5.1"], "3.9.1", "kraft", []),
    # nodes already on the target's line are no path; a mixed cluster has one path per line
    (["4.3.0", "3.7.1"], "4.3.1", "kraft", []),
    (["3.6.2", "3.7.0"], "4.3.1", "kraft", ["3.6 to 4.3"]),
    (["3.5.2"], "4.0.0", "kraft", ["3.5 to 4.0 (from 3.5 the tested targets are 3.9, 4.3)"]),
    # the mode is part of the path
    (["2.8.2"], "3.4.1", "zookeeper", []),
    (["2.8.2"], "3.4.1", "kraft", ["2.8 to 3.4"]),
    (["2.8.2"], "3.9.2", "zookeeper", ["2.8 to 3.9 (from 2.8 the tested targets are 3.4)"]),
    ([], "4.3.1", "kraft", []),
])
def test_untested_paths(running, target, mode, expected):
    found = r.untested_paths(running, target, mode, TESTED)
    assert [re.search(r"upgrade from (.*?): the collection", f).group(1) for f in found] == expected
    assert all(f.startswith("No test ran a %s upgrade" % ("KRaft" if mode == "kraft" else "ZooKeeper-mode")) for f in found)
    assert all(f.endswith("rehearse it on a copy of the cluster first.") for f in found)
