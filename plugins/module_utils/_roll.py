# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roll planner: which nodes restart and why, in which order and batches, with which protocol pins, and what
a roll costs. Pure functions over plain data (service_info results, partition states, summary entries): no I/O,
everything in and out JSON-serialisable, so every rule is unit-tested and a plan can be read before anything changes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.streamops.kafka.plugins.module_utils._health import risky_partitions

# Estimates when no measured restart time is given: a stop, start and catch-up; a node only checked.
DEFAULT_RESTART_S = 45
DEFAULT_VERIFY_S = 5

KINDS = {'upgrade': 'up', 'rollback': 'down', 'restart': 'none'}
STRATEGIES = ('rolling', 'stop_all')


# --- plain values from Jinja ------------------------------------------------------------------

def flag(value):
    """A boolean that may arrive from Jinja as a string."""
    if isinstance(value, str):
        return value.strip().lower() in ('1', 'true', 'yes', 'on')
    return bool(value)


def _node_id(value):
    """A node id as int; None, '' and -1 mean none."""
    if value is None or value == '':
        return -1
    return int(value)


def _roles(node):
    """Roles as a list, from a list or Kafka's comma-separated process.roles."""
    roles = node.get('roles') or []
    if isinstance(roles, str):
        roles = roles.split(',')
    return [r.strip() for r in roles]


def _distinct(values):
    """Non-empty values, first occurrence kept (Jinja's select | unique)."""
    out = []
    for value in values or []:
        value = (value or '').strip()
        if value and value not in out:
            out.append(value)
    return out


# --- versions and protocol pins -------------------------------------------------------------

def _version_key(version):
    """Dotted numbers as a tuple: 2.8 < 3.0 < 3.0.1 < 3.10."""
    return tuple(int(n) for n in re.findall(r'\d+', str(version or '')))


def _pin_key(pin):
    """A protocol pin compared as the Jinja did: the -IVn suffix dropped."""
    return _version_key(re.sub(r'-IV.*$', '', str(pin or '')))


def release(version):
    """major.minor of a major.minor.patch version; anything else as it is."""
    return re.sub(r'^([0-9]+\.[0-9]+)\..*$', r'\1', str(version or ''))


def untested_paths(running_versions, target_version, mode, tested):
    """The upgrade paths of a run that no test ran, one sentence each (an empty list when every one was tested).

    running_versions: the releases the nodes run now; target_version: the release they go to; mode: 'kraft' or
    'zookeeper'; tested: [{'mode', 'from', 'to', 'by'}], the paths make matrix and the scenarios ran (the rolling_upgrade
    role's files/tested_upgrade_paths.json). Paths compare by release line (major.minor): a test from 3.7.0 to 4.3.1
    covers 3.7.2 to 4.3.0. A node already on the target's line is no path."""
    target = release(target_version)
    done = {}
    for path in tested or []:
        done.setdefault((path.get('mode'), release(path.get('from'))), set()).add(release(path.get('to')))
    out = []
    for line in sorted(set(release(v) for v in running_versions if v), key=_version_key):
        targets = done.get((mode, line), set())
        if line == target or target in targets:
            continue
        others = sorted(targets, key=_version_key)
        out.append('No test ran a %s upgrade from %s to %s%s: the collection allows it, but rehearse it on a copy of the cluster '
                   'first.' % ('KRaft' if mode == 'kraft' else 'ZooKeeper-mode', line, target,
                               ' (from %s the tested targets are %s)' % (line, ', '.join(others)) if others else ''))
    return out


def protocol_pin(pins_in_place, running_versions):
    """The cluster's inter-broker protocol pin for a ZooKeeper-mode roll.

    The lowest pin in place (the first of equal ones), else the major.minor of the oldest running version.
    """
    pins = _distinct(pins_in_place)
    if pins:
        return min(pins, key=_pin_key)
    versions = _distinct(running_versions)
    return release(min(versions, key=_version_key)) if versions else ''


def host_pin(pin_in_place, cluster_pin):
    """One broker's pin: its own when higher than the cluster's (raised by an interrupted finalize), never lower."""
    own = (pin_in_place or '').strip()
    if own and _pin_key(own) > _pin_key(cluster_pin):
        return own
    return cluster_pin


