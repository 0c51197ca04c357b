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

from ansible_collections.streamops.kafka.plugins.module_utils import _health
from ansible_collections.streamops.kafka.plugins.module_utils._migration import release

DYNAMIC_FROM = (3, 9)
CONVERT_FROM = (4, 1)


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
    static quorum dynamic), allow_even (end with an even number of voters)}.
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


def join_gate(summary, node_id, max_lag=0, max_caught_up_age_ms=5000):
    """Whether controller node_id may be added as a voter now: the quorum is healthy and node_id is an observer with lag
    max_lag at most against the leader's end offset, caught up within max_caught_up_age_ms of the newest timestamp the
    quorum reports. (ready, problems, observed) - observed is node_id's replica entry, or None."""
    problems = _health.quorum_problems(summary, max_lag, None)
    observed = next((o for o in summary['observers'] if o['id'] == node_id), None)
    if any(v['id'] == node_id for v in summary['voters']):
        problems.append('%s is already a voter' % node_id)
    elif observed is None:
        problems.append('%s is not an observer of the quorum yet (is it started, formatted with '
                        '--no-initial-controllers?)' % node_id)
    else:
        problems.extend('observer %s' % lag for lag in _health.lagging_replicas(summary, [observed], max_lag, max_caught_up_age_ms))
    return not problems, problems, observed


def voter_step(summary, node_id, present, max_lag=0, max_caught_up_age_ms=5000):
    """The next step of making controller node_id a voter (present) or not (absent), from one DescribeQuorum answer.

    ('done', [], entry) when node_id already is (present) or is not (absent) a voter; ('wait', problems, entry) while
    the quorum or node_id is not ready for the change; ('go', [], entry) when AddRaftVoter / RemoveRaftVoter may be
    sent now. entry is node_id's replica entry (observer when joining, voter when leaving), or None; the change needs
    its directory_id, which DescribeQuorum reports from version 2 (Kafka 3.9).
    """
    voter = next((v for v in summary['voters'] if v['id'] == node_id), None)
    if present:
        if voter is not None:
            return 'done', [], voter
        ready, problems, entry = join_gate(summary, node_id, max_lag, max_caught_up_age_ms)
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
