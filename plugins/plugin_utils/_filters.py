# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's filter plugins share: they wrap pure functions of module_utils."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools

from ansible.errors import AnsibleFilterError


def reported(name, function):
    """The function, with a malformed input reported as a filter error that names the filter instead of a traceback."""
    @functools.wraps(function)
    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (KeyError, TypeError, ValueError) as exc:
            raise AnsibleFilterError('%s: %s' % (name, exc), orig_exc=exc)
    return run


def filter_map(filters):
    """The FilterModule.filters() answer for {name: function}."""
    return dict((name, reported(name, function)) for name, function in filters.items())
