#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_acls
short_description: Keep a cluster's ACLs as the inventory describes them, through the Kafka Admin API
description:
  - Describes the cluster's ACLs (DescribeAcls), creates the ones O(acls) lists that are missing (CreateAcls) and, with
    O(exact), deletes the ACLs of the principals O(acls) names that it does not list (DeleteAcls). ACLs of principals
    O(acls) does not name are never touched. With O(state=absent) the listed ACLs are deleted.
  - A re-run with the same O(acls) reports no change. Check mode reports what would change, and C(--diff) shows it.
  - The cluster must run an authorizer (Kafka refuses ACLs without one) and the connection's user must be allowed to
    describe and alter the cluster's ACLs (a super user, as the collection's admin user is).
  - On KRaft, with O(bootstrap_controllers), the ACLs are read from the controllers, which keep them in the metadata log
    whether or not the brokers authorize yet; changes go through the brokers, which forward them to the active controller.
    So ACLs can be created while a roll turns the authorizer on, once the controllers run it and before the first broker does.
version_added: 0.10.0
author: streamops engineers (@streamops)
extends_documentation_fragment:
  - streamops.kafka.connection
options:
  acls:
    description:
      - The ACLs. Each entry is a rule or a role for one principal.
      - 'A rule: C(principal) (C(Type:name), for example C(User:orders-app)), C(resource_type) (topic, group, cluster,
        transactional_id), C(name) (C(kafka-cluster) for the cluster, the default there), C(pattern_type) (literal,
        the default, or prefixed), C(operations) (a list; each must be one Kafka accepts on the resource type),
        C(permission) (allow, the default, or deny) and C(host) (C(*), the default).'
      - 'A role: C(principal), C(role) and the names it needs - C(producer) (C(topic): write, describe), C(consumer)
        (C(topic): read, describe; C(group): read), C(transactional_producer) (C(topic): write, describe;
        C(transactional_id): write, describe) - each with its pattern type (C(pattern_type), C(group_pattern_type),
        C(transactional_id_pattern_type)), and C(host).'
    type: list
    elements: dict
    required: true
  state:
    description: Whether the listed ACLs exist or not.
    type: str
    choices: [present, absent]
    default: present
  exact:
    description: With O(state=present), also delete the ACLs of the principals O(acls) names that it does not list.
    type: bool
    default: false
  timeout:
    description: Seconds to wait, after a change, until the cluster describes it.
    type: float
    default: 30
  skip_without_authorizer:
    description:
      - When the cluster runs no authorizer (Kafka keeps no ACLs without one), report that (RV(authorizer) false) and
        change nothing instead of failing. For a run that writes configuration a later roll applies.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    description: Shows the ACLs of the principals O(acls) names, one line each, before and after.
notes:
  - An idempotent producer needs no cluster permission since Kafka 3.0 (WRITE on a topic implies IDEMPOTENT_WRITE).
'''

EXAMPLES = r'''
- name: The orders application produces to and consumes from orders.* with its own group, and nothing else
  streamops.kafka.kafka_acls:
    bootstrap_servers: ["broker1:9092"]
    security_protocol: SASL_SSL
    sasl_mechanism: SCRAM-SHA-512
    sasl_username: admin
    sasl_password: "{{ vault_admin_password }}"
    ssl_cafile: ca.pem
    acls:
      - {principal: "User:orders-app", role: producer, topic: orders., pattern_type: prefixed}
      - {principal: "User:orders-app", role: consumer, topic: orders., pattern_type: prefixed, group: orders-app}
    exact: true
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
created:
  description: The ACLs created (or, in check mode, that would be), one line each.
  returned: always
  type: list
  elements: str
  sample: ["User:orders-app allow write on topic orders. (prefixed) from *"]
deleted:
  description: The ACLs deleted (or, in check mode, that would be), one line each.
  returned: always
  type: list
  elements: str
  sample: []
acls:
  description: The ACLs O(acls) expands to, one line each (roles become their rules).
  returned: always
  type: list
  elements: str
  sample: ["User:orders-app allow describe on topic orders. (prefixed) from *"]
authorizer:
  description: Whether the cluster answered as running an authorizer (false only with O(skip_without_authorizer)).
  returned: always
  type: bool
  sample: true
elapsed:
  description: Seconds the reads and writes took.
  returned: always
  type: float
  sample: 0.41
