# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the broker removal rules (plugins/module_utils/_drain.py); documented in the sibling .yml files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.streamops.kafka.plugins.module_utils import _drain
from ansible_collections.streamops.kafka.plugins.plugin_utils._filters import filter_map

FILTERS = {
    'broker_removal_problems': _drain.removal_problems,
}


class FilterModule(object):
    def filters(self):
        return filter_map(FILTERS)
