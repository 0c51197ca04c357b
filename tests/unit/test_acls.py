"""Authorization: the ACL entries an inventory writes, the diff against the cluster, the super users, the auto decision,
every refusal, and the kafka_acls module against a fake admin client (the scenario sasl-kraft runs it against a real
cluster)."""
import base64

import pytest
from conftest import module_result
from ansible_collections.streamops.kafka.plugins.filter import authorization as authorization_filters
from ansible_collections.streamops.kafka.plugins.module_utils import _acls
from ansible_collections.streamops.kafka.plugins.modules import kafka_acls

APP = "User:orders-app"
SECURITY = {"inter_broker_mechanism": "SCRAM-SHA-512", "inter_broker_user": "broker", "controller_user": "controller",
            "admin_user": "admin", "kerberos_service_name": "kafka", "kraft": True}


def b(principal, resource, name, pattern, operation, permission="allow", host="*"):
    return (principal, host, resource, name, pattern, operation, permission)


# --- expand -----------------------------------------------------------------------------------------------------

def test_a_rule_expands_to_one_binding_per_operation_with_the_defaults():
    bindings, problems = _acls.expand([{"principal": APP, "resource_type": "Topic", "name": "audit",
                                        "operations": ["Read", "describe"]}])
    assert problems == []
    assert bindings == [b(APP, "topic", "audit", "literal", "describe"), b(APP, "topic", "audit", "literal", "read")]


def test_roles_are_data_consumer_gets_topic_and_group_read():
    bindings, problems = _acls.expand([
        {"principal": APP, "role": "consumer", "topic": "orders.", "pattern_type": "prefixed", "group": "orders-app"},
        {"principal": APP, "role": "producer", "topic": "orders.", "pattern_type": "prefixed"},
    ])
    assert problems == []
    assert set(bindings) == {
        b(APP, "topic", "orders.", "prefixed", "read"), b(APP, "topic", "orders.", "prefixed", "describe"),
        b(APP, "group", "orders-app", "literal", "read"), b(APP, "topic", "orders.", "prefixed", "write"),
    }


def test_transactional_producer_and_cluster_rule():
    bindings, problems = _acls.expand([
        {"principal": APP, "role": "transactional_producer", "topic": "t", "transactional_id": "tx-",
         "transactional_id_pattern_type": "prefixed"},
        {"principal": "User:ops", "resource_type": "cluster", "operations": ["describe_configs"], "host": "10.0.0.5"},
    ])
    assert problems == []
    assert b(APP, "transactional_id", "tx-", "prefixed", "write") in bindings
    assert b("User:ops", "cluster", "kafka-cluster", "literal", "describe_configs", host="10.0.0.5") in bindings


@pytest.mark.parametrize("entry, words", [
    ({"principal": "orders-app", "role": "producer", "topic": "t"}, "principal must be Type:name"),
    ({"principal": APP, "role": "admin", "topic": "t"}, "role must be one of"),
    ({"principal": APP, "role": "consumer", "topic": "t"}, "role consumer needs group"),
    ({"principal": APP, "resource_type": "table", "name": "t", "operations": ["read"]}, "resource_type must be one of"),
    ({"principal": APP, "resource_type": "topic", "operations": ["read"]}, "a topic rule needs a name"),
    ({"principal": APP, "resource_type": "group", "name": "g", "operations": ["write"]}, "write is not an operation on a group"),
    ({"principal": APP, "resource_type": "topic", "name": "t", "operations": []}, "operations must be a non-empty list"),
    ({"principal": APP, "resource_type": "topic", "name": "t", "operations": ["read"], "pattern_type": "match"},
     "pattern_type must be one of literal, prefixed"),
    ({"principal": APP, "resource_type": "topic", "name": "t", "operations": ["read"], "permission": "maybe"},
     "permission must be allow or deny"),
    ({"principal": APP, "resource_type": "cluster", "name": "c1", "operations": ["alter"]}, "named kafka-cluster"),
    ({"principal": APP, "resource_type": "topic", "name": "t", "operations": ["read"], "topics": "x"}, "unknown keys topics"),
    ({"principal": APP, "role": "producer", "topic": "t", "host": ""}, "host must be"),
])
def test_each_malformed_entry_is_named_by_its_index(entry, words):
    bindings, problems = _acls.expand([{"principal": APP, "role": "producer", "topic": "ok"}, entry])
    assert len(problems) == 1, problems
    assert problems[0].startswith("kafka_acls[1]")
    assert words in problems[0]


def test_not_a_list_is_refused():
    assert _acls.expand({"principal": APP}) == ([], ["kafka_acls must be a list, not dict."])


