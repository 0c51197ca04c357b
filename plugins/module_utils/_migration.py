# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ZooKeeper -> KRaft migration (Kafka 3.9, KIP-866) as pure functions: what each node is configured as, which phase
the cluster is in, the steps still to run (forward or back), and the checks that must pass before a step starts.

The phases, as the Kafka 3.9 documentation ("ZooKeeper to KRaft Migration") numbers them:

  0 zookeeper    ZooKeeper-mode brokers, no controller provisioned.
  1 controllers  KRaft controllers provisioned with zookeeper.metadata.migration.enable and zookeeper.connect.
  2 dual-write   every broker rolled with the migration flag and the controller quorum; the controllers copied the
                 metadata from ZooKeeper (/migration exists) and write every change to both.
  3 kraft        every broker rolled into a KRaft broker (process.roles=broker, node.id = its broker.id).
  4 finalized    the controllers rolled without the migration flag and ZooKeeper: the point of no return.

Between them a roll can stop half-way (hybrid, converting, finalizing): the phase names the step that is under way,
and re-running the step resumes it on the nodes not yet done. Nothing here reads a host or the network: the
observations come from the nodes' server.properties (node_kind), the ZooKeeper znodes and the brokers' ApiVersions
(both read by the kafka_migration_info module)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

# What a node's server.properties says it is.
ABSENT = 'absent'                            # no server.properties (never provisioned, or deprovisioned)
ZK_BROKER = 'zk-broker'                      # ZooKeeper-mode broker
ZK_BROKER_MIGRATING = 'zk-broker-migrating'  # ZooKeeper-mode broker with the migration flag and the controller quorum
KRAFT_BROKER = 'kraft-broker'
CONTROLLER_MIGRATING = 'controller-migrating'  # KRaft controller with the migration flag and zookeeper.connect
CONTROLLER = 'controller'
COMBINED = 'combined'                        # process.roles=broker,controller: cannot take part in a migration
KINDS = (ABSENT, ZK_BROKER, ZK_BROKER_MIGRATING, KRAFT_BROKER, CONTROLLER_MIGRATING, CONTROLLER, COMBINED)

# Phases, in order; the number is the documentation's.
PHASES = (
    ('zookeeper', 0, 'ZooKeeper mode: no KRaft controller is provisioned'),
    ('controllers', 1, 'the KRaft controllers are provisioned in migration mode; the brokers still run without the migration flag'),
    ('hybrid', 2, 'the first broker roll is under way: some brokers have the migration flag, some not'),
    ('migrating', 2, 'every broker has the migration flag; the controllers have not yet copied the metadata from ZooKeeper'),
    ('dual-write', 2, 'the controllers copied the metadata and write every change to KRaft and ZooKeeper; the brokers run in ZooKeeper mode'),
    ('converting', 3, 'the second broker roll is under way: some brokers run as KRaft brokers, some in ZooKeeper mode'),
    ('kraft-brokers', 3, 'every broker runs as a KRaft broker; the controllers still write to ZooKeeper (dual-write)'),
    ('finalizing', 4, 'the controllers are being rolled without ZooKeeper: the migration is past its point of no return'),
    ('kraft', 4, 'KRaft mode: the controllers no longer use ZooKeeper'),
    ('reverting', -1, 'a rollback is under way: the controllers are deprovisioned, but the brokers or ZooKeeper still carry migration state'),
)
PHASE_NUMBER = dict((name, number) for name, number, _ in PHASES)
PHASE_TEXT = dict((name, text) for name, _, text in PHASES)
# From these phases there is no way back: a controller without the migration flag took over (ZkMigrationState
# POST_MIGRATION) and ZooKeeper no longer receives the metadata.
FINALIZED = ('finalizing', 'kraft')

# The IBP the brokers must run for a 3.9 migration (a migrating broker registers [IBP, IBP] as its metadata.version
# range, so the controllers' bootstrapped level must be the same).
MIGRATION_RELEASE = (3, 9)
# broker.id above reserved.broker.max.id (default 1000) is one ZooKeeper generated.
RESERVED_BROKER_MAX_ID = 1000
# The API only a ZooKeeper-mode broker answers (LeaderAndIsr, key 4; KRaft brokers do not list it).
ZK_BROKER_API_KEY = 4


