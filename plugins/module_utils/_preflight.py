# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight's judgements of an inventory, as pure functions (the roles' preflight tasks call them through
plugins/filter/preflight.py and stop the play on the first host with a problem).

Each function takes the settings it judges, keyed by the inventory variable's name, and returns a list of problems:
one sentence each, naming the host and the setting, never a secret. An empty list means the settings pass. Every
check runs, so a user sees all the problems of a host at once; a check that depends on an earlier one's input (a
version, a user list) skips what it cannot judge instead of failing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import json
import os
import re

from ansible_collections.streamops.kafka.plugins.module_utils import _acls, _migration

VERSION = re.compile(r'^[0-9]+\.[0-9]+\.[0-9]+$')
RELEASE_ONLY = re.compile(r'^[0-9]+\.[0-9]+$')
# Variable name prefixes the collection's roles own; a name with one of them that no role declares is a mistake.
PREFIXES = ('kafka_', 'zookeeper_', 'sasl_', 'jdk_', 'kraft_storage_', 'distribution_', 'metrics_exporter_')
WHOLE_NUMBER = re.compile(r'^[0-9]+$')
IBP_PIN = re.compile(r'^([0-9]+\.[0-9]+(-IV[0-9]+)?)?$')
LMF_PIN = re.compile(r'^([0-9]+\.[0-9]+(\.[0-9]+)?(-IV[0-9]+)?)?$')
PIN_KEYS = ('inter.broker.protocol.version', 'log.message.format.version')
PLAIN_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._@-]*$')
PASSWORD_MECHANISMS = ('PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512')
SCRAM_MECHANISMS = ('SCRAM-SHA-256', 'SCRAM-SHA-512')
SASL_PROTOCOLS = ('SASL_PLAINTEXT', 'SASL_SSL')
JNDI_MODULE = 'com.sun.security.auth.module.JndiLoginModule'


def version_tuple(version):
    """'3.9.2' -> (3, 9, 2); None for anything that is not three whole numbers."""
    text = str(version)
    return tuple(int(part) for part in text.split('.')) if VERSION.match(text) else None


def _text(value):
    """A setting as Jinja's string filter renders it (None as the empty string)."""
    return '' if value is None else str(value)


def _unique(items):
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _storage_dir_problem(host, path, why=''):
    path = _text(path)
    if path.startswith('/') and not re.match(r'^/(var/)?tmp(/|$)', path):
        return None
    return "%s: '%s' must be an absolute path outside /tmp and /var/tmp%s." % (host, path, why)