# --- diff ------------------------------------------------------------------------------------------------------

OTHER = b("User:reporting", "topic", "audit", "literal", "read")
WANT = [b(APP, "topic", "orders.", "prefixed", "write"), b(APP, "topic", "orders.", "prefixed", "describe")]
STALE = b(APP, "topic", "payments", "literal", "read")


def test_present_creates_only_what_is_missing():
    assert _acls.diff(WANT, {WANT[0], OTHER, STALE}) == ([WANT[1]], [])


def test_exact_deletes_unlisted_acls_of_managed_principals_only():
    assert _acls.diff(WANT, {WANT[0], OTHER, STALE}, exact=True) == ([WANT[1]], [STALE])


def test_absent_deletes_the_listed_acls_that_exist():
    assert _acls.diff(WANT, {WANT[0], OTHER}, state="absent") == ([], [WANT[0]])


def test_nothing_to_do_when_the_cluster_matches():
    assert _acls.diff(WANT, set(WANT) | {OTHER}, exact=True) == ([], [])


# --- super users and the decision -------------------------------------------------------------------------------

def test_super_users_are_the_cluster_own_users_never_applications():
    assert _acls.super_users(SECURITY) == ["User:admin", "User:broker", "User:controller"]
    assert _acls.super_users(dict(SECURITY, kraft=False)) == ["User:admin", "User:broker"]
    assert _acls.super_users(dict(SECURITY, controller_user="broker", admin_user="broker")) == ["User:broker"]


def test_gssapi_between_brokers_makes_the_service_name_the_super_user():
    users = _acls.super_users(dict(SECURITY, inter_broker_mechanism="GSSAPI", kerberos_service_name="kafka", kraft=False))
    assert users == ["User:admin", "User:kafka"]


def encoded(text):
    return base64.b64encode(text.encode()).decode()


WITH = encoded("node.id=1\nauthorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n")
WITHOUT = encoded("node.id=1\nlisteners=BROKER://a:9092\n")


@pytest.mark.parametrize("setting, secured, server_properties, in_place, expected", [
    ("auto", True, {}, [None, {"failed": False}], (True, False)),     # a new secured cluster starts with it
    ("auto", False, {}, [None, None], (False, False)),                # PLAINTEXT: nothing to authorize
    ("auto", True, {}, [WITHOUT, {"content": WITHOUT}], (False, False)),  # a running cluster stays as it is
    ("auto", True, {}, [{"content": WITH}, None], (True, False)),     # ...and keeps it; a new node joins with it
    ("auto", True, {"authorizer.class.name": "x"}, [None], (False, False)),  # the inventory manages it
    (True, True, {}, [WITHOUT, WITH], (True, True)),                  # turning it on in place
    ("false", True, {}, [WITH], (False, False)),
])
def test_the_decision(setting, secured, server_properties, in_place, expected):
    protocols = ("SASL_SSL", "SASL_PLAINTEXT") if secured else ("SASL_SSL", "PLAINTEXT")
    decision = authorization_filters.authorization_decision({
        "setting": setting, "broker_protocol": protocols[0], "controller_protocol": protocols[1], "security": SECURITY,
        "server_properties": server_properties,
        "in_place": in_place, "acls": [{"principal": APP, "role": "producer", "topic": "t"}],
        "users": ["broker", "controller", "admin", "orders-app", "reporting"]})
    assert (decision["enabled"], decision["turning_on"]) == expected
    if decision["enabled"]:
        assert decision["properties"] == [
            ["authorizer.class.name", _acls.KRAFT_AUTHORIZER],
            ["super.users", "User:admin;User:broker;User:controller"],
            ["allow.everyone.if.no.acl.found", "false"]]
        assert decision["ungranted"] == ["reporting"]
    else:
        assert decision["properties"] == [] and decision["super_users"] == [] and decision["ungranted"] == []


@pytest.mark.parametrize("broker, controller, expected", [
    ("SASL_SSL", "SASL_PLAINTEXT", True), ("SASL_PLAINTEXT", None, True),    # KRaft; ZooKeeper mode has no controller listener
    ("SASL_SSL", "PLAINTEXT", False), ("PLAINTEXT", None, False), ("PLAINTEXT", "SASL_SSL", False),
])
def test_secured_means_every_listener_authenticates_with_sasl(broker, controller, expected):
    assert _acls.secured(broker, controller) is expected


def test_combined_means_a_node_in_both_groups():
    assert _acls.combined(["n1", "n2"], ["n2", "n3"]) and not _acls.combined(["c1"], ["b1"]) and not _acls.combined(None, ["b1"])


