# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that turns the modules' connection options into kafka-python clients."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

KAFKA_IMPORT_ERROR = None
try:
    import kafka.errors as kafka_errors
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource, ConfigResourceType
except ImportError:
    KAFKA_IMPORT_ERROR = traceback.format_exc()
    kafka_errors = None

SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']
SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'GSSAPI']


def connection_argument_spec():
    """Options shared by every module; documented once in doc_fragments/connection.py."""
    return dict(
        bootstrap_servers=dict(type='list', elements='str'),
        bootstrap_controllers=dict(type='list', elements='str'),
        security_protocol=dict(type='str', default='PLAINTEXT', choices=SECURITY_PROTOCOLS),
        sasl_mechanism=dict(type='str', choices=SASL_MECHANISMS),
        sasl_username=dict(type='str'),
        sasl_password=dict(type='str', no_log=True),
        controller_security_protocol=dict(type='str', choices=SECURITY_PROTOCOLS),
        controller_sasl_mechanism=dict(type='str', choices=SASL_MECHANISMS),
        sasl_kerberos_service_name=dict(type='str', default='kafka'),
        sasl_kerberos_domain_name=dict(type='str'),
        ssl_cafile=dict(type='path'),
        ssl_certfile=dict(type='path'),
        ssl_keyfile=dict(type='path'),
        ssl_password=dict(type='str', no_log=True),
        ssl_check_hostname=dict(type='bool', default=True),
        request_timeout_ms=dict(type='int', default=10000),
    )


def connection_constraints():
    """Keyword arguments for AnsibleModule that tie the connection options together."""
    return dict(
        required_if=[
            ('security_protocol', 'SASL_PLAINTEXT', ('sasl_mechanism',)),
            ('security_protocol', 'SASL_SSL', ('sasl_mechanism',)),
            ('sasl_mechanism', 'PLAIN', ('sasl_username', 'sasl_password')),
            ('sasl_mechanism', 'SCRAM-SHA-256', ('sasl_username', 'sasl_password')),
            ('sasl_mechanism', 'SCRAM-SHA-512', ('sasl_username', 'sasl_password')),
        ],
        required_together=[('ssl_certfile', 'ssl_keyfile')],
    )


def client_config(params, client_id, controller=False):
    """kafka-python keyword arguments for the connection options (no bootstrap list).

    controller: for the KRaft controller listener, whose protocol and mechanism may differ from the brokers'
    (controller_security_protocol, controller_sasl_mechanism; the same credentials and TLS options).
    """
    protocol = params['security_protocol']
    mechanism = params['sasl_mechanism']
    if controller:
        protocol = params.get('controller_security_protocol') or protocol
        mechanism = params.get('controller_sasl_mechanism') or mechanism
    config = dict(
        client_id=client_id,
        security_protocol=protocol,
        request_timeout_ms=params['request_timeout_ms'],
    )
    if protocol.startswith('SASL_'):
        if not mechanism:
            raise ValueError('%s needs a SASL mechanism (sasl_mechanism or controller_sasl_mechanism)' % protocol)
        config['sasl_mechanism'] = mechanism
        if mechanism == 'GSSAPI':
            config['sasl_kerberos_service_name'] = params['sasl_kerberos_service_name']
            if params.get('sasl_kerberos_domain_name'):
                config['sasl_kerberos_domain_name'] = params['sasl_kerberos_domain_name']
        else:
            config['sasl_plain_username'] = params['sasl_username']
            config['sasl_plain_password'] = params['sasl_password']
    if protocol in ('SSL', 'SASL_SSL'):
        config['ssl_check_hostname'] = params['ssl_check_hostname']
        for key in ('ssl_cafile', 'ssl_certfile', 'ssl_keyfile', 'ssl_password'):
            if params.get(key):
                config[key] = params[key]
    return config


def require_kafka(module):
    """Fail with Ansible's standard message when kafka-python is missing on the host running the module."""
    if KAFKA_IMPORT_ERROR is not None:
        from ansible.module_utils.basic import missing_required_lib
        module.fail_json(msg=missing_required_lib('kafka-python'), exception=KAFKA_IMPORT_ERROR)


def is_transient(exc):
    """Errors a wait should ride out (node down, election in progress) rather than fail on."""
    return kafka_errors is not None and isinstance(exc, kafka_errors.KafkaError)


def retry_after_reset(client):
    """An is_transient predicate for wait_until: a failed poll drops the client's connection, so the next
    poll bootstraps afresh, and Kafka errors are ridden out until the timeout."""
    def transient(exc):
        client.reset()
        return is_transient(exc)
    return transient


