# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authorization decided in one place: whether a cluster runs an authorizer, who its super users are, the ACLs an
inventory asks for, and what must change to get them. Pure functions: the role's filters and the kafka_acls module
call them, the unit tests exercise them.

An ACL binding is a tuple (principal, host, resource_type, resource_name, pattern_type, operation, permission), every
enum in lower case as the inventory writes it: ('User:orders-app', '*', 'topic', 'orders.', 'prefixed', 'write', 'allow').
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import re

ZK_AUTHORIZER = 'kafka.security.authorizer.AclAuthorizer'
SASL_PROTOCOLS = ('SASL_PLAINTEXT', 'SASL_SSL')
KRAFT_AUTHORIZER = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'
AUTHORIZERS = (ZK_AUTHORIZER, KRAFT_AUTHORIZER)
CLUSTER_NAME = 'kafka-cluster'
SETTINGS = ('auto', 'true', 'false')

# What Kafka accepts per resource type (Kafka's "Operations and Resources on Protocols" table, docs/security.html).
OPERATIONS = {
    'topic': ('all', 'read', 'write', 'create', 'delete', 'alter', 'describe', 'describe_configs', 'alter_configs'),
    'group': ('all', 'read', 'describe', 'delete'),
    'cluster': ('all', 'create', 'alter', 'describe', 'cluster_action', 'describe_configs', 'alter_configs',
                'idempotent_write'),
    'transactional_id': ('all', 'describe', 'write'),
}
PATTERN_TYPES = ('literal', 'prefixed')
PERMISSIONS = ('allow', 'deny')

# The common cases as data: a role names the resources it needs and the operations on each. An idempotent producer
# needs nothing on the cluster since Kafka 3.0 (WRITE on a topic implies IDEMPOTENT_WRITE).
ROLES = {
    'producer': (('topic', ('write', 'describe')),),
    'consumer': (('topic', ('read', 'describe')), ('group', ('read',))),
    'transactional_producer': (('topic', ('write', 'describe')), ('transactional_id', ('write', 'describe'))),
}
# Which inventory key names each resource of a role, and its pattern type key.
_ROLE_KEYS = {'topic': ('topic', 'pattern_type'), 'group': ('group', 'group_pattern_type'),
              'transactional_id': ('transactional_id', 'transactional_id_pattern_type')}
_RULE_KEYS = ('principal', 'host', 'resource_type', 'name', 'pattern_type', 'operations', 'permission')
_ROLE_ENTRY_KEYS = ('principal', 'host', 'role', 'topic', 'pattern_type', 'group', 'group_pattern_type',
                    'transactional_id', 'transactional_id_pattern_type')
_PRINCIPAL = re.compile(r'^[A-Za-z][A-Za-z0-9_]*:.+$')


def _label(index, entry):
    principal = entry.get('principal') if isinstance(entry, dict) else None
    return 'kafka_acls[%d]%s' % (index, ' (%s)' % principal if principal else '')


def _pattern(value, label, key, problems):
    pattern = str(value if value is not None else 'literal').lower()
    if pattern not in PATTERN_TYPES:
        problems.append('%s: %s must be one of %s, not %r.' % (label, key, ', '.join(PATTERN_TYPES), value))
    return pattern


