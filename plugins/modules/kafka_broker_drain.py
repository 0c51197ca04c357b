#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_broker_drain
short_description: Move every replica off brokers that are to leave a cluster, or unregister brokers that left
description:
  - With O(state=drained), moves every partition replica held by the brokers of O(broker_ids) to the remaining brokers
    with AlterPartitionReassignments, then waits until no partition has a replica on them, no reassignment is in flight
    and every moved partition is fully in sync (its ISR is its replica set). The brokers keep running; stop them after.
  - Each replica goes to a remaining broker without a replica of that partition, in the drained broker's rack when
    racks are set and one is free there, else in a rack the partition does not use yet, else any; the least loaded
    first. The other replicas keep their places.
  - Before anything moves it refuses, naming each, the topics whose replication factor the remaining brokers cannot
    hold. A reassignment in flight is left to finish, so a drain that stopped half-way resumes; replicas that appear on
    the drained brokers meanwhile (a topic created during the drain) are moved too.
  - With O(state=unregistered), unregisters the brokers of O(broker_ids) from a KRaft cluster (UnregisterBroker, as
    C(kafka-cluster.sh unregister) does), once they are stopped (fenced) and hold no replica; a broker the cluster does
    not know is left alone. A registration left behind keeps a stopped broker in the cluster's metadata, where it
    counts, for example, when feature levels are raised.
  - Check mode reads once and reports the moves (or the brokers to unregister) without making them. Before Kafka 4.0 the
    cluster does not list stopped brokers, so check mode reports none to unregister there.
version_added: 0.14.0
author: streamops engineers (@streamops)
extends_documentation_fragment:
  - streamops.kafka.connection
  - streamops.kafka.wait
options:
  broker_ids:
    description: The brokers (C(node.id)) to drain or unregister.
    type: list
    elements: int
    required: true
  state:
    description:
      - V(drained) moves their replicas to the other brokers and waits until the move is over.
      - V(unregistered) unregisters them once they are stopped and empty.
    type: str
    choices: [drained, unregistered]
    default: drained
  rack_aware:
    description: Place replicas by the brokers' C(broker.rack) (when set). V(false) places by load alone.
    type: bool
    default: true
notes:
  - Needs O(bootstrap_servers) (partition metadata is served by brokers) on Kafka 2.4 or newer (KIP-455); V(unregistered)
    needs a KRaft cluster.
  - No replication throttle is set; a broker holding much data moves it as fast as the network and disks allow. Give
    O(timeout) room for it, and a larger O(sleep) on a cluster with many partitions (each poll reads them all).
'''

EXAMPLES = r'''
- name: Drain broker 4 before it leaves
  streamops.kafka.kafka_broker_drain:
    bootstrap_servers: ["{{ groups['kafka_brokers'][0] }}:9092"]
    broker_ids: [4]
    timeout: 1800
    sleep: 1

- name: After it stopped, unregister it
  streamops.kafka.kafka_broker_drain:
    bootstrap_servers: ["{{ groups['kafka_brokers'][0] }}:9092"]
    broker_ids: [4]
    state: unregistered
'''

RETURN = r'''
elapsed:
  description: Seconds from the first read to the end of the move (or of the unregistration).
  returned: always
  type: float
  sample: 12.4
attempts:
  description: Cluster reads.
  returned: always
  type: int
  sample: 25
moves:
  description:
    - The reassignments this run started (C(topic), C(partition), C(replicas) before, C(target)); in check mode, those
      it would start. At most 200 are listed; C(moves_count) counts them all.
  returned: with O(state=drained)
  type: list
  elements: dict
  sample: [{topic: orders, partition: 3, replicas: [4, 1, 2], target: [3, 1, 2]}]
moves_count:
  description: How many reassignments this run started.
  returned: with O(state=drained)
  type: int
unregistered:
  description: The brokers this run unregistered.
  returned: with O(state=unregistered)
  type: list
  elements: int
state:
  description:
    - What was last observed, as partition labels C(topic-partition)
    - C(left) (with a replica on a drained broker), C(moving) (reassignments in flight), C(out_of_sync) (moved, not
      fully in sync), C(partitions) (how many the cluster has); or C(error) when the cluster could not be read.
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.streamops.kafka.plugins.module_utils._client import (
    BrokerClient, connection_argument_spec, connection_constraints, describe_error, kafka_errors, require_kafka,
    retry_after_reset)
from ansible_collections.streamops.kafka.plugins.module_utils._drain import drain_moves, drain_progress, progress_message, unregister_blockers
from ansible_collections.streamops.kafka.plugins.module_utils._health import partition_states
from ansible_collections.streamops.kafka.plugins.module_utils._wait import wait_argument_spec, wait_until

LIST_LIMIT = 200
NOT_REGISTERED = 102  # BROKER_ID_NOT_REGISTERED


