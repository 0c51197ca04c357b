#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_quorum_wait
short_description: Wait until the KRaft metadata quorum is healthy, or a controller may stop
description:
  - Polls the KRaft metadata quorum (DescribeQuorum) until a leader exists and every voter is caught up
    (lag at most O(max_lag) and caught up within O(max_caught_up_age_ms) of the newest timestamp the quorum
    reports, so clock skew between hosts does not matter).
  - With O(can_stop), also requires that the other caught-up voters still form a majority without that node.
  - With O(observers), also requires those brokers to be registered observers and caught up.
  - Works through a broker listener (O(bootstrap_servers)) or straight against controller listeners
    (O(bootstrap_controllers)), for example dedicated controllers before any broker runs.
  - On timeout it fails and names the voters or observers still behind.
version_added: 0.7.0
author: streamops engineers (@streamops)
extends_documentation_fragment:
  - streamops.kafka.connection
  - streamops.kafka.wait
options:
  can_stop:
    description: Node id of a controller about to stop.
    type: int
  max_lag:
    description: Largest lag, in records behind the leader's log end offset, that counts as caught up.
    type: int
    default: 0
  max_caught_up_age_ms:
    description: A voter whose last caught-up time is older than this (on the leader's clock) is behind. 0 turns the check off.
    type: int
    default: 10000
  voters:
    description: Node ids the quorum must consist of exactly.
    type: list
    elements: int
  observers:
    description: Broker node ids that must be registered observers and caught up.
    type: list
    elements: int
'''

EXAMPLES = r'''
- name: Stop this controller only if the others keep a caught-up majority
  streamops.kafka.kafka_quorum_wait:
    bootstrap_controllers: "{{ groups['kafka_controllers'] | map('regex_replace', '$', ':9093') | list }}"
    can_stop: "{{ kafka_node_id }}"

- name: Wait until every voter has caught up after the restart
  streamops.kafka.kafka_quorum_wait:
    bootstrap_servers: ["{{ inventory_hostname }}:9092"]
    max_lag: 0
'''

RETURN = r'''
elapsed:
  description: Seconds from the first poll to the answer.
  returned: always
  type: float
  sample: 0.011
attempts:
  description: Polls made.
  returned: always
  type: int
  sample: 1
state:
  description: The last quorum observed, and what was wrong with it (C(problems) is empty on success).
  returned: always
  type: dict
  sample:
    leader_id: 2
    leader_epoch: 7
    high_watermark: 5120
    voters: [{id: 1, lag: 0, log_end_offset: 5120, last_caught_up_timestamp: 1795243337505, last_fetch_timestamp: 1795243337505}]
    observers: []
    problems: []
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.streamops.kafka.plugins.module_utils._client import (
    BrokerClient, ControllerClient, connection_argument_spec, connection_constraints, require_kafka, retry_after_reset)
from ansible_collections.streamops.kafka.plugins.module_utils._health import (
    controller_stop_blockers, quorum_problems, quorum_summary)
from ansible_collections.streamops.kafka.plugins.module_utils._wait import wait_argument_spec, wait_until


def quorum_client(params, name):
    if params['bootstrap_controllers']:
        return ControllerClient(params, name)
    return BrokerClient(params, name)


class QuorumCheck:
    def __init__(self, client, params):
        self.client = client
        self.params = params

    def __call__(self):
        p = self.params
        summary = quorum_summary(self.client.describe_quorum())
        age = p['max_caught_up_age_ms'] or None
        problems = quorum_problems(summary, p['max_lag'], age, p['voters'], p['observers'])
        if p['can_stop'] is not None:
            problems += controller_stop_blockers(summary, p['can_stop'], p['max_lag'], age)
        summary['problems'] = problems
        return not problems, summary


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        can_stop=dict(type='int'),
        max_lag=dict(type='int', default=0),
        max_caught_up_age_ms=dict(type='int', default=10000),
        voters=dict(type='list', elements='int'),
        observers=dict(type='list', elements='int'),
    )
    argument_spec.update(wait_argument_spec())
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[('bootstrap_servers', 'bootstrap_controllers')],
        required_one_of=[('bootstrap_servers', 'bootstrap_controllers')],
        **connection_constraints()
    )
    require_kafka(module)
    client = quorum_client(module.params, 'streamops-kafka_quorum_wait')

    ride_out = retry_after_reset(client)

    try:
        result = wait_until(QuorumCheck(client, module.params), module.params['timeout'], module.params['sleep'],
                            is_transient=ride_out)
    except ValueError as exc:
        module.fail_json(msg='kafka_quorum_wait could not read the quorum: %s' % exc)
    finally:
        client.close()
    output = dict(changed=False, elapsed=result['elapsed'], attempts=result['attempts'], state=result['state'])
    if not result['ok']:
        state = result['state']
        why = state.get('error') or '; '.join(state.get('problems', []))
        module.fail_json(msg='timed out after %.1f s (%d attempts): %s' % (result['elapsed'], result['attempts'], why), **output)
    module.exit_json(**output)


if __name__ == '__main__':
    main()