def pins_consistent(pins_in_place, direction, target_release):
    """Whether the brokers' pins may roll: one pin, or two only mid-finalize of an upgrade to target_release."""
    pins = _distinct(pins_in_place)
    return len(pins) <= 1 or (len(pins) == 2 and direction == 'up' and target_release in pins)


# --- restarts and order ---------------------------------------------------------------------

def restart_reasons(service, target_version, target_java_home=''):
    """Why a node must restart to run target_version on target_java_home; empty when it already does.

    service: a service_info result (active, version, java_home, stale). A stopped node has no version, Java or
    start time to compare, so 'stopped' is its only reason. The Java home counts only when one is asked for.
    """
    if not flag(service.get('active')):
        return ['stopped']
    reasons = []
    version = service.get('version') or ''
    if str(version) != str(target_version or ''):
        reasons.append('runs version %s not %s' % (version or 'unknown', target_version))
    java_home = service.get('java_home') or ''
    if target_java_home and java_home != target_java_home:
        reasons.append('runs Java %s not %s' % (java_home or 'unknown', target_java_home))
    stale = list(service.get('stale') or [])
    if stale:
        reasons.append('config changed since start: %s' % ', '.join(stale))
    return reasons


def _role_class(roles, zk_mode):
    """0 controller-only, 1 combined, 2 broker-only; ZooKeeper mode has no KRaft controllers."""
    if 'broker' not in roles:
        return 0
    return 1 if 'controller' in roles and not zk_mode else 2


def roll_order(nodes, active_controller=None, zk_mode=False):
    """Hosts in roll order: stopped first (heal before touching others), then controller-only, combined and
    broker-only nodes, the active controller last in its class, then node id (numerically), then host name.

    nodes: [{host, node_id, roles, active}]; active_controller: the KRaft quorum leader, or in ZooKeeper mode the
    controller broker id.
    """
    controller = _node_id(active_controller)
    zk = flag(zk_mode)

    def key(node):
        node_id = int(node['node_id'])
        return (1 if flag(node.get('active', True)) else 0, _role_class(_roles(node), zk),
                1 if node_id == controller else 0, node_id, node['host'])
    return [node['host'] for node in sorted(nodes, key=key)]


def zookeeper_order(members, leader):
    """ZooKeeper members by host name, the leader (members' 'address' host:port equal to leader) last."""
    return [m['host'] for m in sorted(members, key=lambda m: (1 if m.get('address') == leader else 0, m['host']))]


def stopped_check(nodes, strategy='rolling'):
    """Why a roll must not start: more than one node stopped (stop_all starts them all anyway); None if it may."""
    stopped = [n['host'] for n in nodes if not flag(n.get('active', True))]
    if len(stopped) <= 1 or strategy == 'stop_all':
        return None
    return ('Kafka is stopped on %s. A roll resumes with one stopped node (it starts it first), never with more: start them, '
            'or let site.yml start them, and check the cluster before rolling.' % ', '.join(stopped))


def partition_risks(states):
    """Partitions at risk in any restart: RF 1, a single in-sync replica, and RF below min.insync.replicas.

    The last is a standing condition (acks=all writes always fail there): gates take those labels as accepted
    (_health.cluster_problems / set_stop_blockers accept=) instead of waiting on them forever.
    """
    return risky_partitions(states)


# --- batches --------------------------------------------------------------------------------

def _batch_size(batch):
    if str(batch) == 'rack':
        return 'rack'
    size = int(batch)
    if size < 1:
        raise ValueError('batch must be a positive number or "rack", got %r' % (batch,))
    return size


def _group(run, size, racks):
    """Split a run of node ids into batches of size, or by rack (a rack's batch stands where its first node was)."""
    if size != 'rack':
        return [run[i:i + size] for i in range(0, len(run), size)]
    groups, where = [], {}
    for node in run:
        rack = racks.get(node)
        if rack in (None, ''):
            groups.append([node])
        elif rack in where:
            groups[where[rack]].append(node)
        else:
            where[rack] = len(groups)
            groups.append([node])
    return groups


