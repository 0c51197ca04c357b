#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_isr_wait
short_description: Wait until partitions are fully replicated, a broker is back in every ISR, or a broker may stop
description:
  - Polls the cluster through the Admin API until a condition holds, then returns how long it took.
  - With neither O(broker) nor O(can_stop), waits until no partition is offline, under-replicated, or below its
    C(min.insync.replicas) (read per topic, broker defaults included).
  - With O(broker), waits until that broker is registered and in the ISR of every partition it replicates.
  - With O(can_stop), waits until stopping that broker (or that set of brokers together) leaves every partition it
    hosts at or above C(min.insync.replicas), counting only in-sync replicas outside the set that answer on their
    listener. A partition with a replica in the set blocks when the in-sync replicas left outside the set, live and
    not offline, would be fewer than C(min.insync.replicas) (at least one).
  - With O(can_stop) and O(live_check), every poll opens a fresh connection to each registered broker. A broker that
    an ISR lists but that does not answer (killed a moment ago, not yet fenced by the controller) blocks every stop
    until it is back.
  - On timeout it fails and names what was still wrong.
version_added: 0.7.0
author: streamops engineers (@streamops)
extends_documentation_fragment:
  - streamops.kafka.connection
  - streamops.kafka.wait
options:
  broker:
    description: Broker id that was just (re)started.
    type: int
  can_stop:
    description:
      - Broker id that is about to stop, or the ids of brokers about to stop together.
    type: list
    elements: int
  split:
    description:
      - With a list O(can_stop), when the whole set may not stop together but a leading part of it may, succeed for
        the longest such part instead of waiting for the whole set. RV(stoppable) names the brokers that may stop now
        and RV(deferred) the rest, to be judged again once those are back. The first broker of the list alone still
        waits as a single O(can_stop) does.
    type: bool
    default: false
  live_check:
    description:
      - With O(can_stop), count an in-sync replica only when its broker completes a new connection (TCP, TLS, SASL,
        ApiVersions) within O(live_timeout), and block while any broker an ISR lists does not.
    type: bool
    default: true
  live_timeout:
    description: Seconds each broker has to answer the O(live_check) connection.
    type: float
    default: 3
  ignore_partitions:
    description:
      - Partitions (C(topic-N)) no condition is judged on, for example ones whose risk the operator accepted (replication
        factor 1, or below C(min.insync.replicas)). They are still listed in C(state.ignored).
    type: list
    elements: str
    default: []
  topics:
    description: Only look at these topics (default all, internal topics included).
    type: list
    elements: str
  elect_leaders:
    description:
      - With O(broker), once the broker is back, run a preferred-leader election for all partitions and report how
        many leaderships moved. Skipped in check mode.
    type: bool
    default: false
  fail_on_rf1:
    description:
      - With O(can_stop), also refuse when the broker hosts partitions with replication factor 1. They cannot stay
        available through any stop; by default they are only reported in C(state.rf1).
    type: bool
    default: false
notes:
  - Run it where kafka-python is installed and the listeners are reachable, for example on a cluster host
    (C(bootstrap_servers=localhost:9092)) or on the controller with C(delegate_to=localhost).
'''

EXAMPLES = r'''
- name: Stop only when no partition would fall under min.insync.replicas
  streamops.kafka.kafka_isr_wait:
    bootstrap_servers: ["{{ inventory_hostname }}:9092"]
    can_stop: "{{ kafka_node_id }}"
    timeout: 600

- name: Stop a rack's brokers together only when every partition keeps enough live in-sync replicas
  streamops.kafka.kafka_isr_wait:
    bootstrap_servers: [kafka1:9092, kafka2:9092]
    can_stop: [4, 5]

- name: Stop as much of a batch as may stop together; the rest waits for a later stop
  streamops.kafka.kafka_isr_wait:
    bootstrap_servers: [kafka1:9092, kafka2:9092]
    can_stop: [4, 5, 6]
    split: true
  register: gate
  # gate.stoppable: the brokers to stop now; gate.deferred: the rest

- name: Wait for the restarted broker to rejoin every ISR, then restore preferred leaders
  streamops.kafka.kafka_isr_wait:
    bootstrap_servers: ["{{ inventory_hostname }}:9092"]
    broker: "{{ kafka_node_id }}"
    elect_leaders: true

- name: Wait until the whole cluster is fully replicated
  streamops.kafka.kafka_isr_wait:
    bootstrap_servers: [kafka1:9092, kafka2:9092]
    security_protocol: SASL_PLAINTEXT
    sasl_mechanism: SCRAM-SHA-512
    sasl_username: admin
    sasl_password: "{{ vault_kafka_admin_password }}"
'''

RETURN = r'''
elapsed:
  description: Seconds from the first poll to the answer.
  returned: always
  type: float
  sample: 0.042