# What a refusal by the authorizer means, by kafka-python's error name.
_AUTHORIZATION_REFUSALS = {
    'ClusterAuthorizationFailedError': 'operations on the cluster (kafka-cluster: DESCRIBE to read, ALTER to change)',
    'TopicAuthorizationFailedError': 'this operation on the topic',
    'GroupAuthorizationFailedError': 'this operation on the consumer group',
    'TransactionalIdAuthorizationFailedError': 'this operation on the transactional id',
}


def describe_error(exc):
    """The error in a sentence; a refusal by the authorizer also says which permission the connection's user lacks."""
    text = '%s: %s' % (type(exc).__name__, exc)
    refused = _AUTHORIZATION_REFUSALS.get(type(exc).__name__)
    if refused:
        text += (" (the connection's user is not allowed %s: log in as a super user, as the collection's admin user is, "
                 "or grant the permission with kafka_acls)" % refused)
    return text


class BrokerClient:
    """An admin client on the broker listeners, plus the few reads the modules need."""

    def __init__(self, params, client_id):
        self._params = params
        self._config = client_config(params, client_id)
        self._config['bootstrap_servers'] = params['bootstrap_servers']
        self._admin = None
        self._min_isr = {}

    @property
    def admin(self):
        if self._admin is None:
            self._admin = KafkaAdminClient(bootstrap_timeout_ms=self._config['request_timeout_ms'], **self._config)
        return self._admin

    def reset(self):
        """Drop the connection after an error so the next attempt starts clean."""
        self.close()

    def close(self):
        if self._admin is not None:
            try:
                self._admin.close()
            except Exception:  # pylint: disable=broad-except
                pass
            self._admin = None

    def topics(self, names=None):
        return self.admin.describe_topics(names)

    def registered_brokers(self):
        return [b['broker_id'] for b in self.describe_cluster()['brokers']]

    def live_brokers(self, timeout_ms):
        """(registered, answering): the brokers the cluster lists, and those of them that complete a fresh handshake.

        A broker killed a moment ago stays registered, unfenced and in every ISR until its session times out; only a
        new connection to its listener (TCP, TLS, SASL and ApiVersions) within timeout_ms shows it is alive.
        """
        brokers = self.describe_cluster()['brokers']
        probe = DirectClient(self._params, 'streamops-liveness', ['%s:%s' % (b['host'], b['port']) for b in brokers])
        try:
            answering = set(probe.answering(timeout_ms))
        finally:
            probe.close()
        registered = sorted(b['broker_id'] for b in brokers)
        return registered, sorted(b['broker_id'] for b in brokers if (b['host'], int(b['port'])) in answering)

    def describe_cluster(self):
        try:
            cluster = self.admin.describe_cluster()
        except KeyError as exc:
            # kafka-python 3.0.12 expects endpoint_type in every DescribeCluster answer, but version 0 (brokers
            # 2.8 to 3.6) has none. Those brokers answer Metadata with the same facts; read them from there.
            if 'endpoint_type' not in str(exc):
                raise
            metadata = self.admin._manager.run(self.admin._get_cluster_metadata, [])  # pylint: disable=protected-access
            for broker in metadata['brokers']:
                broker['broker_id'] = broker.pop('node_id')
            cluster = dict((k, v) for k, v in metadata.items() if k not in ('topics', 'throttle_time_ms'))
        return unfenced_cluster(cluster)

    def min_isr(self, topic_names):
        """min.insync.replicas per topic, including broker defaults; fetched once per topic per run.

        A broker that does not know a topic yet answers DescribeConfigs without its configs. Guessing a
        default there could let a stop through, so a missing value is an error the wait retries.
        """
        missing = [t for t in topic_names if t not in self._min_isr]
        if missing:
            resources = [ConfigResource(ConfigResourceType.TOPIC, t, configs={'min.insync.replicas': None}) for t in missing]
            described = self.admin.describe_configs(resources, config_filter='all')
            for name, configs in described.get('topic', {}).items():
                entry = configs.get('min.insync.replicas')
                if entry is not None and entry.get('value') is not None:
                    self._min_isr[name] = int(entry['value'])
            unknown = [t for t in missing if t not in self._min_isr]
            if unknown:
                raise kafka_errors.KafkaError('min.insync.replicas not yet readable for %s' % ', '.join(sorted(unknown)[:20]))
        return dict((t, self._min_isr[t]) for t in topic_names)

    def describe_quorum(self):
        try:
            return self.admin.describe_metadata_quorum()
        except KeyError as exc:
            # kafka-python 3.0.12 expects error_message per partition, which DescribeQuorum has only from
            # version 2 (Kafka 3.8): for older brokers send the request ourselves and read it the same way.
            if 'error_message' not in str(exc):
                raise
            response = self.admin._manager.run(self.admin._manager.send, quorum_request())  # pylint: disable=protected-access
            result, codes = quorum_result(response)
            if codes:
                raise kafka_errors.for_code(codes[0])('DescribeQuorum failed')
            return result

    def reassignments(self):
        """{(topic, partition): target replicas} of the reassignments in flight (the replicas being removed left out)."""
        ongoing = self.admin.list_partition_reassignments()
        return dict(((tp.topic, tp.partition), [r for r in entry['replicas'] if r not in (entry.get('removing_replicas') or [])])
                    for tp, entry in ongoing.items())

    def reassign(self, targets):
        """Start reassignments {(topic, partition): target replicas}: {label: error name} of those the controller refused."""
        from kafka import TopicPartition
        results = self.admin.alter_partition_reassignments(dict((TopicPartition(t, p), list(r)) for (t, p), r in targets.items()))
        return dict(('%s-%s' % (tp.topic, tp.partition), error.__name__) for tp, error in results.items() if error is not None)

    def unregister_broker(self, broker_id):
        """UnregisterBroker through any broker (it forwards to the controller): the error code, 0 when done."""
        request = unregister_broker_request(broker_id)
        response = self.admin._manager.run(self.admin._manager.send, request)  # pylint: disable=protected-access
        return response.error_code

    def scram_credentials(self, users):
        """{user: {mechanism name: iterations}} for the named users (users without credentials map to {})."""
        described = self.admin.describe_user_scram_credentials(users)
        out = dict((user, {}) for user in users)
        for user, entry in described.items():
            for info in entry.get('credential_infos') or []:
                out[user][info['mechanism'].name.replace('_', '-')] = info['iterations']
        return out

    def upsert_scram_credentials(self, upsertions):
        """AlterUserScramCredentials for [(user, mechanism name, password, iterations)]; returns {user: error} of refusals.

        Sent to the active controller: ZooKeeper-mode brokers refuse it elsewhere (NOT_CONTROLLER, often without a
        message, which kafka-python's alter_user_scram_credentials then reports as success). KRaft brokers forward it.
        """
        from kafka.admin import UserScramCredentialUpsertion
        from kafka.protocol.admin import AlterUserScramCredentialsRequest
        items = [UserScramCredentialUpsertion(user, mechanism, password, iterations=iterations)
                 for user, mechanism, password, iterations in upsertions]
        request = AlterUserScramCredentialsRequest(deletions=[], upsertions=[
            (a.user, int(a.mechanism), a.iterations, a.salt, a.salted_password) for a in items])
        controller = self.describe_cluster().get('controller_id')
        manager = self.admin._manager  # kafka-python's alter_user_scram_credentials cannot pick the node

        async def send():
            return await manager.send(request, node_id=controller if controller is not None and controller >= 0 else None)

        response = manager.run(send)
        return dict((r.user, '%s: %s' % (kafka_errors.for_code(r.error_code).__name__, r.error_message or ''))
                    for r in response.results if r.error_code)

    def describe_features(self):
        return self.admin.describe_features()

    def elect_preferred_leaders(self):
        return self.admin.elect_leaders(election_type=0, topic_partitions=None, raise_errors=False)

    def _api_versions_by_broker(self):
        """Each live broker's own ApiVersions answer: {broker_id: response}. kafka-python offers no per-broker call."""
        from kafka.protocol.metadata import ApiVersionsRequest
        manager = self.admin._manager
        broker_ids = sorted(self.registered_brokers())

        async def ask_each():
            answers = {}
            for broker_id in broker_ids:
                request = ApiVersionsRequest(client_software_name=manager.config['client_software_name'],
                                             client_software_version=manager.config['client_software_version'], min_version=3)
                response = await manager.send(request, node_id=broker_id)
                if response.error_code:
                    raise kafka_errors.for_code(response.error_code)('ApiVersions to broker %s failed' % broker_id)
                answers[broker_id] = response
            return answers

        return manager.run(ask_each)

    def broker_features(self):
        """Features as each live broker reports them in ApiVersions: {broker_id: {supported, finalized, epoch}}.

        kafka-python's describe_features asks one broker of its choosing; a level is only safe to finalize when every
        broker supports it, and only in effect everywhere once every broker has caught up, so ask each one.
        """
        answers = {}
        for broker_id, response in self._api_versions_by_broker().items():
            epoch = response.finalized_features_epoch
            answers[broker_id] = dict(
                supported=dict((f.name, (f.min_version, f.max_version)) for f in response.supported_features or []),
                finalized=dict((f.name, f.max_version_level) for f in response.finalized_features or []),
                epoch=epoch if epoch is not None and epoch >= 0 else None)
        return answers

    def broker_api_keys(self):
        """The API keys each live broker answers ApiVersions with: {broker_id: [api_key, ...]} (how it runs: a
        ZooKeeper-mode broker lists the ZooKeeper controller's requests, a KRaft broker does not)."""
        return dict((broker_id, sorted(k.api_key for k in response.api_keys or []))
                    for broker_id, response in self._api_versions_by_broker().items())

    def update_features(self, updates, validate_only, timeout_ms):
        """UpdateFeatures to the controller; updates is {name: (UpdateFeatureType name, level)}.

        Returns {name: 'OK' or the error}; a request-level error (any error on UpdateFeatures v2+) is raised.
        """
        return self.admin.update_features(updates, validate_only=validate_only, timeout_ms=timeout_ms)