def propose_batches(brokers, batch=1, racks=None, alone=()):
    """Node ids (in roll order) grouped into batches that stop together: 1 (one at a time), N, or 'rack'.

    Nodes in alone (the active controller, a stopped node, KRaft voters) always form a batch of their own and no
    batch reaches across one, so the roll order holds between batches. With 'rack', nodes without a rack go one
    at a time. Only a proposal: the stop gate right before the stop decides (largest_safe_prefix).
    """
    size = _batch_size(batch)
    single = set(_node_id(a) for a in alone)
    rack_of = dict((int(k), v) for k, v in (racks or {}).items())
    batches, run = [], []
    for node in [int(b) for b in brokers]:
        if node in single:
            batches.extend(_group(run, size, rack_of))
            batches.append([node])
            run = []
        else:
            run.append(node)
    batches.extend(_group(run, size, rack_of))
    return batches


def batch_stoppers(members):
    """Which nodes of one serial batch of a roll stop together behind the set-wide gate, as node ids.

    members: [{node_id, restart, roles, active}] for every host of the batch (restart: its config or version is off
    target; active: running right before its turn). Only in a batch of more than one host, and only the brokers
    that restart and run; the planner keeps voters, the active controller and stopped nodes out of such batches,
    and a node that stopped or needs no restart since the plan goes its own way (its own gates, or none).
    """
    if len(members) < 2:
        return []
    return [int(m['node_id']) for m in members
            if flag(m.get('restart')) and flag(m.get('active')) and 'broker' in _roles(m)]


def phase_serial(plan, phase):
    """How a play runs a phase of the plan in its batches: {hosts: the phase's hosts in batch order, serial: the
    batch sizes}, for a play's hosts: and serial: keywords. A plan without the phase gives no hosts."""
    batches = ([p['batches'] for p in plan.get('phases', []) if p['name'] == phase] + [[]])[0]
    return {'hosts': [host for batch in batches for host in batch], 'serial': [len(batch) for batch in batches] or [1]}


def largest_safe_prefix(batch, is_safe):
    """The longest leading part of batch that is_safe (a predicate over a list of ids) accepts.

    A batch the gate refuses is split instead of waited on; a single node is returned as it is, and the caller
    waits on it as for a one-at-a-time roll. The rest of the batch is judged again after this part is back.
    """
    for size in range(len(batch), 1, -1):
        if is_safe(list(batch[:size])):
            return list(batch[:size])
    return list(batch[:1])


# --- the summary ----------------------------------------------------------------------------

def summary_entry(t0, t_stop, t_start, t_up, t_end, restarted):
    """The timing keys of a node's summary entry, from the timestamps roll_node.yml notes (epoch seconds).

    t0: decision; t_stop: gate passed, stop begins; t_start: process gone, start begins; t_up: back, gates after
    begin; t_end: gates after passed. Without a restart only the gates after count (t_stop and t_start unused).
    """
    t0, t_up, t_end = float(t0), float(t_up), float(t_end)
    entry = {
        'started_at': round(t0, 3),
        'ended_at': round(t_end, 3),
        'gate_after_s': round(t_end - t_up, 3),
        'total_s': round(t_end - t0, 3),
        'gate_before_s': 0,
        'stop_s': 0,
        'start_s': 0,
        'restart_window': [],
    }
    if flag(restarted):
        t_stop, t_start = float(t_stop), float(t_start)
        entry.update(gate_before_s=round(t_stop - t0, 3), stop_s=round(t_start - t_stop, 3), start_s=round(t_up - t_start, 3),
                     restart_window=[round(t_stop, 3), round(t_up, 3)])
    return entry


def _restart_cost(entry):
    return float(entry.get('stop_s', 0)) + float(entry.get('start_s', 0)) + float(entry.get('gate_after_s', 0))


