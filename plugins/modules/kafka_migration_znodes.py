#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_migration_znodes
short_description: Delete the znodes a ZooKeeper to KRaft migration leaves, on its way back
description:
  - The rollback step of a ZooKeeper to KRaft migration (Kafka 3.9 documentation, "Reverting to ZooKeeper mode")
    once the KRaft controllers are deprovisioned - delete C(/controller), so that a ZooKeeper-mode broker becomes the
    controller again, and C(/migration), so that a later migration copies the metadata afresh.
  - Returns what each znode held before it was deleted (the documentation keeps C(/migration) for debugging).
  - Run it only after the controllers are stopped - the KRaft controller writes C(/controller) as a persistent znode,
    so ZooKeeper cannot tell whether it still runs, and a running one would claim the controllership again.
  - Needs kazoo (and pure-sasl with O(zookeeper_username)) where it runs. Idempotent - a missing znode is not a change.
author: streamops engineers (@streamops)
extends_documentation_fragment:
  - streamops.kafka.zookeeper
options:
  znodes:
    description: The znodes to delete.
    type: list
    elements: str
    choices: [/controller, /migration]
    default: [/controller, /migration]
notes:
  - Supports check mode (reports what it would delete).
'''

EXAMPLES = r'''
- name: Clear the migration's znodes (controllers already stopped)
  streamops.kafka.kafka_migration_znodes:
    zookeeper_connect: zk1:2181,zk2:2181,zk3:2181
  delegate_to: localhost
  run_once: true
  register: __cleared
'''

RETURN = r'''
deleted:
  description: The znodes deleted (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [/controller, /migration]
before:
  description: What each deleted znode held, parsed as JSON.
  returned: always
  type: dict
  sample: {/migration: {version: 0, kraft_controller_id: 11, kraft_metadata_offset: 225}}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.streamops.kafka.plugins.module_utils._migration import znode_json
from ansible_collections.streamops.kafka.plugins.module_utils._zkclient import require_kazoo, run_on_zookeeper, zookeeper_argument_spec


def clear(zk, znodes, check_mode):
    """Delete each of znodes that exists: (deleted, {path: what it held, parsed})."""
    deleted, before = [], {}
    for path in znodes:
        data = zk.data(path)
        if data is None:
            continue
        before[path] = znode_json(data)
        if check_mode or zk.delete(path):
            deleted.append(path)
    return deleted, dict((path, before[path]) for path in deleted)


def main():
    argument_spec = zookeeper_argument_spec()
    argument_spec.update(znodes=dict(type='list', elements='str', choices=['/controller', '/migration'], default=['/controller', '/migration']))
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    require_kazoo(module)
    deleted, before = run_on_zookeeper(module, 'kafka_migration_znodes', 'clear %s' % ', '.join(module.params['znodes']),
                                       lambda zk: clear(zk, module.params['znodes'], module.check_mode))
    module.exit_json(changed=bool(deleted), deleted=deleted, before=before)


if __name__ == '__main__':
    main()
