# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure predicates over cluster state: which partitions are unhealthy, whether a broker or a
controller may stop. No I/O here, so every rule is unit-tested with plain dicts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import uuid

NO_LEADER = (-1, None)


def partition_states(topics, min_isr_by_topic, default_min_isr=1):
    """Flatten kafka-python describe_topics() output into one dict per partition.

    topics: list of {'name', 'partitions': [{'partition_index', 'leader_id', 'replica_nodes', 'isr_nodes',
    'offline_replicas'}]}; min_isr_by_topic: {topic: int}.
    """
    states = []
    for topic in topics:
        name = topic.get('name')
        for part in topic.get('partitions') or []:
            states.append({
                'topic': name,
                'partition': part.get('partition_index'),
                'leader': part.get('leader_id'),
                'replicas': list(part.get('replica_nodes') or []),
                'isr': list(part.get('isr_nodes') or []),
                'offline_replicas': list(part.get('offline_replicas') or []),
                'min_isr': int(min_isr_by_topic.get(name, default_min_isr)),
            })
    states.sort(key=lambda s: (s['topic'], s['partition']))
    return states


def label(state):
    return '%s-%s' % (state['topic'], state['partition'])


def cluster_problems(states, accept=()):
    """Partitions that are offline (no leader), under-replicated, or below min.insync.replicas.

    accept: labels whose shortfall against min.insync.replicas is known and standing (replication factor below
    it): they leave under_min_isr so a health gate cannot wait on them forever, but still count when offline or
    under-replicated, which heal.
    """
    accepted = set(accept)
    offline = [label(s) for s in states if s['leader'] in NO_LEADER]
    under_replicated = [label(s) for s in states if len(s['isr']) < len(s['replicas'])]
    under_min_isr = [label(s) for s in states if len(s['isr']) < s['min_isr'] and label(s) not in accepted]
    return {'offline': offline, 'under_replicated': under_replicated, 'under_min_isr': under_min_isr}


def broker_problems(states, broker_id, registered_brokers):
    """After a restart: is the broker registered, and back in the ISR of every partition it replicates?"""
    hosted = [s for s in states if broker_id in s['replicas']]
    return {
        'registered': broker_id in set(registered_brokers),
        'hosted_partitions': len(hosted),
        'not_in_isr': [label(s) for s in hosted if broker_id not in s['isr']],
    }


def stop_blockers(states, broker_id):
    """Before a stop: partitions whose ISR would drop below min.insync.replicas without this broker.

    A partition blocks when the broker is in its ISR and the ISR is already at (or below) the minimum.
    Partitions with a replication factor of 1 on this broker cannot stay available through any stop;
    they are reported apart (rf1) so the caller decides.
    """
    found = set_stop_blockers(states, [broker_id])
    return {'blocking': found['blocking'], 'rf1': found['rf1']}


def set_stop_blockers(states, broker_ids, live_brokers=None, accept=()):
    """Before stopping every broker in broker_ids at once: what keeps the set from stopping.

    For each partition with a replica in the set, the ISR members that count are those outside the set, not
    reported offline, and, with live_brokers given, live: a crashed broker stays in every ISR until the controller
    fences it (broker.session.timeout.ms), so ISR membership alone does not prove a replica is up. A partition
    blocks when fewer than max(min.insync.replicas, 1) count. Partitions with replication factor 1 (rf1) or below
    their min.insync.replicas (rf_below_min_isr) never reach the minimum: they are reported apart (the caller
    decides). Those, and partitions whose label is in accept, block only when the set would leave them no in-sync
    replica at all; rf1 ones never block. not_live lists replicas or ISR members outside the set that are not
    live: any of them makes every stop unsafe, and the caller reports it.
    """
    members = set(broker_ids)
    live = None if live_brokers is None else set(live_brokers)
    accepted = set(accept)
    blocking, rf1, rf_short = [], [], []
    seen = set()
    for s in states:
        seen.update(s['replicas'])
        seen.update(s['isr'])
        if not members.intersection(s['replicas']):
            continue
        name, factor = label(s), len(s['replicas'])
        if factor < s['min_isr']:
            rf_short.append(name)
        if factor == 1:
            rf1.append(name)
            continue
        counted = sorted(m for m in s['isr'] if m not in members and m not in s['offline_replicas'] and (live is None or m in live))
        # A standing shortfall only has to stay available; every other partition keeps its minimum.
        needed = 1 if name in accepted or factor < s['min_isr'] else max(s['min_isr'], 1)
        if len(counted) < needed:
            # Name the counted members only when some in-sync member outside the set did not count (down or offline).
            down = '' if len(counted) == len([m for m in s['isr'] if m not in members]) else ', live without the set %s' % counted
            blocking.append('%s (isr %s%s, min.insync.replicas %d)' % (name, sorted(s['isr']), down, s['min_isr']))
    not_live = [] if live is None else sorted(b for b in seen if b not in live and b not in members)
    return {'blocking': blocking, 'rf1': rf1, 'rf_below_min_isr': rf_short, 'not_live': not_live}


