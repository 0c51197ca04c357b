"""_features: the levels a storage format wrote (bootstrap.checkpoint) and the check of a cluster's finalized levels."""
import os
import struct

import pytest
from ansible_collections.streamops.kafka.plugins.module_utils import _features

DATA = os.path.join(os.path.dirname(__file__), "data")


def read(name):
    with open(os.path.join(DATA, name), "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("name, levels", [
    ("bootstrap-3.9.2.checkpoint", {"metadata.version": 21}),
    ("bootstrap-3.9.2-release-3.8.checkpoint", {"metadata.version": 20}),
    ("bootstrap-4.3.1.checkpoint", {"metadata.version": 30, "eligible.leader.replicas.version": 1, "group.version": 1,
                                    "share.version": 1, "streams.version": 1, "transaction.version": 2}),
])
def test_levels_of_real_storage_formats(name, levels):
    """Files written by kafka-storage.sh format: a header and footer control batch around the feature records."""
    assert _features.bootstrap_levels(read(name)) == levels


def varint(value):
    out = bytearray()
    while True:
        byte, value = value & 0x7f, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def zigzag(value):
    return varint((value << 1) ^ (value >> 63))


def record_body(value):
    """attributes, timestamp delta, offset delta, no key, the value, no headers."""
    return b"\x00" + zigzag(0) + zigzag(0) + zigzag(-1) + zigzag(len(value)) + value + varint(0)


def batch(values, attributes=0, magic=2, record_bytes=record_body):
    records = b"".join(zigzag(len(record_bytes(v))) + record_bytes(v) for v in values)
    header = struct.pack(">qiiBIhiqqqhii", 0, 49 + len(records), 0, magic, 0, attributes, len(values) - 1, 0, 0, -1, -1, -1,
                         len(values))
    return header + records


def feature(name, level):
    raw = name.encode()
    return varint(1) + varint(12) + varint(0) + varint(len(raw) + 1) + raw + struct.pack(">h", level) + varint(0)


def test_other_records_and_control_batches_are_skipped():
    """A SCRAM credential record (api key 11) is never decoded; a control batch's records are not metadata."""
    scram = varint(1) + varint(11) + varint(0) + b"\x06alice" + b"secret-bytes"
    data = batch([feature("metadata.version", 99)], attributes=0x20) + batch([scram, feature("metadata.version", 21)])
    assert _features.bootstrap_levels(data) == {"metadata.version": 21}


@pytest.mark.parametrize("data, error", [
    (batch([feature("metadata.version", 21)], attributes=1), "compressed"),
    (batch([feature("metadata.version", 21)], magic=1), "magic 1"),
    (batch([feature("metadata.version", 21)])[:-3], "runs past the end"),
    (b"\x00" * 20, "truncated record batch header"),
    # A negative batch length would never move on to the next batch.
    (struct.pack(">qiiBIhiqqqhii", 0, -12, 0, 2, 0, 0, 0, 0, 0, -1, -1, -1, 0), "shorter than its own header"),
    # A record whose value claims more bytes than the record holds.
    (batch([b"short"], record_bytes=lambda value: b"\x00" + zigzag(0) + zigzag(0) + zigzag(-1) + zigzag(100) + value + varint(0)),
     "value runs past the end of its record"),
])
def test_malformed_files_are_named(data, error):
    with pytest.raises(ValueError, match=error):
        _features.bootstrap_levels(data)


def test_formatted_levels_are_the_lowest_any_controller_holds():
    """A controller formatted later with newer software has a higher file that is never replayed: it cannot raise the bar,
    not even for a feature the older files do not set (0 there)."""
    by_host = {"c1": {"metadata.version": 21}, "c2": {"metadata.version": 30, "group.version": 1}, "c3": None}
    assert _features.formatted_levels(by_host) == {"metadata.version": 21, "group.version": 0}
    assert _features.feature_check({"metadata.version": 25}, _features.formatted_levels(by_host), False)["action"] == "ok"
    assert _features.formatted_levels({"c1": None}) == {}


def test_levels_at_or_above_the_formatted_ones_pass():
    for finalized in ({"metadata.version": 21}, {"metadata.version": 25}):
        check = _features.feature_check(finalized, {"metadata.version": 21}, new_cluster=False)
        assert check["action"] == "ok" and check["behind"] == {} and check["raise"] == {}
    assert "Finalized 3.9-IV0 (level 21); formatted with 3.9-IV0 (level 21)" in _features.feature_check(
        {"metadata.version": 21}, {"metadata.version": 21}, True)["message"]


def test_a_new_cluster_at_3_0_iv1_is_raised_to_every_formatted_level():
    """The deploy race: the next controller leader found no metadata.version record; 4.x features are off too."""
    formatted = {"metadata.version": 30, "group.version": 1, "transaction.version": 2}
    check = _features.feature_check({"metadata.version": 1}, formatted, new_cluster=True)
    assert check["action"] == "raise"
    assert check["raise"] == formatted
    assert check["metadata_version"] == "3.0-IV1" and check["formatted_metadata_version"] == "4.3-IV0"
    assert "metadata.version is finalized at 3.0-IV1 (level 1), formatted with 4.3-IV0 (level 30)" in check["message"]
    assert "group.version is finalized at 0, formatted with 1" in check["message"]


def test_a_cluster_formatted_before_this_run_is_reported_never_raised():
    """It may hold data, and a feature may have been lowered on purpose: the levels are named, nothing is sent."""
    check = _features.feature_check({"metadata.version": 1}, {"metadata.version": 21}, new_cluster=False)
    assert check["action"] == "report" and check["raise"] == {}
    assert "metadata.version is finalized at 3.0-IV1 (level 1), formatted with 3.9-IV0 (level 21)" in check["message"]
    assert "nothing is changed" in check["message"] and "streamops.kafka.kafka_features (state=upgrade)" in check["message"]


def test_nothing_read_means_nothing_to_compare():
    check = _features.feature_check({"metadata.version": 1}, {}, new_cluster=True)
    assert check["action"] == "ok" and check["raise"] == {} and "No bootstrap.checkpoint" in check["message"]