def test_the_opening_roll_authorizes_with_allow_everyone_and_only_when_the_authorizer_is_on():
    base = {"setting": True, "broker_protocol": "SASL_SSL", "controller_protocol": None, "security": dict(SECURITY, kraft=False),
            "in_place": [WITHOUT, WITHOUT], "acls": [], "users": []}
    opening = authorization_filters.authorization_decision(dict(base, opening="yes"))
    assert (opening["enabled"], opening["turning_on"], opening["opening"]) == (True, True, True)
    assert ["allow.everyone.if.no.acl.found", "true"] in opening["properties"]
    closing = authorization_filters.authorization_decision(dict(base, in_place=[WITH, WITH]))
    assert (closing["turning_on"], closing["opening"]) == (False, False)
    assert ["allow.everyone.if.no.acl.found", "false"] in closing["properties"]
    off = authorization_filters.authorization_decision(dict(base, setting="false", opening=True))
    assert (off["enabled"], off["opening"], off["properties"]) == (False, False, [])


def test_in_place_authorizer_reads_the_key_not_a_comment():
    assert _acls.in_place_authorizer(None) is None
    assert _acls.in_place_authorizer("# authorizer.class.name=x\nnode.id=1\n") == ""
    assert _acls.in_place_authorizer(" authorizer.class.name = kafka.security.authorizer.AclAuthorizer\n") == _acls.ZK_AUTHORIZER


@pytest.mark.parametrize("value, expected", [
    (True, True), ("true", True), ("True", True), (" yes ", True), ("on", True), (1, True), ("1", True),
    (False, False), ("false", False), ("no", False), (0, False), ("0", False), (None, False), ("", False), ("maybe", False),
    ([True], False), (2, False),
])
def test_flag_reads_an_ansible_boolean_as_an_inventory_spells_it(value, expected):
    # The one reading of a yes/no setting that both the authorization decision and the server preflight use.
    assert _acls.flag(value) is expected


# --- refusals ----------------------------------------------------------------------------------------------------

def problems(**settings):
    base = {"setting": "auto", "enabled": True, "turning_on": False, "zk_mode": False, "controllers": ["c1"], "brokers": ["b1", "b2"],
            "broker_protocol": "SASL_SSL",
            "controller_protocol": "SASL_SSL", "server_properties": {}, "acls": [], "super_users": ["User:admin"]}
    base.update(settings)
    return authorization_filters.authorization_problems(base)


def test_a_sound_setting_passes():
    assert problems(acls=[{"principal": APP, "role": "producer", "topic": "t"}]) == []
    assert problems(enabled=False, broker_protocol="PLAINTEXT", controller_protocol=None) == []
    # KRaft with dedicated controllers turns it on in place (the roll orders it); ACLs may wait for the authorizer.
    assert problems(turning_on=True) == []
    # ZooKeeper mode and combined nodes turn it on in place in two rolls, the first opening.
    assert problems(turning_on=True, zk_mode=True, controller_protocol=None, opening=True) == []
    assert problems(turning_on=True, controllers=["n1"], brokers=["n1"], opening="true") == []
    assert problems(enabled=False, acls=[{"principal": APP, "role": "producer", "topic": "t"}]) == []


@pytest.mark.parametrize("settings, words", [
    ({"setting": "sometimes"}, "kafka_authorizer must be auto, true or false"),
    ({"turning_on": True, "zk_mode": True}, "running ZooKeeper-mode cluster in one roll"),
    ({"turning_on": True, "controllers": ["n1"], "brokers": ["n1", "n2"]}, "running cluster of combined nodes in one roll"),
    ({"enabled": False, "opening": True, "setting": "false"}, "kafka_authorizer_opening is for the first of the two rolls"),
    ({"broker_protocol": "PLAINTEXT"}, "the broker listener is PLAINTEXT"),
    ({"controller_protocol": "PLAINTEXT"}, "the controller listener is PLAINTEXT"),
    ({"server_properties": {"super.users": "User:bob"}}, "kafka_server_properties sets super.users"),
    ({"enabled": False, "server_properties": {"allow.everyone.if.no.acl.found": True}}, "allow.everyone.if.no.acl.found=true"),
    ({"acls": [{"principal": "User:admin", "role": "producer", "topic": "t"}]}, "grants User:admin, a super user"),
    ({"acls": [{"principal": APP, "role": "producer"}]}, "role producer needs topic"),
])
def test_each_refusal(settings, words):
    found = problems(**settings)
    assert len(found) == 1, found
    assert words in found[0]


