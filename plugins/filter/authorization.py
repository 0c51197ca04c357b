# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over a cluster's authorization (plugins/module_utils/_acls.py); documented in the sibling .yml files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.streamops.kafka.plugins.module_utils import _acls
from ansible_collections.streamops.kafka.plugins.plugin_utils._filters import filter_map


def authorization_decision(settings):
    """_acls.decide(settings)."""
    return _acls.decide(dict(settings))


def authorization_problems(settings):
    """_acls.problems(settings)."""
    return _acls.problems(dict(settings))


FILTERS = {
    'authorization_decision': authorization_decision,
    'authorization_problems': authorization_problems,
}


class FilterModule(object):
    def filters(self):
        return filter_map(FILTERS)