def kafka_node_problems(s):
    """One Kafka host's own settings: mode and version, ZooKeeper-mode pins, settings 4.x removed, group membership,
    node id, data and log directories. s holds the kafka_* variables of the host, inventory_hostname, group_names,
    controllers and brokers (the hosts of the two groups), zookeeper_connect (as the role derives it) and the version
    bounds of this release (_kafka_kraft_min_version, _kafka_max_version_exclusive, _kafka_zookeeper_min_version,
    _kafka_zookeeper_max_version_exclusive) and _kafka_removed_in_4."""
    host, mode, version = s['inventory_hostname'], s['kafka_mode'], _text(s['kafka_version'])
    zk_mode = mode == 'zookeeper'
    problems = []
    low, high = ((s['_kafka_zookeeper_min_version'], s['_kafka_zookeeper_max_version_exclusive']) if zk_mode
                 else (s['_kafka_kraft_min_version'], s['_kafka_max_version_exclusive']))
    parsed = version_tuple(version)
    if mode in ('kraft', 'zookeeper') and RELEASE_ONLY.match(version):
        problems.append('%s: kafka_version %s names a release line, not a version: give the patch release too, for example %s.0 or '
                        'the newest %s.x (quote it in YAML).' % (host, version, version, version))
    elif mode not in ('kraft', 'zookeeper') or parsed is None or not version_tuple(low) <= parsed < version_tuple(high):
        problems.append(
            'kafka_mode=%s kafka_version=%s is not deployable by this release: it deploys KRaft clusters on Kafka %s up to (not '
            'including) %s and ZooKeeper-mode clusters on Kafka %s up to (not including) %s (Kafka 4.0 removed ZooKeeper mode: '
            'migrate the cluster to KRaft first).' % (mode, version, s['_kafka_kraft_min_version'], s['_kafka_max_version_exclusive'],
                                                      s['_kafka_zookeeper_min_version'], s['_kafka_zookeeper_max_version_exclusive']))
    properties = s['kafka_server_properties'] or {}
    ibp, lmf = _text(s['kafka_inter_broker_protocol_version']), _text(s['kafka_log_message_format_version'])
    connect = _text(s['zookeeper_connect']).strip()
    if zk_mode and (s['controllers'] or not connect or not IBP_PIN.match(ibp) or not LMF_PIN.match(lmf)
                    or any(key in properties for key in PIN_KEYS)):
        problems.append(
            "%s: a ZooKeeper-mode cluster has brokers only ('%s' holds %s), needs ZooKeeper hosts in '%s' or kafka_zookeeper_connect "
            "(got '%s'), and version pins like \"2.8\" as quoted strings (got inter.broker.protocol.version '%s', log.message.format.version "
            "'%s'), set through kafka_inter_broker_protocol_version / kafka_log_message_format_version, never kafka_server_properties."
            % (host, s['kafka_controllers_group'], ', '.join(s['controllers']) or 'nothing', s['kafka_zookeeper_group'], connect, ibp, lmf))
    asked = [key for key in _unique(properties) if key in s['_kafka_removed_in_4']]
    if parsed is not None and parsed >= (4, 0, 0) and asked:
        problems.append(
            '%s: Kafka %s no longer knows %s: remove %s from kafka_server_properties (message format and protocol follow '
            'metadata.version in 4.x).' % (host, version, ', '.join(asked), 'it' if len(asked) == 1 else 'them'))
    if host not in s['brokers'] and (zk_mode or host not in s['controllers']):
        problems.append(
            "%s is in neither '%s' nor '%s' (its groups: %s); put it in one of them, or in both for a combined node."
            % (host, s['kafka_controllers_group'], s['kafka_brokers_group'], ', '.join(s['group_names'])))
    node_id = s.get('kafka_node_id')
    if node_id is None or not WHOLE_NUMBER.match(_text(node_id)):
        problems.append('%s: kafka_node_id must be set to a whole number >= 0 (got %s).' % (host, 'nothing' if node_id is None else node_id))
    data_dirs = s['kafka_data_dirs']
    if not isinstance(data_dirs, (list, tuple)):
        problems.append("%s: kafka_data_dirs must be a list of directories, got %s: write it as a YAML list, for example "
                        "kafka_data_dirs: ['%s']." % (host, json.dumps(data_dirs), _text(data_dirs).split(',')[0].strip() or '/var/lib/kafka/data'))
        data_dirs = []
    dirs = list(data_dirs) + ([s['kafka_metadata_log_dir']] if _text(s['kafka_metadata_log_dir']) else []) + [s['kafka_log_dir']]
    why = ' (a temp cleaner would delete meta.properties and the data with it)'
    problems.extend(p for p in (_storage_dir_problem(host, d, why) for d in dirs) if p)
    return problems


def unknown_variable_problems(host, names, declared):
    """Of a host's variable names (all of them: the prefixes are chosen here), those that carry one of the collection's
    prefixes (PREFIXES) but that no role declares: a misspelled setting (kafka_verison) would otherwise be ignored and
    its default used, and an upgrade could roll the cluster to the default version. One sentence per variable, with
    the closest declared name when one is close."""
    declared = sorted(set(declared))
    problems = []
    for name in sorted(set(n for n in names if n.startswith(PREFIXES) and n not in declared)):
        close = difflib.get_close_matches(name, declared, n=1, cutoff=0.8)
        problems.append('%s: %s is not a setting of streamops.kafka%s; no role reads it, so its default would be used.' % (
            host, name, ' (did you mean %s?)' % close[0] if close else ''))
    return problems