def properties(text):
    """A .properties text -> {key: value} (the last value of a repeated key wins, as in Kafka). Comments, blank lines
    and lines without '=' are skipped; keys and values are stripped."""
    out = {}
    for line in (text or '').splitlines():
        line = line.strip()
        if not line or line[0] in '#!':
            continue
        key, sep, value = line.partition('=')
        if sep:
            out[key.strip()] = value.strip()
    return out


def _flag(value):
    return str(value).strip().lower() == 'true'


def node_kind(text):
    """What a node's server.properties text (empty when there is none) configures it as: one of KINDS."""
    props = properties(text)
    if not props:
        return ABSENT
    roles = [r.strip() for r in props.get('process.roles', '').split(',') if r.strip()]
    migrating = _flag(props.get('zookeeper.metadata.migration.enable', 'false'))
    if 'controller' in roles and 'broker' in roles:
        return COMBINED
    if 'controller' in roles:
        return CONTROLLER_MIGRATING if migrating else CONTROLLER
    if 'broker' in roles:
        return KRAFT_BROKER
    return ZK_BROKER_MIGRATING if migrating else ZK_BROKER


def node_facts(text):
    """What a migration reads from a node's server.properties text: {'kind', 'broker_id', 'node_id', 'ibp'} (the ids and
    the inter-broker protocol pin as written, '' when absent)."""
    props = properties(text)
    return dict(kind=node_kind(text), broker_id=props.get('broker.id', ''), node_id=props.get('node.id', ''),
                ibp=props.get('inter.broker.protocol.version', ''))


def znode_json(data):
    """A znode's data (bytes or text) as a dict; None for a missing node (None) or empty data. ValueError names what
    was found when the data is not a JSON object."""
    if data is None:
        return None
    text = data.decode('utf-8') if isinstance(data, bytes) else str(data)
    if not text.strip():
        return None
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError('expected a JSON object, got %r' % (text[:80],))
    return value


def kraft_controller_epoch(controller_znode):
    """The kraftControllerEpoch of a /controller znode (a dict), or None when no KRaft controller holds the ZooKeeper
    controllership (no znode, a ZooKeeper-mode controller, or -1)."""
    epoch = (controller_znode or {}).get('kraftControllerEpoch')
    return epoch if isinstance(epoch, int) and epoch >= 0 else None


def metadata_copied(migration_znode):
    """Whether a /migration znode (a dict, or None) records a finished copy of the metadata into KRaft: the controller
    that becomes active in migration mode creates it at once with kraft_metadata_offset -1, and writes the offset of
    the copied metadata when the copy is done."""
    offset = (migration_znode or {}).get('kraft_metadata_offset')
    return isinstance(offset, int) and offset >= 0


def broker_mode(api_keys):
    """'zookeeper' or 'kraft': how a broker runs, from the API keys its ApiVersions answer lists."""
    return 'zookeeper' if ZK_BROKER_API_KEY in set(api_keys) else 'kraft'


def _names(hosts):
    """(the hosts joined, the verb ending): ('b1', 's') for one host, ('b1, b2', '') for more."""
    return ', '.join(hosts), 's' if len(hosts) == 1 else ''


def _hosts_of(kinds, hosts, *wanted):
    return [h for h in hosts if kinds.get(h, ABSENT) in wanted]


