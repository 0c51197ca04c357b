"""Plan mode: a --check run prints the plan and writes it as JSON on the controller, and the plays after the
preflight (which all target the in-memory roll groups) have no hosts, the summary included."""
import json

from conftest import REPO, local_inventory

# The preflight's facts as rolling_upgrade/tasks/preflight.yml and cluster.yml leave them, then the plan, then the
# playbooks that follow every preflight: with nothing in _kafka_roll they must run on no host at all.
PLAYBOOK = """
- hosts: kafka
  gather_facts: false
  vars:
    _kafka_upgrade_direction: up
    _kafka_zk_mode: false
  tasks:
    - ansible.builtin.set_fact:
        __kafka_upgrade_running: {active: true, version: "3.8.1", java_home: /jdk17, stale: [], started: 1.0}
        _kafka_upgrade_running_version: "3.8.1"
        _kafka_upgrade_running_java: /jdk17
        _kafka_upgrade_record: {}
        _kafka_upgrade_active: true
    - ansible.builtin.set_fact:
        _kafka_upgrade_nodes: "{{ ansible_play_hosts | streamops.kafka.roll_nodes(hostvars, groups['kafka_brokers'], groups['kafka_controllers']) }}"
        _kafka_upgrade_controller: 2
        __kafka_upgrade_cluster: {at_risk: {rf1: [], single_isr: [], rf_below_min_isr: []}}
      run_once: true
    - ansible.builtin.include_role:
        name: streamops.kafka.rolling_upgrade
        tasks_from: plan

- name: After the preflight
  ansible.builtin.import_playbook: REPO_DIR/playbooks/stop_all.yml
  vars:
    _kafka_stop_all_to: to
    kafka_upgrade_strategy: stop_all

- name: The ZooKeeper roll
  ansible.builtin.import_playbook: REPO_DIR/playbooks/zookeeper_roll.yml

- name: Any roll play
  hosts: "{{ groups['_kafka_roll'] | default([]) | map('extract', hostvars, '_kafka_upgrade_order') | first | default([]) }}"
  gather_facts: false
  tasks:
    - ansible.builtin.fail:
        msg: a play after the plan ran

- name: Summary
  ansible.builtin.import_playbook: REPO_DIR/playbooks/summary.yml
"""


def run_three_nodes(run_playbook, tmp_path, text, check=False, **extra_vars):
    """Run text (a playbook, REPO_DIR for the working tree) on three combined local nodes; return its output."""
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(text.replace("REPO_DIR", str(REPO)))
    rc, out = run_playbook(playbook, local_inventory(["n1", "n2", "n3"], ["n1", "n2", "n3"]), extra_vars=extra_vars, check=check)
    assert rc == 0, out
    return out


def test_check_mode_plans_writes_the_plan_and_runs_no_later_play(run_playbook, tmp_path):
    plan_file = tmp_path / "plan.json"
    out = run_three_nodes(run_playbook, tmp_path, PLAYBOOK, check=True, kafka_upgrade_finalize=True, kafka_upgrade_plan_file=str(plan_file))
    plan = json.loads(plan_file.read_text())
    assert plan["order"] == ["n1", "n3", "n2"] and plan["irreversible"] == "finalize"
    assert [(n["host"], n["action"], n["reasons"]) for n in plan["phases"][0]["nodes"]] == [
        (h, "restart", ["runs version 3.8.1 not 3.9.2"]) for h in ("n1", "n3", "n2")]
    assert "point of no return: phase finalize; rollback.yml refuses after it" in out
    assert "Check mode: plan written to %s" % plan_file in out
    # No test runs 3.8 -> 3.9 in KRaft mode (roles/rolling_upgrade/files/tested_upgrade_paths.json): the plan goes on, warned.
    assert "WARNING: No test ran a KRaft upgrade from 3.8 to 3.9" in " ".join(out.split()), out
    assert "a play after the plan ran" not in out
    # The three stop_all plays, the ZooKeeper roll, the roll play and the summary: every one without hosts.
    assert out.count("skipping: no hosts matched") == 6, out


# A real run: the roll group holds the hosts and each left its summary entry; the summary sets them beside the plan.
REAL_RUN = PLAYBOOK.split("- name: After the preflight")[0] + """
    - ansible.builtin.add_host:
        name: "{{ item }}"
        groups: _kafka_roll
      loop: "{{ _kafka_upgrade_plan.order }}"
      run_once: true
      changed_when: false
    - ansible.builtin.set_fact:
        _kafka_upgrade_order: "{{ _kafka_upgrade_plan.order }}"
        _kafka_roll_summary:
          - {host: "{{ inventory_hostname }}", phase: upgrade, action: "{{ 'verified' if inventory_hostname == 'n3' else 'restarted' }}",
             started_at: 1, ended_at: "{{ kafka_node_id | int * 100 + 50 }}", stop_s: 5, start_s: 30, gate_after_s: 5,
             restart_window: "{{ [] if inventory_hostname == 'n3' else [kafka_node_id | int * 100, kafka_node_id | int * 100 + 40] }}"}

- name: Summary
  ansible.builtin.import_playbook: REPO_DIR/playbooks/summary.yml
"""


def test_the_summary_sets_the_plan_beside_what_happened(run_playbook, tmp_path):
    summary_file = tmp_path / "summary.json"
    out = run_three_nodes(run_playbook, tmp_path, REAL_RUN, kafka_upgrade_plan_file=str(tmp_path / "plan.json"),
                          kafka_upgrade_summary_file=str(summary_file))
    comparison = json.loads(summary_file.read_text())["plan_vs_actual"]
    assert [(r["host"], r["planned"], r["actual"], r["as_planned"]) for r in comparison["rows"]] == [
        ("n1", "restart", "restarted", True), ("n3", "restart", "verified", False), ("n2", "restart", "restarted", True)]
    assert (comparison["estimate_s"], comparison["roll_window_s"]) == (135, 150.0)
    assert "upgrade n3: planned restart, actual verified (DIFFERS)" in out
    assert "1 difference(s); estimate 135 s (defaults: 45 s a restart, 5 s a verify), roll window 150.0 s" in out
