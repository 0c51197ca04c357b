# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the ZooKeeper -> KRaft migration's judgements (plugins/module_utils/_migration.py); documented in the
sibling .yml files. Their input is what kafka_migration_info read and what the nodes' server.properties say."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.streamops.kafka.plugins.module_utils import _migration
from ansible_collections.streamops.kafka.plugins.plugin_utils._filters import filter_map


def migration_phase(info, controllers, brokers, kinds):
    """_migration.detect with the znodes kafka_migration_info read (info; None when ZooKeeper was not read)."""
    zk = None if info is None else dict(migration=info.get('migration'), controller=info.get('controller'))
    return _migration.detect(list(controllers), list(brokers), dict(kinds), zk)


def migration_plan(phase, rollback=False, finalize=False, target='kraft-brokers'):
    """_migration.plan as {'steps': [...], 'by_step': {step name: step}, 'refusal': None}, or no steps and
    {'refusal': why there is no plan}."""
    try:
        steps = _migration.plan(phase, rollback=bool(rollback), finalize=bool(finalize), target=target)
    except ValueError as exc:
        return dict(steps=[], by_step={}, refusal=str(exc))
    return dict(steps=steps, by_step=dict((s['step'], s) for s in steps), refusal=None)


def migration_preflight_problems(info, hostvars, brokers, controllers, controller_version, controller_zk_user=None):
    """_migration.preflight_problems with each node read from its host variables: kafka_node_id, and for brokers the
    version the rolling_upgrade preflight found running (_kafka_upgrade_running_version) and what the migration
    preflight read in its server.properties (_kafka_migration_node: a KRaft broker of a resumed migration has its id
    as node.id)."""
    nodes = {}
    for host in brokers:
        facts = hostvars[host].get('_kafka_migration_node') or {}
        nodes[host] = dict(version=hostvars[host].get('_kafka_upgrade_running_version', ''), ibp=facts.get('ibp', ''),
                           broker_id=facts.get('broker_id') or facts.get('node_id') or '', node_id=hostvars[host].get('kafka_node_id'))
    ctrl = dict((host, dict(node_id=hostvars[host].get('kafka_node_id'))) for host in controllers)
    return _migration.preflight_problems(nodes, ctrl, info.get('zk_broker_ids') or [], info.get('znode_writers'), controller_zk_user or None,
                                         controller_version)


def migration_finalize_problems(info, brokers, kinds):
    """_migration.finalize_problems with the brokers' answers and /brokers/ids kafka_migration_info read. Without the
    brokers' answers (kafka_migration_info run without bootstrap_servers) there is nothing to judge: ValueError."""
    if info.get('broker_modes') is None:
        raise ValueError('needs the brokers\' answers: run kafka_migration_info with bootstrap_servers')
    return _migration.finalize_problems(list(brokers), dict(kinds), info.get('broker_modes') or {}, info.get('zk_broker_ids') or [])


def migration_security_problems(sasl_protocol, controller_protocol, mechanisms, inter_broker_user, controller_user, server_properties=None):
    """_migration.security_problems with the authorizer and super.users of kafka_server_properties."""
    props = server_properties or {}
    return _migration.security_problems(sasl_protocol, controller_protocol, list(mechanisms or []), inter_broker_user, controller_user,
                                        props.get('authorizer.class.name', ''), props.get('super.users', ''))


def kafka_authorizer(server_properties, zk_mode):
    """kafka_server_properties with authorizer.class.name as the node's mode runs it (_migration.authorizer_for)."""
    props = dict(server_properties or {})
    if 'authorizer.class.name' in props:
        props['authorizer.class.name'] = _migration.authorizer_for(props['authorizer.class.name'], bool(zk_mode))
    return props


FILTERS = {
    'kafka_authorizer': kafka_authorizer,
    'migration_security_problems': migration_security_problems,
    'migration_node': _migration.node_facts,
    'migration_phase': migration_phase,
    'migration_plan': migration_plan,
    'migration_preflight_problems': migration_preflight_problems,
    'migration_finalize_problems': migration_finalize_problems,
}


class FilterModule(object):
    def filters(self):
        return filter_map(FILTERS)
