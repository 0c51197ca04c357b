# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the roll planner (plugins/module_utils/_roll.py); documented in the sibling .yml files.

The rules live in module_utils so modules and tests share them; these wrappers only turn bad input into a
filter error that names the filter."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.streamops.kafka.plugins.module_utils import _roll
from ansible_collections.streamops.kafka.plugins.plugin_utils._filters import filter_map


def roll_plan(nodes, kind, **options):
    """build_plan with the nodes piped in: nodes | streamops.kafka.roll_plan('upgrade', ...)."""
    return _roll.build_plan(kind, nodes, **options)


def roll_nodes(hosts, hostvars, brokers, controllers):
    """The planner's node descriptions of the play's hosts, read from their host variables (kafka_node_id and the
    preflight's _kafka_upgrade_active): [{host, node_id, roles, active}]. controllers is empty in ZooKeeper mode."""
    brokers, controllers = set(brokers), set(controllers)
    return [{'host': host, 'node_id': int(hostvars[host]['kafka_node_id']),
             'active': _roll.flag(hostvars[host]['_kafka_upgrade_active']),
             'roles': (['broker'] if host in brokers else []) + (['controller'] if host in controllers else [])} for host in hosts]


def plan_nodes(nodes, hostvars):
    """roll_nodes' descriptions with what roll_plan also reads from each host's rolling_upgrade preflight: the
    service_info result, the version and Java it runs, its upgrade record, its protocol pin in place and its rack."""
    out = []
    for node in nodes:
        host = hostvars[node['host']]
        service = host['__kafka_upgrade_running']
        out.append(dict(node, service=dict((k, service.get(k)) for k in ('active', 'version', 'java_home', 'stale', 'started')),
                        running_version=host['_kafka_upgrade_running_version'], running_java=host['_kafka_upgrade_running_java'],
                        record=host.get('_kafka_upgrade_record') or {}, pin_in_place=host.get('_kafka_ibp_in_place') or '',
                        rack=host.get('kafka_broker_rack') or ''))
    return out


FILTERS = {
    'roll_nodes': roll_nodes,
    'roll_order': _roll.roll_order,
    'zookeeper_order': _roll.zookeeper_order,
    'restart_reasons': _roll.restart_reasons,
    'protocol_pin': _roll.protocol_pin,
    'host_pin': _roll.host_pin,
    'pins_consistent': _roll.pins_consistent,
    'stopped_check': _roll.stopped_check,
    'partition_risks': _roll.partition_risks,
    'propose_batches': _roll.propose_batches,
    'batch_stoppers': _roll.batch_stoppers,
    'phase_serial': _roll.phase_serial,
    'summary_entry': _roll.summary_entry,
    'roll_totals': _roll.roll_totals,
    'roll_plan': roll_plan,
    'format_plan': _roll.format_plan,
    'plan_nodes': plan_nodes,
    'plan_vs_actual': _roll.plan_vs_actual,
    'format_plan_vs_actual': _roll.format_plan_vs_actual,
    'untested_paths': _roll.untested_paths,
}


class FilterModule(object):
    def filters(self):
        return filter_map(FILTERS)