def rf_below_min_isr(states):
    """Partitions whose replication factor is below min.insync.replicas: acks=all writes to them always fail."""
    return [label(s) for s in states if len(s['replicas']) < s['min_isr']]


def risky_partitions(states):
    """Partitions where keyed writes can be lost or stall during any restart: RF 1, a single-member ISR, or a
    replication factor below min.insync.replicas (a standing condition: acks=all writes are refused even with every
    replica in sync, so no wait for the ISR to reach the minimum can ever end)."""
    return {
        'rf1': [label(s) for s in states if len(s['replicas']) == 1],
        'single_isr': [label(s) for s in states if len(s['replicas']) > 1 and len(s['isr']) == 1],
        'rf_below_min_isr': rf_below_min_isr(states),
    }


def broker_load(states):
    """Partition replicas and leaderships per broker id."""
    load = {}
    for s in states:
        for r in s['replicas']:
            load.setdefault(r, {'partitions': 0, 'leaders': 0})['partitions'] += 1
        if s['leader'] not in NO_LEADER:
            load.setdefault(s['leader'], {'partitions': 0, 'leaders': 0})['leaders'] += 1
    return load


# --- KRaft metadata quorum --------------------------------------------------------------------

def quorum_summary(response):
    """Reduce a DescribeQuorum response (kafka-python dict) to leader, voters and observers with lag.

    Lag is the leader's log end offset minus the replica's, as kafka-metadata-quorum.sh reports it.
    Timestamps of -1 mean "unknown" (never fetched / never caught up).
    """
    partition = response['topics'][0]['partitions'][0]
    if partition.get('error'):
        raise ValueError('DescribeQuorum error: %s' % partition['error'])
    leader = partition.get('leader_id', -1)
    voters = partition.get('current_voters') or []
    observers = partition.get('observers') or []
    leader_end = -1
    for v in voters:
        if v['replica_id'] == leader:
            leader_end = v['log_end_offset']

    def replica(entry):
        end = entry.get('log_end_offset', -1)
        return {
            'id': entry['replica_id'],
            'directory_id': kafka_uuid(entry.get('replica_directory_id')),
            'log_end_offset': end,
            'lag': (leader_end - end) if leader_end >= 0 and end >= 0 else None,
            'last_fetch_timestamp': entry.get('last_fetch_timestamp', -1),
            'last_caught_up_timestamp': entry.get('last_caught_up_timestamp', -1),
        }

    return {
        'leader_id': leader,
        'leader_epoch': partition.get('leader_epoch', -1),
        'high_watermark': partition.get('high_watermark', -1),
        'voters': sorted((replica(v) for v in voters), key=lambda r: r['id']),
        'observers': sorted((replica(o) for o in observers), key=lambda r: r['id']),
    }


def kafka_uuid(value):
    """A uuid (uuid.UUID or its hex text, as kafka-python's to_dict gives it) as Kafka prints one: URL-safe base64 of
    its 16 bytes, unpadded (meta.properties' directory.id, kafka-metadata-quorum). None for none and for the zero uuid
    (DescribeQuorum before version 2 sends no directory id)."""
    if value is None:
        return None
    value = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    if value.int == 0:
        return None
    return base64.urlsafe_b64encode(value.bytes).decode('ascii').rstrip('=')