def test_ungranted_users_skip_super_users_and_deny_only_principals():
    acls = [{"principal": APP, "role": "producer", "topic": "t"},
            {"principal": "User:mallory", "resource_type": "topic", "name": "*", "operations": ["all"], "permission": "deny"}]
    assert _acls.ungranted(["admin", "orders-app", "mallory"], acls, ["User:admin"]) == ["mallory"]


# --- the module against a fake admin client ----------------------------------------------------------------------

class FakeAdmin:
    def __init__(self, existing, error=None, create_error=None):
        self.existing = set(existing)
        self.error, self.create_error = error, create_error
        self.created, self.deleted = [], []

    def describe_acls(self, acl_filter):
        if self.error:
            raise self.error
        return [kafka_acls._from_binding(binding) for binding in sorted(self.existing)], None

    def create_acls(self, acls):
        if self.create_error:
            return {"succeeded": [], "failed": [self.create_error] * len(acls)}
        for acl in acls:
            self.created.append(kafka_acls._to_binding(acl))
            self.existing.add(kafka_acls._to_binding(acl))
        return {"succeeded": acls, "failed": []}

    def delete_acls(self, filters):
        from kafka.errors import NoError
        out = []
        for acl_filter in filters:
            binding = kafka_acls._to_binding(acl_filter)
            self.deleted.append(binding)
            self.existing.discard(binding)
            out.append((acl_filter, [], NoError))
        return out


@pytest.fixture
def fake_cluster(monkeypatch):
    state = {}

    class FakeClient:
        def __init__(self, params, client_id):
            self.admin = state["admin"]

        def close(self):
            pass
    monkeypatch.setattr(kafka_acls, "BrokerClient", FakeClient)
    return state


ARGS = {"bootstrap_servers": ["127.0.0.1:9092"], "acls": [{"principal": APP, "role": "producer", "topic": "orders.",
                                                           "pattern_type": "prefixed"}]}


def test_module_creates_what_is_missing_then_reports_no_change(fake_cluster, capsys):
    fake_cluster["admin"] = FakeAdmin({OTHER, STALE})
    first = module_result(kafka_acls.main, capsys, **ARGS)
    assert first["changed"] is True
    assert sorted(first["created"]) == ["User:orders-app allow describe on topic orders. (prefixed) from *",
                                        "User:orders-app allow write on topic orders. (prefixed) from *"]
    assert first["deleted"] == []
    assert "User:orders-app allow write" in first["diff"]["after"] and "payments" in first["diff"]["before"]
    again = module_result(kafka_acls.main, capsys, **ARGS)
    assert again["changed"] is False and again["created"] == []


def test_module_exact_deletes_stale_acls_and_leaves_other_principals(fake_cluster, capsys):
    admin = fake_cluster["admin"] = FakeAdmin({OTHER, STALE})
    result = module_result(kafka_acls.main, capsys, exact=True, **ARGS)
    assert result["deleted"] == ["User:orders-app allow read on topic payments (literal) from *"]
    assert admin.existing == {OTHER} | set(WANT)


def test_module_check_mode_changes_nothing(fake_cluster, capsys):
    admin = fake_cluster["admin"] = FakeAdmin({STALE})
    result = module_result(kafka_acls.main, capsys, exact=True, _ansible_check_mode=True, **ARGS)
    assert result["changed"] is True and len(result["created"]) == 2 and len(result["deleted"]) == 1
    assert admin.created == [] and admin.deleted == [] and admin.existing == {STALE}


def test_module_refuses_bad_entries_before_connecting(fake_cluster, capsys):
    fake_cluster["admin"] = None
    result = module_result(kafka_acls.main, capsys, bootstrap_servers=["127.0.0.1:9092"],
                           acls=[{"principal": APP, "role": "consumer", "topic": "orders."}])
    assert result["failed"] is True and "role consumer needs group" in result["msg"]


@pytest.mark.parametrize("error_name, words", [
    ("SecurityDisabledError", "runs no authorizer"),
    ("ClusterAuthorizationFailedError", "use a super user"),
])
def test_module_explains_a_refusal(fake_cluster, capsys, error_name, words):
    import kafka.errors
    fake_cluster["admin"] = FakeAdmin(set(), error=getattr(kafka.errors, error_name)("refused"))
    result = module_result(kafka_acls.main, capsys, **ARGS)
    assert result["failed"] is True and words in result["msg"]


def test_module_reports_a_refused_creation(fake_cluster, capsys):
    import kafka.errors
    fake_cluster["admin"] = FakeAdmin(set(), create_error=kafka.errors.ClusterAuthorizationFailedError)
    result = module_result(kafka_acls.main, capsys, **ARGS)
    assert result["failed"] is True and "use a super user" in result["msg"] and "(2 of 2 refused)" in result["msg"]


