#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_quorum_voter
short_description: Add a controller to a dynamic KRaft quorum once it has caught up, or remove one safely
description:
  - Changes the voter set of a dynamic KRaft quorum (C(kraft.version) 1, KIP-853) one controller at a time, with
    AddRaftVoter and RemoveRaftVoter sent straight to the controller listeners.
  - With O(state=present), waits until the quorum is healthy and O(node_id) is an observer caught up with the leader
    (lag at most O(max_lag), caught up within O(max_caught_up_age_ms) of the newest timestamp the quorum reports);
    only then adds it, and waits until it is a caught-up voter. Kafka's own check is weaker (caught up once, fetched
    within the last hour), so this gate is the safety.
  - With O(state=absent), waits until the other caught-up voters are a majority without O(node_id) and O(node_id) does
    not lead the quorum (it never removes the leader; restart it first, as a leader that shuts down resigns); then removes
    it and waits until it is no longer a voter.
  - Idempotent; a controller that already is (or is not) a voter is left alone. In check mode it reads the quorum once
    and reports whether the change would be made and what holds it back.
  - On timeout it fails, names what held the change back and returns the last quorum observed.
version_added: 0.13.0
author: streamops engineers (@streamops)
extends_documentation_fragment:
  - streamops.kafka.connection
  - streamops.kafka.wait
