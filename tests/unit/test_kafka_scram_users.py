"""kafka_scram_users: what it writes, decided from described credentials and login checks (fake cluster)."""
import json

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.streamops.kafka.plugins.modules import kafka_scram_users


class FakeBrokerClient:
    """The BrokerClient calls the module makes, over {user: {mechanism: iterations}}."""
    last = None

    def __init__(self, params, client_id, credentials=None, refuse=None):
        self.credentials = credentials or {}
        self.refuse = refuse or {}
        self.altered = []
        FakeBrokerClient.last = self

    def scram_credentials(self, users):
        return {user: dict(self.credentials.get(user, {})) for user in users}

    def upsert_scram_credentials(self, upsertions):
        self.altered += [(user, mechanism, iterations) for user, mechanism, password, iterations in upsertions]
        for user, mechanism, password, iterations in upsertions:
            if user not in self.refuse and not self.refuse.get("_silently"):
                self.credentials.setdefault(user, {})[mechanism] = iterations
        return {u: e for u, e in self.refuse.items() if not u.startswith("_")}

    def close(self):
        pass


class FakeLogin:
    passwords = {}
    attempts = []

    def __init__(self, params, client_id, servers):
        self.params = params

    def login(self):
        key = (self.params["sasl_username"], self.params["sasl_mechanism"])
        FakeLogin.attempts.append(key)
        return FakeLogin.passwords.get(key) == self.params["sasl_password"]

    def close(self):
        pass


@pytest.fixture
def run(monkeypatch, capsys):
    def go(users, credentials, passwords, check_mode=False, refuse=None, **extra):
        FakeLogin.passwords, FakeLogin.attempts = passwords, []
        monkeypatch.setattr(kafka_scram_users, "BrokerClient", lambda p, cid: FakeBrokerClient(p, cid, credentials, refuse))
        monkeypatch.setattr(kafka_scram_users, "DirectClient", FakeLogin)
        args = dict(bootstrap_servers=["b1:9092"], security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                    sasl_username="admin", sasl_password="admin-pw", users=users, **extra)
        if check_mode:
            args["_ansible_check_mode"] = True
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                kafka_scram_users.main()
        return json.loads(capsys.readouterr().out), FakeBrokerClient.last
    return go


APP = {"name": "app", "password": "app-pw", "mechanisms": ["SCRAM-SHA-256", "SCRAM-SHA-512"]}


def test_missing_users_are_created(run):
    result, admin = run([APP], {}, {})
    assert result["changed"] and result["changed_users"] == ["app"]
    assert result["actions"] == {"app": {"SCRAM-SHA-256": "created", "SCRAM-SHA-512": "created"}}
    assert sorted(admin.altered) == [("app", "SCRAM-SHA-256", 8192), ("app", "SCRAM-SHA-512", 8192)]
    assert "app-pw" not in json.dumps(result) and "admin-pw" not in json.dumps(result)


def test_current_users_change_nothing(run):
    passwords = {("app", "SCRAM-SHA-256"): "app-pw", ("app", "SCRAM-SHA-512"): "app-pw"}
    result, admin = run([APP], {"app": {"SCRAM-SHA-256": 8192, "SCRAM-SHA-512": 8192}}, passwords)
    assert not result["changed"] and admin.altered == []
    assert sorted(FakeLogin.attempts) == [("app", "SCRAM-SHA-256"), ("app", "SCRAM-SHA-512")]


def test_a_password_that_does_not_log_in_and_other_iterations_are_rewritten(run):
    passwords = {("app", "SCRAM-SHA-512"): "old-pw"}
    result, admin = run([APP], {"app": {"SCRAM-SHA-256": 4096, "SCRAM-SHA-512": 8192}}, passwords)
    assert result["actions"]["app"] == {"SCRAM-SHA-256": "iterations", "SCRAM-SHA-512": "login-failed"}
    assert sorted(admin.altered) == [("app", "SCRAM-SHA-256", 8192), ("app", "SCRAM-SHA-512", 8192)]


def test_check_mode_reports_without_writing(run):
    result, admin = run([APP], {}, {}, check_mode=True)
    assert result["changed"] and admin.altered == []


def test_without_password_checks_existing_credentials_are_kept(run):
    result, admin = run([APP], {"app": {"SCRAM-SHA-256": 8192, "SCRAM-SHA-512": 8192}}, {}, verify_password=False)
    assert not result["changed"] and FakeLogin.attempts == [] and admin.altered == []


def test_repeated_names_and_bad_iterations_are_refused(run):
    result, _ = run([APP, dict(APP)], {}, {})
    assert result["failed"] and "more than once: app" in result["msg"]
    result, _ = run([APP], {}, {}, iterations=100)
    assert result["failed"] and "between 4096 and 16384" in result["msg"]


def test_a_refusal_fails_naming_the_user_and_never_the_password(run):
    result, _ = run([APP], {}, {}, refuse={"app": "NotControllerError: "})
    assert result["failed"] and "refused app: NotControllerError" in result["msg"]
    assert "app-pw" not in json.dumps(result)


def test_a_write_the_cluster_does_not_describe_afterwards_fails(run, monkeypatch):
    # As a ZooKeeper-mode broker that is not the controller answers: an error code without a message.
    monkeypatch.setattr(kafka_scram_users, "SETTLE_TIMEOUT", 0.2)
    monkeypatch.setattr(kafka_scram_users, "SETTLE_SLEEP", 0.05)
    result, _ = run([APP], {}, {}, refuse={"_silently": True})
    assert result["failed"] and "still does not describe app SCRAM-SHA-256, app SCRAM-SHA-512 (" in result["msg"]


def test_a_broker_that_describes_the_write_a_moment_later_is_waited_for(run, monkeypatch):
    # Seen in CI (sasl-kraft): the describe right after the write went to a broker that had not applied the committed
    # records yet. The write is described on a later read.
    monkeypatch.setattr(kafka_scram_users, "SETTLE_SLEEP", 0.01)
    reads = []
    original = FakeBrokerClient.scram_credentials

    def lagging(self, users):
        reads.append(users)
        return {user: {} for user in users} if self.altered and len(reads) == 2 else original(self, users)
    monkeypatch.setattr(FakeBrokerClient, "scram_credentials", lagging)
    result, admin = run([APP], {}, {})
    assert not result.get("failed"), result
    assert result["changed"] and len(reads) == 3  # the plan's read, the early one, the one that describes the write