def unfenced_cluster(cluster):
    """A DescribeCluster answer with only the brokers that serve in 'brokers', the fenced ones' ids in 'fenced_brokers'.

    kafka-python asks with IncludeFencedBrokers (KIP-1073), so from Kafka 4.0 a stopped broker stays in the answer,
    marked is_fenced. Clients and the Metadata answer know only unfenced brokers (what DescribeCluster listed before
    4.0): counting a fenced one as registered made every per-broker request fail with UnknownBrokerIdError while a
    broker was stopped (an upgrade could not resume), and the stop gate wait on a broker that holds no replica in sync.
    """
    brokers = cluster.get('brokers') or []
    out = dict(cluster, brokers=[b for b in brokers if not b.get('is_fenced')])
    out['fenced_brokers'] = sorted(b['broker_id'] for b in brokers if b.get('is_fenced'))
    return out


def quorum_request():
    """A DescribeQuorum request for the metadata log (__cluster_metadata, partition 0)."""
    from kafka.protocol.admin.cluster import DescribeQuorumRequest
    topic = DescribeQuorumRequest.TopicData
    return DescribeQuorumRequest(topics=[topic(topic_name='__cluster_metadata', partitions=[topic.PartitionData(partition_index=0)])])


def quorum_result(response):
    """(the answer as kafka-python's describe_metadata_quorum shapes it, the non-zero error codes in it)."""
    result = response.to_dict()
    codes = [result.get('error_code')] + [p.get('error_code') for t in result['topics'] for p in t['partitions']]
    for t in result['topics']:
        for p in t['partitions']:
            p.pop('error_code', None)
            p.pop('error_message', None)
            p['error'] = None
    for key in ('throttle_time_ms', 'error_code', 'error_message'):
        result.pop(key, None)
    return result, [c for c in codes if c]