def target_system_problems(facts, host, jdk_source):
    """What on the host itself the roles cannot work with, from its gathered facts (the min subset is enough): every
    service is a systemd unit, and a JDK from packages is installed with apt and found where Debian's OpenJDK
    packages put it. Facts not gathered (an empty dict, a play without fact gathering) judge nothing. The systems the
    collection is tested on (Debian 11 and 12) are named in the README; other systemd hosts with apt, or any systemd
    host with jdk_source=archive, are not refused."""
    if not facts:
        return []
    problems = []
    system, service_mgr, pkg_mgr = facts.get('system'), facts.get('service_mgr'), facts.get('pkg_mgr')
    described = ' '.join(_text(facts.get(key)) for key in ('distribution', 'distribution_version') if facts.get(key)) or _text(system)
    if system is not None and system != 'Linux':
        problems.append('%s runs %s; streamops.kafka deploys Linux hosts with systemd.' % (host, described))
    elif service_mgr is not None and service_mgr != 'systemd':
        problems.append('%s (%s) is managed by %s; every service streamops.kafka deploys is a systemd unit, so it needs systemd.'
                        % (host, described, service_mgr))
    if jdk_source == 'package' and pkg_mgr is not None and pkg_mgr != 'apt':
        problems.append('%s (%s) installs packages with %s; jdk_source=package installs Debian\'s OpenJDK package with apt. '
                        'Install Java from an archive instead (jdk_source: archive with jdk_archive_url or jdk_archive_src and '
                        'jdk_archive_checksum).' % (host, described, pkg_mgr))
    return problems


def checksum_fetch_problems(label, url, host, status, msg=''):
    """The fetch of a distribution's published checksum (<url>.sha512) from a host: status is the HTTP status the uri
    module returned (-1 when no answer came). A 404 means the version was never published (kafka_version 3.9.20), or
    the URL is wrong; anything else but 200 is a mirror the host could not use. The mirror's answer (an HTML page for
    a 404) is never quoted; the module's own message is, cut to 200 characters."""
    status = int(status)
    if status == 200:
        return []
    name = label.lower()
    if status == 404:
        return ['The %s distribution %s was not found: its .sha512 answered 404. Check that %s_version names a published '
                'release, or fix %s_archive_url.' % (label, url, name, name)]
    text = _text(msg)
    return ['%s.sha512 could not be fetched from %s (HTTP status %d): %s Set %s_archive_sha512, or %s_archive_src for a copy '
            'on the controller.' % (url, host, status, text if len(text) <= 200 else text[:197] + '...', name, name)]


def free_space_problems(df_output, paths, host, min_free_mb):
    """One sentence per directory with less than min_free_mb MB free, from `df -Pk <paths...>` (a header, then one row per
    path in the order given: filesystem, 1024-blocks, used, available, capacity, mounted on)."""
    rows = [line.split() for line in _text(df_output).splitlines()[1:] if line.strip()]
    paths = list(paths)
    if len(rows) != len(paths) or any(len(row) < 6 or not row[3].isdigit() for row in rows):
        return ['%s: could not read the free space of %s from df: %r' % (host, ', '.join(paths), _text(df_output)[:300])]
    need = int(min_free_mb)
    problems = []
    for path, row in zip(paths, rows):
        free = int(row[3]) // 1024
        if free < need:
            problems.append('%s: %s (filesystem %s) has %d MB free, below kafka_upgrade_min_free_mb=%d. Nothing was changed; '
                            'free space there (or set kafka_upgrade_min_free_mb lower) and run again.'
                            % (host, path, ' '.join(row[5:]), free, need))
    return problems


def kafka_layout_problems(controllers, brokers, node_ids, zk_mode, replication_factor, min_isr, controllers_group, brokers_group):
    """The cluster as a whole: an odd controller count (KRaft), a broker, unique node ids, a replication factor the
    brokers can hold and a min.insync.replicas the replication factor can meet. node_ids: {host: kafka_node_id}.
    One sentence per rule broken, so the message says which one."""
    nodes = _unique(list(controllers) + list(brokers))
    ids = [_text(node_ids.get(host)) for host in nodes]
    rf, min_isr = int(replication_factor), int(min_isr)
    problems = []
    if not zk_mode and len(controllers) % 2 == 0:
        problems.append("Cluster layout: %d controller(s) in '%s'; a KRaft quorum needs an odd number (1, 3 or 5)."
                        % (len(controllers), controllers_group))
    if not brokers:
        problems.append("Cluster layout: 0 broker(s) in '%s'; a cluster needs at least 1." % brokers_group)
    duplicates = sorted(set(i for i in ids if ids.count(i) > 1))
    if duplicates:
        problems.append("Cluster layout: node id(s) %s are given to more than one host (%s); kafka_node_id must be unique." % (
            ', '.join(duplicates), ', '.join('%s=%s' % (host, i) for host, i in zip(nodes, ids) if i in duplicates)))
    if brokers and rf > len(brokers):
        problems.append("Cluster layout: replication factor %d is above the %d broker(s) in '%s'." % (rf, len(brokers), brokers_group))
    if min_isr > rf:
        problems.append("Cluster layout: min.insync.replicas %d is above the replication factor %d." % (min_isr, rf))
    return problems


