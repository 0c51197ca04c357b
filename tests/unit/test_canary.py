"""The canary's analysis: loss, duplicates, stalls, restart windows, odd inputs."""
import importlib.util
import json
import pathlib

spec = importlib.util.spec_from_file_location("canary", pathlib.Path(__file__).resolve().parents[1] / "canary" / "canary.py")
canary = importlib.util.module_from_spec(spec)
spec.loader.exec_module(canary)


def run_of(n, start=1000.0, step=0.1):
    """n records sent, acked and consumed once, acks `step` seconds apart."""
    sent = [{"seq": s, "t": start + s * step} for s in range(1, n + 1)]
    acked = [{"seq": s, "p": s % 3, "o": s // 3, "t": start + s * step + 0.01} for s in range(1, n + 1)]
    consumed = [{"seq": a["seq"], "p": a["p"], "o": a["o"], "t": a["t"] + 0.5} for a in acked]
    return sent, acked, consumed


def test_clean_run():
    sent, acked, consumed = run_of(10)
    r = canary.analyse(sent, acked, [], consumed)
    assert (r["sent"], r["acked"], r["consumed"], r["failed"], r["unresolved"]) == (10, 10, 10, 0, 0)
    assert r["lost"] == {"count": 0, "partitions": {}, "seqs": []}
    assert r["duplicates"] == {"records": 0, "seqs": 0, "in_log": 0}
    assert r["unacked_but_consumed"] == 0
    assert r["first_ack"] == 1000.11 and r["last_ack"] == 1001.01
    assert "windows" not in r


def test_an_acknowledged_record_never_consumed_is_lost():
    sent, acked, consumed = run_of(10)
    consumed = [c for c in consumed if c["seq"] not in (4, 7)]
    r = canary.analyse(sent, acked, [], consumed)
    assert r["lost"] == {"count": 2, "partitions": {1: {"count": 2, "first_offset": 1, "last_offset": 2, "unread": None}}, "seqs": [4, 7]}
    assert r["consumed"] == 8


def test_lost_records_are_told_apart_by_whether_the_consumer_reached_their_offset():
    sent, acked, consumed = run_of(12)
    # Partition 1 (seqs 4, 7, 10): the consumer read past offset 1 without finding seq 4, and never reached 2 and 3.
    # Partition 2 (seq 8, offset 2): read past.
    consumed = [c for c in consumed if c["seq"] not in (4, 7, 10, 8)]
    r = canary.analyse(sent, acked, [], consumed, positions={"1": 2, "2": 4})
    assert r["lost"] == {"count": 4, "seqs": [4, 7, 8, 10], "partitions": {
        1: {"count": 3, "first_offset": 1, "last_offset": 3, "unread": 2},
        2: {"count": 1, "first_offset": 2, "last_offset": 2, "unread": 0}}}
    # The first acknowledgement of a seq acked twice is where it was written.
    assert canary.lost_by_partition(acked + [{"seq": 4, "p": 0, "o": 9, "t": 2000.0}], {4}, {1: 0}) == {
        1: {"count": 1, "first_offset": 1, "last_offset": 1, "unread": 1}}


def test_a_partition_is_stalled_only_when_behind_and_silent_for_long_enough():
    acked_end = {0: 10, 1: 10, 2: 10}
    read_end = {0: 10, 1: 4}  # 0 caught up; 1 behind; 2 nothing read yet
    progress_at = {0: 0.0, 1: 50.0, 2: 0.0}
    assert canary.stalled_partitions(acked_end, read_end, progress_at, now=100.0, after=60) == [2]
    assert canary.stalled_partitions(acked_end, read_end, progress_at, now=111.0, after=60) == [1, 2]
    assert canary.stalled_partitions(acked_end, read_end, progress_at, now=30.0, after=60) == []
    # A partition the consumer has not been assigned yet has no start time: never stalled.
    assert canary.stalled_partitions({3: 5}, {}, {}, now=1e9) == []
    assert canary.stalled_partitions({}, {}, {}, now=1e9) == []


def test_a_failed_record_is_not_lost_and_one_consumed_anyway_is_counted():
    sent, acked, consumed = run_of(10)
    acked = [a for a in acked if a["seq"] not in (5, 6)]
    failed = [{"seq": 5, "error": "KafkaTimeoutError()"}, {"seq": 6, "error": "KafkaTimeoutError()"}]
    consumed = [c for c in consumed if c["seq"] != 6]
    r = canary.analyse(sent, acked, failed, consumed)
    assert r["lost"]["count"] == 0
    assert (r["acked"], r["failed"], r["unacked_but_consumed"]) == (8, 2, 1)


def test_failures_are_counted_by_error_with_their_first_and_last_time():
    sent, acked, consumed = run_of(10)
    failed = [{"seq": 5, "error": "KafkaTimeoutError('Batch for TopicPartition(topic=c, partition=1) expired')", "t": 7.0},
              {"seq": 6, "error": "NotEnoughReplicasError()", "t": 3.0},
              {"seq": 7, "error": "KafkaTimeoutError('Batch for TopicPartition(topic=c, partition=2) expired')", "t": 2.0},
              {"seq": 8, "error": "NotLeaderForPartitionError"},
              {"seq": 9, "error": "KafkaTimeoutError()", "t": 1.0}]
    acked = [a for a in acked if a["seq"] not in (5, 6, 7, 8)]
    r = canary.analyse(sent, acked, failed, consumed)
    # seq 9 was acknowledged after all: its failure does not count
    assert r["failures"] == [{"error": "KafkaTimeoutError", "count": 2, "first": 2.0, "last": 7.0},
                             {"error": "NotEnoughReplicasError", "count": 1, "first": 3.0, "last": 3.0},
                             {"error": "NotLeaderForPartitionError", "count": 1, "first": None, "last": None}]
    assert canary.analyse(*run_of(3)[:2], [], run_of(3)[2])["failures"] == []


def test_a_sent_record_without_any_callback_is_unresolved():
    sent, acked, consumed = run_of(10)
    r = canary.analyse(sent, acked[:-1], [], consumed[:-1])
    assert (r["sent"], r["acked"], r["unresolved"], r["lost"]["count"]) == (10, 9, 1, 0)


def test_duplicates_count_extra_records_and_seqs_and_tell_redelivery_from_a_second_copy_in_the_log():
    sent, acked, consumed = run_of(10)
    redelivered = dict(consumed[2])                       # same partition/offset read twice
    rewritten = dict(consumed[4], o=consumed[4]["o"] + 100)  # a second copy at another offset
    r = canary.analyse(sent, acked, [], consumed + [redelivered, redelivered, rewritten])
    assert r["duplicates"] == {"records": 3, "seqs": 2, "in_log": 1}
    assert r["consumed"] == 10 and r["lost"]["count"] == 0


def test_a_record_acked_twice_counts_once_with_its_first_ack_time():
    sent, acked, consumed = run_of(5)
    again = dict(acked[4], t=acked[4]["t"] + 50)
    r = canary.analyse(sent, acked + [again], [], consumed)
    assert (r["acked"], r["acked_twice"], r["lost"]["count"]) == (5, 1, 0)
    assert r["last_ack"] == acked[4]["t"]
    assert r["longest_stall_s"] < 1


def test_an_ack_that_follows_a_failure_wins():
    sent, acked, consumed = run_of(5)
    r = canary.analyse(sent, acked, [{"seq": 3, "error": "unresolved at shutdown"}], consumed)
    assert (r["acked"], r["failed"]) == (5, 0)


def test_longest_stall_is_the_widest_gap_between_consecutive_acks_in_time_order():
    acked = [{"seq": s, "p": 0, "o": s, "t": t} for s, t in [(1, 10.0), (2, 11.0), (4, 20.5), (3, 14.0), (5, 21.0)]]
    r = canary.analyse([], acked, [], [dict(a) for a in acked])
    assert (r["longest_stall_s"], r["longest_stall_start"], r["longest_stall_end"]) == (6.5, 14.0, 20.5)


def test_no_acks_means_no_stall():
    r = canary.analyse([{"seq": 1, "t": 1.0}], [], [], [])
    assert r["longest_stall_s"] is None and r["first_ack"] is None and r["unresolved"] == 1


def test_windows_take_the_longest_gap_that_overlaps_them():
    times = [10.0, 11.0, 12.0, 20.0, 21.0, 23.5, 24.0, 40.0]
    acked = [{"seq": i, "p": 0, "o": i, "t": t} for i, t in enumerate(times)]
    windows = [
        {"name": "inside-a-gap", "start": 13.0, "end": 15.0},
        {"name": "spanning-two-gaps", "start": 21.5, "end": 23.8},
        {"name": "touching-only-at-an-ack", "start": 0.0, "end": 10.0},
        {"name": "after-the-last-ack", "start": 41.0, "end": 45.0},
    ]
    r = canary.analyse([], acked, [], [dict(a) for a in acked], windows)
    got = {w["name"]: (w["stall_s"], w["stall_start"], w["stall_end"]) for w in r["windows"]}
    assert got == {
        "inside-a-gap": (8.0, 12.0, 20.0),
        "spanning-two-gaps": (2.5, 21.0, 23.5),
        "touching-only-at-an-ack": (None, None, None),
        "after-the-last-ack": (None, None, None),
    }
    assert r["windows"][0]["start"] == 13.0 and r["longest_stall_s"] == 16.0


def test_build_report_reads_the_files_and_skips_a_torn_last_line(tmp_path):
    sent, acked, consumed = run_of(4)
    for name, records in (("sent", sent), ("acked", acked), ("consumed", consumed[:-1])):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    with open(tmp_path / "consumed.jsonl", "a") as f:
        f.write('{"seq": 4, "p"')
    (tmp_path / "shutdown.json").write_text('{"consumer_caught_up": false, "positions": {"1": 1}}')
    r = canary.build_report(tmp_path)
    assert r["lost"] == {"count": 1, "partitions": {1: {"count": 1, "first_offset": 1, "last_offset": 1, "unread": 1}}, "seqs": [4]}
    assert r["failed"] == 0
    assert r["shutdown"] == {"consumer_caught_up": False, "positions": {"1": 1}}


def test_security_config_comes_from_a_file(tmp_path):
    assert canary.security_config(None) == {}
    options = {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "admin",
               "sasl_plain_password": "pw", "ssl_cafile": "/ca.pem"}
    path = tmp_path / "security.json"
    path.write_text(json.dumps(options))
    assert canary.security_config(str(path)) == options