# AddRaftVoter (API key 80) and RemoveRaftVoter (81), KIP-853, and UnregisterBroker (64), KIP-500: kafka-python 3 has no
# classes for them and defines its messages from the schema files it ships, which a module's payload cannot carry. Their
# fields, as the Kafka protocol guide lists them, are written out here and turned into kafka-python message classes once,
# on first use.
def _field(name, kind, **more):
    field = {'name': name, 'type': kind, 'versions': '0+'}
    field.update(more)
    return field


_PLAIN_ANSWER = [_field('ThrottleTimeMs', 'int32'), _field('ErrorCode', 'int16'),
                 _field('ErrorMessage', 'string', nullableVersions='0+', ignorable=True)]
_MESSAGES = {
    'AddRaftVoterRequest': (80, 'request', [
        _field('ClusterId', 'string', nullableVersions='0+'), _field('TimeoutMs', 'int32'), _field('VoterId', 'int32'),
        _field('VoterDirectoryId', 'uuid'),
        _field('Listeners', '[]Listener', fields=[_field('Name', 'string', mapKey=True), _field('Host', 'string'),
                                                  _field('Port', 'uint16')])]),
    'AddRaftVoterResponse': (80, 'response', _PLAIN_ANSWER),
    'RemoveRaftVoterRequest': (81, 'request', [
        _field('ClusterId', 'string', nullableVersions='0+'), _field('VoterId', 'int32'), _field('VoterDirectoryId', 'uuid')]),
    'RemoveRaftVoterResponse': (81, 'response', _PLAIN_ANSWER),
    'UnregisterBrokerRequest': (64, 'request', [_field('BrokerId', 'int32')]),
    'UnregisterBrokerResponse': (64, 'response', _PLAIN_ANSWER),
}
_CLASSES = {}


