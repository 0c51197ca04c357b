# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only fact module: after ansible.builtin.setup, this machine reports itself as a RHEL-family host (dnf), for
the preflight test that such a host is refused a JDK from Debian packages. A host selects it with the host variable
ansible_facts_modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(gather_subset=dict(type='list', elements='str')), supports_check_mode=True)
    module.exit_json(changed=False, ansible_facts=dict(
        ansible_service_mgr='systemd', ansible_pkg_mgr='dnf', ansible_os_family='RedHat', ansible_distribution='Rocky',
        ansible_distribution_version='9.4'))


if __name__ == '__main__':
    main()
