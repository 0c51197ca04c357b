"""The roll filters: thin over _roll, documented, and usable from a playbook where Jinja hands them strings."""
import json
import sys

import pytest
from ansible.errors import AnsibleFilterError
from conftest import REPO
from ansible_collections.streamops.kafka.plugins.filter import roll


def test_every_filter_has_its_documentation():
    names = sorted(roll.FilterModule().filters())
    assert names == sorted(roll.FILTERS)
    assert [n for n in names if not (REPO / "plugins" / "filter" / ("%s.yml" % n)).exists()] == []


@pytest.mark.parametrize("name, args, message", [
    ("propose_batches", ([1, 2], 0), "propose_batches: batch must be a positive number"),
    ("roll_order", ([{"host": "a"}],), "roll_order: 'node_id'"),
    ("roll_plan", ([], "resize"), "roll_plan: kind must be one of restart, rollback, upgrade"),
], ids=["bad-batch", "missing-id", "bad-kind"])
def test_bad_input_is_a_filter_error(name, args, message):
    with pytest.raises(AnsibleFilterError, match=message):
        roll.FilterModule().filters()[name](*args)


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    nodes:
      - {host: n1, node_id: "1", roles: "broker,controller", active: true}
      - {host: n2, node_id: "2", roles: "broker,controller", active: true}
      - {host: b10, node_id: "10", roles: [broker], active: true}
      - {host: b9, node_id: "9", roles: [broker], active: false}
  tasks:
    - ansible.builtin.debug:
        msg: "RESULT {{ {
          'order': nodes | streamops.kafka.roll_order('1', false),
          'batches': ['9', '2', '10', '1'] | streamops.kafka.propose_batches('2', {'9': 'a', '10': 'a'}, ['1']),
          'reasons': {'active': true, 'version': '3.8.1', 'java_home': '/jdk17', 'stale': []}
                     | streamops.kafka.restart_reasons('3.9.1', ''),
          'entry': '1000' | streamops.kafka.summary_entry('1010', '1015', '1045', '1050', 'True'),
          'stopped': nodes | streamops.kafka.stopped_check('rolling'),
          'pin': ['', '3.8', '3.9'] | streamops.kafka.protocol_pin(['3.9.1']),
        } | to_json }}"
"""


def test_filters_from_a_playbook(run_playbook, tmp_path):
    playbook = tmp_path / "roll.yml"
    playbook.write_text(PLAYBOOK)
    inventory = {"all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}
    rc, out = run_playbook(playbook, inventory)
    assert rc == 0, out
    line = next(line for line in out.splitlines() if '"msg": "RESULT ' in line)
    result = json.loads(json.loads(line.split('"msg": ', 1)[1])[len("RESULT "):])
    assert result == {
        "order": ["b9", "n2", "n1", "b10"],
        "batches": [[9, 2], [10], [1]],
        "reasons": ["runs version 3.8.1 not 3.9.1"],
        "entry": {"started_at": 1000.0, "ended_at": 1050.0, "gate_before_s": 10.0, "stop_s": 5.0, "start_s": 30.0, "gate_after_s": 5.0,
                  "restart_window": [1010.0, 1045.0], "total_s": 50.0},
        "stopped": None,
        "pin": "3.8",
    }


def test_roll_nodes_reads_each_host_for_the_planner():
    # Host variables as Jinja hands them over: strings where the inventory had numbers and booleans.
    hostvars = {"c1": {"kafka_node_id": "1", "_kafka_upgrade_active": "True"},
                "b101": {"kafka_node_id": 101, "_kafka_upgrade_active": False},
                "n7": {"kafka_node_id": "7", "_kafka_upgrade_active": True}}
    nodes = roll.FilterModule().filters()["roll_nodes"](["c1", "b101", "n7"], hostvars, ["b101", "n7"], ["c1", "n7"])
    assert nodes == [{"host": "c1", "node_id": 1, "active": True, "roles": ["controller"]},
                     {"host": "b101", "node_id": 101, "active": False, "roles": ["broker"]},
                     {"host": "n7", "node_id": 7, "active": True, "roles": ["broker", "controller"]}]
    # Stopped first, then the controller-only node, then the combined one.
    assert roll.FilterModule().filters()["roll_order"](nodes, 1) == ["b101", "c1", "n7"]


def test_plan_nodes_adds_what_the_preflight_read():
    running = {"changed": False, "active": True, "pid": 7, "version": "3.8.1", "java_home": "/jdk17", "started": 12.5, "stale": []}
    hostvars = {"n1": {"__kafka_upgrade_running": running, "_kafka_upgrade_running_version": "3.8.1", "_kafka_upgrade_running_java": "/jdk17",
                       "_kafka_upgrade_record": {"from_version": "3.7.2"}, "_kafka_ibp_in_place": "3.7", "kafka_broker_rack": "a"},
                "n2": {"__kafka_upgrade_running": dict(running, active=False, version=""), "_kafka_upgrade_running_version": "3.8.1",
                       "_kafka_upgrade_running_java": "/jdk17"}}
    filters = roll.FilterModule().filters()
    nodes = filters["plan_nodes"]([{"host": "n1", "node_id": 1, "active": True, "roles": ["broker"]},
                                   {"host": "n2", "node_id": 2, "active": False, "roles": ["broker"]}], hostvars)
    assert nodes[0] == {"host": "n1", "node_id": 1, "active": True, "roles": ["broker"], "running_version": "3.8.1", "running_java": "/jdk17",
                        "service": {"active": True, "version": "3.8.1", "java_home": "/jdk17", "stale": [], "started": 12.5},
                        "record": {"from_version": "3.7.2"}, "pin_in_place": "3.7", "rack": "a"}
    assert (nodes[1]["record"], nodes[1]["pin_in_place"], nodes[1]["rack"]) == ({}, "", "")
    plan = filters["roll_plan"](nodes, "upgrade", active_controller=1, target_version="3.8.1")
    assert [(n["host"], n["action"], n["reasons"]) for n in plan["phases"][0]["nodes"]] == [("n2", "restart", ["stopped"]), ("n1", "verify", [])]
