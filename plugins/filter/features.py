# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over feature levels (plugins/module_utils/_features.py); documented in the sibling .yml files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

from ansible_collections.streamops.kafka.plugins.module_utils import _features
from ansible_collections.streamops.kafka.plugins.plugin_utils._filters import filter_map


def bootstrap_levels(content):
    """The feature levels of a bootstrap.checkpoint given as slurp's base64 content; None when there is no content."""
    if not content:
        return None
    return _features.bootstrap_levels(base64.b64decode(content))


def feature_check(finalized, hostvars, controllers):
    """_features.feature_check with what the kraft_storage role left on each controller: the levels its
    bootstrap.checkpoint holds (_kraft_storage_bootstrap_levels) and the directories formatted before this run
    (_kraft_storage_formatted). The cluster is new when no controller had a formatted directory before this run."""
    by_host = dict((host, hostvars[host].get('_kraft_storage_bootstrap_levels')) for host in controllers)
    new_cluster = bool(controllers) and all(
        hostvars[host].get('_kraft_storage_formatted') is not None and len(hostvars[host]['_kraft_storage_formatted']) == 0
        for host in controllers)
    return _features.feature_check(dict(finalized or {}), _features.formatted_levels(by_host), new_cluster)


FILTERS = {
    'bootstrap_levels': bootstrap_levels,
    'feature_check': feature_check,
}


class FilterModule(object):
    def filters(self):
        return filter_map(FILTERS)