def _batch_key(batches, entry, index):
    """Which batch an entry restarted in: batches is a list of host lists (every phase) or {phase: [host lists]};
    without batches, the hosts the entry itself says stopped with it (its 'batch'), else the entry alone."""
    phase = entry.get('phase')
    if batches is None:
        together = entry.get('batch') or []
        return (phase, tuple(sorted(together))) if len(together) > 1 else (phase, 'alone', index)
    lists = (batches.get(phase) or []) if isinstance(batches, dict) else batches
    for number, hosts in enumerate(lists):
        if entry.get('host') in hosts:
            return (phase, number)
    return (phase, 'alone', index)


def batch_totals(entries, batches=None):
    """Per batch of restarted entries, in the order they stopped: its phase, nodes, and the slowest node's gate,
    stop, start and catch-up seconds."""
    groups, order = {}, []
    for index, entry in enumerate(e for e in entries if e.get('action') == 'restarted'):
        key = _batch_key(batches, entry, index)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(entry)
    result = []
    for key in order:
        members = groups[key]
        result.append({
            'phase': key[0],
            'nodes': [e.get('host') for e in members],
            'gate_s': max(float(e.get('gate_before_s', 0)) for e in members),
            'stop_s': max(float(e.get('stop_s', 0)) for e in members),
            'start_s': max(float(e.get('start_s', 0)) for e in members),
            'catch_up_s': max(float(e.get('gate_after_s', 0)) for e in members),
            'restart_s': round(max(_restart_cost(e) for e in members), 3),
            'started_at': min(float(e.get('started_at', 0)) for e in members),
        })
    return sorted(result, key=lambda b: b['started_at'])


def roll_totals(entries, batches=None):
    """Roll totals over summary entries.

    restarts and restart_time_s (stop + start + catch-up summed over restarted entries) as summary.yml wrote them;
    roll_window_s: first stop to the last restarted node's gates passed; restart_floor_s: what the restarts cost
    at the least, the slowest node's stop + start + catch-up summed over batches (batch_totals; each restarted
    entry its own batch unless batches or its own 'batch' say otherwise); overhead_ratio: roll_window_s /
    restart_floor_s (None when the floor is 0); batches: batch_totals.
    """
    restarted = [e for e in entries if e.get('action') == 'restarted']
    time_s = (sum(float(e['stop_s']) for e in restarted) + sum(float(e['start_s']) for e in restarted)
              + sum(float(e['gate_after_s']) for e in restarted))
    windows = [e for e in restarted if e.get('restart_window')]
    window_s = 0
    if windows:
        window_s = round(max(float(e['ended_at']) for e in windows) - min(float(e['restart_window'][0]) for e in windows), 3)
    per_batch = batch_totals(entries, batches)
    floor_s = round(sum(b['restart_s'] for b in per_batch), 3)
    return {
        'restarts': len(restarted),
        'restart_time_s': round(time_s, 3),
        'roll_window_s': window_s,
        'restart_floor_s': floor_s,
        'overhead_ratio': round(window_s / floor_s, 3) if floor_s > 0 else None,
        'batches': per_batch,
    }


# --- the plan -------------------------------------------------------------------------------

class _Estimator(object):
    """Seconds a restart or a verify takes: measured per host when given, else the defaults."""

    def __init__(self, restart_seconds):
        self.given = restart_seconds
        if restart_seconds is None:
            self.basis = 'defaults: %d s a restart, %d s a verify' % (DEFAULT_RESTART_S, DEFAULT_VERIFY_S)
        else:
            self.basis = 'given restart seconds (%d s where none is given), %d s a verify' % (DEFAULT_RESTART_S, DEFAULT_VERIFY_S)

    def node(self, host, action):
        if action != 'restart':
            return DEFAULT_VERIFY_S
        if isinstance(self.given, dict):
            return float(self.given.get(host, DEFAULT_RESTART_S))
        return DEFAULT_RESTART_S if self.given is None else float(self.given)