attempts:
  description: Polls made.
  returned: always
  type: int
  sample: 1
state:
  description: What the last poll saw. Lists are cut to 50 entries; the C(*_count) keys hold full counts.
  returned: always
  type: dict
  sample:
    partitions: 153
    under_replicated: []
    under_replicated_count: 0
    offline: []
    offline_count: 0
    under_min_isr: []
    under_min_isr_count: 0
live_brokers:
  description: With O(can_stop) and O(live_check), the brokers that answered the last poll's connection.
  returned: when O(can_stop) and O(live_check) are set
  type: list
  elements: int
  sample: [1, 2, 3]
stoppable:
  description: With O(can_stop), the brokers that may stop now (all of O(can_stop) unless O(split) cut the set).
  returned: when O(can_stop) is set and the wait succeeded
  type: list
  elements: int
  sample: [4, 5]
deferred:
  description: With O(can_stop) and O(split), the brokers of O(can_stop) left for a later stop.
  returned: when O(can_stop) is set and the wait succeeded
  type: list
  elements: int
  sample: [6]
leaders_moved:
  description: Partitions whose preferred replica became leader in the election (O(elect_leaders)).
  returned: when O(elect_leaders) is true and the wait succeeded
  type: int
  sample: 17
election_failed:
  description: Partitions the election could not move, with the error code (for example 80, preferred leader not available).
  returned: when O(elect_leaders) is true and the wait succeeded
  type: list
  elements: str
  sample: []
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.streamops.kafka.plugins.module_utils._client import (
    BrokerClient, connection_argument_spec, connection_constraints, require_kafka, retry_after_reset)
from ansible_collections.streamops.kafka.plugins.module_utils._health import (
    broker_problems, cluster_problems, label, partition_states, set_stop_blockers)
from ansible_collections.streamops.kafka.plugins.module_utils._roll import largest_safe_prefix
from ansible_collections.streamops.kafka.plugins.module_utils._wait import wait_argument_spec, wait_until

LIST_LIMIT = 50
ELECTION_NOT_NEEDED = 84


def trimmed(state):
    """Cut long lists for the result; keep full counts beside them."""
    out = {}
    for key, value in state.items():
        if isinstance(value, list):
            out[key] = value[:LIST_LIMIT]
            out[key + '_count'] = len(value)
        else:
            out[key] = value
    return out


class IsrCheck:
    def __init__(self, client, params):
        self.client = client
        self.params = params

    def states(self):
        topics = self.client.topics(self.params['topics'])
        missing = [t['name'] for t in topics if t.get('error_code')]
        if missing:
            raise ValueError('topics not found: %s' % ', '.join(missing))
        return partition_states(topics, self.client.min_isr([t['name'] for t in topics]))

    def __call__(self):
        p = self.params
        ignored = set(p['ignore_partitions'])
        states = self.states()
        judged = [s for s in states if label(s) not in ignored]
        if p['broker'] is not None:
            found = broker_problems(judged, p['broker'], self.client.registered_brokers())
            ok = found['registered'] and not found['not_in_isr']
        elif p['can_stop']:
            live = None
            if p['live_check']:
                registered, live = self.client.live_brokers(int(p['live_timeout'] * 1000))
            ids = list(p['can_stop'])
            found = set_stop_blockers(judged, ids, live)
            if p['split'] and found['blocking']:
                # A set the gate refuses is cut to its longest leading part that may stop, not waited on.
                part = largest_safe_prefix(ids, lambda sub: not set_stop_blockers(judged, sub, live)['blocking'])
                smaller = set_stop_blockers(judged, part, live)
                if not smaller['blocking']:
                    found, ids = smaller, part
            if live is not None:
                found['live_brokers'] = live
                # A registered broker that does not answer is down too, even if no ISR lists it any more.
                found['not_live'] = sorted(set(found['not_live']) | (set(registered) - set(live) - set(p['can_stop'])))
            ok = not found['blocking'] and not found['not_live'] and not (p['fail_on_rf1'] and found['rf1'])
            found['stoppable'] = ids if ok else []
            found['deferred'] = [b for b in p['can_stop'] if b not in found['stoppable']]
        else:
            found = cluster_problems(judged)
            ok = not any(found.values())
        found['partitions'] = len(states)
        found['ignored'] = sorted(label(s) for s in states if label(s) in ignored)
        return ok, found


