#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_scram_users
short_description: Create and update SCRAM users through the Kafka Admin API
description:
  - Makes sure each user has a SCRAM credential for each of its mechanisms, with the given password and iteration count,
    using DescribeUserScramCredentials and AlterUserScramCredentials (KIP-554, Kafka 2.7 and later, KRaft and ZooKeeper mode).
    Passwords travel only inside the Admin API request, never on a command line.
  - A credential that exists with the right iteration count is checked by logging in as the user with its password
    (O(verify_password)); only a credential that is missing, has another iteration count or whose login does not succeed
    is written, so a re-run reports no change.
  - Users not listed are left alone.
version_added: 0.7.0
author: streamops engineers (@streamops)
extends_documentation_fragment:
  - streamops.kafka.connection
options:
  users:
    description: The users.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: User name.
        type: str
        required: true
      password:
        description: Password. Never logged.
        type: str
        required: true
      mechanisms:
        description: SCRAM mechanisms the user gets a credential for.
        type: list
        elements: str
        choices: [SCRAM-SHA-256, SCRAM-SHA-512]
        default: [SCRAM-SHA-512]
  iterations:
    description: PBKDF2 iterations of new and updated credentials (Kafka accepts 4096 to 16384).
    type: int
    default: 8192
  verify_password:
    description:
      - Log in as each user whose credential exists to tell whether its password is current.
      - A login that does not succeed (wrong password, or a mechanism the listener does not accept yet) writes the credential again.
      - When false, existing credentials with the right iteration count are left as they are (passwords are set on creation only).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
notes:
  - Connects to O(bootstrap_servers) as the admin user of the connection options; the logins to check passwords use the
    same listener, protocol and TLS options with each user's own name, password and mechanism.
'''

EXAMPLES = r'''
- name: Application users
  streamops.kafka.kafka_scram_users:
    bootstrap_servers: ["broker1:9092"]
    security_protocol: SASL_PLAINTEXT
    sasl_mechanism: SCRAM-SHA-512
    sasl_username: admin
    sasl_password: "{{ vault_admin_password }}"
    users:
      - name: orders-app
        password: "{{ vault_orders_password }}"
        mechanisms: [SCRAM-SHA-512]
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
changed_users:
  description: Users whose credentials were (or, in check mode, would be) written.
  returned: always
  type: list
  elements: str
  sample: [orders-app]
actions:
  description: Per user and mechanism, what was found and done (created, iterations, login-failed, ok).
  returned: always
  type: dict
  sample: {"orders-app": {"SCRAM-SHA-512": "created"}}
elapsed:
  description: Seconds the reads and writes took.
  returned: always
  type: float
  sample: 0.84
'''

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.streamops.kafka.plugins.module_utils._client import (
    BrokerClient, DirectClient, connection_argument_spec, connection_constraints, describe_error, is_transient, require_kafka)
from ansible_collections.streamops.kafka.plugins.module_utils._wait import wait_until

MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512']
# Seconds to wait until the cluster describes what was written. On KRaft each broker applies the committed metadata
# records a moment apart, and a describe goes to any one of them: one read right after the write can come too early.
SETTLE_TIMEOUT = 15
SETTLE_SLEEP = 0.5


def plan(users, existing, iterations, login):
    """Decide per user and mechanism: [(user, mechanism, action)], action one of created, iterations, login-failed, ok.
    login(user, password, mechanism) is True when a login with the password succeeds."""
    steps = []
    for user in users:
        have = existing.get(user['name'], {})
        for mechanism in user['mechanisms']:
            if mechanism not in have:
                action = 'created'
            elif have[mechanism] != iterations:
                action = 'iterations'
            else:
                action = 'ok' if login(user['name'], user['password'], mechanism) else 'login-failed'
            steps.append((user['name'], mechanism, action))
    return steps


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        users=dict(type='list', elements='dict', required=True, options=dict(
            name=dict(type='str', required=True),
            password=dict(type='str', required=True, no_log=True),
            mechanisms=dict(type='list', elements='str', choices=MECHANISMS, default=['SCRAM-SHA-512']),
        )),
        iterations=dict(type='int', default=8192),
        verify_password=dict(type='bool', default=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **connection_constraints())
    require_kafka(module)
    params = module.params
    if not params['bootstrap_servers']:
        module.fail_json(msg='bootstrap_servers is required: SCRAM users are managed through the brokers')
    if not 4096 <= params['iterations'] <= 16384:
        module.fail_json(msg='iterations must be between 4096 and 16384 (got %d)' % params['iterations'])
    names = [u['name'] for u in params['users']]
    if len(set(names)) != len(names):
        module.fail_json(msg='users lists a name more than once: %s' % ', '.join(sorted(set(n for n in names if names.count(n) > 1))))

    def login(user, password, mechanism):
        if not params['verify_password']:
            return True
        probe = DirectClient(dict(params, sasl_mechanism=mechanism, sasl_username=user, sasl_password=password),
                             'streamops-kafka_scram_users-login', params['bootstrap_servers'])
        try:
            return probe.login()
        finally:
            probe.close()

    start = time.monotonic()
    client = BrokerClient(params, 'streamops-kafka_scram_users')
    try:
        steps = plan(params['users'], client.scram_credentials(names), params['iterations'], login)
        writes = [s for s in steps if s[2] != 'ok']
        if writes and not module.check_mode:
            passwords = dict((u['name'], u['password']) for u in params['users'])
            refused = client.upsert_scram_credentials([(user, mechanism, passwords[user], params['iterations'])
                                                       for user, mechanism, dummy in writes])
            if refused:
                module.fail_json(msg='AlterUserScramCredentials refused %s' % '; '.join('%s: %s' % item for item in sorted(refused.items())))

            # Trust what the cluster then describes, not only the absence of an error.
            def described():
                after = client.scram_credentials(names)
                missing = ['%s %s' % (user, mechanism) for user, mechanism, dummy in writes
                           if after.get(user, {}).get(mechanism) != params['iterations']]
                return not missing, {'missing': missing}

            settled = wait_until(described, SETTLE_TIMEOUT, SETTLE_SLEEP, is_transient=is_transient)
            if not settled['ok']:
                module.fail_json(msg='after AlterUserScramCredentials the cluster still does not describe %s (%d reads in %.1f s)'
                                 % (', '.join(settled['state'].get('missing') or [settled['state'].get('error', '?')]),
                                    settled['attempts'], settled['elapsed']))
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg='kafka_scram_users could not manage users at %s: %s' % (
            ', '.join(params['bootstrap_servers']), describe_error(exc)))
    finally:
        client.close()
    actions = {}
    for user, mechanism, action in steps:
        actions.setdefault(user, {})[mechanism] = action
    changed_users = sorted(set(user for user, dummy, action in steps if action != 'ok'))
    module.exit_json(changed=bool(changed_users), changed_users=changed_users, actions=actions,
                     elapsed=round(time.monotonic() - start, 3))


if __name__ == '__main__':
    main()