class _Cluster(object):
    """What every node runs as the plan goes: each phase that restarts a node leaves it on that phase's target."""

    def __init__(self, services, pins):
        self.services = dict((host, dict(service)) for host, service in services.items())
        self.pins = dict(pins)

    def reasons(self, host, version, java_home, pin=None):
        reasons = restart_reasons(self.services[host], version, java_home)
        if pin is not None and pin != self.pins.get(host, ''):
            reasons.append('inter.broker.protocol.version %s, was %s' % (pin or 'unset', self.pins.get(host) or 'unset'))
        return reasons

    def restarted(self, host, version, java_home, pin=None):
        before = self.services[host]
        self.services[host] = {'active': True, 'version': version, 'java_home': java_home or before.get('java_home', ''), 'stale': []}
        if pin is not None:
            self.pins[host] = pin


def _node_entry(node, action, reasons, version, java_home, pin):
    entry = {'host': node['host'], 'action': action, 'reasons': reasons, 'version': version, 'java_home': java_home}
    if 'node_id' in node:
        entry['node_id'] = int(node['node_id'])
    if pin is not None:
        entry['pin'] = pin
    return entry


def _phase(name, mode, service, description, batches, nodes, pins, estimator, irreversible=False):
    by_host = dict((n['host'], n) for n in nodes)
    if mode == 'cluster_step':
        seconds = DEFAULT_VERIFY_S
    elif mode == 'all_at_once':
        seconds = max([estimator.node(n['host'], n['action']) for n in nodes] or [0])
    else:
        seconds = sum(max(estimator.node(h, by_host[h]['action']) for h in batch) for batch in batches)
    return {'name': name, 'mode': mode, 'service': service, 'description': description, 'batches': batches,
            'nodes': [by_host[h] for batch in batches for h in batch], 'pins': pins, 'irreversible': irreversible,
            'estimate_s': seconds}


def _roll(cluster, order, nodes, target, pin_of):
    """Each node's action in a gated roll to target(node) -> (version, java_home), with the pin pin_of(host)."""
    entries = []
    for host in order:
        version, java_home = target(nodes[host])
        pin = pin_of(host)
        reasons = cluster.reasons(host, version, java_home, pin)
        if reasons:
            cluster.restarted(host, version, java_home, pin)
        entries.append(_node_entry(nodes[host], 'restart' if reasons else 'verify', reasons, version, java_home, pin))
    return entries


def _all_at_once(cluster, order, nodes, target, pin_of):
    """stop_all: when any node is off target every one stops, together."""
    planned = [(host, target(nodes[host]), pin_of(host)) for host in order]
    why = dict((host, cluster.reasons(host, v, j, pin)) for host, (v, j), pin in planned)
    any_off = any(why.values())
    entries = []
    for host, (version, java_home), pin in planned:
        reasons = why[host] or (['stops with the others (stop_all)'] if any_off else [])
        if any_off:
            cluster.restarted(host, version, java_home, pin)
        entries.append(_node_entry(nodes[host], 'restart' if any_off else 'verify', reasons, version, java_home, pin))
    return entries


def _zookeeper_phases(zookeeper, strategy, estimator):
    """The ensemble's phases of an upgrade: members off target restart at once while every broker is down
    (stop_all), then the gated roll, leader last, which only verifies what stop_all already restarted."""
    members = dict((m['host'], m) for m in zookeeper.get('members') or [])
    order = zookeeper_order(list(members.values()), zookeeper.get('leader'))
    version = zookeeper.get('target_version', '')
    cluster = _Cluster(dict((h, m.get('service') or {}) for h, m in members.items()), {})
    phases = []
    if strategy == 'stop_all':
        entries = _roll(cluster, order, members, lambda m: (version, ''), lambda host: None)
        phases.append(_phase('stop_all_zookeeper', 'all_at_once', 'zookeeper', 'while every broker is down: restart the ZooKeeper members '
                             'off target at once', [order], entries, {}, estimator))
    batches = [[host] for host in order]
    entries = _roll(cluster, order, members, lambda m: (version, ''), lambda host: None)
    phases.append(_phase('zookeeper', 'rolling', 'zookeeper', 'roll the ZooKeeper ensemble, leader last', batches, entries, {}, estimator))
    return phases


def _running(node):
    return node.get('running_version', ''), node.get('running_java', '')


def _previous(node):
    record = node.get('record') or {}
    return record.get('from_version', ''), record.get('from_java_home', '')