def detect(controllers, brokers, kinds, zk):
    """The migration phase of a cluster.

    controllers, brokers: the inventory's hosts of each group. kinds: {host: node_kind}. zk: what ZooKeeper holds,
    {'migration': /migration as a dict or None, 'controller': /controller as a dict or None}; None when ZooKeeper was
    not read (a cluster past its migration may have none).

    Returns {'phase', 'number', 'text', 'problems', 'kinds', 'hosts'}: problems are states no step of a migration or
    of its rollback leaves (the play must stop and a human look), one sentence each; hosts groups the inventory's
    hosts by kind."""
    kinds = dict((h, kinds.get(h, ABSENT)) for h in list(controllers) + list(brokers))
    problems = []
    combined = sorted(set(controllers) & set(brokers)) + [h for h in kinds if kinds[h] == COMBINED and h not in set(controllers) & set(brokers)]
    if combined:
        problems.append('%s %s both broker and controller (a combined node): a migration needs dedicated controllers; '
                        'move the controller role to other hosts.' % (', '.join(sorted(set(combined))), 'is' if len(set(combined)) == 1 else 'are'))
    wrong = [h for h in controllers if kinds[h] not in (ABSENT, CONTROLLER_MIGRATING, CONTROLLER, COMBINED)]
    wrong += [h for h in brokers if h not in controllers and kinds[h] not in (ZK_BROKER, ZK_BROKER_MIGRATING, KRAFT_BROKER, COMBINED)]
    if wrong:
        problems.append('%s: configured as %s, which its group (%s) does not allow; the inventory does not match the hosts.'
                        % (', '.join(wrong), ', '.join(kinds[h] for h in wrong), ', '.join(
                            'controllers' if h in controllers else 'brokers' for h in wrong)))
    ctrl = dict((k, _hosts_of(kinds, controllers, k)) for k in (ABSENT, CONTROLLER_MIGRATING, CONTROLLER))
    brk = dict((k, _hosts_of(kinds, brokers, k)) for k in (ZK_BROKER, ZK_BROKER_MIGRATING, KRAFT_BROKER))
    hosts = dict((k, v) for k, v in list(ctrl.items()) + list(brk.items()) if v)
    zk = zk or {}
    leftover = zk.get('migration') is not None
    copied = metadata_copied(zk.get('migration'))
    kraft_owns_zk = kraft_controller_epoch(zk.get('controller')) is not None
    phase = None
    if ctrl[CONTROLLER]:
        phase = 'finalizing' if ctrl[CONTROLLER_MIGRATING] else 'kraft'
        in_zk = [h for h in brokers if kinds[h] in (ZK_BROKER, ZK_BROKER_MIGRATING)]
        if in_zk:
            problems.append('%s run%s without ZooKeeper while %s still run%s in ZooKeeper mode: those brokers get no metadata. Roll them '
                            'into KRaft brokers (streamops.kafka.migrate) now.' % (_names(ctrl[CONTROLLER]) + _names(in_zk)))
    elif brk[KRAFT_BROKER]:
        phase = 'converting' if brk[ZK_BROKER] or brk[ZK_BROKER_MIGRATING] else 'kraft-brokers'
        if brk[ZK_BROKER]:
            problems.append('%s run%s in ZooKeeper mode without the migration flag while %s already run%s as KRaft brokers: the first '
                            'broker roll was skipped.' % (_names(brk[ZK_BROKER]) + _names(brk[KRAFT_BROKER])))
        if ctrl[ABSENT]:
            problems.append('%s run%s as KRaft brokers but controller(s) %s %s not provisioned.' % (
                _names(brk[KRAFT_BROKER]) + (', '.join(ctrl[ABSENT]), 'is' if len(ctrl[ABSENT]) == 1 else 'are')))
        elif not copied:
            problems.append('%s run%s as KRaft brokers but ZooKeeper\'s /migration records no finished copy: the controllers never copied '
                            'the metadata.' % _names(brk[KRAFT_BROKER]))
    elif ctrl[ABSENT] and (brk[ZK_BROKER_MIGRATING] or leftover or kraft_owns_zk):
        phase = 'reverting'
    elif brk[ZK_BROKER_MIGRATING]:
        phase = 'hybrid' if brk[ZK_BROKER] else 'dual-write' if copied else 'migrating'
    elif ctrl[CONTROLLER_MIGRATING] and not ctrl[ABSENT]:
        phase = 'controllers'
        if copied:
            problems.append('ZooKeeper holds /migration from an earlier migration while no broker has the migration flag: the controllers '
                            'would take it as done and skip copying the metadata. Roll back (kafka_migration_rollback: true) to clear it.')
    else:
        phase = 'zookeeper'
    return dict(phase=phase, number=PHASE_NUMBER[phase], text=PHASE_TEXT[phase], problems=problems, kinds=kinds, hosts=hosts)


# What each step makes its hosts (the kind their configuration is rendered as); None for a step that renders none.
STEP_KIND = {
    'provision_controllers': CONTROLLER_MIGRATING,
    'brokers_with_migration': ZK_BROKER_MIGRATING,
    'brokers_to_kraft': KRAFT_BROKER,
    'finalize': CONTROLLER,
    'brokers_to_zookeeper': ZK_BROKER_MIGRATING,
    'deprovision_controllers': ABSENT,
    'brokers_without_migration': ZK_BROKER,
}
# The last roll back to ZooKeeper mode removes, while each broker is stopped, the KRaft metadata log it kept while it took
# part in the migration, so that a later migration starts it from the new quorum's log.
REMOVES_METADATA_LOG = ('brokers_without_migration',)


