#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: service_wait
short_description: Wait until a just-started Kafka or ZooKeeper service listens, and fail at once when it goes down
description:
  - Polls the systemd unit (C(systemctl show)) and a TCP connection to its port. Succeeds when the unit is active and the
    port accepts a connection.
  - Fails as soon as the process it found is gone (the unit failed or stopped, systemd restarted it more than
    O(restarts) times, or another main process runs), instead of waiting out O(timeout) while systemd restarts a node
    that cannot start. The failure
    names the unit's state and returns the unit's last journal lines (C(journalctl -u)), which the message quotes.
  - Only reads; never reports a change.
version_added: 0.7.0
author: streamops engineers (@streamops)
extends_documentation_fragment:
  - streamops.kafka.wait
attributes:
  check_mode:
    support: full
    description: Only reads.
options:
  service:
    description: systemd unit name, without C(.service).
    type: str
    required: true
  port:
    description: TCP port the service listens on once it is up.
    type: int
    required: true
  host:
    description: Address to connect to.
    type: str
    default: 127.0.0.1
  log_lines:
    description: Journal lines of the unit to return and quote when it did not come up.
    type: int
    default: 20
  restarts:
    description:
      - How many exits of the process systemd may restart (C(Restart=on-failure)) before the wait fails. V(0) fails at
        the first exit, as a roll wants for a node it has just stopped cleanly.
    type: int
    default: 0
notes:
  - The unit's log lines are what the service wrote to the journal (Kafka writes warnings and errors there).
'''

EXAMPLES = r'''
- name: Wait for the broker's listener, stopping at once if Kafka exits
  streamops.kafka.service_wait:
    service: kafka
    port: 9092
    timeout: 180
'''

RETURN = r'''
elapsed:
  description: Seconds from the first poll to the answer.
  returned: always
  type: float
  sample: 6.4
attempts:
  description: Polls made.
  returned: always
  type: int
  sample: 12
verdict:
  description: V(up), V(down) (the process went away) or V(starting) (still starting when O(timeout) ran out).
  returned: always
  type: str
  sample: up
state:
  description: The unit's last observed C(active_state), C(sub_state), C(n_restarts), C(pid), C(result), and C(listening).
  returned: always
  type: dict
  sample: {active_state: active, sub_state: running, n_restarts: 0, pid: 812, result: success, listening: true}
log:
  description: The unit's last journal lines; only when it did not come up.
  returned: failure
  type: list
  elements: str
'''

import socket
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.streamops.kafka.plugins.module_utils._service import (
    UNIT_PROPERTIES, describe_state, start_verdict, unit_state)
from ansible_collections.streamops.kafka.plugins.module_utils._wait import wait_argument_spec, wait_until


def listening(host, port, timeout=1.0):
    try:
        connection = socket.create_connection((host, port), timeout=timeout)
    except (OSError, socket.error):
        return False
    connection.close()
    return True


class StartCheck:
    """Predicate for wait_until: done once the service is up or down; the state says which."""

    def __init__(self, module):
        self.module = module
        self.first = None

    def show(self):
        p = self.module.params
        rc, out, err = self.module.run_command(['systemctl', 'show', p['service']] + ['--property=%s' % name for name in UNIT_PROPERTIES])
        if rc != 0:
            self.module.fail_json(msg='systemctl show %s failed: %s' % (p['service'], err.strip()))
        return unit_state(out)

    def __call__(self):
        p = self.module.params
        now = self.show()
        if self.first is None:
            self.first = now
        now['listening'] = listening(p['host'], p['port'])
        verdict = start_verdict(self.first, now, now['listening'], self.module.params['restarts'])
        return verdict != 'starting', dict(now, verdict=verdict)


def journal(module, service, lines):
    rc, out, err = module.run_command(['journalctl', '--unit', service, '--lines', str(lines), '--no-pager', '--output', 'short-iso'])
    return out.splitlines()[-lines:] if rc == 0 else ['(journalctl failed: %s)' % err.strip()]


def main():
    argument_spec = dict(
        service=dict(type='str', required=True),
        port=dict(type='int', required=True),
        host=dict(type='str', default='127.0.0.1'),
        log_lines=dict(type='int', default=20),
        restarts=dict(type='int', default=0),
    )
    argument_spec.update(wait_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    result = wait_until(StartCheck(module), p['timeout'], p['sleep'])
    state = dict(result['state'])
    verdict = state.pop('verdict')
    output = dict(changed=False, elapsed=result['elapsed'], attempts=result['attempts'], verdict=verdict, state=state)
    if verdict == 'up':
        module.exit_json(**output)
    log = journal(module, p['service'], p['log_lines'])
    if verdict == 'down':
        what = '%s went down after %.1f s (%s)' % (p['service'], result['elapsed'], describe_state(state))
    else:
        what = '%s did not open %s:%s within %.0f s (%s)' % (p['service'], p['host'], p['port'], p['timeout'], describe_state(state))
    module.fail_json(msg='%s. Its last journal lines:\n%s' % (what, '\n'.join(log)), log=log, **output)


if __name__ == '__main__':
    main()