'''

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.streamops.kafka.plugins.module_utils import _acls
from ansible_collections.streamops.kafka.plugins.module_utils._wait import wait_until
from ansible_collections.streamops.kafka.plugins.module_utils._client import (
    BrokerClient, ControllerClient, connection_argument_spec, connection_constraints, describe_error, require_kafka)


class Refused(Exception):
    """The cluster refused an ACL request; the message says why and what to do."""


def _explain(error, what):
    """A refusal in words an operator acts on."""
    name = type(error).__name__ if isinstance(error, Exception) else getattr(error, '__name__', str(error))
    if 'SecurityDisabled' in name:
        return ('the cluster runs no authorizer, and Kafka keeps no ACLs without one: turn it on (kafka_authorizer) '
                'and roll the cluster first')
    if 'ClusterAuthorization' in name:
        return ('the connection\'s user may not %s (it needs ALTER and DESCRIBE on the cluster): use a super user, as '
                'the collection\'s admin user is' % what)
    return '%s: %s' % (what, describe_error(error) if isinstance(error, Exception) else name)


def _to_binding(acl):
    pattern = acl.resource_pattern
    return (acl.principal, acl.host, pattern.resource_type.name.lower(), pattern.resource_name,
            pattern.pattern_type.name.lower(), acl.operation.name.lower(), acl.permission_type.name.lower())


def _from_binding(binding, filter_class=None):
    from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, ResourcePattern,
                             ResourcePatternFilter, ResourceType)
    principal, host, resource, name, pattern, operation, permission = binding
    if filter_class is None:
        return ACL(principal, host, ACLOperation[operation.upper()], ACLPermissionType[permission.upper()],
                   ResourcePattern(ResourceType[resource.upper()], name, ACLResourcePatternType[pattern.upper()]))
    return ACLFilter(principal, host, ACLOperation[operation.upper()], ACLPermissionType[permission.upper()],
                     ResourcePatternFilter(ResourceType[resource.upper()], name, ACLResourcePatternType[pattern.upper()]))


class NoAuthorizer(Refused):
    """The cluster runs no authorizer."""


class SecurityDisabled(Exception):
    """Kafka's SECURITY_DISABLED answer, from the brokers or from every controller."""


def existing_acls(admin, controllers=None):
    """Every ACL of the cluster, as bindings: from the controllers when a ControllerClient is given, else the brokers."""
    from kafka.admin import (ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, ResourcePatternFilter,
                             ResourceType)

    def from_brokers():
        return admin.describe_acls(ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY,
                                             ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)))[0]

    try:
        if controllers is None:
            described = from_brokers()
        else:
            try:
                described = controllers.describe_acls()
            except Exception as exc:  # pylint: disable=broad-except
                # Controllers that answer no DescribeAcls on their listener (older releases): the brokers then.
                if 'SecurityDisabled' in str(exc) or 'ClusterAuthorization' in str(exc):
                    raise
                described = from_brokers()
    except Exception as exc:  # pylint: disable=broad-except
        text = '%s %s' % (type(exc).__name__, exc)
        if 'SecurityDisabled' in text:
            raise NoAuthorizer(_explain(SecurityDisabled(), 'describe ACLs'))
        if 'ClusterAuthorization' in text:
            raise Refused(_explain(exc, 'describe ACLs'))
        raise
    return set(_to_binding(acl) for acl in described)


def apply(admin, create, delete):
    """CreateAcls and DeleteAcls (exact filters, one per binding); raises Refused with what the cluster said."""
    if create:
        result = admin.create_acls([_from_binding(b) for b in create])
        if result['failed']:
            raise Refused(_explain(result['failed'][0], 'create ACLs') + ' (%d of %d refused)' % (len(result['failed']), len(create)))
    if delete:
        for dummy, dummy_matched, error in admin.delete_acls([_from_binding(b, filter_class=True) for b in delete]):
            if getattr(error, 'errno', 0):
                raise Refused(_explain(error, 'delete ACLs'))


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        acls=dict(type='list', elements='dict', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        exact=dict(type='bool', default=False),
        skip_without_authorizer=dict(type='bool', default=False),
        timeout=dict(type='float', default=30),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **connection_constraints())
    require_kafka(module)
    params = module.params
    if not params['bootstrap_servers']:
        module.fail_json(msg='bootstrap_servers is required: ACLs are managed through the brokers')
    desired, problems = _acls.expand(params['acls'])
    if problems:
        module.fail_json(msg=' '.join(problems))
    start = time.monotonic()
    client = BrokerClient(params, 'streamops-kafka_acls')
    controllers = ControllerClient(params, 'streamops-kafka_acls') if params['bootstrap_controllers'] else None
    try:
        before = existing_acls(client.admin, controllers)
        create, delete = _acls.diff(desired, before, params['state'], params['exact'])
        if (create or delete) and not module.check_mode:
            apply(client.admin, create, delete)

            # Trust what the cluster then describes, not only the absence of an error. The node that answers may apply
            # the change a moment after the one that made it (a follower controller replaying the metadata log, a
            # ZooKeeper-mode broker its change notification), so it is read until it agrees or the timeout passes.
            def agreed():
                after = existing_acls(client.admin, controllers)
                left = [b for b in create if b not in after] + [b for b in delete if b in after]
                return not left, {'differs': left}
            waited = wait_until(agreed, params['timeout'], 0.2)
            if not waited['ok']:
                module.fail_json(msg='%.1f s after the change the cluster still differs at: %s' % (
                    waited['elapsed'], '; '.join(_acls.describe(b) for b in waited['state']['differs'])))
    except NoAuthorizer as exc:
        if not params['skip_without_authorizer']:
            module.fail_json(msg='kafka_acls: %s' % exc)
        module.exit_json(changed=False, authorizer=False, created=[], deleted=[], acls=[_acls.describe(b) for b in desired],
                         elapsed=round(time.monotonic() - start, 3))
    except Refused as exc:
        module.fail_json(msg='kafka_acls: %s' % exc)
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg='kafka_acls could not manage ACLs at %s: %s' % (', '.join(params['bootstrap_servers']), describe_error(exc)))
    finally:
        client.close()
        if controllers is not None:
            controllers.close()
    managed = set(b[0] for b in desired)
    shown_before = sorted(b for b in before if b[0] in managed)
    shown_after = sorted((set(shown_before) | set(create)) - set(delete))
    module.exit_json(changed=bool(create or delete), authorizer=True, created=[_acls.describe(b) for b in create],
                     deleted=[_acls.describe(b) for b in delete], acls=[_acls.describe(b) for b in desired],
                     elapsed=round(time.monotonic() - start, 3),
                     diff=dict(before=''.join(_acls.describe(b) + '\n' for b in shown_before),
                               after=''.join(_acls.describe(b) + '\n' for b in shown_after)))


if __name__ == '__main__':
    main()
