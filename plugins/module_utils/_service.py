# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a systemd service that was just started came up, is still starting, or went down. Pure functions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

UNIT_PROPERTIES = ('ActiveState', 'SubState', 'NRestarts', 'MainPID', 'Result')


def unit_state(show_output):
    """{active_state, sub_state, n_restarts, pid, result} from `systemctl show -p ...` output (key=value lines)."""
    values = dict(line.split('=', 1) for line in show_output.splitlines() if '=' in line)

    def number(key):
        text = values.get(key, '').strip()
        return int(text) if text.isdigit() else 0
    return dict(active_state=values.get('ActiveState', '').strip(), sub_state=values.get('SubState', '').strip(),
                n_restarts=number('NRestarts'), pid=number('MainPID'), result=values.get('Result', '').strip())


def exits_since(first, now):
    """How often the process went away since the first poll: the restarts systemd counted, one more while a restart is
    pending, and at least one when another main process runs (restarted by someone, not counted by systemd)."""
    exits = max(0, now['n_restarts'] - first['n_restarts']) + (1 if now['sub_state'] == 'auto-restart' else 0)
    if exits == 0 and first['pid'] and now['pid'] and now['pid'] != first['pid']:
        exits = 1
    return exits


def start_verdict(first, now, listening, restarts=0):
    """'up', 'starting' or 'down' for a service started before the first look.

    first and now are unit_state() answers from the first poll and this one; listening says whether its port accepts
    a connection; restarts is how many exits systemd may restart before the service counts as down (0: the first exit
    is down; a ZooKeeper-mode broker started after an unclean stop may exit once while ZooKeeper still holds its old
    registration). Down means the unit failed or stopped, or its process went away more than restarts times; down wins
    over a port that accepts."""
    if now['active_state'] in ('failed', 'inactive', 'deactivating'):
        return 'down'
    if exits_since(first, now) > restarts:
        return 'down'
    if now['active_state'] == 'active' and now['pid'] and listening:
        return 'up'
    return 'starting'


def describe_state(state):
    """One line for a message: 'active/running, pid 123, 0 restarts'."""
    text = '%s/%s' % (state['active_state'] or 'unknown', state['sub_state'] or 'unknown')
    if state['pid']:
        text += ', pid %s' % state['pid']
    if state['result'] and state['result'] != 'success':
        text += ', result %s' % state['result']
    return '%s, %d restart(s) counted by systemd' % (text, state['n_restarts'])