def _rule(entry, label, problems):
    unknown = sorted(set(entry) - set(_RULE_KEYS))
    if unknown:
        problems.append('%s: unknown keys %s (a rule takes %s).' % (label, ', '.join(unknown), ', '.join(_RULE_KEYS)))
    resource = str(entry.get('resource_type') or '').lower()
    if resource not in OPERATIONS:
        problems.append('%s: resource_type must be one of %s, not %r.' % (label, ', '.join(OPERATIONS), entry.get('resource_type')))
        return []
    name = entry.get('name')
    if resource == 'cluster':
        name = CLUSTER_NAME if name is None else name
        if name != CLUSTER_NAME:
            problems.append('%s: the cluster resource is named %s, not %r.' % (label, CLUSTER_NAME, name))
    elif not name or not isinstance(name, str):
        problems.append('%s: a %s rule needs a name (use pattern_type prefixed for a prefix, or "*" for every %s).' % (
            label, resource, resource))
        return []
    pattern = _pattern(entry.get('pattern_type'), label, 'pattern_type', problems)
    permission = str(entry.get('permission') or 'allow').lower()
    if permission not in PERMISSIONS:
        problems.append('%s: permission must be allow or deny, not %r.' % (label, entry.get('permission')))
    operations = entry.get('operations')
    if isinstance(operations, str):
        operations = [operations]
    if not operations or not isinstance(operations, list):
        problems.append('%s: operations must be a non-empty list.' % label)
        return []
    operations = [str(op).lower() for op in operations]
    wrong = [op for op in operations if op not in OPERATIONS[resource]]
    if wrong:
        problems.append('%s: %s is not an operation on a %s (one of %s).' % (
            label, ', '.join(wrong), resource, ', '.join(OPERATIONS[resource])))
    return [(resource, name, pattern, op, permission) for op in operations if op in OPERATIONS[resource]]


def _role(entry, label, problems):
    unknown = sorted(set(entry) - set(_ROLE_ENTRY_KEYS))
    if unknown:
        problems.append('%s: unknown keys %s (a role entry takes %s).' % (label, ', '.join(unknown), ', '.join(_ROLE_ENTRY_KEYS)))
    role = entry.get('role')
    if role not in ROLES:
        problems.append('%s: role must be one of %s, not %r.' % (label, ', '.join(sorted(ROLES)), role))
        return []
    out = []
    for resource, operations in ROLES[role]:
        name_key, pattern_key = _ROLE_KEYS[resource]
        name = entry.get(name_key)
        if not name or not isinstance(name, str):
            problems.append('%s: role %s needs %s.' % (label, role, name_key))
            continue
        pattern = _pattern(entry.get(pattern_key), label, pattern_key, problems)
        out.extend((resource, name, pattern, op, 'allow') for op in operations)
    return out


def expand(entries):
    """The inventory's kafka_acls as (sorted bindings, problems). An entry is a rule (principal, resource_type, name,
    pattern_type, operations, permission, host) or a role (principal, role, topic, group, transactional_id and their
    pattern types, host)."""
    bindings, problems = set(), []
    if not isinstance(entries, list):
        return [], ['kafka_acls must be a list, not %s.' % type(entries).__name__]
    for index, entry in enumerate(entries):
        label = _label(index, entry)
        if not isinstance(entry, dict):
            problems.append('%s: each entry must be a mapping.' % label)
            continue
        principal = entry.get('principal')
        if not isinstance(principal, str) or not _PRINCIPAL.match(principal):
            problems.append('%s: principal must be Type:name, for example User:orders-app (got %r).' % (label, principal))
            continue
        host = entry.get('host', '*')
        if not isinstance(host, str) or not host:
            problems.append('%s: host must be "*" or an address.' % label)
            continue
        parts = _role(entry, label, problems) if 'role' in entry else _rule(entry, label, problems)
        bindings.update((principal, host) + part for part in parts)
    return sorted(bindings), problems


def diff(desired, existing, state='present', exact=False):
    """(to_create, to_delete), each sorted. present creates what is missing and, when exact, deletes the ACLs of the
    principals desired names that desired does not list; absent deletes the desired bindings that exist. ACLs of other
    principals are never touched."""
    desired, existing = set(desired), set(existing)
    if state == 'absent':
        return [], sorted(desired & existing)
    create = sorted(desired - existing)
    if not exact:
        return create, []
    managed = set(b[0] for b in desired)
    return create, sorted(b for b in existing - desired if b[0] in managed)


def describe(binding):
    """One line a person reads: 'User:orders-app allow write on topic orders. (prefixed) from *'."""
    principal, host, resource, name, pattern, operation, permission = binding
    return '%s %s %s on %s %s (%s) from %s' % (principal, permission, operation, resource, name, pattern, host)


