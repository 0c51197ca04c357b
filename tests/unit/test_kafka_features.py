"""kafka_features: release strings to metadata.version levels, and what the module sends, checked against a fake cluster."""
import json

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.streamops.kafka.plugins.module_utils import _features
from ansible_collections.streamops.kafka.plugins.modules import kafka_features
from conftest import needs_bare_python


@pytest.mark.parametrize("text, level", [
    ("3.3-IV0", 4), ("3.3", 7), ("3.5", 11), ("3.5-IV2", 11), ("3.9", 21), ("3.9-IV0", 21), ("3.9.2", 21),
    ("4.0", 25), ("4.0-IV1", 23), ("4.1", 27), ("4.3", 30), (" 3.8 ", 20),
])
def test_release_strings_map_to_feature_levels(text, level):
    assert kafka_features.metadata_version_level(text) == level


@pytest.mark.parametrize("text", ["3.10", "3.2", "3.9-IV1", "4.4", "latest", "3", "3.9-iv0", ""])
def test_unknown_release_strings_are_refused(text):
    with pytest.raises(ValueError, match="unknown metadata_version"):
        kafka_features.metadata_version_level(text)


def test_level_table_is_strictly_increasing_and_named_back():
    levels = [lvl for _, lvl in _features.EARLY_METADATA_VERSIONS + _features.METADATA_VERSIONS]
    assert levels == list(range(1, 31))
    assert kafka_features.metadata_version_name(21) == "3.9-IV0"
    # A log without a metadata.version record runs at 3.0-IV1; a level newer than the table is still named.
    assert kafka_features.metadata_version_name(1) == "3.0-IV1"
    assert kafka_features.metadata_version_name(99) == "level 99"
    assert kafka_features.metadata_version_name(0) is None and kafka_features.metadata_version_name(None) is None


def test_metadata_version_and_features_must_agree():
    assert kafka_features.wanted_levels({"metadata.version": 21}, "3.9") == {"metadata.version": 21}
    with pytest.raises(ValueError, match="level 21, but features sets metadata.version to 20"):
        kafka_features.wanted_levels({"metadata.version": 20}, "3.9")
    with pytest.raises(ValueError, match="cannot be turned off"):
        kafka_features.wanted_levels({"metadata.version": 0}, None)


def broker(mv=11, mv_max=21, extra=None, epoch=7):
    supported = {"metadata.version": (1, mv_max), "kraft.version": (0, 1)}
    supported.update(extra or {})
    return {"supported": supported, "finalized": {"metadata.version": mv}, "epoch": epoch}


def test_supported_range_is_the_intersection_across_brokers():
    view = kafka_features.summarize({1: broker(mv_max=21), 2: broker(mv_max=25, epoch=9)})
    assert view["supported"]["metadata.version"] == {"min": 1, "max": 21}
    assert view["finalized"] == {"metadata.version": 11} and view["epoch"] == 9 and view["brokers"] == [1, 2]


def test_plan_names_every_broker_that_cannot_take_the_level():
    updates, problems = kafka_features.plan_updates({"metadata.version": 25}, {1: broker(mv_max=25), 2: broker(mv_max=21)}, "never")
    assert updates == {}
    assert problems == ["metadata.version level 25 is not supported: broker 2 supports 1-21"]


class FakeClient:
    """Stands in for BrokerClient: per-broker ApiVersions answers and an UpdateFeatures that applies unless validate_only."""

    instances = []

    def __init__(self, params, client_id, brokers=None, refuse=None):
        self.brokers = brokers
        self.refuse = refuse or {}
        self.sent = []
        self.closed = False
        FakeClient.instances.append(self)

    def broker_features(self):
        return json.loads(json.dumps(self.brokers), object_hook=lambda d: {int(k) if k.isdigit() else k: v for k, v in d.items()})

    def update_features(self, updates, validate_only, timeout_ms):
        self.sent.append((dict(updates), validate_only))
        results = dict((name, self.refuse.get(name, "OK")) for name in updates)
        if not validate_only and all(r == "OK" for r in results.values()):
            for answer in self.brokers.values():
                for name, (_, level) in updates.items():
                    answer["finalized"][name] = level
        return results

    def close(self):
        self.closed = True