def _step(name, text, restart=(), controllers=(), znodes=()):
    return dict(step=name, text=text, restart=list(restart), controllers=list(controllers), znodes=list(znodes),
                hosts=list(restart) + [h for h in controllers if h not in restart], kind=STEP_KIND.get(name),
                remove_metadata_log=name in REMOVES_METADATA_LOG)


TARGETS = ('dual-write', 'kraft-brokers')


def plan(state, rollback=False, finalize=False, target='kraft-brokers'):
    """The steps still to run from a detect() state, in order: [{'step', 'text', 'restart': hosts to roll,
    'controllers': hosts to provision or deprovision, 'znodes': znodes to delete, 'hosts': the step's hosts, 'kind': what
    the step makes them (STEP_KIND), 'remove_metadata_log': whether a stopped broker loses its KRaft metadata log}]. A
    step lists only the hosts it has not done, so a re-run after an interruption resumes.

    Forward, the plan goes to target (dual-write: the brokers still in ZooKeeper mode, one roll from the way back; or
    kraft-brokers) and stops before the point of no return (finalize) unless finalize is true. rollback=True plans the
    way back to ZooKeeper mode; from a finalized phase it raises ValueError saying why there is none. A state with
    problems has no plan (ValueError with the problems)."""
    if state['problems']:
        raise ValueError(' '.join(state['problems']))
    phase, hosts = state['phase'], state['hosts']
    ctrl_flagged, ctrl_absent = hosts.get(CONTROLLER_MIGRATING, []), hosts.get(ABSENT, [])
    zk_plain, zk_flagged, kraft = hosts.get(ZK_BROKER, []), hosts.get(ZK_BROKER_MIGRATING, []), hosts.get(KRAFT_BROKER, [])
    steps = []
    if rollback:
        if phase in FINALIZED:
            raise ValueError('The migration was finalized (%s run%s without ZooKeeper): ZooKeeper no longer holds the cluster\'s metadata, '
                             'so there is no way back to ZooKeeper mode.' % _names(hosts.get(CONTROLLER, [])))
        if kraft:
            steps.append(_step('brokers_to_zookeeper', 'Roll the KRaft brokers back into ZooKeeper-mode brokers, keeping the migration flag',
                               restart=kraft))
        if ctrl_flagged:
            steps.append(_step('deprovision_controllers', 'Stop the KRaft controllers and remove their configuration and metadata log',
                               controllers=ctrl_flagged))
        if phase != 'zookeeper':
            steps.append(_step('clear_znodes', 'Delete /controller (a broker becomes the ZooKeeper-mode controller) and /migration',
                               znodes=['/controller', '/migration']))
        if zk_flagged or kraft:
            steps.append(_step('brokers_without_migration', 'Roll the brokers without the migration flag and the controller quorum',
                               restart=[h for h in state['kinds'] if h in zk_flagged + kraft]))
        return steps
    if target not in TARGETS:
        raise ValueError('kafka_migration_target must be one of %s (got %r).' % (', '.join(TARGETS), target))
    if finalize and target != 'kraft-brokers':
        raise ValueError('kafka_migration_finalize needs kafka_migration_target kraft-brokers: the controllers are finalized only once '
                         'every broker runs as a KRaft broker.')
    if target == 'dual-write' and PHASE_NUMBER[phase] > 2:
        raise ValueError('The cluster is past dual-write (%s: %s); to go back, run with kafka_migration_rollback: true.'
                         % (phase, PHASE_TEXT[phase]))
    if phase == 'reverting':
        raise ValueError('A rollback was interrupted (%s): finish it with kafka_migration_rollback: true before migrating again.'
                         % PHASE_TEXT[phase])
    if phase == 'zookeeper':
        steps.append(_step('provision_controllers', 'Provision the KRaft controllers in migration mode, formatted with the ZooKeeper '
                           'cluster id', controllers=ctrl_absent))
    if phase in ('zookeeper', 'controllers', 'hybrid'):
        steps.append(_step('brokers_with_migration', 'Roll the brokers with the migration flag and the controller quorum', restart=zk_plain))
    if phase in ('zookeeper', 'controllers', 'hybrid', 'migrating'):
        steps.append(_step('wait_dual_write', 'Wait until the controllers copied the metadata from ZooKeeper (dual-write)'))
    if target == 'dual-write':
        return steps
    if phase in ('zookeeper', 'controllers', 'hybrid', 'migrating', 'dual-write', 'converting'):
        steps.append(_step('brokers_to_kraft', 'Roll the brokers into KRaft brokers (process.roles=broker, node.id = broker.id)',
                           restart=[h for h in state['kinds'] if h in zk_plain + zk_flagged]))
    if finalize and phase != 'kraft':
        steps.append(_step('finalize', 'Roll the controllers without the migration flag and ZooKeeper: the point of no return',
                           restart=ctrl_absent + ctrl_flagged))
    return steps