def super_users(security):
    """super.users entries (sorted, unique) from the one security description: the inter-broker and controller users,
    which every node logs in as, and the admin user of the collection's modules. Never an application user.
    security: {inter_broker_mechanism, inter_broker_user, controller_user, admin_user, kerberos_service_name, kraft}."""
    users = set()
    if security.get('inter_broker_mechanism') == 'GSSAPI':
        # Kafka's default principal.to.local rule maps <service>/<host>@<REALM> to <service>.
        users.add(security.get('kerberos_service_name') or 'kafka')
    else:
        users.add(security['inter_broker_user'])
    if security.get('kraft'):
        users.add(security['controller_user'])
    users.add(security['admin_user'])
    return ['User:%s' % name for name in sorted(users)]


def in_place_authorizer(properties_text):
    """The authorizer.class.name a node's server.properties in place names ('' when none), or None for no file."""
    if properties_text is None:
        return None
    for line in properties_text.splitlines():
        key, sep, value = line.strip().partition('=')
        if sep and key.strip() == 'authorizer.class.name':
            return value.strip()
    return ''


def enabled(setting, secured, user_authorizer, in_place):
    """Whether the collection runs the authorizer. setting: auto, true or false. secured: every listener authenticates
    (SASL). user_authorizer: kafka_server_properties names authorizer.class.name (the inventory manages it itself).
    in_place: per Kafka node, what in_place_authorizer read (None for a node never configured).

    auto turns it on for a new secured cluster (no node configured yet) and keeps it on for a cluster that runs it; a
    running cluster without it stays without (turning it on is a deliberate kafka_authorizer: true and a roll)."""
    setting = str(setting).lower()
    if setting in ('true', 'yes', 'on', '1'):
        return True
    if setting != 'auto' or user_authorizer:
        return False
    configured = [value for value in in_place if value is not None]
    if not configured:
        return bool(secured)
    return any(value in AUTHORIZERS for value in configured)


def properties(is_enabled, users, opening=False):
    """server.properties pairs for the authorizer: the KRaft class (the server role's kafka_authorizer filter gives a
    ZooKeeper-mode broker AclAuthorizer instead), the super users, and no access where no ACL is found - except in the
    opening roll (kafka_authorizer_opening), where a resource without ACLs stays open to every authenticated user."""
    if not is_enabled:
        return []
    return [['authorizer.class.name', KRAFT_AUTHORIZER],
            ['super.users', ';'.join(users)],
            ['allow.everyone.if.no.acl.found', 'true' if opening else 'false']]


def flag(value):
    """An Ansible boolean as an inventory may spell it."""
    return value is True or (isinstance(value, (str, int)) and str(value).strip().lower() in ('true', 'yes', 'on', '1'))


def secured(broker_protocol, controller_protocol):
    """Whether every listener authenticates with SASL: the brokers' and, on KRaft (controller_protocol not None), the
    controllers'."""
    return broker_protocol in SASL_PROTOCOLS and (controller_protocol is None or controller_protocol in SASL_PROTOCOLS)


def combined(controllers, brokers):
    """Whether a node is both a controller and a broker (lists of host names)."""
    return bool(set(controllers or []) & set(brokers or []))