def build_plan(kind, nodes, zk_mode=False, active_controller=None, target_version='', target_java_home='', strategy='rolling',
               finalize=False, metadata_version='', batch=1, states=None, zookeeper=None, restart_seconds=None,
               at_risk=None):
    """What a roll will do, as data: phases, batches, each node's action and why, pins, risks, errors, estimate.

    kind: upgrade, rollback or restart. nodes: [{host, node_id, roles, service (service_info result), running_version,
    running_java (what preflight remembered), record ({from,to}_{version,java_home}, rollback only), pin_in_place
    (ZooKeeper mode), rack}]. target_version / target_java_home: the upgrade's target. zookeeper (ZooKeeper-mode
    upgrade or restart): {leader: 'host:port', target_version, members: [{host, address, service}]}. states: _health partition
    states for the risks; at_risk: the risks as kafka_info reports them, used when no states are given.
    restart_seconds: seconds a restart takes, one number or {host: seconds}.
    """
    if kind not in KINDS:
        raise ValueError('kind must be one of %s, got %r' % (', '.join(sorted(KINDS)), kind))
    if strategy not in STRATEGIES:
        raise ValueError('strategy must be rolling or stop_all, got %r' % (strategy,))
    zk, direction, estimator = flag(zk_mode), KINDS[kind], _Estimator(restart_seconds)
    # restart.yml always rolls, whatever the strategy.
    stop_all = strategy == 'stop_all' and kind != 'restart'
    nodes = [dict(n, active=flag((n.get('service') or {}).get('active')), node_id=int(n['node_id'])) for n in nodes]
    by_host = dict((n['host'], n) for n in nodes)
    order = roll_order(nodes, active_controller, zk)
    controller = _node_id(active_controller)
    target_release = release(target_version)

    in_place = [n.get('pin_in_place') for n in nodes]
    cluster_pin = protocol_pin(in_place, [n.get('running_version') for n in nodes]) if zk else None
    pins = dict((h, host_pin(by_host[h].get('pin_in_place'), cluster_pin)) for h in order) if zk else {}
    errors = [e for e in [stopped_check(nodes, strategy)] if e]
    if zk and not pins_consistent(in_place, direction, target_release):
        errors.append('the brokers pin different inter-broker protocol versions (%s): only an interrupted finalize to %s may leave two'
                      % (', '.join(_distinct(in_place)), target_release))

    # Voters, a stopped node and the active controller stop alone: their gates judge one node.
    alone = [n['node_id'] for n in nodes if not n['active'] or n['node_id'] == controller or (not zk and 'controller' in _roles(n))]
    host_of = dict((n['node_id'], n['host']) for n in nodes)
    racks = dict((n['node_id'], n.get('rack')) for n in nodes)
    batches = [[host_of[i] for i in b] for b in propose_batches([by_host[h]['node_id'] for h in order], batch, racks, alone)]

    cluster = _Cluster(dict((h, n.get('service') or {}) for h, n in by_host.items()),
                       dict((h, (n.get('pin_in_place') or '').strip()) for h, n in by_host.items()))

    def to_target(node):
        return target_version, target_java_home

    def pin_of(host):
        return pins[host] if zk else None

    phases = []

    def roll(name, description, target, pin=pin_of, irreversible=False):
        entries = _roll(cluster, order, by_host, target, pin)
        rendered = dict((e['host'], e['pin']) for e in entries if 'pin' in e)
        phases.append(_phase(name, 'rolling', 'kafka', description, batches, entries, rendered, estimator, irreversible))

    if stop_all:
        entries = _all_at_once(cluster, order, by_host, to_target if kind == 'upgrade' else _previous, pin_of)
        phases.append(_phase('stop_all', 'all_at_once', 'kafka', 'stop every node, then start them all on the target (downtime)', [order],
                             entries, dict((h, pins[h]) for h in order) if zk else {}, estimator))
    if kind == 'upgrade':
        # ZooKeeper before the brokers; with stop_all its members restart while the brokers are down.
        if zk and zookeeper:
            phases.extend(_zookeeper_phases(zookeeper, strategy, estimator))
        if zk and not stop_all:
            roll('pin', 'pin inter.broker.protocol.version to what the cluster speaks (%s), on the versions running now' % cluster_pin, _running)
        roll('upgrade', 'move every node to %s' % target_version, to_target)
        if flag(finalize) and zk:
            roll('finalize', 'raise inter.broker.protocol.version to %s on every broker' % target_release, to_target,
                 lambda host: target_release, True)
        elif flag(finalize):
            level = metadata_version or target_release
            phases.append(_phase('finalize', 'cluster_step', 'kafka', 'raise metadata.version to %s once, cluster-wide' % level,
                                 [], [], {'metadata.version': level}, estimator, True))
    elif kind == 'rollback':
        roll('rollback', 'move every node back to the version and Java it ran before the upgrade', _previous)
    else:
        # The ensemble first, as in an upgrade: its members whose config changed or that are stopped, on what they run.
        if zk and zookeeper:
            phases.extend(_zookeeper_phases(zookeeper, 'rolling', estimator))
        roll('restart', 'restart the nodes whose config changed or that are stopped, on what they run', _running, lambda host: None)

    notes = []
    if kind == 'upgrade' and not target_java_home:
        notes.append('Java homes are not compared: the target JDK is known once staging installed it')
    if kind == 'restart':
        notes.append('only config files changed before this run count: a node whose configuration this run rewrites restarts too')

    actions = [n['action'] for p in phases for n in p['nodes']]
    return {
        'kind': kind,
        'direction': direction,
        'mode': 'zookeeper' if zk else 'kraft',
        'strategy': 'stop_all' if stop_all else 'rolling',
        'order': order,
        'active_controller': controller,
        'cluster_pin': cluster_pin,
        'phases': phases,
        'risks': at_risk if states is None else partition_risks(states),
        'errors': errors,
        'notes': notes,
        'irreversible': next((p['name'] for p in phases if p['irreversible']), None),
        'estimate': {'seconds': sum(p['estimate_s'] for p in phases), 'restarts': actions.count('restart'),
                     'verifies': actions.count('verify'), 'basis': estimator.basis},
    }


