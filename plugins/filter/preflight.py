# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the preflight's judgements (plugins/module_utils/_preflight.py); documented in the sibling .yml files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os

import yaml

from ansible_collections.streamops.kafka.plugins.module_utils import _preflight, _quorum, _roll
from ansible_collections.streamops.kafka.plugins.plugin_utils._filters import filter_map


def kafka_layout_problems(hostvars, controllers, brokers, zk_mode, replication_factor, min_isr, controllers_group, brokers_group):
    """_preflight.kafka_layout_problems with the node ids read from the hosts' variables."""
    node_ids = dict((host, hostvars[host].get('kafka_node_id')) for host in list(controllers) + list(brokers))
    return _preflight.kafka_layout_problems(controllers, brokers, node_ids, _roll.flag(zk_mode), replication_factor, min_isr,
                                            controllers_group, brokers_group)


def zookeeper_ensemble_problems(hostvars, members, group):
    """_preflight.zookeeper_ensemble_problems with the ids read from the members' variables."""
    return _preflight.zookeeper_ensemble_problems(members, dict((host, hostvars[host].get('zookeeper_id')) for host in members), group)


COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Names the playbooks read (the plays' host patterns) and the facts the roles set for later tasks, beside the roles' options.
PLAYBOOK_VARIABLES = ('kafka_hosts', 'zookeeper_hosts')
SAFE_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
ROLE_FACTS = ('jdk_java_home', 'jdk_java_major', 'distribution_checksum')


def declared_variables(root=COLLECTION_ROOT):
    """Every option of every entry point of the collection's roles (meta/argument_specs.yml), the playbooks' own
    variables and the facts the roles set."""
    names = set(PLAYBOOK_VARIABLES + ROLE_FACTS)
    for path in glob.glob(os.path.join(root, 'roles', '*', 'meta', 'argument_specs.yml')):
        with open(path) as handle:
            # libyaml's safe loader when there is one: the specs are read on every host's preflight (10x the speed).
            for entry in (yaml.load(handle, Loader=SAFE_LOADER).get('argument_specs') or {}).values():
                names.update((entry or {}).get('options') or {})
    return sorted(names)


def unknown_variable_problems(names, host, extra=()):
    """_preflight.unknown_variable_problems against declared_variables() and the names the inventory adds (extra)."""
    return _preflight.unknown_variable_problems(host, names, declared_variables() + list(extra or []))


FILTERS = {
    'kafka_node_problems': _preflight.kafka_node_problems,
    'target_system_problems': _preflight.target_system_problems,
    'checksum_fetch_problems': _preflight.checksum_fetch_problems,
    'free_space_problems': _preflight.free_space_problems,
    'kafka_layout_problems': kafka_layout_problems,
    'zookeeper_member_problems': _preflight.zookeeper_member_problems,
    'zookeeper_ensemble_problems': zookeeper_ensemble_problems,
    'sasl_problems': _preflight.sasl_problems,
    'in_place_problems': _preflight.in_place_problems,
    'kind_in_place_problems': _preflight.kind_in_place_problems,
    'quorum_in_place_problems': _quorum.in_place_problems,
    'pins_in_place': _preflight.pins_in_place,
    'meta_properties_id': _preflight.meta_properties_id,
    'unknown_variable_problems': unknown_variable_problems,
}


class FilterModule(object):
    def filters(self):
        return filter_map(FILTERS)