def test_module_skips_without_an_authorizer_when_told(fake_cluster, capsys):
    import kafka.errors
    fake_cluster["admin"] = FakeAdmin(set(), error=kafka.errors.SecurityDisabledError("No Authorizer is configured"))
    result = module_result(kafka_acls.main, capsys, skip_without_authorizer=True, **ARGS)
    assert result["changed"] is False and result["authorizer"] is False and result["created"] == []


class FakeControllers:
    """Controllers as ControllerClient.describe_acls sees them: the metadata log's ACLs (the fake admin's), or
    SECURITY_DISABLED from each while none authorizes."""
    def __init__(self, admin):
        self.admin, self.authorizing = admin, True

    def describe_acls(self):
        if not self.authorizing:
            import kafka.errors
            raise kafka.errors.KafkaConnectionError("no node answered DescribeAcls: c1:9093 SecurityDisabledError")
        return [kafka_acls._from_binding(binding) for binding in sorted(self.admin.existing)]

    def close(self):
        pass


def test_module_reads_the_acls_from_the_controllers_while_brokers_do_not_authorize(fake_cluster, capsys, monkeypatch):
    import kafka.errors
    admin = fake_cluster["admin"] = FakeAdmin({OTHER}, error=kafka.errors.SecurityDisabledError("not on the broker"))
    controllers = FakeControllers(admin)
    monkeypatch.setattr(kafka_acls, "ControllerClient", lambda params, client_id: controllers)
    args = dict(ARGS, bootstrap_controllers=["127.0.0.1:9093"])
    result = module_result(kafka_acls.main, capsys, **args)
    # Created through the brokers (which forward to the active controller), checked at the controllers.
    assert result["changed"] is True and len(admin.created) == 2, result
    assert module_result(kafka_acls.main, capsys, **args)["changed"] is False
    controllers.authorizing = False
    refused = module_result(kafka_acls.main, capsys, **args)
    assert refused["failed"] is True and "runs no authorizer" in refused["msg"]


def test_a_refusal_by_the_authorizer_names_the_missing_permission():
    import kafka.errors
    from ansible_collections.streamops.kafka.plugins.module_utils._client import describe_error
    text = describe_error(kafka.errors.ClusterAuthorizationFailedError("denied"))
    assert "kafka-cluster: DESCRIBE to read, ALTER to change" in text and "super user" in text
    assert describe_error(kafka.errors.TopicAuthorizationFailedError("t")).endswith("grant the permission with kafka_acls)")
    assert "not allowed" not in describe_error(kafka.errors.NodeNotReadyError("n"))


def test_module_falls_back_to_the_brokers_when_controllers_answer_no_describe_acls(fake_cluster, capsys, monkeypatch):
    import kafka.errors
    admin = fake_cluster["admin"] = FakeAdmin(set(WANT))

    class Old:
        def describe_acls(self):
            raise kafka.errors.KafkaConnectionError("no node answered DescribeAcls: c1:9093 UnsupportedVersionError")

        def close(self):
            pass
    monkeypatch.setattr(kafka_acls, "ControllerClient", lambda params, client_id: Old())
    result = module_result(kafka_acls.main, capsys, bootstrap_controllers=["127.0.0.1:9093"], **ARGS)
    assert result["changed"] is False and admin.created == [], result


def test_module_waits_until_the_answering_node_has_applied_the_change(fake_cluster, capsys, monkeypatch):
    admin = fake_cluster["admin"] = FakeAdmin(set())
    seen = {"reads": 0}

    class Lagging:
        """A follower controller: the first two reads after the change still show the metadata from before it."""
        def describe_acls(self):
            seen["reads"] += 1
            shown = set() if seen["reads"] <= 3 else admin.existing
            return [kafka_acls._from_binding(binding) for binding in sorted(shown)]

        def close(self):
            pass
    monkeypatch.setattr(kafka_acls, "ControllerClient", lambda params, client_id: Lagging())
    result = module_result(kafka_acls.main, capsys, bootstrap_controllers=["127.0.0.1:9093"], **ARGS)
    assert result["changed"] is True and seen["reads"] == 4, (result, seen)
    seen["reads"] = -1000  # never catches up
    admin.existing.clear()
    late = module_result(kafka_acls.main, capsys, bootstrap_controllers=["127.0.0.1:9093"], timeout=0.5, **ARGS)
    assert late["failed"] is True and "still differs at: User:orders-app allow" in late["msg"], late