def messages():
    """{name: kafka-python message class} for _MESSAGES, version 0 of each (flexible).

    kafka-python's message metaclass reads a class's schema through kafka.protocol.api_data.load_json; that one name
    answers with the schemas above while the classes are made. The classes are kept: kafka-python finds a response's
    class by API key in a registry that holds only weak references.
    """
    if not _CLASSES:
        from kafka.protocol import api_data
        from kafka.protocol.api_message import ApiMessage
        schemas = dict((name, {'apiKey': key, 'type': kind, 'name': name, 'validVersions': '0', 'flexibleVersions': '0+',
                               'fields': fields}) for name, (key, kind, fields) in _MESSAGES.items())
        load_json = api_data.load_json
        api_data.load_json = lambda name, package=None: schemas[name]
        try:
            _CLASSES.update((name, type(name, (ApiMessage,), {})) for name in sorted(schemas))
        finally:
            api_data.load_json = load_json
    return _CLASSES


def add_voter_request(cluster_id, voter_id, directory_id, listeners, timeout_ms):
    """AddRaftVoter for voter_id (directory_id a uuid.UUID); listeners: [{name, host, port}], its controller endpoints."""
    request = messages()['AddRaftVoterRequest']
    return request(cluster_id=cluster_id, timeout_ms=timeout_ms, voter_id=voter_id, voter_directory_id=directory_id,
                   listeners=[request.Listener(name=e['name'], host=e['host'], port=int(e['port'])) for e in listeners])


def remove_voter_request(cluster_id, voter_id, directory_id):
    """RemoveRaftVoter for voter_id (directory_id a uuid.UUID)."""
    return messages()['RemoveRaftVoterRequest'](cluster_id=cluster_id, voter_id=voter_id, voter_directory_id=directory_id)


def unregister_broker_request(broker_id):
    """UnregisterBroker for broker_id: the controller forgets a broker that stopped for good."""
    return messages()['UnregisterBrokerRequest'](broker_id=broker_id)


class DirectClient:
    """Requests straight to the listed nodes, without the Metadata bootstrap of kafka-python's clients.

    kafka-python's connection manager still does the TCP/TLS/SASL handshake and ApiVersions per node; we use
    exactly that and send our own requests, trying each node in turn.
    """

    def __init__(self, params, client_id, servers, controller=False):
        self._config = client_config(params, client_id, controller=controller)
        self._config['bootstrap_servers'] = servers
        self._net = None
        self._manager = None

    def _start(self):
        from kafka.net.manager import KafkaConnectionManager
        from kafka.net.selector import NetworkSelector
        self._net = NetworkSelector(**self._config)
        self._manager = KafkaConnectionManager(self._net, **self._config)
        self._net.start()

    def _started(self):
        if self._manager is None:
            self._start()
        return self._manager

    @staticmethod
    async def _connect(manager, node, timeout_ms):
        """A fresh connection to one bootstrap node: TCP, TLS, SASL and ApiVersions, within timeout_ms."""
        conn = manager.get_connection(node.node_id, timeout_ms=timeout_ms, pop_on_close=True, refresh_metadata_on_err=False)
        await conn
        return conn

    def _each_node(self, use, what):
        """Connect to each bootstrap node in turn and return the first use(conn) that is not None.

        use is a coroutine function; authentication failures are raised at once (another node would refuse
        the same credentials), other connection errors move on to the next node.
        """
        manager = self._started()
        timeout_ms = self._config['request_timeout_ms']

        async def attempt():
            errors = []
            for node in manager.cluster.bootstrap_brokers():
                try:
                    answer = await use(await self._connect(manager, node, timeout_ms))
                except (kafka_errors.SaslAuthenticationFailedError, kafka_errors.UnsupportedSaslMechanismError):
                    manager.close(node.node_id)
                    raise
                except Exception as exc:  # pylint: disable=broad-except
                    errors.append('%s:%s %s' % (node.host, node.port, describe_error(exc)))
                    manager.close(node.node_id)
                    continue
                if isinstance(answer, str):
                    errors.append('%s:%s %s' % (node.host, node.port, answer))
                    continue
                return answer
            raise kafka_errors.KafkaConnectionError('no node answered %s: %s' % (what, '; '.join(errors)))

        return manager.run(attempt)

    def answering(self, timeout_ms):
        """(host, port) of every bootstrap node that completes a fresh handshake within timeout_ms, each tried once."""
        manager = self._started()

        async def each():
            alive = []
            for node in manager.cluster.bootstrap_brokers():
                try:
                    await self._connect(manager, node, timeout_ms)
                    alive.append((node.host, int(node.port)))
                except (kafka_errors.SaslAuthenticationFailedError, kafka_errors.UnsupportedSaslMechanismError):
                    raise
                except Exception:  # pylint: disable=broad-except
                    pass
                finally:
                    manager.close(node.node_id)
            return alive

        return manager.run(each)

    def login(self):
        """True once a node accepts the credentials, False when none does.

        A broker closes the connection right after refusing a login (wrong password, or a mechanism its listener does
        not accept), and kafka-python then reports either the refusal or just the dropped connection, whichever it
        sees first. So only a completed login is a definite answer; callers treat False as "not confirmed".
        """
        async def connected(conn):  # pylint: disable=unused-argument
            return True
        try:
            return self._each_node(connected, 'a login')
        except kafka_errors.KafkaError:
            return False

    def reset(self):
        self.close()

    def close(self):
        if self._manager is not None:
            try:
                self._manager.close()
                self._net.stop()
            except Exception:  # pylint: disable=broad-except
                pass
            self._manager = None
            self._net = None