def finalize_problems(brokers, kinds, broker_modes, zk_broker_ids):
    """What stops a finalize: Kafka itself does not refuse to finalize while a broker still runs in ZooKeeper mode, so
    every inventory broker must be configured as a KRaft broker, every registered broker must answer as one
    (broker_modes: {broker_id: 'zookeeper' or 'kraft'} from ApiVersions), and no broker may be registered in
    ZooKeeper (zk_broker_ids: the children of /brokers/ids)."""
    problems = []
    not_kraft = [h for h in brokers if kinds.get(h) != KRAFT_BROKER]
    if not_kraft:
        problems.append('Finalize needs every broker to run as a KRaft broker; %s %s configured as %s.' % (
            ', '.join(not_kraft), 'is' if len(not_kraft) == 1 else 'are', ', '.join(kinds.get(h, ABSENT) for h in not_kraft)))
    zk_running = sorted(int(b) for b, mode in broker_modes.items() if mode == 'zookeeper')
    if zk_running:
        problems.append('Finalize needs every broker to run as a KRaft broker; broker id(s) %s still answer as ZooKeeper-mode brokers.'
                        % ', '.join(str(b) for b in zk_running))
    if zk_broker_ids:
        problems.append('Finalize needs no broker registered in ZooKeeper; /brokers/ids still lists %s.'
                        % ', '.join(str(b) for b in sorted(int(b) for b in zk_broker_ids)))
    return problems


def release(version):
    """'4.1.0' -> (4, 1): the release line of a version, as numbers to compare; None for what is not a version."""
    match = re.match(r'^([0-9]+)\.([0-9]+)', str(version or ''))
    return (int(match.group(1)), int(match.group(2))) if match else None


def preflight_problems(brokers, controllers, zk_broker_ids=(), zk_acl_users=None, controller_zk_user=None, controller_version=None):
    """The refusals before a migration step changes anything, one sentence each naming the fix.

    brokers: {host: {'version': the Kafka release it runs, 'ibp': inter.broker.protocol.version in place ('' for none),
    'broker_id': broker.id in place ('' when none), 'node_id': kafka_node_id in the inventory}}.
    controllers: {host: {'node_id'}}. zk_broker_ids: the children of /brokers/ids. zk_acl_users: the sasl ids the
    ACLs of Kafka's znodes grant writes to (None when the znodes are open to anyone); controller_zk_user: the
    ZooKeeper SASL user the controllers will log in as (None when they log in with none); controller_version: the
    Kafka release the controllers get (kafka_version), None when it is not judged."""
    problems = []
    if controller_version is not None and release(controller_version) != MIGRATION_RELEASE:
        problems.append('kafka_version is %s: the controllers of a migration run the brokers\' 3.9 (their metadata.version must equal '
                        'the brokers\' inter.broker.protocol.version); set kafka_version to the 3.9.x the brokers run, and upgrade after '
                        'the migration.' % controller_version)
    for host in sorted(brokers):
        b = brokers[host]
        if release(b.get('version')) != MIGRATION_RELEASE:
            problems.append('%s runs Kafka %s: a migration needs every broker on 3.9; upgrade it first (streamops.kafka.upgrade with '
                            'kafka_version 3.9.x).' % (host, b.get('version') or 'an unknown release'))
        # Without a pin a broker runs its release's own protocol (3.9 on 3.9.x).
        if b.get('ibp') and release(b.get('ibp')) != MIGRATION_RELEASE:
            problems.append('%s runs inter.broker.protocol.version=%s: a migration needs it at 3.9; finish the upgrade to 3.9 '
                            '(kafka_upgrade_finalize: true) first.' % (host, b.get('ibp')))
        broker_id = str(b.get('broker_id') if b.get('broker_id') is not None else '').strip()
        if not broker_id.isdigit():
            problems.append('%s has no broker.id in its server.properties: a migration needs explicit broker ids (node.id takes its value).'
                            % host)
        elif int(broker_id) > RESERVED_BROKER_MAX_ID:
            problems.append('%s has broker.id %s, generated by ZooKeeper (above %d): a migration needs explicit broker ids; a generated id '
                            'cannot be kept as a KRaft node.id.' % (host, broker_id, RESERVED_BROKER_MAX_ID))
        elif str(b.get('node_id')) != broker_id:
            problems.append('%s runs as broker.id %s but the inventory gives it kafka_node_id %s: a migrated broker keeps its broker.id '
                            'as node.id; set kafka_node_id: %s.' % (host, broker_id, b.get('node_id'), broker_id))
    broker_ids = set(str(b.get('node_id')) for b in brokers.values()) | set(str(i) for i in zk_broker_ids)
    for host in sorted(controllers):
        node_id = str(controllers[host].get('node_id'))
        if node_id in broker_ids:
            problems.append('%s: controller node id %s is a broker id: controllers need ids no broker uses; pick another kafka_node_id.'
                            % (host, node_id))
    if zk_acl_users and controller_zk_user not in zk_acl_users:
        problems.append('Kafka\'s znodes are writable only by the ZooKeeper user%s %s and the controllers would log in as %s: they could '
                        'not write the metadata (NoAuthException). Give them the brokers\' ZooKeeper credentials (sasl_zookeeper_digest).'
                        % ('' if len(zk_acl_users) == 1 else 's', ', '.join(sorted(zk_acl_users)),
                           controller_zk_user or 'no user'))
    return problems