options:
  node_id:
    description: The controller's C(node.id).
    type: int
    required: true
  state:
    description: Whether O(node_id) is to be a voter.
    type: str
    choices: [present, absent]
    default: present
  listeners:
    description:
      - The joining controller's controller listeners, as the other voters are to reach it. Required with
        O(state=present).
    type: list
    elements: dict
    suboptions:
      name:
        description: The listener name (C(controller.listener.names)).
        type: str
        required: true
      host:
        description: Host name or address.
        type: str
        required: true
      port:
        description: Port.
        type: int
        required: true
  cluster_id:
    description: The cluster id the controllers must have; unset sends none (the controllers do not check it).
    type: str
  directory_id:
    description:
      - With O(state=present), the joining controller's metadata directory id (C(directory.id) in its meta.properties).
      - The leader lists an observer for a while after it stops fetching, so a controller formatted anew can be listed
        twice; this picks the entry of its current format. Unset, the entry that fetched last is taken.
    type: str
  max_lag:
    description: Largest lag, in records behind the leader's log end offset, that counts as caught up.
    type: int
    default: 0
  max_caught_up_age_ms:
    description: A replica whose last caught-up time is older than this (on the leader's clock) is behind. 0 turns the check off.
    type: int
    default: 5000
notes:
  - Needs O(bootstrap_controllers); the controllers must run Kafka 3.9 or newer with a dynamic quorum.
'''

EXAMPLES = r'''
- name: Join controller 4 once it has caught up
  streamops.kafka.kafka_quorum_voter:
    bootstrap_controllers: [ctl1:9093]
    node_id: 4
    listeners: [{name: CONTROLLER, host: ctl4, port: 9093}]

- name: Remove controller 5
  streamops.kafka.kafka_quorum_voter:
    bootstrap_controllers: [ctl1:9093, ctl2:9093]
    node_id: 5
    state: absent
'''

RETURN = r'''
elapsed:
  description: Seconds from the first poll to the answer.
  returned: always
  type: float
  sample: 4.2
gate_wait:
  description: Seconds waited before the change could be sent (the new controller catching up, a majority settling).
  returned: always
  type: float
  sample: 3.9
gate_attempts:
  description: Quorum reads until the change could be sent (1 when nothing held it back).
  returned: always
  type: int
  sample: 4
observed:
  description: O(node_id)'s replica entry when the change was sent (or found unnecessary), with its C(lag).
  returned: always
  type: dict
  sample: {id: 4, directory_id: J8aAPcfLQt2bqs1JT_rMgQ, lag: 0, log_end_offset: 5120}
state:
  description: The last quorum observed, and what held the change back (C(problems) is empty on success).
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.streamops.kafka.plugins.module_utils._client import (
    ControllerClient, add_voter_request, connection_argument_spec, connection_constraints, describe_error, is_transient,
    remove_voter_request, require_kafka, retry_after_reset)
from ansible_collections.streamops.kafka.plugins.module_utils._health import parse_kafka_uuid, quorum_problems, quorum_summary
from ansible_collections.streamops.kafka.plugins.module_utils._quorum import voter_step
from ansible_collections.streamops.kafka.plugins.module_utils._wait import wait_argument_spec, wait_until


class Step:
    """One DescribeQuorum read: ok once the step is one of wanted (and, with settled, the quorum is healthy)."""

    def __init__(self, client, params, wanted, settled=False):
        self.client = client
        self.params = params
        self.wanted = wanted
        self.settled = settled

    def __call__(self):
        p = self.params
        age = p['max_caught_up_age_ms'] or None
        summary = quorum_summary(self.client.describe_quorum())
        step, problems, entry = voter_step(summary, p['node_id'], p['state'] == 'present', p['max_lag'], age, p['directory_id'])
        if self.settled:
            problems = problems + quorum_problems(summary, p['max_lag'], age)
        summary.update(step=step, entry=entry, problems=problems)
        return step in self.wanted and not (self.settled and problems), summary


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        node_id=dict(type='int', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        listeners=dict(type='list', elements='dict', options=dict(
            name=dict(type='str', required=True), host=dict(type='str', required=True), port=dict(type='int', required=True))),
        cluster_id=dict(type='str'),
        directory_id=dict(type='str'),
        max_lag=dict(type='int', default=0),
        max_caught_up_age_ms=dict(type='int', default=5000),
    )
    argument_spec.update(wait_argument_spec())
    constraints = connection_constraints()
    constraints['required_if'] = constraints['required_if'] + [('state', 'present', ('listeners',))]
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **constraints)
    p = module.params
    if not p['bootstrap_controllers']:
        module.fail_json(msg='kafka_quorum_voter needs bootstrap_controllers: the voters change through the controller listeners.')
    require_kafka(module)
    client = ControllerClient(p, 'streamops-kafka_quorum_voter')
    ride_out = retry_after_reset(client)
    output = dict(changed=False, elapsed=0.0, gate_wait=0.0, gate_attempts=0, observed=None, state={})
    polls = []

    def wait(wanted, settled=False, timeout=p['timeout']):
        """Poll until the step is one of wanted; fail, naming what held it back, when timeout runs out."""
        result = wait_until(Step(client, p, wanted, settled), timeout, p['sleep'], is_transient=ride_out)
        output.update(state=result['state'], elapsed=round(output['elapsed'] + result['elapsed'], 3))
        polls.append(result['attempts'])
        if not result['ok']:
            state = result['state']
            why = state.get('error') or '; '.join(state.get('problems', []))
            module.fail_json(msg='timed out after %.1f s (%d attempts) %s: %s' % (
                result['elapsed'], result['attempts'], what, why), **output)
        return result['state']

    what = 'before %s %s' % ('adding' if p['state'] == 'present' else 'removing', p['node_id'])
    try:
        if module.check_mode:
            state = Step(client, p, ())()[1]
            module.exit_json(**dict(output, changed=state['step'] != 'done', observed=state['entry'], state=state))
        state = wait(('done', 'go'))
        output.update(gate_wait=output['elapsed'], gate_attempts=polls[0], observed=state['entry'])
        if state['step'] == 'done':
            module.exit_json(**output)
        directory = parse_kafka_uuid(state['entry']['directory_id'])
        if p['state'] == 'present':
            # The leader answers within TimeoutMs, before the connection's own request timeout gives up.
            request = add_voter_request(p['cluster_id'], p['node_id'], directory, p['listeners'], p['request_timeout_ms'] * 3 // 4)
        else:
            request = remove_voter_request(p['cluster_id'], p['node_id'], directory)
        error = client.change_voters(request)
        if error:
            module.fail_json(msg='%s %s refused: %s' % (type(request).__name__.replace('Request', ''), p['node_id'], error),
                             **output)
        output['changed'] = True
        what = 'after %s %s' % ('adding' if p['state'] == 'present' else 'removing', p['node_id'])
        wait(('done',), settled=True, timeout=max(p['timeout'] - output['elapsed'], 0))
    except ValueError as exc:
        module.fail_json(msg='kafka_quorum_voter could not read the quorum: %s' % exc, **output)
    except Exception as exc:  # pylint: disable=broad-except
        if not is_transient(exc):
            raise
        module.fail_json(msg='kafka_quorum_voter: %s' % describe_error(exc), **output)
    finally:
        client.close()
    module.exit_json(**output)


if __name__ == '__main__':
    main()