class Refused(Exception):
    """A drain the cluster cannot take; nothing was moved by the read that found it."""


class Drain:
    """One read of the cluster; starts the moves it finds needed (none in check mode). ok once the drain is over."""

    def __init__(self, client, params, check_mode):
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.moved = {}

    def __call__(self):
        p = self.params
        cluster = self.client.describe_cluster()
        brokers = cluster['brokers']
        racks = dict((b['broker_id'], b.get('rack')) for b in brokers) if p['rack_aware'] else {}
        states = partition_states(self.client.topics(), {})
        ongoing = self.client.reassignments()
        plan = drain_moves(states, [b['broker_id'] for b in brokers], p['broker_ids'], racks, ongoing)
        if plan['problems']:
            raise Refused(' '.join(plan['problems']))
        progress = drain_progress(states, p['broker_ids'], ongoing, self.moved)
        progress['partitions'] = len(states)
        if plan['moves']:
            targets = dict(((m['topic'], m['partition']), m['target']) for m in plan['moves'])
            refused = {} if self.check_mode else self.client.reassign(targets)
            if refused:
                raise Refused('the controller refused reassigning %s' % ', '.join(
                    '%s (%s)' % item for item in sorted(refused.items())[:20]))
            for move in plan['moves']:
                self.moved[(move['topic'], move['partition'])] = move
            return self.check_mode, progress
        return not any(progress[k] for k in ('left', 'moving', 'out_of_sync')), progress


class Unregister:
    """One read: ok once every broker of broker_ids is unregistered (none in check mode, which only reads)."""

    def __init__(self, client, params, check_mode):
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.done = []
        self.known = set()

    def __call__(self):
        p = self.params
        cluster = self.client.describe_cluster()
        serving = set(b['broker_id'] for b in cluster['brokers'])
        self.known = serving | set(cluster.get('fenced_brokers') or [])
        blockers = unregister_blockers(partition_states(self.client.topics(), {}), p['broker_ids'])
        if blockers:
            raise Refused('; '.join(blockers))
        running = sorted(set(p['broker_ids']) & serving)
        state = {'running': running, 'unregistered': list(self.done)}
        if running:
            # A stopped broker is fenced when its session times out, at once after a controlled shutdown.
            return False, state
        for broker in p['broker_ids']:
            if broker in self.done or self.check_mode:
                continue
            code = self.client.unregister_broker(broker)
            if code and code != NOT_REGISTERED:
                raise kafka_errors.for_code(code)('UnregisterBroker %s failed' % broker)
            if not code:
                self.done.append(broker)
        state['unregistered'] = list(self.done)
        return True, state


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        broker_ids=dict(type='list', elements='int', required=True),
        state=dict(type='str', choices=['drained', 'unregistered'], default='drained'),
        rack_aware=dict(type='bool', default=True),
    )
    argument_spec.update(wait_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **connection_constraints())
    p = module.params
    if not p['bootstrap_servers']:
        module.fail_json(msg='kafka_broker_drain reads partition metadata, which only brokers serve: set bootstrap_servers')
    if not p['broker_ids']:
        module.fail_json(msg='broker_ids names no broker')
    require_kafka(module)
    client = BrokerClient(p, 'streamops-kafka_broker_drain')
    drained = p['state'] == 'drained'
    step = (Drain if drained else Unregister)(client, p, module.check_mode)
    output = dict(changed=False, elapsed=0.0, attempts=0, state={})
    try:
        if module.check_mode:
            ok, state = step()
            result = dict(ok=True, state=state, elapsed=0.0, attempts=1)
        else:
            result = wait_until(step, p['timeout'], p['sleep'], is_transient=retry_after_reset(client))
        output.update(elapsed=result['elapsed'], attempts=result['attempts'], state=result['state'])
        if drained:
            moves = list(step.moved.values())
            output.update(changed=bool(moves), moves=moves[:LIST_LIMIT], moves_count=len(moves))
        else:
            # Check mode sends nothing: it counts the brokers the cluster lists, stopped ones included (Kafka 4.0+).
            listed = set(p['broker_ids']) & step.known
            output.update(changed=bool(step.done) or (module.check_mode and bool(listed)), unregistered=step.done)
        if not result['ok']:
            state = result['state']
            if 'error' in state:
                why = 'the cluster could not be read: %s' % state['error']
            elif drained:
                why = progress_message(state)
            else:
                why = 'broker(s) %s still serve: stop them first' % ', '.join(str(b) for b in state['running'])
            module.fail_json(msg='timed out after %.1f s (%d attempts): %s' % (result['elapsed'], result['attempts'], why),
                             **output)
    except Refused as exc:
        module.fail_json(msg=str(exc), **output)
    except kafka_errors.KafkaError as exc:
        module.fail_json(msg=describe_error(exc), **output)
    finally:
        client.close()
    module.exit_json(**output)


if __name__ == '__main__':
    main()
