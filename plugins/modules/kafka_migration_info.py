#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_migration_info
short_description: Read what ZooKeeper and the brokers say about a ZooKeeper to KRaft migration
description:
  - Reads, with a ZooKeeper client (kazoo), the znodes a ZooKeeper to KRaft migration (Kafka 3.9, KIP-866) leaves
    its state in, C(/cluster/id), C(/migration), C(/controller) and C(/brokers/ids), the ACL of C(/brokers/topics), and
    the names of the SCRAM users and ACL resources Kafka keeps in ZooKeeper.
  - With O(bootstrap_servers), also asks every registered broker for its own ApiVersions answer - a broker that lists
    C(LeaderAndIsr) runs in ZooKeeper mode, one that does not is a KRaft broker.
  - Only reads; the phase, the steps left and the refusals are judged from its result by the
    C(streamops.kafka.migration_*) filters.
  - Needs kazoo (and pure-sasl with O(zookeeper_username)), and kafka-python with O(bootstrap_servers), where it runs.
author: streamops engineers (@streamops)
extends_documentation_fragment:
  - streamops.kafka.connection
  - streamops.kafka.zookeeper
notes:
  - Supports check mode; it only reads.
  - The connection options are those of the C(group/streamops.kafka.kafka) module defaults; they are used only with
    O(bootstrap_servers).
'''

EXAMPLES = r'''
- name: Read the migration's state
  streamops.kafka.kafka_migration_info:
    zookeeper_connect: zk1:2181,zk2:2181,zk3:2181
    bootstrap_servers: [kafka1:9092]
  delegate_to: localhost
  run_once: true
  register: __migration

- name: Stop on a state no migration step leaves
  ansible.builtin.assert:
    that: __phase.problems | length == 0
    fail_msg: "{{ __phase.problems | join(' ') }}"
  vars:
    __phase: "{{ __migration | streamops.kafka.migration_phase(groups['kafka_controllers'], groups['kafka_brokers'], __kinds) }}"
    __kinds: {c1: controller-migrating, b1: zk-broker-migrating}
'''

RETURN = r'''
elapsed:
  description: Seconds the reads took, connections included.
  returned: always
  type: float
  sample: 0.2
cluster_id:
  description: The cluster id ZooKeeper holds (C(/cluster/id)); null when there is none.
  returned: always
  type: str
  sample: k1ENoNWCQ_KieUZcqhrGeQ
migration:
  description:
    - C(/migration) as written by the active KRaft controller (C(kraft_controller_id), C(kraft_metadata_offset), ...);
      null when there is none. Its offset is -1 until the metadata was copied.
  returned: always
  type: dict
  sample: {version: 0, kraft_controller_id: 11, kraft_controller_epoch: 1, kraft_metadata_offset: 142, kraft_metadata_epoch: 1}
controller:
  description: C(/controller); C(kraftControllerEpoch) is -1 or absent while a ZooKeeper-mode broker is the controller.
  returned: always
  type: dict
  sample: {version: 2, brokerid: 11, timestamp: "1764630000000", kraftControllerEpoch: 1}
metadata_copied:
  description: Whether C(/migration) records a finished copy of the metadata into KRaft.
  returned: always
  type: bool
kraft_controller_epoch:
  description: The epoch of the KRaft controller holding the ZooKeeper controllership, null when none does.
  returned: always
  type: int
zk_broker_ids:
  description: Brokers registered in ZooKeeper (C(/brokers/ids)), that is those running in ZooKeeper mode.
  returned: always
  type: list
  elements: int
  sample: [1, 2, 3]
znode_writers:
  description:
    - Who may write Kafka's znodes (the ACL of C(/brokers/topics)); null when anyone may (C(zookeeper.set.acl) off).
      SASL ids as they are, other schemes as C(scheme:id).
  returned: always
  type: list
  elements: str
  sample: [kafka]
scram_users:
  description: Users with SCRAM credentials in ZooKeeper (children of C(/config/users)); the migration copies them.
  returned: always
  type: list
  elements: str
acl_resources:
  description: Resources with ACLs in ZooKeeper, as C(Type:name) (children of C(/kafka-acl)); the migration copies them.
  returned: always
  type: list
  elements: str
  sample: ["Topic:orders", "Group:billing"]
broker_modes:
  description: How each registered broker answers, V(zookeeper) or V(kraft), by broker id.
  returned: with bootstrap_servers
  type: dict
  sample: {"1": zookeeper, "2": kraft}
'''

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.streamops.kafka.plugins.module_utils._client import (
    BrokerClient, connection_argument_spec, connection_constraints, describe_error, require_kafka)
from ansible_collections.streamops.kafka.plugins.module_utils._migration import (
    broker_mode, kraft_controller_epoch, metadata_copied, znode_json)
from ansible_collections.streamops.kafka.plugins.module_utils._zkclient import require_kazoo, run_on_zookeeper, writers, zookeeper_argument_spec

# The znode whose ACL says who may write Kafka's metadata (created by the first broker, like every znode under it).
ACL_PROBE = '/brokers/topics'


def zookeeper_facts(zk):
    cluster = znode_json(zk.data('/cluster/id'))
    migration, controller = znode_json(zk.data('/migration')), znode_json(zk.data('/controller'))
    acls = zk.acls(ACL_PROBE)
    acl_resources = []
    for kind in zk.children('/kafka-acl'):
        acl_resources.extend('%s:%s' % (kind, name) for name in zk.children('/kafka-acl/' + kind))
    return dict(
        cluster_id=(cluster or {}).get('id'),
        migration=migration,
        controller=controller,
        metadata_copied=metadata_copied(migration),
        kraft_controller_epoch=kraft_controller_epoch(controller),
        zk_broker_ids=sorted(int(b) for b in zk.children('/brokers/ids') if b.isdigit()),
        znode_writers=None if acls is None else writers(acls),
        scram_users=zk.children('/config/users'),
        acl_resources=acl_resources,
    )


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(zookeeper_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, mutually_exclusive=[('bootstrap_servers', 'bootstrap_controllers')],
                           **connection_constraints())
    require_kazoo(module)
    if module.params['bootstrap_controllers']:
        module.fail_json(msg='kafka_migration_info reads the brokers (bootstrap_servers); bootstrap_controllers is not used.')
    started = time.monotonic()
    result = run_on_zookeeper(module, 'kafka_migration_info', 'read the znodes', zookeeper_facts)
    if module.params['bootstrap_servers']:
        require_kafka(module)
        client = BrokerClient(module.params, 'streamops-kafka_migration_info')
        try:
            result['broker_modes'] = dict((str(b), broker_mode(keys)) for b, keys in sorted(client.broker_api_keys().items()))
        except Exception as exc:  # pylint: disable=broad-except
            module.fail_json(msg='kafka_migration_info could not ask the brokers at %s: %s' % (
                ', '.join(module.params['bootstrap_servers']), describe_error(exc)))
        finally:
            client.close()
    module.exit_json(changed=False, elapsed=round(time.monotonic() - started, 3), **result)


if __name__ == '__main__':
    main()
