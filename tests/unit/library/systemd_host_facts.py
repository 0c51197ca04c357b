# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only fact module: the playbook runs of tests/unit treat this machine as every host, and the jdk preflight
refuses a host whose service manager is not systemd. The machine that runs the unit tests need not boot with systemd
(a CI container or VM often does not), so after ansible.builtin.setup this reports service_mgr=systemd, as on the
hosts the collection deploys. conftest.ansible_env adds it to ANSIBLE_FACTS_MODULES."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(gather_subset=dict(type='list', elements='str')), supports_check_mode=True)
    module.exit_json(changed=False, ansible_facts=dict(ansible_service_mgr='systemd'))


if __name__ == '__main__':
    main()