def problems(settings):
    """What refuses the authorization settings, before any host changes. settings: {setting, enabled, turning_on, zk_mode,
    controllers, brokers (the host names of each group), broker_protocol, controller_protocol (None in ZooKeeper mode),
    server_properties, acls, super_users}."""
    out = []
    setting = str(settings.get('setting')).lower()
    if setting not in SETTINGS + ('yes', 'no', 'on', 'off', '1', '0'):
        out.append('kafka_authorizer must be auto, true or false, not %r.' % settings.get('setting'))
    server_properties = settings.get('server_properties') or {}
    opening = flag(settings.get('opening'))
    if (settings.get('turning_on') and not opening
            and (settings.get('zk_mode') or combined(settings.get('controllers'), settings.get('brokers')))):
        out.append('kafka_authorizer would turn the authorizer on for a running %s in one roll. Kafka keeps no ACLs before '
                   'a node serving them authorizes, so the first broker that authorizes would refuse every application. '
                   'Turn it on in two rolls: with kafka_authorizer_opening: true (site, then streamops.kafka.restart) the '
                   'nodes authorize with allow.everyone.if.no.acl.found=true while the ACLs are created; then without it '
                   '(site, then restart again) they refuse what no ACL grants.'
                   % ('ZooKeeper-mode cluster' if settings.get('zk_mode') else 'cluster of combined nodes'))
    if opening and not settings.get('enabled'):
        out.append('kafka_authorizer_opening is for the first of the two rolls that turn the authorizer on; the authorizer '
                   'is off here (kafka_authorizer %s).' % settings.get('setting'))
    if settings.get('enabled'):
        for key in ('authorizer.class.name', 'super.users', 'allow.everyone.if.no.acl.found'):
            if key in server_properties:
                out.append('kafka_server_properties sets %s while kafka_authorizer is on: the collection derives it '
                           '(remove it, or set kafka_authorizer: false to manage authorization yourself).' % key)
        plain = [name for name, protocol in (('broker', settings.get('broker_protocol')),
                                             ('controller', settings.get('controller_protocol')))
                 if protocol == 'PLAINTEXT']
        if plain:
            out.append('kafka_authorizer needs every listener to authenticate: the %s listener is PLAINTEXT, where every '
                       'connection is User:ANONYMOUS (set sasl_protocol / sasl_controller_protocol to SASL_PLAINTEXT or '
                       'SASL_SSL).' % ' and '.join(plain))
    elif str(server_properties.get('allow.everyone.if.no.acl.found', '')).lower() == 'true':
        out.append('kafka_server_properties sets allow.everyone.if.no.acl.found=true: any authenticated user could then '
                   'reach every resource without an ACL; remove it.')
    bindings, acl_problems = expand(settings.get('acls') or [])
    out.extend(acl_problems)
    supers = set(settings.get('super_users') or [])
    granted = sorted(set(b[0] for b in bindings) & supers)
    if granted:
        out.append('kafka_acls grants %s, a super user: super users are allowed everything, so these ACLs mean nothing '
                   '(remove them).' % ', '.join(granted))
    return out


def ungranted(users, acls, super_user_list):
    """The users that authenticate but have no ACL (and are not super users): they will be refused everything."""
    bindings, dummy = expand(acls or [])
    principals = set(b[0] for b in bindings if b[6] == 'allow') | set(super_user_list)
    return sorted(name for name in users if 'User:%s' % name not in principals)


def decide(settings):
    """The cluster's authorization, decided once from the settings problems() reads (broker_protocol and
    controller_protocol: see secured) plus security (see super_users) and in_place (per Kafka node, what
    ansible.builtin.slurp returned for its server.properties in place - a result without content, or None, for a node
    never configured - or that content alone):
    {enabled, turning_on, opening, super_users, properties, ungranted}. settings may hold opening
    (kafka_authorizer_opening)."""
    server_properties = settings.get('server_properties') or {}
    users = super_users(settings['security'])
    contents = [(read or {}).get('content') if isinstance(read, dict) else read for read in settings.get('in_place') or []]
    in_place = [in_place_authorizer(None if text is None else base64.b64decode(text).decode('utf-8', 'replace'))
                for text in contents]
    is_enabled = enabled(settings.get('setting', 'auto'), secured(settings.get('broker_protocol'), settings.get('controller_protocol')),
                         'authorizer.class.name' in server_properties, in_place)
    without = [value for value in in_place if value is not None and value not in AUTHORIZERS]
    opening = is_enabled and flag(settings.get('opening'))
    return {
        'enabled': is_enabled,
        # The run would turn it on for nodes configured without it.
        'turning_on': is_enabled and bool(without),
        # The first of two rolls that turn it on: resources without ACLs stay open while the ACLs are created.
        'opening': opening,
        'super_users': users if is_enabled else [],
        'properties': properties(is_enabled, users, opening),
        'ungranted': ungranted(settings.get('users') or [], settings.get('acls'), users) if is_enabled else [],
    }