class ControllerClient(DirectClient):
    """DescribeQuorum straight to a controller listener (KRaft controllers answer no Metadata request)."""

    def __init__(self, params, client_id):
        super(ControllerClient, self).__init__(params, client_id, params['bootstrap_controllers'], controller=True)

    def describe_quorum(self):
        timeout_ms = self._config['request_timeout_ms']

        async def ask(conn):
            response = await conn.send_request(quorum_request(), request_timeout_ms=timeout_ms)
            result, codes = quorum_result(response)
            if codes:
                # Only the quorum leader answers; the others say NOT_LEADER_OR_FOLLOWER. Ask the next one.
                return kafka_errors.for_code(codes[0]).__name__
            return result

        return self._each_node(ask, 'DescribeQuorum as leader')

    def change_voters(self, request):
        """Send AddRaftVoter or RemoveRaftVoter to the quorum leader: None once it is committed, else the error in a
        sentence. Only the leader takes the change; the others answer NOT_LEADER_OR_FOLLOWER and the next is asked."""
        timeout_ms = self._config['request_timeout_ms']

        async def ask(conn):
            response = await conn.send_request(request, request_timeout_ms=timeout_ms)
            if not response.error_code:
                return {}
            error = kafka_errors.for_code(response.error_code)
            if error is kafka_errors.NotLeaderForPartitionError:
                return error.__name__
            return {'error': '%s (%s)%s' % (error.__name__, response.error_code,
                                            ': %s' % response.error_message if response.error_message else '')}

        return self._each_node(ask, type(request).__name__.replace('Request', '') + ' as leader').get('error')

    def describe_acls(self):
        """Every ACL in the metadata log, from the first controller whose authorizer answers (kafka-python ACL objects).

        A controller keeps every ACL of the cluster whether or not the brokers authorize yet, so this reads them while a
        roll turns the authorizer on; one that runs no authorizer answers SECURITY_DISABLED, and the next is asked.
        """
        from kafka.admin import (ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType, ResourcePattern,
                                 ResourceType)
        from kafka.protocol.admin import DescribeAclsRequest
        timeout_ms = self._config['request_timeout_ms']
        request = DescribeAclsRequest(resource_type_filter=ResourceType.ANY, resource_name_filter=None,
                                      pattern_type_filter=ACLResourcePatternType.ANY, principal_filter=None, host_filter=None,
                                      operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY)

        async def ask(conn):
            response = await conn.send_request(request, request_timeout_ms=timeout_ms)
            if response.error_code:
                return kafka_errors.for_code(response.error_code).__name__
            return [ACL(acl.principal, acl.host, ACLOperation(acl.operation), ACLPermissionType(acl.permission_type),
                        ResourcePattern(ResourceType(resource.resource_type), resource.resource_name,
                                        ACLResourcePatternType(resource.pattern_type)))
                    for resource in response.resources for acl in resource.acls]

        return self._each_node(ask, 'DescribeAcls')