@pytest.fixture
def cluster(monkeypatch):
    """Run the module's main() against a fake cluster; returns (result dict, fake client)."""
    def run(args, brokers=None, refuse=None, check_mode=False):
        FakeClient.instances = []
        monkeypatch.setattr(kafka_features, "BrokerClient",
                            lambda p, cid: FakeClient(p, cid, brokers or {1: broker(), 2: broker()}, refuse))
        module_args = dict(bootstrap_servers=["b1:9092"], **args)
        if check_mode:
            module_args["_ansible_check_mode"] = True
        with patch_module_args(module_args):
            with pytest.raises(SystemExit):
                kafka_features.main()
        return FakeClient.instances[-1] if FakeClient.instances else None
    return run


def result_of(capsys):
    return json.loads(capsys.readouterr().out)


def test_describe_reads_and_never_changes(cluster, capsys):
    client = cluster({})
    result = result_of(capsys)
    assert result["changed"] is False and client.sent == [] and client.closed
    assert result["finalized"] == {"metadata.version": 11} and result["metadata_version"] == "3.5-IV2"
    assert result["supported"]["metadata.version"] == {"min": 1, "max": 21} and result["epoch"] == 7


def test_describe_names_a_log_without_a_metadata_version_record(cluster, capsys):
    """A controller that found no metadata.version record runs the cluster at 3.0-IV1 (level 1): reported, never empty."""
    cluster({}, brokers={1: broker(mv=1), 2: broker(mv=1)})
    result = result_of(capsys)
    assert result["finalized"] == {"metadata.version": 1} and result["metadata_version"] == "3.0-IV1"


def test_repair_raises_a_level_1_cluster_to_its_formatted_level(cluster, capsys):
    """The site repair: features={metadata.version: 21} on a cluster at 3.0-IV1 sends one upgrade to 21."""
    client = cluster({"state": "upgrade", "features": {"metadata.version": 21}}, brokers={1: broker(mv=1), 2: broker(mv=1)})
    result = result_of(capsys)
    assert client.sent == [({"metadata.version": ("UPGRADE", 21)}, False)]
    assert result["before"] == {"metadata.version": 1} and result["metadata_version"] == "3.9-IV0"


def test_upgrade_sends_only_the_named_feature_and_waits_for_every_broker(cluster, capsys):
    client = cluster({"state": "upgrade", "metadata_version": "3.9"})
    result = result_of(capsys)
    assert client.sent == [({"metadata.version": ("UPGRADE", 21)}, False)]
    assert result["changed"] is True and result["before"] == {"metadata.version": 11}
    assert result["after"] == {"metadata.version": 21} and result["finalized"] == {"metadata.version": 21}
    assert result["updates"] == {"metadata.version": {"level": 21, "type": "upgrade"}}
    assert "kraft.version" not in result["after"] and result["attempts"] >= 1


def test_already_finalized_is_no_change(cluster, capsys):
    client = cluster({"state": "upgrade", "metadata_version": "3.9-IV0"}, brokers={1: broker(mv=21)})
    result = result_of(capsys)
    assert result["changed"] is False and client.sent == [] and result["updates"] == {}


def test_downgrade_is_refused_before_anything_is_sent(cluster, capsys):
    client = cluster({"state": "upgrade", "metadata_version": "3.8"}, brokers={1: broker(mv=21)})
    result = result_of(capsys)
    assert result["failed"] and client.sent == []
    assert "finalized at 21; refusing to lower it to 20" in result["msg"]


def test_safe_downgrade_is_sent_as_such_when_allowed(cluster, capsys):
    client = cluster({"state": "upgrade", "metadata_version": "3.8", "allow_downgrade": "safe"}, brokers={1: broker(mv=21)})
    assert client.sent == [({"metadata.version": ("SAFE_DOWNGRADE", 20)}, False)]
    assert result_of(capsys)["changed"] is True


def test_level_above_supported_is_refused_before_anything_is_sent(cluster, capsys):
    client = cluster({"state": "upgrade", "metadata_version": "4.0"})
    result = result_of(capsys)
    assert result["failed"] and client.sent == []
    assert "metadata.version level 25 is not supported: broker 1 supports 1-21, broker 2 supports 1-21" in result["msg"]