def zookeeper_member_problems(s):
    """One ZooKeeper member: version, id, group membership, directories. s holds the zookeeper_* variables,
    inventory_hostname and members (the hosts of zookeeper_hosts_group)."""
    host, version, member_id = s['inventory_hostname'], _text(s['zookeeper_version']), s.get('zookeeper_id')
    parsed = version_tuple(version)
    id_ok = member_id is not None and WHOLE_NUMBER.match(_text(member_id)) and 1 <= int(_text(member_id)) <= 255
    problems = []
    if parsed is None or parsed[0] != 3 or parsed < (3, 5, 0) or not id_ok or host not in s['members']:
        problems.append("%s: needs zookeeper_version 3.5 or later (got %s), a zookeeper_id from 1 to 255 (got %s) and membership in the "
                        "'%s' group." % (host, version, 'nothing' if member_id is None else member_id, s['zookeeper_hosts_group']))
    dirs = (s['zookeeper_data_dir'], s['zookeeper_txn_log_dir'], s['zookeeper_log_dir'])
    problems.extend(p for p in (_storage_dir_problem(host, d) for d in dirs) if p)
    return problems


def zookeeper_ensemble_problems(members, member_ids, group):
    """The ensemble: an odd number of members with unique ids. member_ids: {host: zookeeper_id}."""
    ids = [_text(member_ids.get(host)) for host in members]
    if len(members) % 2 == 1 and len(set(ids)) == len(ids):
        return []
    return ["The ZooKeeper ensemble in '%s' needs an odd number of members (1, 3 or 5; got %d) with unique ids (got %s)."
            % (group, len(members), dict(zip(members, ids)))]


def properties_values(text, key):
    """Every value of key in a .properties text, in order (the last one is the one Kafka uses)."""
    prefix = key + '='
    return [line[len(prefix):] for line in (text or '').splitlines() if line.startswith(prefix)]


def meta_properties_id(text):
    """The node id a log directory's meta.properties names: node.id (version 1, KRaft), else broker.id (version 0, written
    by a ZooKeeper-mode broker and kept by a broker migrated to KRaft); '' when it names neither."""
    values = dict((key, (properties_values(text, key) or [''])[-1].strip()) for key in ('node.id', 'broker.id'))
    return values['node.id'] or values['broker.id']


def pins_in_place(text):
    """The protocol pins a node's server.properties holds: (inter.broker.protocol.version, log.message.format.version)."""
    return tuple((properties_values(text, key) or [''])[-1].strip() for key in PIN_KEYS)


def in_place_problems(text, s):
    """What the node was last configured with (its server.properties text, empty for a new node) against the
    inventory: a listener does not change protocol in place, brokers switch only to a mechanism they already accept,
    and the inter-broker protocol is never lowered. s holds inventory_hostname, kafka_broker_listener_name,
    kafka_inter_broker_protocol_version, sasl_inter_broker_mechanism, sasl_admin_mechanism and broker_protocol (the
    listener's protocol the inventory asks for)."""
    host, listener = s['inventory_hostname'], s['kafka_broker_listener_name']
    problems = []
    pairs = [pair.split(':', 1) for pair in (properties_values(text, 'listener.security.protocol.map') or [''])[-1].split(',') if ':' in pair]
    protocol = ([value.strip() for name, value in pairs if name == listener] + [''])[0]
    key = 'listener.name.%s.sasl.enabled.mechanisms' % listener.lower()
    accepted = [m.strip() for m in (properties_values(text, key) or [''])[-1].strip().split(',') if m.strip()]
    needed = _unique([s['sasl_inter_broker_mechanism'], s['sasl_admin_mechanism']])
    missing = [m for m in needed if m not in accepted]
    if protocol and protocol != s['broker_protocol']:
        problems.append('%s: its %s listener is %s and the inventory asks for %s: a listener does not change protocol in place (clients '
                        'of the old protocol would all fail at once); add a listener for the new protocol instead.'
                        % (host, listener, protocol, s['broker_protocol']))
    elif protocol in SASL_PROTOCOLS and missing:
        problems.append('%s: its brokers accept %s, so they cannot switch to %s (sasl_inter_broker_mechanism / sasl_admin_mechanism) in '
                        'the same roll. Add it to sasl_mechanisms first and roll (streamops.kafka.restart), then switch.'
                        % (host, ', '.join(accepted) or 'no SASL mechanism', ', '.join(missing)))
    ibp_in_place, wanted = pins_in_place(text)[0], _text(s['kafka_inter_broker_protocol_version'])
    if ibp_in_place and wanted and _pin_release(wanted) < _pin_release(ibp_in_place):
        problems.append('%s runs inter.broker.protocol.version=%s; the inventory asks for %s. Brokers cannot go back to an older '
                        'inter-broker protocol once it was raised.' % (host, ibp_in_place, wanted))
    return problems


