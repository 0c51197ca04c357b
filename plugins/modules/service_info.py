#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: service_info
short_description: What a Kafka or ZooKeeper service on this host is actually running
description:
  - Reads the systemd unit's main process and reports the version and Java home it runs (from its command line,
    which names the versioned install directory), when it started, and which of the given config files changed
    after it started (so a restart is still due).
  - This is how a roll decides, after an interruption, whether a node already runs what it should (verify only)
    or still needs its restart.
  - Only reads; never reports a change.
version_added: 0.7.0
author: streamops engineers (@streamops)
attributes:
  check_mode:
    support: full
    description: Only reads.
options:
  service:
    description: systemd unit name, without C(.service).
    type: str
    required: true
  version_pattern:
    description: Regular expression with one group that captures the version from the process's command line.
    type: str
    default: 'kafka_[0-9.]+-([0-9]+\.[0-9]+\.[0-9]+)/'
  config_files:
    description: Files whose modification after the process started means a restart is due. Missing files are ignored.
    type: list
    elements: path
    default: []
'''

EXAMPLES = r'''
- name: What does Kafka run here?
  streamops.kafka.service_info:
    service: kafka
    config_files: [/etc/kafka/server.properties, /etc/kafka/kafka.env, /etc/systemd/system/kafka.service]
  register: running
'''

RETURN = r'''
active:
  description: Whether the unit has a running main process.
  returned: always
  type: bool
pid:
  description: Main process id (0 when not running).
  returned: always
  type: int
version:
  description: Version read from the command line (empty when not running or not found).
  returned: always
  type: str
  sample: 2.8.2
java_home:
  description: Java home of the running JVM (from the java executable's path).
  returned: always
  type: str
  sample: /usr/lib/jvm/java-11-openjdk-amd64
started:
  description: Epoch seconds when the process started (0 when not running).
  returned: always
  type: float
stale:
  description: Config files modified after the process started.
  returned: always
  type: list
  elements: str
'''

import os
import re

from ansible.module_utils.basic import AnsibleModule


def main_pid(module, service):
    rc, out, err = module.run_command(['systemctl', 'show', '--property', 'MainPID', '--value', service])
    if rc != 0:
        module.fail_json(msg='systemctl show %s failed: %s' % (service, err.strip()))
    value = out.strip()
    return int(value) if value.isdigit() else 0


def process_start(pid, proc='/proc'):
    """Epoch seconds at which pid started (boot time + its start tick)."""
    with open(os.path.join(proc, 'stat')) as handle:
        boot = next(int(line.split()[1]) for line in handle if line.startswith('btime '))
    with open(os.path.join(proc, str(pid), 'stat')) as handle:
        # Fields after the parenthesised command name; start time is field 22 of the whole line.
        fields = handle.read().rsplit(')', 1)[1].split()
    return boot + int(fields[19]) / float(os.sysconf('SC_CLK_TCK'))


def describe(argv, pattern):
    """Version and Java home from a command line (list of arguments)."""
    found = re.search(pattern, ' '.join(argv))
    java = argv[0] if argv else ''
    java_home = os.path.dirname(os.path.dirname(java)) if java.endswith('/bin/java') else ''
    return (found.group(1) if found else ''), java_home


def stale_files(paths, started):
    return [path for path in paths if os.path.exists(path) and os.stat(path).st_mtime > started]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            service=dict(type='str', required=True),
            version_pattern=dict(type='str', default=r'kafka_[0-9.]+-([0-9]+\.[0-9]+\.[0-9]+)/'),
            config_files=dict(type='list', elements='path', default=[]),
        ),
        supports_check_mode=True,
    )
    pid = main_pid(module, module.params['service'])
    result = dict(changed=False, active=False, pid=pid, version='', java_home='', started=0.0, stale=[])
    if pid:
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as handle:
                argv = [part.decode('utf-8', 'replace') for part in handle.read().split(b'\0') if part]
            started = process_start(pid)
        except (IOError, OSError):
            # The process went away between systemctl and /proc: report it as not running.
            module.exit_json(**result)
        version, java_home = describe(argv, module.params['version_pattern'])
        result.update(active=True, version=version, java_home=java_home, started=round(started, 2),
                      stale=stale_files(module.params['config_files'], started))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