def test_feature_unknown_to_a_broker_is_refused(cluster, capsys):
    client = cluster({"state": "upgrade", "features": {"group.version": 1}},
                     brokers={1: broker(extra={"group.version": (0, 1)}), 2: broker()})
    result = result_of(capsys)
    assert result["failed"] and client.sent == [] and "broker 2 does not know it" in result["msg"]


def test_dry_run_validates_only_and_reports_the_change(cluster, capsys):
    client = cluster({"state": "upgrade", "metadata_version": "3.9", "dry_run": True})
    result = result_of(capsys)
    assert client.sent == [({"metadata.version": ("UPGRADE", 21)}, True)]
    assert result["changed"] is True and result["validate_only"] is True
    assert result["after"] == {"metadata.version": 21} and result["finalized"] == {"metadata.version": 11}


def test_check_mode_validates_only(cluster, capsys):
    client = cluster({"state": "upgrade", "features": {"metadata.version": 21}}, check_mode=True)
    result = result_of(capsys)
    assert client.sent == [({"metadata.version": ("UPGRADE", 21)}, True)] and result["changed"] is True
    assert client.brokers[1]["finalized"]["metadata.version"] == 11


def test_a_broker_that_never_catches_up_fails_the_wait_and_is_named(cluster, capsys, monkeypatch):
    applied = FakeClient.update_features

    def lagging(self, updates, validate_only, timeout_ms):
        results = applied(self, updates, validate_only, timeout_ms)
        self.brokers[2]["finalized"]["metadata.version"] = 11
        return results
    monkeypatch.setattr(FakeClient, "update_features", lagging)
    cluster({"state": "upgrade", "metadata_version": "3.9", "timeout": 0.05, "sleep": 0.01})
    result = result_of(capsys)
    assert result["failed"] and result["changed"] is True
    assert "not every broker reports it: broker 2 has metadata.version=11" in result["msg"]


def test_controller_refusal_is_reported_unchanged(cluster, capsys):
    cluster({"state": "upgrade", "metadata_version": "3.9", "dry_run": True},
            refuse={"metadata.version": "[Error 95] InvalidUpdateVersionError: nope"})
    result = result_of(capsys)
    assert result["failed"] and result["changed"] is False
    assert result["msg"] == "the controller refused the feature update (validate only): metadata.version: [Error 95] InvalidUpdateVersionError: nope"


def test_request_level_refusal_is_reported_in_the_controllers_words(cluster, capsys, monkeypatch):
    error = kafka_features.kafka_errors.InvalidUpdateVersionError(
        "Request 'UpdateFeaturesRequest(version=2, ...)' failed with response 'UpdateFeaturesResponse(version=2, error_code=95, "
        "error_message='Unsupported metadata.version downgrade from 30 to 29.')'.")

    def raise_error(self, updates, validate_only, timeout_ms):
        raise error
    monkeypatch.setattr(FakeClient, "update_features", raise_error)
    cluster({"state": "upgrade", "metadata_version": "4.2", "allow_downgrade": "safe"}, brokers={1: broker(mv=30, mv_max=30)})
    result = result_of(capsys)
    assert result["failed"] and result["changed"] is False
    assert result["msg"] == ("the controller refused the feature update: metadata.version: "
                             "InvalidUpdateVersionError: Unsupported metadata.version downgrade from 30 to 29.")


def test_upgrade_needs_something_to_upgrade(cluster, capsys):
    assert cluster({"state": "upgrade"}) is None
    assert "features, metadata_version" in result_of(capsys)["msg"]


def test_unknown_release_fails_before_connecting(cluster, capsys):
    assert cluster({"state": "upgrade", "metadata_version": "3.10"}) is None
    assert "unknown metadata_version '3.10'" in result_of(capsys)["msg"]


@needs_bare_python
def test_missing_kafka_python_is_named(without_kafka_python):
    result = without_kafka_python["kafka_features"]
    assert result.get("failed"), result
    assert "Failed to import the required Python library (kafka-python)" in result["msg"], result["msg"]