def kind_in_place_problems(text, host, wanted):
    """What the node's server.properties in place (text) configures it as, against what the inventory makes it (wanted, a
    _migration kind): a node never switches between ZooKeeper mode and KRaft in place, and a node in the middle of a
    migration is left to streamops.kafka.migrate. A new node (no server.properties) has no problem."""
    kind = _migration.node_kind(text)
    zk_kinds = (_migration.ZK_BROKER, _migration.ZK_BROKER_MIGRATING)
    if kind in (_migration.ABSENT, wanted):
        return []
    if kind in (_migration.ZK_BROKER_MIGRATING, _migration.CONTROLLER_MIGRATING):
        return ['%s is in the middle of a ZooKeeper to KRaft migration (configured as %s): run streamops.kafka.migrate to go on '
                '(kafka_migration_finalize: true to finish) or back (kafka_migration_rollback: true).' % (host, kind)]
    if kind in zk_kinds and wanted not in zk_kinds:
        return ['%s runs as a ZooKeeper-mode broker and the inventory makes it %s (kafka_mode: kraft): a broker does not switch to '
                'KRaft in place. Migrate the cluster with streamops.kafka.migrate (add the kafka_controllers group first).' % (host, wanted)]
    if kind not in zk_kinds and wanted in zk_kinds:
        return ['%s runs in KRaft mode (%s) and the inventory makes it a ZooKeeper-mode broker (kafka_mode: zookeeper): a KRaft node '
                'does not go back to ZooKeeper; before its finalize, a migration goes back with streamops.kafka.migrate and '
                'kafka_migration_rollback: true.' % (host, kind)]
    return []


def _pin_release(pin):
    """'2.8-IV1' -> (2, 8): the release a protocol pin names."""
    return tuple(int(part) if part.isdigit() else 0 for part in re.sub(r'-IV.*$', '', pin).split('.'))