# The authorizer each mode runs (KIP-866: the brokers' AclAuthorizer becomes StandardAuthorizer with the second roll).
ACL_AUTHORIZER = 'kafka.security.authorizer.AclAuthorizer'
STANDARD_AUTHORIZER = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'


def _principal(protocol, user):
    return 'User:%s' % user if str(protocol).startswith('SASL_') else 'User:ANONYMOUS'


def security_problems(broker_protocol, controller_protocol, mechanisms, inter_broker_user, controller_user, authorizer='', super_users=''):
    """The refusals of a secured cluster's migration, one sentence each naming the fix. The controllers of a migration
    reach the ZooKeeper-mode brokers on the inter-broker listener as the inter-broker user, and the brokers reach the
    controllers as the controller user; SASL_PLAINTEXT, SASL_SSL, PLAIN and SCRAM pass. authorizer: the inventory's
    authorizer.class.name ('' for none), super_users: its super.users."""
    problems = []
    if 'GSSAPI' in (mechanisms or ()) and str(broker_protocol).startswith('SASL_'):
        problems.append('sasl_mechanisms holds GSSAPI: this release migrates clusters whose listeners use PLAIN and SCRAM only (the '
                        'controllers would need keytabs and a Kerberos login to the brokers, which it does not set up); migrate by hand '
                        'or move the cluster off GSSAPI first.')
    authorizer = str(authorizer or '').strip()
    if authorizer and authorizer not in (ACL_AUTHORIZER, STANDARD_AUTHORIZER):
        problems.append('authorizer.class.name is %s: a migration replaces %s by %s on the KRaft nodes and knows no other '
                        'authorizer; set one of the two.' % (authorizer, ACL_AUTHORIZER, STANDARD_AUTHORIZER))
    elif authorizer:
        granted = set(p.strip() for p in str(super_users or '').split(';') if p.strip())
        needed = [_principal(broker_protocol, inter_broker_user), _principal(controller_protocol, controller_user)]
        missing = [p for p in dict.fromkeys(needed) if p not in granted]
        if missing:
            problems.append('super.users lacks %s: with an authorizer the controllers and brokers of a migration reach each other as '
                            'the inter-broker and controller users, and are refused without it; add %s to super.users.'
                            % (', '.join(missing), ';'.join(missing)))
    return problems


def authorizer_for(authorizer, zk_mode):
    """The authorizer.class.name a node renders: the inventory's, except that AclAuthorizer and StandardAuthorizer stand
    for each other - a ZooKeeper-mode broker runs AclAuthorizer, a KRaft node StandardAuthorizer."""
    if authorizer in (ACL_AUTHORIZER, STANDARD_AUTHORIZER):
        return ACL_AUTHORIZER if zk_mode else STANDARD_AUTHORIZER
    return authorizer
