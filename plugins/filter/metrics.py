# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the Prometheus JMX exporter's configuration and settings (plugins/module_utils/_metrics.py); documented
in the sibling .yml files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.streamops.kafka.plugins.module_utils import _metrics
from ansible_collections.streamops.kafka.plugins.plugin_utils._filters import filter_map


def metrics_exporter_problems(settings, host):
    """_metrics.exporter_problems(host, settings)."""
    return _metrics.exporter_problems(host, dict(settings))


FILTERS = {
    'metrics_exporter_config': _metrics.exporter_config,
    'metrics_exporter_problems': metrics_exporter_problems,
}


class FilterModule(object):
    def filters(self):
        return filter_map(FILTERS)