def sasl_problems(s, is_file=os.path.isfile):
    """The SASL and TLS description of one host. s holds the sasl_* variables, inventory_hostname, kafka_version (None
    when the host runs ZooKeeper only), kafka_mode, kafka_disallowed_login_modules (None when not set) and scanned:
    {name: value} of every kafka_/zookeeper_/sasl_/kraft_storage_ variable, searched for JndiLoginModule.
    is_file answers for controller-side files (keystores, keytab)."""
    host = s['inventory_hostname']
    problems = []
    hits = [name for name, value in sorted(s['scanned'].items())
            if name != 'kafka_disallowed_login_modules' and re.search('(?i)JndiLoginModule', json.dumps(value, default=str))]
    disallowed = s.get('kafka_disallowed_login_modules')
    if hits or JNDI_MODULE not in (disallowed if disallowed is not None else [JNDI_MODULE]):
        problems.append('%s: CVE-2023-25194: %s. A JNDI login module lets whoever controls a JAAS configuration run code in Kafka\'s JVM; '
                        'remove it.' % (host, ('JndiLoginModule is configured in ' + ', '.join(hits)) if hits
                                        else 'kafka_disallowed_login_modules must keep ' + JNDI_MODULE))
    kraft = (s.get('kafka_mode') or 'kraft') == 'kraft'
    mechanisms = list(s['sasl_mechanisms'] or [])
    protocol, controller_protocol = s['sasl_protocol'], s['sasl_controller_protocol']
    broker_sasl = protocol in SASL_PROTOCOLS
    controller_sasl = kraft and controller_protocol in SASL_PROTOCOLS
    inter_broker, admin, controller_mechanism = s['sasl_inter_broker_mechanism'], s['sasl_admin_mechanism'], s['sasl_controller_mechanism']
    protocols = ('PLAINTEXT',) + SASL_PROTOCOLS
    if (protocol not in protocols or controller_protocol not in protocols or not mechanisms
            or any(m not in PASSWORD_MECHANISMS + ('GSSAPI',) for m in mechanisms) or inter_broker not in mechanisms
            or admin not in mechanisms or admin not in PASSWORD_MECHANISMS or controller_mechanism != 'PLAIN'):
        problems.append(
            '%s: sasl_protocol and sasl_controller_protocol must be PLAINTEXT, SASL_PLAINTEXT or SASL_SSL (got %s, %s); sasl_mechanisms must '
            'be some of %s (got %s); sasl_inter_broker_mechanism (%s) and sasl_admin_mechanism (%s) must be among them, the admin one a '
            'password mechanism (the modules run on the controller, which has no keytab: keep PLAIN or SCRAM enabled beside GSSAPI for '
            'them); sasl_controller_mechanism must be PLAIN (got %s; SCRAM credentials live in the metadata log the controllers serve, so '
            'controllers cannot authenticate with them).'
            % (host, protocol, controller_protocol, ', '.join(PASSWORD_MECHANISMS + ('GSSAPI',)), ', '.join(mechanisms), inter_broker, admin,
               controller_mechanism))
    users = [u if isinstance(u, dict) else {} for u in (s['sasl_users'] or [])]
    if broker_sasl or controller_sasl:
        problems.extend(_user_problems(s, users, mechanisms, broker_sasl, controller_sasl))
    scram = [m for m in mechanisms if m in SCRAM_MECHANISMS]
    version = version_tuple(s.get('kafka_version'))
    if broker_sasl and scram and s.get('kafka_version') is not None and version is not None and version < ((3, 5, 0) if kraft else (2, 7, 0)):
        problems.append('%s: SCRAM on Kafka %s in %s mode is not managed by this collection: it creates SCRAM users %s. Upgrade first, or '
                        'use PLAIN.' % (host, s['kafka_version'], 'KRaft' if kraft else 'ZooKeeper',
                                        'at format time (kafka-storage --add-scram, Kafka 3.5+)' if kraft else 'through the Admin API (Kafka 2.7+)'))
    mtls = _acls.flag(s.get('sasl_mtls_enabled'))
    if protocol == 'SASL_SSL' or (kraft and controller_protocol == 'SASL_SSL') or mtls:
        problems.extend(_tls_problems(s, host, is_file))
    if mtls:
        problems.extend(_mtls_problems(s, host, is_file))
    problems.extend('%s: sasl_ssl_principal_mapping_rules: %s' % (host, problem)
                    for problem in principal_mapping_problems(s.get('sasl_ssl_principal_mapping_rules')))
    if broker_sasl and 'GSSAPI' in mechanisms:
        problems.extend(_kerberos_problems(s, host, is_file))
    if s['sasl_zookeeper_digest']:
        if not (PLAIN_NAME.match(_text(s['sasl_zookeeper_user'])) and PLAIN_NAME.match(_text(s['sasl_zookeeper_quorum_user']))
                and _filled(s['sasl_zookeeper_password']) and _filled(s['sasl_zookeeper_quorum_password'])):
            problems.append('%s: sasl_zookeeper_digest needs sasl_zookeeper_user / sasl_zookeeper_quorum_user as plain names (got %s, %s) and '
                            'non-empty sasl_zookeeper_password and sasl_zookeeper_quorum_password.'
                            % (host, s['sasl_zookeeper_user'], s['sasl_zookeeper_quorum_user']))
    return problems