def failure_message(params, result):
    state = result['state']
    head = 'timed out after %.1f s (%d attempts): ' % (result['elapsed'], result['attempts'])
    if 'error' in state:
        return head + 'the cluster could not be read: %s' % state['error']
    if params['broker'] is not None:
        if not state['registered']:
            return head + 'broker %s is not registered with the cluster' % params['broker']
        return head + 'broker %s is not in the ISR of %d partition(s): %s' % (
            params['broker'], len(state['not_in_isr']), ', '.join(state['not_in_isr'][:LIST_LIMIT]))
    if params['can_stop']:
        stopping = '%s %s' % ('broker' if len(params['can_stop']) == 1 else 'brokers', ', '.join(str(b) for b in params['can_stop']))
        found = []
        if state.get('blocking') or not state.get('not_live'):
            reasons = state['blocking'][:LIST_LIMIT] or ['replication factor 1: %s' % ', '.join(state['rf1'][:LIST_LIMIT])]
            found.append('stopping %s would put partitions under min.insync.replicas: %s' % (stopping, '; '.join(reasons)))
        if state.get('not_live'):
            found.append('broker(s) %s do not answer on their listener (down, or not yet fenced): no broker stops while '
                         'another is down, so %s stay(s) up' % (', '.join(str(b) for b in state['not_live']), stopping))
        return head + '; and '.join(found)
    parts = ['%s: %s' % (k.replace('_', ' '), ', '.join(v[:LIST_LIMIT])) for k, v in sorted(state.items())
             if isinstance(v, list) and v and k != 'ignored']
    return head + 'partitions not healthy: ' + '; '.join(parts)


def elect(client):
    """Preferred-leader election for all partitions, counted from the controller's answer.

    Error NONE means the preferred replica was made leader; ELECTION_NOT_NEEDED means it already led.
    """
    response = client.elect_preferred_leaders()
    moved, failed = 0, []
    for result in response.replica_election_results:
        for part in result.partition_result:
            if part.error_code == 0:
                moved += 1
            elif part.error_code != ELECTION_NOT_NEEDED:
                failed.append('%s-%s (error %s)' % (result.topic, part.partition_id, part.error_code))
    return True, {'leaders_moved': moved, 'election_failed': failed}


def argument_spec():
    """The module's options; IsrCheck used in-process (the verify suite's gate_now) takes their defaults from here."""
    spec = connection_argument_spec()
    spec.update(
        broker=dict(type='int'),
        can_stop=dict(type='list', elements='int'),
        live_check=dict(type='bool', default=True),
        live_timeout=dict(type='float', default=3),
        ignore_partitions=dict(type='list', elements='str', default=[]),
        topics=dict(type='list', elements='str'),
        elect_leaders=dict(type='bool', default=False),
        fail_on_rf1=dict(type='bool', default=False),
        split=dict(type='bool', default=False),
    )
    spec.update(wait_argument_spec())
    return spec


def main():
    constraints = connection_constraints()
    module = AnsibleModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        mutually_exclusive=[('broker', 'can_stop'), ('bootstrap_servers', 'bootstrap_controllers')],
        **constraints
    )
    if not module.params['bootstrap_servers']:
        module.fail_json(msg='kafka_isr_wait reads partition metadata, which only brokers serve: set bootstrap_servers')
    if module.params['elect_leaders'] and module.params['broker'] is None:
        module.fail_json(msg='elect_leaders needs broker: the election runs once that broker is back in every ISR')
    require_kafka(module)

    client = BrokerClient(module.params, 'streamops-kafka_isr_wait')

    ride_out = retry_after_reset(client)

    try:
        result = wait_until(IsrCheck(client, module.params), module.params['timeout'], module.params['sleep'],
                            is_transient=ride_out)
        output = dict(changed=False, elapsed=result['elapsed'], attempts=result['attempts'], state=trimmed(result['state']))
        if not result['ok']:
            module.fail_json(msg=failure_message(module.params, result), **output)
        if module.params['can_stop']:
            output['stoppable'] = result['state']['stoppable']
            output['deferred'] = result['state']['deferred']
        if module.params['elect_leaders'] and not module.check_mode:
            # Right after a restart the controller may not know the broker yet: retry within what is left of timeout.
            election = wait_until(lambda: elect(client), max(module.params['timeout'] - result['elapsed'], module.params['sleep']),
                                  module.params['sleep'], is_transient=ride_out)
            output['attempts'] += election['attempts']
            output['elapsed'] = round(output['elapsed'] + election['elapsed'], 3)
            if not election['ok']:
                module.fail_json(msg='broker %s is back in every ISR, but the preferred-leader election failed: %s' % (
                    module.params['broker'], election['state'].get('error')), **output)
            output['leaders_moved'] = election['state']['leaders_moved']
            output['election_failed'] = election['state']['election_failed'][:LIST_LIMIT]
            output['changed'] = output['leaders_moved'] > 0
        module.exit_json(**output)
    except ValueError as exc:
        module.fail_json(msg='kafka_isr_wait could not check the cluster: %s' % exc)
    finally:
        client.close()


if __name__ == '__main__':
    main()