# --- the plan, for a human ------------------------------------------------------------------

def _duration(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return '%d s' % seconds
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return '%d min %d s' % (minutes, rest) if rest else '%d min' % minutes
    hours, minutes = divmod(minutes, 60)
    return '%d h %d min' % (hours, minutes) if minutes else '%d h' % hours


def _who(entry):
    return '%s (node %d)' % (entry['host'], entry['node_id']) if 'node_id' in entry else entry['host']


def _what(entry):
    if entry['action'] == 'restart':
        return 'restart: %s' % '; '.join(entry['reasons'])
    runs = entry['version'] + (' on ' + entry['java_home'] if entry.get('java_home') else '')
    if entry.get('pin'):
        runs += ' with inter.broker.protocol.version ' + entry['pin']
    return 'verify: already runs ' + runs


def format_plan(plan):
    """A plan from build_plan as lines a human reads before the roll: phases, batches, each node's action and
    why, risks, the point of no return and the estimate."""
    estimate = plan['estimate']
    lines = ['%s plan, %s mode, %s: %d phase(s), %d restart(s), %d verify(s), about %s' % (
        plan['kind'], 'ZooKeeper' if plan['mode'] == 'zookeeper' else 'KRaft', plan['strategy'], len(plan['phases']),
        estimate['restarts'], estimate['verifies'], _duration(estimate['seconds']))]
    lines.append('order: %s (active controller %s)' % (', '.join(plan['order']), plan['active_controller'] if plan['active_controller'] >= 0 else 'unknown'))
    if plan.get('cluster_pin'):
        lines.append('protocol pin: inter.broker.protocol.version %s until the finalize' % plan['cluster_pin'])
    for error in plan['errors']:
        lines.append('ERROR: %s' % error)
    for number, phase in enumerate(plan['phases'], 1):
        lines.append('phase %d/%d %s (%s, about %s): %s%s' % (
            number, len(plan['phases']), phase['name'], phase['mode'].replace('_', ' '), _duration(phase['estimate_s']),
            phase['description'], ' - POINT OF NO RETURN' if phase['irreversible'] else ''))
        by_host = dict((n['host'], n) for n in phase['nodes'])
        for index, batch in enumerate(phase['batches'], 1):
            head = '  batch %d: ' % index
            for position, host in enumerate(batch):
                lines.append('%s%s %s' % (head if position == 0 else ' ' * len(head), _who(by_host[host]), _what(by_host[host])))
        if phase['mode'] == 'cluster_step':
            lines.append('  %s' % ', '.join('%s %s' % item for item in sorted(phase['pins'].items())))
    risks = plan.get('risks')
    if risks is not None:
        lines.append('risks: replication factor 1: %s; single in-sync replica: %s; replication factor below min.insync.replicas: %s' % (
            ', '.join(risks['rf1']) or 'none', ', '.join(risks['single_isr']) or 'none', ', '.join(risks['rf_below_min_isr']) or 'none'))
    for note in plan.get('notes') or []:
        lines.append('note: %s' % note)
    if plan['irreversible']:
        lines.append('point of no return: phase %s; rollback.yml refuses after it' % plan['irreversible'])
    else:
        lines.append('point of no return: none in this plan')
    lines.append('estimate: about %s (%s)' % (_duration(estimate['seconds']), estimate['basis']))
    return lines


# --- the plan beside what happened ----------------------------------------------------------

# A planned action and the summary action that fulfils it; a cluster step raises only what is below its target.
_DONE = {'restart': ('restarted',), 'verify': ('verified',), 'raise': ('raised', 'verified')}
# Phases whose work the summary does not record per node (stop_all restarts ZooKeeper members without entries).
_UNRECORDED = ('stop_all_zookeeper',)


def plan_vs_actual(plan, entries):
    """Each planned action (per phase and host) beside the summary entry's action, entries nobody planned, and the
    plan's estimate beside the measured roll window.

    plan: from build_plan (empty when the run made none); entries: the summary entries (roll_node, stop_all,
    finalize). A row's as_planned is None where the summary records no entry by design (_UNRECORDED).
    """
    plan = plan or {}
    actual = dict(((e.get('phase'), e.get('host')), e.get('action')) for e in entries)
    rows, matched = [], set()
    for phase in plan.get('phases') or []:
        planned = [(n['host'], n['action']) for n in phase['nodes']]
        if phase['mode'] == 'cluster_step':
            planned = [('cluster', 'raise')]
        for host, action in planned:
            key = (phase['name'], host)
            matched.add(key)
            got = actual.get(key)
            ok = None if phase['name'] in _UNRECORDED and got is None else got in _DONE[action]
            rows.append({'phase': phase['name'], 'host': host, 'planned': action, 'actual': got, 'as_planned': ok})
    for entry in entries:
        key = (entry.get('phase'), entry.get('host'))
        if key not in matched:
            matched.add(key)
            rows.append({'phase': key[0], 'host': key[1], 'planned': None, 'actual': entry.get('action'), 'as_planned': False})
    estimate = plan.get('estimate') or {}
    return {
        'rows': rows,
        'differences': len([r for r in rows if r['as_planned'] is False]),
        'estimate_s': estimate.get('seconds'),
        'estimate_basis': estimate.get('basis'),
        'roll_window_s': roll_totals(entries)['roll_window_s'],
    }


def format_plan_vs_actual(comparison):
    """plan_vs_actual as lines: one per planned or unplanned action, then the estimate beside the roll window."""
    if comparison['estimate_s'] is None:
        return ['no plan for this run']
    lines = []
    for row in comparison['rows']:
        mark = {True: 'as planned', False: 'DIFFERS', None: 'not recorded'}[row['as_planned']]
        planned, actual = row['planned'] or 'nothing', row['actual'] or 'nothing'
        lines.append('%s %s: planned %s, actual %s (%s)' % (row['phase'], row['host'], planned, actual, mark))
    lines.append('%d difference(s); estimate %s s (%s), roll window %s s' % (
        comparison['differences'], comparison['estimate_s'], comparison['estimate_basis'], comparison['roll_window_s']))
    return lines
