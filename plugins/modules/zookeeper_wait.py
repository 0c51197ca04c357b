#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: zookeeper_wait
short_description: Wait until a ZooKeeper ensemble is healthy, or a member may stop
description:
  - Polls every member of a ZooKeeper ensemble with the four-letter words C(ruok), C(srvr) and C(mntr), each on a
    fresh TCP connection to the member's client port, until the ensemble is healthy.
  - Healthy means every member answers C(imok) and serves as leader or follower (standalone only when O(servers)
    has one member), exactly one member leads, and the leader reports every other member as a synced follower
    (C(zk_synced_followers), or C(zk_followers) on releases without it). Members need not agree on the zxid.
  - With O(can_stop), also requires that the other members still serving are a majority of O(servers) without it.
  - Needs C(ruok), C(srvr) and C(mntr) in each member's C(4lw.commands.whitelist). Uses no third-party library.
  - On timeout it fails and names what was still wrong (which member is down, how many leaders, which follower count).
version_added: 0.7.0
author: streamops engineers (@streamops)
extends_documentation_fragment:
  - streamops.kafka.wait
options:
  servers:
    description: Client address (V(host:port)) of every ensemble member.
    type: list
    elements: str
    required: true
  can_stop:
    description: Client address of one member of O(servers) about to stop.
    type: str
  connect_timeout:
    description: Seconds to wait for each connection and each answer.
    type: float
    default: 2
notes:
  - Supports check mode; it only reads.
'''

EXAMPLES = r'''
- name: Wait until the ensemble has one leader and every follower is synced
  streamops.kafka.zookeeper_wait:
    servers: "{{ groups['zookeeper'] | map('regex_replace', '$', ':2181') | list }}"
    timeout: 120
  register: __zookeeper_ensemble

- name: Stop this member only if the others keep a quorum
  streamops.kafka.zookeeper_wait:
    servers: "{{ groups['zookeeper'] | map('regex_replace', '$', ':2181') | list }}"
    can_stop: "{{ inventory_hostname }}:2181"

- name: Roll the followers first, the leader last
  ansible.builtin.debug:
    msg: "leader is {{ __zookeeper_ensemble.leader }}"
'''

RETURN = r'''
elapsed:
  description: Seconds from the first poll to the answer.
  returned: always
  type: float
  sample: 0.012
attempts:
  description: Polls made.
  returned: always
  type: int
  sample: 1
leader:
  description: Client address of the leader in the last poll; null when there was none or more than one.
  returned: always
  type: str
  sample: 10.0.0.3:2181
state:
  description: The last ensemble observed, and what was wrong with it (C(problems) is empty on success).
  returned: always
  type: dict
  sample:
    servers:
      - {server: "10.0.0.1:2181", ok: true, mode: follower, zxid: "0x100000000", version: 3.8.4, error: null}
      - {server: "10.0.0.2:2181", ok: false, mode: null, zxid: null, version: null, error: "no answer: [Errno 111] Connection refused"}
      - {server: "10.0.0.3:2181", ok: true, mode: leader, zxid: "0x100000000", version: 3.8.4, error: null}
    leader: 10.0.0.3:2181
    synced_followers: 1
    problems:
      - "10.0.0.2:2181: no answer: [Errno 111] Connection refused"
      - "leader 10.0.0.3:2181 has 1 synced followers, 2 expected"
'''

import socket

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.streamops.kafka.plugins.module_utils._wait import wait_argument_spec, wait_until
from ansible_collections.streamops.kafka.plugins.module_utils._zookeeper import (
    NOT_WHITELISTED, ensemble_problems, leaders, parse_mntr, server_state, split_address, stop_blockers,
    synced_followers)

# A 4lw answer larger than this is not ZooKeeper talking.
MAX_ANSWER = 4 * 1024 * 1024


def four_letter_word(address, word, timeout):
    """Send one four-letter word on a fresh connection and return the whole answer (the server closes)."""
    sock = socket.create_connection(split_address(address), timeout=timeout)
    try:
        sock.sendall(word.encode('ascii'))
        chunks, size = [], 0
        while size <= MAX_ANSWER:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
            size += len(data)
        return b''.join(chunks).decode('utf-8', 'replace')
    finally:
        sock.close()


def describe(exc):
    return str(exc) or type(exc).__name__


class EnsembleCheck:
    def __init__(self, params, ask=four_letter_word):
        self.servers = params['servers']
        self.can_stop = params['can_stop']
        self.timeout = params['connect_timeout']
        self.ask = ask

    def member(self, server):
        members = len(self.servers)
        try:
            ruok = self.ask(server, 'ruok', self.timeout)
        except (OSError, socket.error) as exc:
            return server_state(server, error='no answer to ruok: %s' % describe(exc), members=members)
        try:
            srvr = self.ask(server, 'srvr', self.timeout)
        except (OSError, socket.error) as exc:
            return server_state(server, ruok=ruok, error='no answer to srvr: %s' % describe(exc), members=members)
        return server_state(server, ruok=ruok, srvr=srvr, members=members)

    def __call__(self):
        states = [self.member(server) for server in self.servers]
        found = leaders(states)
        synced = mntr_error = None
        if len(found) == 1:
            try:
                answer = self.ask(found[0], 'mntr', self.timeout)
                synced = synced_followers(parse_mntr(answer))
                if synced is None and NOT_WHITELISTED in answer:
                    mntr_error = answer.strip()
            except (OSError, socket.error) as exc:
                mntr_error = 'no answer to mntr: %s' % describe(exc)
        problems = ensemble_problems(states, len(self.servers), synced, mntr_error)
        if self.can_stop:
            problems += stop_blockers(states, self.can_stop, len(self.servers))
        state = {
            'servers': states,
            'leader': found[0] if len(found) == 1 else None,
            'synced_followers': synced,
            'problems': problems,
        }
        return not problems, state


def main():
    argument_spec = dict(
        servers=dict(type='list', elements='str', required=True),
        can_stop=dict(type='str'),
        connect_timeout=dict(type='float', default=2),
    )
    argument_spec.update(wait_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    try:
        addresses = [split_address(s) for s in p['servers']]
        stopping = split_address(p['can_stop']) if p['can_stop'] else None
    except ValueError as exc:
        module.fail_json(msg='zookeeper_wait: bad server address: %s' % exc)
    if not addresses:
        module.fail_json(msg='zookeeper_wait: servers is empty; list the client address of every member')
    if len(set(addresses)) != len(addresses):
        module.fail_json(msg='zookeeper_wait: servers lists a member twice: %s' % ', '.join(p['servers']))
    if stopping is not None and stopping not in addresses:
        module.fail_json(msg='zookeeper_wait: can_stop %s is not one of servers (%s)' % (p['can_stop'], ', '.join(p['servers'])))
    if stopping is not None:
        # Name the member exactly as servers spells it, so the stop rule matches the states.
        p['can_stop'] = p['servers'][addresses.index(stopping)]

    result = wait_until(EnsembleCheck(p), p['timeout'], p['sleep'])
    state = result['state']
    output = dict(changed=False, elapsed=result['elapsed'], attempts=result['attempts'], state=state,
                  leader=state.get('leader'))
    if not result['ok']:
        why = state.get('error') or '; '.join(state.get('problems', []))
        module.fail_json(msg='timed out after %.1f s (%d attempts): %s' % (result['elapsed'], result['attempts'], why), **output)
    module.exit_json(**output)


if __name__ == '__main__':
    main()
