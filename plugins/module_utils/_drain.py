# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emptying brokers before they leave a cluster: where each of their replicas moves, and when the move is over.

No I/O here: the partitions come in as _health.partition_states shapes them, the reassignments in flight as
{(topic, partition): target replicas}, the brokers as their ids and racks. Every rule is unit-tested.

- A replica on a broker to drain moves to a remaining broker that holds no replica of that partition yet: one in the
  same rack as the drained broker when racks are set and one is free there, else one in a rack the partition does not
  use yet, else any; the least loaded (replicas after the moves planned so far) first, then the lowest id. The other
  replicas keep their places, so a partition's preferred leader changes only when it was on a drained broker.
- A partition whose replication factor the remaining brokers cannot hold is refused, with everything else, before
  anything moves: lower its replication factor or add a broker first.
- A reassignment in flight is left to finish and judged by its target, so a drain that stopped half-way resumes.
- The drain is over when no partition has a replica on a drained broker, no reassignment of the cluster is in flight,
  and every partition that moved is fully in sync (its ISR is its replica set).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.streamops.kafka.plugins.module_utils._health import label

LIST_LIMIT = 20


def _listed(labels):
    shown = ', '.join(labels[:LIST_LIMIT])
    return shown + (' and %d more' % (len(labels) - LIST_LIMIT) if len(labels) > LIST_LIMIT else '')


def removal_problems(remove, brokers, controllers, mode='kraft'):
    """What refuses removing the broker hosts of remove, before the cluster is read: each must be a broker of the
    inventory and no controller (a combined node leaves the quorum too, which this does not do), and some broker must
    remain. brokers and controllers: the inventory's host names; mode: kafka_mode (ZooKeeper-mode brokers cannot be
    unregistered, and are not removed here)."""
    remove = list(remove or [])
    problems = []
    if mode != 'kraft':
        problems.append('removing brokers needs a KRaft cluster (kafka_mode is %s): migrate it first.' % mode)
    if not remove:
        problems.append('kafka_brokers_remove names no broker. To add brokers, put them in the brokers group and run site.')
    unknown = [h for h in remove if h not in brokers]
    if unknown:
        problems.append('kafka_brokers_remove names %s, not in the brokers group.' % ', '.join(unknown))
    combined = [h for h in remove if h in brokers and h in controllers]
    if combined:
        problems.append('%s also run%s a controller: a combined node leaves the quorum too; move its controller role first '
                        '(streamops.kafka.controllers), then remove the broker.' % (', '.join(combined), 's' if len(combined) == 1 else ''))
    if remove and not [h for h in brokers if h not in remove]:
        problems.append('removing every broker (%s) leaves none to hold the partitions.' % ', '.join(remove))
    return problems


def drain_moves(states, brokers, drain, racks=None, ongoing=None):
    """The reassignments that empty the brokers of drain: {'moves': [{topic, partition, replicas, target}], 'problems'}.

    states: the cluster's partitions (topic, partition, replicas, isr); brokers: the ids of the live registered brokers
    (drained ones included while they run); drain: the broker ids to empty; racks: {broker id: rack or None};
    ongoing: {(topic, partition): target replicas} of reassignments in flight. Problems refuse the whole drain.
    """
    racks = dict(racks or {})
    ongoing = dict(ongoing or {})
    drain = sorted(set(int(b) for b in drain))
    remaining = sorted(set(int(b) for b in brokers) - set(drain))
    problems = []
    if not drain:
        problems.append('no broker to drain was named.')
    if not remaining:
        problems.append('draining brokers %s leaves no broker to hold their replicas.' % drain)
        return {'moves': [], 'problems': problems}
    rack_aware = any(racks.get(b) for b in remaining)
    load = dict((b, 0) for b in remaining)
    for s in states:
        for replica in ongoing.get((s['topic'], s['partition']), s['replicas']):
            if replica in load:
                load[replica] += 1
    short = {}
    moves = []
    for s in states:
        key = (s['topic'], s['partition'])
        replicas = list(s['replicas'])
        if key in ongoing or not set(replicas) & set(drain):
            continue
        if len(replicas) > len(remaining):
            short.setdefault(s['topic'], [len(replicas), 0])[1] += 1
            continue
        target = list(replicas)
        for index, replica in enumerate(replicas):
            if replica not in drain:
                continue
            used_racks = set(racks.get(r) for r in target if r not in drain)

            def rank(broker, replica=replica, used_racks=used_racks):
                rack = racks.get(broker)
                if rack_aware and rack is not None and rack == racks.get(replica):
                    preference = 0
                elif rack_aware and rack is not None and rack not in used_racks:
                    preference = 1
                else:
                    preference = 2
                return preference, load[broker], broker

            chosen = min((b for b in remaining if b not in target), key=rank)
            target[index] = chosen
            load[chosen] += 1
        moves.append({'topic': s['topic'], 'partition': s['partition'], 'replicas': replicas, 'target': target})
    for topic in sorted(short):
        rf, count = short[topic]
        problems.append('%s has replication factor %d (%d partition%s with a replica on brokers %s) and only %d broker%s would '
                        'remain (%s): lower its replication factor or add a broker first.'
                        % (topic, rf, count, '' if count == 1 else 's', drain, len(remaining),
                           '' if len(remaining) == 1 else 's', ', '.join(str(b) for b in remaining)))
    return {'moves': moves, 'problems': problems}


def drain_progress(states, drain, ongoing, moved):
    """What keeps the drain from being over, as partition labels: {'left': with a replica on a drained broker,
    'moving': reassignments in flight, 'out_of_sync': moved partitions whose ISR is not their replica set}.
    moved: the (topic, partition) keys this drain reassigned."""
    drain = set(drain)
    moved = set(tuple(k) for k in moved)
    return {
        'left': [label(s) for s in states if set(s['replicas']) & drain],
        'moving': sorted(label({'topic': t, 'partition': p}) for t, p in ongoing),
        'out_of_sync': [label(s) for s in states if (s['topic'], s['partition']) in moved and set(s['isr']) != set(s['replicas'])],
    }


def unregister_blockers(states, broker_ids):
    """Why brokers cannot be unregistered yet from the partitions they hold: one sentence per broker that still holds a
    replica (it must be drained first); empty when none does."""
    out = []
    for broker in sorted(broker_ids):
        held = [label(s) for s in states if broker in s['replicas']]
        if held:
            out.append('broker %s still holds replicas of %d partition(s) (%s): drain it first (state: drained)'
                       % (broker, len(held), _listed(held)))
    return out


def progress_message(progress):
    """One sentence naming what is still not done, for a drain that timed out."""
    parts = []
    if progress.get('left'):
        parts.append('%d partition(s) still have a replica on a drained broker: %s' % (len(progress['left']), _listed(progress['left'])))
    if progress.get('moving'):
        parts.append('%d reassignment(s) still in flight: %s' % (len(progress['moving']), _listed(progress['moving'])))
    if progress.get('out_of_sync'):
        parts.append('%d moved partition(s) not fully in sync: %s' % (len(progress['out_of_sync']), _listed(progress['out_of_sync'])))
    return '; '.join(parts) or 'nothing'
