# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ZooKeeper ensemble health from four-letter-word answers (ruok, srvr, mntr): parsing and rules, no I/O."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SERVING_MODES = ('leader', 'follower')
# What a server that is up but not part of a working quorum answers to srvr (and mntr).
NOT_SERVING = 'not currently serving requests'
# What a server answers to a four-letter word its 4lw.commands.whitelist leaves out.
NOT_WHITELISTED = 'not in the whitelist'


def split_address(address):
    """'host:port' or '[v6]:port' -> (host, port); ValueError naming the address otherwise."""
    text = str(address).strip()
    host, sep, port = text.rpartition(':')
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError('%r is not host:port' % (address,))
    return host, int(port)


def _number(value):
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def parse_srvr(text):
    """srvr output -> dict: mode, zxid, version (release only, e.g. 3.8.4), version_full, node_count, ...

    Keys are the lower-cased labels with spaces as underscores. A reply without a Mode line (a server
    that is not serving, or srvr not whitelisted) gives a dict without 'mode' and with 'message'.
    """
    out = {}
    for line in text.splitlines():
        label, sep, value = line.partition(':')
        if not sep:
            continue
        key = label.strip().lower().replace(' ', '_').replace('/', '_')
        out[key] = value.strip()
    if 'zookeeper_version' in out:
        full = out.pop('zookeeper_version')
        out['version_full'] = full
        out['version'] = full.split(',')[0].split('-')[0].strip()
    if 'mode' in out:
        out['mode'] = out['mode'].lower()
    for key in ('node_count', 'connections', 'outstanding', 'received', 'sent'):
        if key in out:
            out[key] = _number(out[key])
    if 'mode' not in out:
        out['message'] = text.strip()
    return out


def parse_mntr(text):
    """mntr output (key<TAB>value lines) -> dict with numbers converted; non-metric lines are ignored."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition('\t')
        if sep and key.startswith('zk_'):
            out[key] = _number(value.strip())
    return out


def synced_followers(mntr):
    """The leader's count of synced followers: zk_synced_followers, else zk_followers; None when neither."""
    for key in ('zk_synced_followers', 'zk_followers'):
        if isinstance(mntr.get(key), int):
            return mntr[key]
    return None


def server_state(server, ruok=None, srvr=None, error=None, members=3):
    """One member as the wait module reports it: {server, ok, mode, zxid, version, error}.

    ruok/srvr: the raw answers (None when the connection failed, with error saying why).
    ok means: answered imok and serves as leader or follower (standalone when it is the only member).
    """
    info = parse_srvr(srvr) if srvr is not None else {}
    mode = info.get('mode')
    if error is None:
        if ruok is not None and ruok.strip() != 'imok':
            error = 'answered ruok with %r, not imok' % ruok.strip()[:120]
        elif srvr is not None and mode is None:
            error = 'srvr: %s' % (info.get('message') or 'empty answer')[:200]
    serving = SERVING_MODES + (('standalone',) if members == 1 else ())
    return {
        'server': server,
        'ok': error is None and mode in serving,
        'mode': mode,
        'zxid': info.get('zxid'),
        'version': info.get('version'),
        'error': error,
    }


def leaders(states):
    return [s['server'] for s in states if s.get('mode') == 'leader']


def ensemble_problems(states, expected_members, synced=None, mntr_error=None):
    """Human-readable reasons the ensemble is not healthy; empty when it is.

    states: server_state() dicts, one per member. expected_members: how many members the ensemble has.
    synced: the leader's synced-follower count (synced_followers() of its mntr), None when unknown;
    mntr_error: why the leader's mntr could not be read, when it could not.
    """
    problems = []
    if len(states) != expected_members:
        problems.append('%d members answered for, %d expected' % (len(states), expected_members))
    for s in states:
        if s.get('error'):
            problems.append('%s: %s' % (s['server'], s['error']))
        elif s.get('mode') is None:
            problems.append('%s: no mode in its srvr answer' % s['server'])
        elif not s.get('ok'):
            wanted = 'leader or follower' if expected_members > 1 else 'standalone, leader or follower'
            problems.append('%s: mode is %s, not %s' % (s['server'], s['mode'], wanted))
    found = leaders(states)
    standalone = expected_members == 1 and [s for s in states if s.get('ok') and s.get('mode') == 'standalone']
    if len(found) > 1:
        problems.append('%d members claim to lead: %s' % (len(found), ', '.join(found)))
    elif not found and not standalone:
        problems.append('no leader among %d members' % expected_members)
    elif found:
        if synced is None:
            problems.append('leader %s did not report zk_synced_followers or zk_followers in mntr%s'
                            % (found[0], ' (%s)' % mntr_error if mntr_error else ''))
        elif synced != expected_members - 1:
            problems.append('leader %s has %d synced followers, %d expected' % (found[0], synced, expected_members - 1))
    return problems


def stop_blockers(states, can_stop, expected_members):
    """Why stopping member can_stop now would lose the quorum; empty when the others keep a majority."""
    serving = [s['server'] for s in states if s['server'] != can_stop and s.get('ok')]
    needed = expected_members // 2 + 1
    if len(serving) >= needed:
        return []
    return ['stopping %s would leave %d of %d members serving (%s); a quorum needs %d'
            % (can_stop, len(serving), expected_members, ', '.join(serving) or 'none', needed)]