def parse_kafka_uuid(text):
    """The uuid.UUID Kafka prints as text (22 characters of URL-safe base64); ValueError for anything else."""
    text = str(text or '')
    try:
        raw = base64.urlsafe_b64decode(text + '==')
    except (TypeError, ValueError):
        raw = b''
    if len(text) != 22 or len(raw) != 16:
        raise ValueError('%r is not a Kafka uuid (22 characters of URL-safe base64, as meta.properties holds them)' % text)
    return uuid.UUID(bytes=raw)


def _reference_time(summary):
    """The newest timestamp any replica reports: ages are measured on the leader's clock, not ours."""
    stamps = [r[k] for r in summary['voters'] + summary['observers']
              for k in ('last_fetch_timestamp', 'last_caught_up_timestamp') if r[k] is not None and r[k] >= 0]
    return max(stamps) if stamps else None


def _behind(summary, replicas, max_lag, max_caught_up_age_ms):
    """(id, why) for each replica (voter or observer) not caught up; the leader never is behind."""
    reference = _reference_time(summary)
    behind = []
    for r in replicas:
        if r['id'] == summary['leader_id']:
            continue
        if r['lag'] is None or r['lag'] > max_lag:
            behind.append((r['id'], 'lag %s' % ('unknown' if r['lag'] is None else r['lag'])))
        elif max_caught_up_age_ms is not None:
            caught_up = r['last_caught_up_timestamp']
            if caught_up is None or caught_up < 0:
                behind.append((r['id'], 'never caught up'))
            elif reference is not None and reference - caught_up > max_caught_up_age_ms:
                behind.append((r['id'], 'caught up %d ms ago' % (reference - caught_up)))
    return behind


def lagging_replicas(summary, replicas, max_lag=0, max_caught_up_age_ms=None):
    """Replicas not caught up: unknown or too large lag, or caught up too long ago, as 'id (why)'."""
    return ['%s (%s)' % entry for entry in _behind(summary, replicas, max_lag, max_caught_up_age_ms)]


def quorum_problems(summary, max_lag=0, max_caught_up_age_ms=None, expected_voters=None, observers=None):
    """Everything that keeps the quorum from being healthy; an empty list means healthy."""
    problems = []
    voter_ids = [v['id'] for v in summary['voters']]
    if summary['leader_id'] in (-1, None) or summary['leader_id'] not in voter_ids:
        problems.append('no quorum leader (leader id %s, voters %s)' % (summary['leader_id'], voter_ids))
    if expected_voters is not None and sorted(expected_voters) != sorted(voter_ids):
        problems.append('voters are %s, expected %s' % (voter_ids, sorted(expected_voters)))
    behind = lagging_replicas(summary, summary['voters'], max_lag, max_caught_up_age_ms)
    if behind:
        problems.append('voters not caught up: %s' % ', '.join(behind))
    if observers:
        known = dict((o['id'], o) for o in summary['observers'])
        missing = [o for o in observers if o not in known]
        if missing:
            problems.append('observers not registered: %s' % missing)
        behind = lagging_replicas(summary, [known[o] for o in observers if o in known], max_lag, max_caught_up_age_ms)
        if behind:
            problems.append('observers not caught up: %s' % ', '.join(behind))
    return problems


def majority(voter_count):
    return voter_count // 2 + 1


def controller_stop_blockers(summary, node_id, max_lag=0, max_caught_up_age_ms=None):
    """Before stopping controller node_id: do the other caught-up voters still form a majority?"""
    voter_ids = [v['id'] for v in summary['voters']]
    if node_id not in voter_ids:
        return []
    if summary['leader_id'] in (-1, None) or summary['leader_id'] not in voter_ids:
        return ['no quorum leader now; stopping another voter cannot be judged safe']
    behind = set(rid for rid, _ in _behind(summary, summary['voters'], max_lag, max_caught_up_age_ms))
    remaining = [v for v in voter_ids if v != node_id and v not in behind]
    needed = majority(len(voter_ids))
    if len(remaining) < needed:
        return ['stopping %s leaves %d caught-up voter(s) %s of %d; a majority needs %d'
                % (node_id, len(remaining), remaining, len(voter_ids), needed)]
    return []
