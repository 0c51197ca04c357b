#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_info
short_description: Read facts about a running Kafka cluster
description:
  - Returns the cluster id, brokers, active controller, KRaft quorum (leader, voters, observers, lag), finalized
    features such as C(metadata.version), partition and leader counts per broker, counts of offline,
    under-replicated and under-min-ISR partitions, and the partitions at risk during restarts
    (replication factor 1 or a single-member ISR).
  - Only reads; never reports a change.
  - With O(bootstrap_controllers) only the quorum can be read (controllers answer nothing else).
  - A read that fails on a transient Kafka error is retried for up to O(retry_timeout) seconds.
version_added: 0.7.0
author: streamops engineers (@streamops)
options:
  retry_timeout:
    description:
      - Seconds to keep retrying a read that fails on a transient Kafka error, on a fresh connection each time. A
        topic created a moment ago is one such case (a broker that does not know it yet cannot tell its
        C(min.insync.replicas)); a broker restarting is another. C(0) reads once.
    type: float
    default: 10
    version_added: 0.7.0
extends_documentation_fragment:
  - streamops.kafka.connection
'''

EXAMPLES = r'''
- name: Read the cluster's facts
  streamops.kafka.kafka_info:
    bootstrap_servers: ["{{ inventory_hostname }}:9092"]
  register: cluster

- name: Show the finalized metadata.version
  ansible.builtin.debug:
    var: cluster.features['metadata.version'].finalized
'''

RETURN = r'''
elapsed:
  description: Seconds the reads took, connection included.
  returned: always
  type: float
  sample: 0.061
attempts:
  description: Reads made (more than 1 when a transient error was retried).
  returned: always
  type: int
  sample: 1
cluster_id:
  description: The cluster id.
  returned: with bootstrap_servers
  type: str
  sample: k1ENoNWCQ_KieUZcqhrGeQ
controller_id:
  description: Id the cluster reports as its controller (in KRaft, a broker chosen to forward to the quorum).
  returned: with bootstrap_servers
  type: int
  sample: 2
brokers:
  description: Registered brokers that are not fenced (those that serve clients).
  returned: with bootstrap_servers
  type: list
  elements: dict
  sample: [{broker_id: 1, host: kafka1, port: 9092, rack: null}]
fenced_brokers:
  description:
    - Ids of registered brokers the controller fenced (a stopped or unreachable broker; Kafka 4.0 and later report
      them, earlier releases leave them out and this is empty).
  returned: with bootstrap_servers
  type: list
  elements: int
  sample: [3]
quorum:
  description: The KRaft metadata quorum; null on a ZooKeeper-mode cluster.
  returned: always
  type: dict
  sample: {leader_id: 2, leader_epoch: 7, high_watermark: 5120, voters: [], observers: []}
features:
  description: Feature flags by name, with C(supported) (min, max) and C(finalized) (min, max) levels.
  returned: with bootstrap_servers
  type: dict
  sample: {metadata.version: {supported: [1, 27], finalized: [27, 27]}}
broker_load:
  description: Partition replicas and leaderships per broker id.
  returned: with bootstrap_servers
  type: dict
  sample: {"1": {partitions: 52, leaders: 17}}
partitions:
  description: Total partitions, and counts of offline, under-replicated and under-min-ISR ones.
  returned: with bootstrap_servers
  type: dict
  sample: {total: 153, offline: 0, under_replicated: 0, under_min_isr: 0}
at_risk:
  description:
    - Partitions with replication factor 1 (C(rf1)), a single-member ISR (C(single_isr)), or a replication factor
      below the topic's C(min.insync.replicas) (C(rf_below_min_isr), replication factor 1 included), which never takes an
      C(acks=all) write.
  returned: with bootstrap_servers
  type: dict
  sample: {rf1: ["scratch-0"], single_isr: [], rf_below_min_isr: []}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.streamops.kafka.plugins.module_utils._client import (
    BrokerClient, ControllerClient, connection_argument_spec, connection_constraints, describe_error, require_kafka, retry_after_reset)
from ansible_collections.streamops.kafka.plugins.module_utils._health import (
    broker_load, cluster_problems, partition_states, quorum_summary, risky_partitions)
from ansible_collections.streamops.kafka.plugins.module_utils._wait import wait_until

# Between retries of a read that failed on a transient error.
RETRY_PAUSE_S = 0.5

try:
    import kafka.errors as kafka_errors
except ImportError:
    kafka_errors = None


def quorum_or_none(client):
    """The quorum summary, or None on a cluster without one (ZooKeeper mode)."""
    try:
        return quorum_summary(client.describe_quorum())
    except (kafka_errors.UnsupportedVersionError, kafka_errors.IncompatibleBrokerVersion):
        return None


def broker_facts(client):
    cluster = client.describe_cluster()
    topics = client.topics()
    states = partition_states(topics, client.min_isr([t['name'] for t in topics]))
    problems = cluster_problems(states)
    features = {}
    for name, levels in client.describe_features().items():
        features[name] = dict((k, list(v) if isinstance(v, tuple) else v) for k, v in levels.items())
    return dict(
        cluster_id=cluster['cluster_id'],
        controller_id=cluster['controller_id'],
        brokers=sorted(cluster['brokers'], key=lambda b: b['broker_id']),
        fenced_brokers=cluster['fenced_brokers'],
        quorum=quorum_or_none(client),
        features=features,
        broker_load=dict((str(k), v) for k, v in sorted(broker_load(states).items())),
        partitions=dict(total=len(states), **dict((k, len(v)) for k, v in problems.items())),
        at_risk=risky_partitions(states),
    )


def read_facts(client, controllers):
    """One read of the cluster: the quorum only through controllers, everything through brokers."""
    if controllers:
        return dict(quorum=quorum_summary(client.describe_quorum()))
    return broker_facts(client)


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(retry_timeout=dict(type='float', default=10))
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[('bootstrap_servers', 'bootstrap_controllers')],
        required_one_of=[('bootstrap_servers', 'bootstrap_controllers')],
        **connection_constraints()
    )
    require_kafka(module)
    controllers = bool(module.params['bootstrap_controllers'])
    where = ', '.join(module.params['bootstrap_servers'] or module.params['bootstrap_controllers'])
    if controllers:
        client = ControllerClient(module.params, 'streamops-kafka_info')
    else:
        client = BrokerClient(module.params, 'streamops-kafka_info')
    try:
        result = wait_until(lambda: (True, read_facts(client, controllers)), max(module.params['retry_timeout'], 0), RETRY_PAUSE_S,
                            retry_after_reset(client))
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg='kafka_info could not read the cluster at %s: %s' % (where, describe_error(exc)))
    finally:
        client.close()
    if not result['ok']:
        module.fail_json(msg='kafka_info could not read the cluster at %s (%d attempts in %.1f s): %s' % (
            where, result['attempts'], result['elapsed'], result['state'].get('error')), elapsed=result['elapsed'], attempts=result['attempts'])
    module.exit_json(changed=False, elapsed=result['elapsed'], attempts=result['attempts'], **result['state'])


if __name__ == '__main__':
    main()