def _port(value):
    """A port number given as an int or a string of digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and 0 < value < 65536 else None


def _filled(password):
    return isinstance(password, str) and len(password) > 0


def _user_problems(s, users, mechanisms, broker_sasl, controller_sasl):
    host = s['inventory_hostname']
    names = [_text(u.get('name', '')) for u in users]
    bad_names = [n for n in names if not PLAIN_NAME.match(n)]
    no_password = [_text(u.get('name', '?')) for u in users if not _filled(u.get('password'))]
    allowed = mechanisms + ([s['sasl_controller_mechanism']] if controller_sasl else [])
    bad_mechanisms = [_text(u.get('name', '?')) for u in users
                      if u.get('mechanisms') is not None and any(m not in allowed for m in u['mechanisms'])]
    needed = (([s['sasl_admin_user']] + ([s['sasl_inter_broker_user']] if s['sasl_inter_broker_mechanism'] != 'GSSAPI' else []))
              if broker_sasl else []) + ([s['sasl_controller_user'], s['sasl_admin_user']] if controller_sasl else [])
    missing = _unique(n for n in needed if n not in names)
    problems = []
    if bad_names or len(set(names)) != len(names) or no_password or bad_mechanisms or missing:
        problems.append(
            '%s: sasl_users needs unique names of letters, digits and . _ @ - (bad: %s; %d repeated), a non-empty string password for each '
            '(missing for: %s), mechanisms among sasl_mechanisms or the controller\'s (not so for: %s), and entries for the users the '
            'cluster logs in as (%s; missing: %s).'
            % (host, ', '.join(bad_names) or 'none', len(names) - len(set(names)), ', '.join(no_password) or 'none',
               ', '.join(bad_mechanisms) or 'none', ', '.join(_unique(needed)), ', '.join(missing) or 'none'))
    if broker_sasl and not missing:
        mechanisms_of = dict((_text(u.get('name', '')), mechanisms if u.get('mechanisms') is None else u['mechanisms']) for u in users)
        inter_broker, admin = s['sasl_inter_broker_mechanism'], s['sasl_admin_mechanism']
        if ((inter_broker != 'GSSAPI' and inter_broker not in mechanisms_of[s['sasl_inter_broker_user']])
                or admin not in mechanisms_of[s['sasl_admin_user']]):
            problems.append('%s: user %s must have %s (sasl_inter_broker_mechanism) and user %s must have %s (sasl_admin_mechanism) among '
                            'their mechanisms.' % (host, s['sasl_inter_broker_user'], inter_broker, s['sasl_admin_user'], admin))
    return problems


def _tls_problems(s, host, is_file):
    keystore, truststore, kind = _text(s['sasl_ssl_keystore_src']), _text(s['sasl_ssl_truststore_src']), s['sasl_ssl_keystore_type']
    keystore_ok, truststore_ok = bool(keystore) and is_file(keystore), bool(truststore) and is_file(truststore)
    if keystore_ok and truststore_ok and kind in ('PEM', 'PKCS12') and (kind == 'PEM' or _text(s['sasl_ssl_keystore_password'])):
        return []
    return ["%s: SASL_SSL and the mutual TLS listener need sasl_ssl_keystore_src (this host's key and certificate chain, PEM or PKCS12; got '%s'%s), "
            "sasl_ssl_truststore_src (PEM CA bundle; got '%s'%s), sasl_ssl_keystore_type PEM or PKCS12 (got %s) and, for PKCS12, "
            "sasl_ssl_keystore_password." % (host, keystore, '' if is_file(keystore) else ', not a file on the controller',
                                             truststore, '' if is_file(truststore) else ', not a file on the controller', kind)]


LISTENER_NAME = re.compile(r'^[A-Z][A-Z0-9_]*$')
# One rule of ssl.principal.mapping.rules as Kafka parses them: DEFAULT, or RULE:pattern/replacement/ with an optional L or
# U (lower or upper case); a slash inside the pattern or the replacement is escaped as \/.
MAPPING_RULE = re.compile(r'^(DEFAULT|RULE:((\\/|[^/])*)/((\\/|[^/])*)/[LU]?)$')


def principal_mapping_problems(rules):
    """What is wrong with sasl_ssl_principal_mapping_rules (a list of rules, rendered joined by commas), [] when nothing."""
    if rules in (None, '', []):
        return []
    if not isinstance(rules, (list, tuple)) or not all(isinstance(r, str) for r in rules):
        return ['a list of rules is needed (got %r).' % (rules,)]
    bad = [r for r in rules if not MAPPING_RULE.match(r.strip())]
    patterns = [re.sub(r'^RULE:', '', r.strip()) for r in rules if r.strip() != 'DEFAULT' and MAPPING_RULE.match(r.strip())]
    unparsable = []
    for rule in patterns:
        pattern = re.match(r'^((\\/|[^/])*)/', rule).group(1).replace('\\/', '/')
        try:
            re.compile(re.sub(r'\(\?<(?![=!])', '(?P<', pattern))  # Java's named groups as Python writes them
        except re.error as exc:
            unparsable.append('%s (%s)' % (pattern, exc))
    problems = []
    if bad:
        problems.append('each rule is DEFAULT or RULE:<pattern>/<replacement>/ with an optional L or U, a slash inside escaped as \\/ '
                        '(not so: %s).' % ', '.join(bad))
    if unparsable:
        problems.append('these patterns are not regular expressions: %s.' % '; '.join(unparsable))
    return problems


def _mtls_problems(s, host, is_file):
    """The mutual TLS listener: its own name and port, and a CA bundle for the client certificates."""
    name, port, ca = _text(s.get('sasl_mtls_listener_name')), _port(s.get('sasl_mtls_port')), _text(s.get('sasl_mtls_client_ca_src'))
    taken_names = [_text(s.get('kafka_broker_listener_name', 'PLAINTEXT')), _text(s.get('kafka_controller_listener_name', 'CONTROLLER'))]
    taken_ports = [_port(s.get('kafka_broker_port', 9092)), _port(s.get('kafka_controller_port', 9093))]
    problems = []
    if not LISTENER_NAME.match(name) or name.upper() in [t.upper() for t in taken_names]:
        problems.append('%s: sasl_mtls_listener_name must be upper-case letters, digits and _ and differ from the broker and controller '
                        'listeners (%s; got %s).' % (host, ', '.join(taken_names), name or "''"))
    if port is None or port in taken_ports:
        problems.append('%s: sasl_mtls_port must be a port number other than the broker and controller ports (%s; got %s).'
                        % (host, ', '.join(str(t) for t in taken_ports), s.get('sasl_mtls_port')))
    if not (ca and is_file(ca)):
        problems.append("%s: sasl_mtls_enabled needs sasl_mtls_client_ca_src, the PEM CA bundle that signed the clients' certificates "
                        "(got '%s'%s)." % (host, ca, '' if not ca or is_file(ca) else ', not a file on the controller'))
    return problems


def _kerberos_problems(s, host, is_file):
    kerberos_host, service = _text(s['sasl_kerberos_host']).lower(), _text(s['sasl_kerberos_service_name'])
    principal = _text(s['sasl_kerberos_principal']).replace('_HOST', kerberos_host)
    keytab, kdcs = _text(s['sasl_kerberos_keytab_src']), list(s['sasl_kerberos_kdcs'] or [])
    if (re.match(r'^[A-Za-z0-9][A-Za-z0-9._-]*$', service)
            and re.match(r'^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$', kerberos_host) and not re.match(r'^[0-9.]+$', kerberos_host)
            and re.match('^' + re.escape(service) + r'/[^/@\s]+(@[^@/\s]+)?$', principal)
            and keytab and is_file(keytab)
            and (not kdcs or re.match(r'^[^\s{}=]+$', _text(s['sasl_kerberos_realm'])))
            and all(re.match(r'^[A-Za-z0-9.-]+(:[0-9]+)?$', _text(kdc)) for kdc in kdcs)):
        return []
    return ["%s: GSSAPI needs sasl_kerberos_host to be a host name, the one clients and brokers connect to (got '%s'; an address makes "
            "clients ask the KDC for a reverse-resolved name); sasl_kerberos_principal of the form %s/<host>[@REALM] with the service name "
            "sasl_kerberos_service_name (got '%s'); sasl_kerberos_keytab_src, this host's keytab on the controller (got '%s'%s); and, with "
            "sasl_kerberos_kdcs (host or host:port, got %s), a sasl_kerberos_realm."
            % (host, kerberos_host, service, principal, keytab, '' if is_file(keytab) else ', not a file', ', '.join(kdcs) or 'none')]
