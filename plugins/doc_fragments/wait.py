# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The polling options of module_utils/_wait.py wait_argument_spec().
    DOCUMENTATION = r'''
options:
  timeout:
    description: Seconds to wait before failing.
    type: float
    default: 300
  sleep:
    description: Seconds between polls.
    type: float
    default: 0.2
'''
