# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The ZooKeeper options of module_utils/_zkclient.py zookeeper_argument_spec().
    DOCUMENTATION = r'''
options:
  zookeeper_connect:
    description:
      - The ensemble as in Kafka's C(zookeeper.connect) - V(host:port) of every member, comma-separated, and the chroot
        if Kafka uses one (V(zk1:2181,zk2:2181,zk3:2181/kafka)).
    type: str
    required: true
  zookeeper_username:
    description:
      - User for SASL DIGEST-MD5 to ZooKeeper (the brokers' C(Client) login); none logs in anonymously.
      - With C(zookeeper.set.acl), Kafka's znodes (and the parent of C(/controller) and C(/migration) under a chroot Kafka
        created) are writable only by it.
    type: str
  zookeeper_password:
    description: Password of O(zookeeper_username). Never logged.
    type: str
  zookeeper_timeout:
    description: Seconds to wait for the ZooKeeper session.
    type: float
    default: 10
'''
