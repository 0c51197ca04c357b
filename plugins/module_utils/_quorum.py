# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Changing a KRaft cluster's voter set, decided before any host changes: which changes a quorum can take, in which
order, and whether a controller that is to join has caught up. No I/O here: the facts come in as plain values (the
quorum as _health.quorum_summary shapes it, the finalized kraft.version, the release) and every rule is unit-tested.

Facts this rests on (Kafka's KRaft operations documentation, KIP-853):
- kraft.version 0 is a static quorum (controller.quorum.voters): its voters cannot change. kraft.version 1 is a dynamic
  one (controller.quorum.bootstrap.servers, the voters kept in the metadata log), where AddRaftVoter and
  RemoveRaftVoter change them one at a time.
- A dynamic quorum can be formatted from Kafka 3.9; a static one can be converted only from 4.1, by raising
  kraft.version to 1 first and then replacing controller.quorum.voters on every node; it cannot be undone.
- Kafka's own check before adding a voter is weak (the new node caught up once, fetched within the last hour), so the
  join gate here asks for lag 0 against the leader and a recent catch-up.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import uuid

from ansible_collections.streamops.kafka.plugins.module_utils import _features, _health, _migration
from ansible_collections.streamops.kafka.plugins.module_utils._migration import release

DYNAMIC_FROM = (3, 9)
CONVERT_FROM = (4, 1)
# kraft.version 1 needs this metadata.version finalized (KRaftVersion in apache/kafka server-common).
KRAFT_VERSION_1_NEEDS = '3.9-IV0'
# What converting costs, said wherever it is offered or planned.
CONVERT_IS_FINAL = 'a dynamic quorum cannot be made static again'


def format_problems(mode, version):
    """What refuses kafka_quorum (static or dynamic) for a new cluster of release version."""
    if mode not in ('static', 'dynamic'):
        return ['kafka_quorum must be static or dynamic (got %r).' % (mode,)]
    rel = release(version)
    if mode == 'dynamic' and rel is not None and rel < DYNAMIC_FROM:
        return ['kafka_quorum: dynamic needs Kafka %d.%d or newer (kafka_version %s); use static.' % (DYNAMIC_FROM + (version,))]
    return []


def _ids(values, name, out):
    """values as a sorted list of distinct non-negative ints, or None with a problem named."""
    if values is None:
        return []
    if not isinstance(values, (list, tuple, set)):
        out.append('%s must be a list of node ids (got %r).' % (name, values))
        return None
    ids = []
    for v in values:
        if isinstance(v, bool) or not ((isinstance(v, int) and v >= 0) or (isinstance(v, str) and v.strip().isdigit())):
            out.append('%s must be a list of node ids (got %r).' % (name, v))
            return None
        ids.append(int(v))
    return sorted(set(ids))


def change_problems(change):
    """What refuses a change of the voter set, before any host changes; an empty list lets it go ahead.

    change: {version (the release the controllers run), kraft_version (finalized: 0 static, 1 dynamic), voters (ids
    now), leader_id, brokers (broker ids), add (controller ids to join), remove (voter ids to leave), convert (turn a
    static quorum dynamic), metadata_version (the finalized level, for convert), mode (the inventory's kafka_quorum, for
    convert), allow_even (end with an even number of voters)}.
    """
    out = []
    rel = release(change.get('version'))
    if rel is None:
        out.append('the controllers\' release is unknown (got %r); it decides what the quorum can do.' % change.get('version'))
    voters = _ids(change.get('voters'), 'voters', out)
    brokers = _ids(change.get('brokers'), 'brokers', out)
    add = _ids(change.get('add'), 'the controllers to add', out)
    remove = _ids(change.get('remove'), 'the controllers to remove', out)
    if None in (voters, brokers, add, remove) or rel is None:
        return out
    kraft_version = change.get('kraft_version')
    dynamic = kraft_version == 1
    convert = bool(change.get('convert'))
    if convert and not dynamic and rel < CONVERT_FROM:
        out.append('a static quorum can be made dynamic only from Kafka %d.%d (kraft.version 1); these controllers run '
                   '%d.%d: upgrade them first.' % (CONVERT_FROM + rel))
    if convert and change.get('mode') != 'dynamic':
        out.append('kafka_quorum_convert makes the quorum dynamic: set kafka_quorum: dynamic in the inventory (got %r), the '
                   'quorum every node is configured for after the conversion.' % (change.get('mode'),))
    needs = _features.metadata_version_level(KRAFT_VERSION_1_NEEDS)
    if convert and not dynamic and (change.get('metadata_version') or 0) < needs:
        out.append('kraft.version 1 needs metadata.version %s or newer and the cluster is finalized at %s: finalize it first '
                   '(streamops.kafka.upgrade with kafka_upgrade_finalize: true).'
                   % (KRAFT_VERSION_1_NEEDS, _features.metadata_version_name(change.get('metadata_version')) or 'none'))
    if convert and (add or remove):
        out.append('convert the quorum in a run of its own, then add (%s) or remove (%s) controllers in the next: each step is '
                   'judged against the quorum the last one left.' % (add, remove))
    if (add or remove) and not dynamic and not convert:
        out.append('the quorum is static (kraft.version %s, controller.quorum.voters): its voters cannot be added or '
                   'removed. %s' % (kraft_version, 'Convert it first with kafka_quorum_convert: true (it cannot be undone).'
                                    if rel >= CONVERT_FROM else 'Converting it needs Kafka %d.%d or newer.' % CONVERT_FROM))
    if add and remove:
        out.append('add controllers (%s) and remove controllers (%s) in separate runs: each change of the voter set is '
                   'judged against the quorum the last one left.' % (add, remove))
    taken = sorted(set(add) & (set(voters) | set(brokers)))
    if taken:
        out.append('the controllers to add reuse node ids %s that are already %s.'
                   % (taken, ' or '.join(k for k, ids in (('voters', voters), ('brokers', brokers)) if set(ids) & set(taken))))
    strangers = sorted(set(remove) - set(voters))
    if strangers:
        out.append('the controllers to remove %s are not voters (voters: %s).' % (strangers, voters))
    after = sorted((set(voters) | set(add)) - set(remove))
    if (add or remove) and not after:
        out.append('removing %s leaves no voter.' % remove)
    elif (add or remove) and len(after) % 2 == 0 and not change.get('allow_even'):
        out.append('the change ends with %d voters %s: an even number tolerates no more failures than one fewer. Add or '
                   'remove one more, or set kafka_quorum_allow_even: true.' % (len(after), after))
    return out


def removal_blockers(summary, node_id, max_lag=0, max_caught_up_age_ms=None):
    """Before removing voter node_id: the other caught-up voters must be a majority of today's set (so the removal
    can commit, and then of the smaller set too), and node_id must not lead the quorum (leadership moves first)."""
    if node_id not in [v['id'] for v in summary['voters']]:
        return []
    problems = _health.controller_stop_blockers(summary, node_id, max_lag, max_caught_up_age_ms)
    if summary['leader_id'] == node_id:
        problems.append('%s is the quorum leader: move leadership first (restart it; a leader that shuts down resigns), '
                        'then remove it' % node_id)
    return problems


def join_gate(summary, node_id, max_lag=0, max_caught_up_age_ms=5000, directory_id=None):
    """Whether controller node_id may be added as a voter now: the quorum is healthy and node_id is an observer with lag
    max_lag at most against the leader's end offset, caught up within max_caught_up_age_ms of the newest timestamp the
    quorum reports. (ready, problems, observed) - observed is node_id's replica entry, or None.

    The leader keeps an observer's entry for a while after it stops fetching, so a controller formatted anew (one that
    left and comes back) can be listed twice, once with its former directory. directory_id (as meta.properties has it)
    picks the entry of this format; without it, the entry that fetched last is taken.
    """
    problems = _health.quorum_problems(summary, max_lag, None)
    candidates = [o for o in summary['observers']
                  if o['id'] == node_id and (directory_id is None or o.get('directory_id') == directory_id)]
    observed = max(candidates, key=lambda o: o['last_fetch_timestamp']) if candidates else None
    if any(v['id'] == node_id for v in summary['voters']):
        problems.append('%s is already a voter' % node_id)
    elif observed is None:
        problems.append('%s%s is not an observer of the quorum yet (is it started, formatted with '
                        '--no-initial-controllers?)' % (node_id, ' (directory %s)' % directory_id if directory_id else ''))
    else:
        problems.extend('observer %s' % lag for lag in _health.lagging_replicas(summary, [observed], max_lag, max_caught_up_age_ms))
    return not problems, problems, observed


def voter_step(summary, node_id, present, max_lag=0, max_caught_up_age_ms=5000, directory_id=None):
    """The next step of making controller node_id a voter (present) or not (absent), from one DescribeQuorum answer.

    ('done', [], entry) when node_id already is (present) or is not (absent) a voter; ('wait', problems, entry) while
    the quorum or node_id is not ready for the change; ('go', [], entry) when AddRaftVoter / RemoveRaftVoter may be
    sent now. entry is node_id's replica entry (observer when joining, voter when leaving), or None; the change needs
    its directory_id, which DescribeQuorum reports from version 2 (Kafka 3.9). directory_id, when given, is the one of
    node_id's current format (meta.properties): a voter of that id with another directory is a former format of it.
    """
    voter = next((v for v in summary['voters'] if v['id'] == node_id), None)
    if present:
        if voter is not None and directory_id and voter.get('directory_id') not in (None, directory_id):
            return 'wait', ['%s is a voter with directory %s, a former format of this controller (directory %s): remove that '
                            'voter first (kafka_quorum_remove)' % (node_id, voter['directory_id'], directory_id)], voter
        if voter is not None:
            return 'done', [], voter
        ready, problems, entry = join_gate(summary, node_id, max_lag, max_caught_up_age_ms, directory_id)
    else:
        if voter is None:
            return 'done', [], None
        entry = voter
        problems = removal_blockers(summary, node_id, max_lag, max_caught_up_age_ms)
        ready = not problems
    if ready and not entry.get('directory_id'):
        return 'wait', ['the quorum reports no directory id for %s (DescribeQuorum before version 2: the controllers run '
                        'a release older than 3.9)' % node_id], entry
    return ('go' if ready else 'wait'), problems, entry


# How a controller joins a running dynamic quorum, for the refusals of every other way.
JOIN_THROUGH_PLAYBOOK = ('A controller joins a dynamic quorum only through the streamops.kafka.controllers playbook, which '
                         'formats it to start as an observer and adds it as a voter once it has caught up.')


def in_place_problems(text, host, mode, version, zk_mode, controller=False, cluster_configured=False, join=False,
                      convert=False):
    """kafka_quorum (mode: static or dynamic) for one host against the server.properties in place (text, empty for a new
    node), before anything changes: dynamic needs KRaft on 3.9+, and a quorum never changes kind by a re-rendered
    config (static -> dynamic is a conversion of its own on 4.1+, convert: streamops.kafka.controllers with
    kafka_quorum_convert, which raises kraft.version before any node is re-rendered; dynamic never goes back). A new
    controller (controller, nothing in place) of a dynamic cluster whose other hosts are configured (cluster_configured)
    is refused unless it joins (join: streamops.kafka.controllers); kraft_storage keeps the same rule at format time."""
    problems = format_problems(mode, version)
    if problems:
        return ['%s: %s' % (host, p) for p in problems]
    props = _migration.properties(text)
    migrating = _migration.node_kind(text) in (_migration.ZK_BROKER_MIGRATING, _migration.CONTROLLER_MIGRATING)
    if mode == 'dynamic' and (zk_mode or migrating):
        return ['%s: kafka_quorum: dynamic is for KRaft clusters; a ZooKeeper-mode cluster migrates to a static quorum '
                '(set kafka_quorum: static until the migration is finalized).' % host]
    if mode == 'dynamic' and 'controller.quorum.voters' in props and not migrating and not convert:
        return ['%s runs a static quorum (controller.quorum.voters in its server.properties) and the inventory asks for '
                'kafka_quorum: dynamic. Rendering controller.quorum.bootstrap.servers before kraft.version is 1 breaks the '
                'controllers: converting is a step of its own, on Kafka %d.%d or newer (streamops.kafka.controllers with '
                'kafka_quorum_convert: true raises kraft.version, then rolls every node), and %s. Or keep kafka_quorum: '
                'static.' % ((host,) + CONVERT_FROM + (CONVERT_IS_FINAL,))]
    if mode == 'static' and 'controller.quorum.bootstrap.servers' in props:
        return ['%s runs a dynamic quorum (controller.quorum.bootstrap.servers in its server.properties) and the inventory '
                'asks for kafka_quorum: static; a dynamic quorum does not go back. Set kafka_quorum: dynamic.' % host]
    if mode == 'dynamic' and controller and not props and cluster_configured and not join:
        return ['%s is a controller new to a running cluster (other hosts of this play are configured already). %s'
                % (host, JOIN_THROUGH_PLAYBOOK)]
    return []


def directory_id(cluster_id, node_id):
    """The metadata directory id a first controller of a new dynamic cluster is formatted with, as Kafka prints one.

    Derived from the cluster id and node id rather than drawn at random, so every controller's --initial-controllers
    names the same ids, and a format that stopped half-way and runs again names them again. Never the zero id, and
    never text that starts with '-' (the storage tool would read it as an option): the first byte's top bit is cleared.
    """
    digest = bytearray(hashlib.sha256(('streamops.kafka directory %s %s' % (cluster_id, node_id)).encode('utf-8')).digest()[:16])
    digest[0] &= 0x7f
    digest[15] |= 0x01
    return _health.kafka_uuid(uuid.UUID(bytes=bytes(digest)))


def format_arguments(mode, controller, cluster_new, metadata_formatted, join, controllers, cluster_id):
    """The storage tool's quorum arguments for one node: {'args': [...], 'problems': [...]} (a problem: it must not be
    formatted).

    mode: kafka_quorum; controller: the node is a controller; cluster_new: no node of the cluster has a formatted
    directory; metadata_formatted: this node's metadata directory is; join: the node is formatted to join a running
    quorum (streamops.kafka.controllers); controllers: [{id, host, port}], the cluster's controllers in the inventory.
    A static quorum and a broker need none; a dynamic cluster's first controllers are formatted as its voters with
    --initial-controllers, and a controller that joins later with --no-initial-controllers (it starts as an observer).
    """
    if mode != 'dynamic' or not controller:
        return {'args': [], 'problems': []}
    if cluster_new and not join:
        voters = ','.join('%s@%s:%s:%s' % (c['id'], c['host'], c['port'], directory_id(cluster_id, c['id']))
                          for c in sorted(controllers, key=lambda c: int(c['id'])))
        return {'args': ['--initial-controllers', voters], 'problems': []}
    if join or metadata_formatted:
        return {'args': ['--no-initial-controllers'], 'problems': []}
    return {'args': [], 'problems': [
        'this controller is new to a running cluster (cluster id %s): its metadata directory is not formatted. %s (One of a '
        'new cluster\'s first controllers whose format failed while others succeeded is in the same state: nothing has run '
        'yet, so empty the other controllers\' directories and run site again.)' % (cluster_id, JOIN_THROUGH_PLAYBOOK)]}


def change_plan(cluster, controllers, brokers, remove=(), version=None, allow_even=False, convert=False, mode=None):
    """What streamops.kafka.controllers does, decided from one read of the running cluster before any host changes.

    cluster: kafka_info's answer (cluster_id, brokers, quorum, features); controllers: {host: node id} of the inventory's
    controller group; brokers: the inventory's broker hosts; remove: the controller hosts to take out of the quorum;
    version: the release the controllers run; convert: make a static quorum dynamic (mode: the inventory's kafka_quorum).
    Returns {join: [hosts], leave: [hosts], voters, after, kraft_version, convert, problems}: the controllers whose node is
    no voter yet join (in node id order), then nothing else; those of remove leave. convert is None, or what the
    conversion does: {raise (kraft.version is still 0: raise it to 1 first), then (the roll), final (what cannot be undone)}.
    """
    problems = []
    quorum = cluster.get('quorum') or {}
    voters = sorted(v['id'] for v in quorum.get('voters') or [])
    features = cluster.get('features') or {}
    kraft_version = max((features.get('kraft.version') or {}).get('finalized') or [0])
    ids = dict((host, int(node)) for host, node in controllers.items())
    remove = list(remove or [])
    unknown = sorted(set(remove) - set(ids))
    if unknown:
        problems.append('kafka_controllers_remove names %s, which %s not in the controllers group: name the hosts of the '
                        'controllers to remove.' % (', '.join(unknown), 'is' if len(unknown) == 1 else 'are'))
    combined = sorted(set(remove) & set(brokers))
    if combined:
        problems.append('%s also run%s as broker%s: a combined node leaves the quorum only with its replicas drained '
                        'first; remove dedicated controllers only.' % (', '.join(combined), 's' if len(combined) == 1 else '',
                                                                       '' if len(combined) == 1 else 's'))
    join = sorted((h for h in ids if ids[h] not in voters and h not in remove), key=lambda h: ids[h])
    leave = sorted((h for h in remove if h in ids), key=lambda h: ids[h])
    broker_ids = sorted(b['broker_id'] for b in cluster.get('brokers') or [])
    problems += change_problems({
        'version': version, 'kraft_version': kraft_version, 'voters': voters, 'leader_id': quorum.get('leader_id'),
        # A joining controller's id must be no broker's; a combined node is both, and is a voter already.
        'brokers': [b for b in broker_ids if b not in voters], 'add': [ids[h] for h in join],
        # A controller that left already (a run that stopped before its cleanup) is stopped and cleaned again.
        'remove': [ids[h] for h in leave if ids[h] in voters], 'allow_even': allow_even, 'convert': convert, 'mode': mode,
        'metadata_version': max((features.get(_features.METADATA_VERSION) or {}).get('finalized') or [0])})
    after = sorted((set(voters) | set(ids[h] for h in join)) - set(ids[h] for h in leave))
    conversion = None
    if convert:
        conversion = {'raise': kraft_version == 0, 'final': CONVERT_IS_FINAL,
                      'then': 'every node re-rendered with controller.quorum.bootstrap.servers in place of '
                              'controller.quorum.voters and restarted one at a time behind the roll\'s gates'}
    return {'join': join, 'leave': leave, 'voters': voters, 'after': after, 'kraft_version': kraft_version,
            'convert': conversion, 'problems': problems}
