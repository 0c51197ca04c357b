"""Canary that proves a rolling restart loses no acknowledged record.

A daemon produces numbered records (acks=all, idempotent) and consumes them back; every send, acknowledgement,
failure and consumed record is appended to a JSON-lines file in DIR, and the report compares them.
"""
import argparse
import json
import logging
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter

log = logging.getLogger("canary")

FILES = ("sent.jsonl", "acked.jsonl", "failed.jsonl", "consumed.jsonl", "shutdown.json", "report.json", "canary.log")
START_TIMEOUT_S = 60
FLUSH_TIMEOUT_S = 30
DRAIN_TIMEOUT_S = 120
DELIVERY_TIMEOUT_MS = 120000
WEDGED_AFTER_S = DELIVERY_TIMEOUT_MS / 1000 + 60
CONSUMER_ERRORS_BEFORE_REBUILD_S = 60
# A consumer that reads nothing from a partition for this long while the producer has records acknowledged beyond what
# it read is rebuilt (new connections, same positions): a client that stopped fetching from one node must not be
# mistaken for the cluster losing records, and a record the cluster really lost stays lost for the new consumer too.
CONSUMER_STALLED_AFTER_S = 60
# Batching, for the CPU of the 2-core test bed the canary shares with the brokers and Ansible. Measured on an idle
# 3-node cluster at 50 records/s, CPU seconds per minute (canary process + brokers above their idle): linger 5 ms and
# fetches answered at once 17.4 + 20.3; linger 100 ms and fetches that wait for 64 KiB or 2 s 4.8 + 4.8, every record
# still consumed. Stalls are measured on acknowledgements, so the linger adds at most 0.1 s to a stall; the consumer's
# wait only delays when a record is read, which no figure uses.
LINGER_MS = 100
FETCH_MIN_BYTES = 64 * 1024
FETCH_MAX_WAIT_MS = 2000


# ---------------------------------------------------------------- analysis (pure)

def gaps(times):
    """Consecutive (start, end) pairs of a sorted list of times."""
    return list(zip(times, times[1:]))


def longest_gap(pairs):
    """The widest (start, end) pair, or None."""
    return max(pairs, key=lambda g: g[1] - g[0], default=None)


def stall(pair):
    """A gap as report fields."""
    if pair is None:
        return {"stall_s": None, "stall_start": None, "stall_end": None}
    return {"stall_s": round(pair[1] - pair[0], 3), "stall_start": pair[0], "stall_end": pair[1]}


def failures(failed):
    """The send failures by error, most frequent first: [{"error", "count", "first", "last"}] (epoch seconds, None
    when the records carry no time). The error is the exception's repr up to its first '(' detail, so that one kind of
    failure counts once whatever partition or message it names."""
    kinds = {}
    for f in failed:
        kind = str(f.get("error", "")).split("(", 1)[0] or "unknown"
        entry = kinds.setdefault(kind, {"error": kind, "count": 0, "first": None, "last": None})
        entry["count"] += 1
        t = f.get("t")
        if t is not None:
            entry["first"] = t if entry["first"] is None else min(entry["first"], t)
            entry["last"] = t if entry["last"] is None else max(entry["last"], t)
    return sorted(kinds.values(), key=lambda e: (-e["count"], e["error"]))


def lost_by_partition(acked, lost, positions=None):
    """Where the lost records were acknowledged: {partition: {"count", "first_offset", "last_offset", "unread"}}.
    unread counts those at or beyond the consumer's last position in their partition (positions: {partition: offset},
    None when unknown): the consumer never got there. The others it read past without finding them."""
    where = {}
    for a in acked:
        if a["seq"] in lost:
            where.setdefault(a["seq"], (a["p"], a["o"]))
    positions = {int(p): o for p, o in (positions or {}).items()}
    out = {}
    for p, o in where.values():
        e = out.setdefault(p, {"count": 0, "first_offset": o, "last_offset": o, "unread": None if p not in positions else 0})
        e["count"] += 1
        e["first_offset"], e["last_offset"] = min(e["first_offset"], o), max(e["last_offset"], o)
        if p in positions and o >= positions[p]:
            e["unread"] += 1
    return dict(sorted(out.items()))


def stalled_partitions(acked_end, read_end, progress_at, now, after=CONSUMER_STALLED_AFTER_S):
    """Partitions the consumer is behind on and read nothing from for `after` seconds, sorted.

    acked_end: {partition: offset after the highest acknowledged record}; read_end: {partition: offset after the
    highest record read}; progress_at: {partition: monotonic time of the last record read, or of the consumer's start}.
    """
    return sorted(p for p, end in acked_end.items() if end > read_end.get(p, 0) and now - progress_at.get(p, now) > after)


def analyse(sent, acked, failed, consumed, windows=(), positions=None):
    """Compare what was sent, acknowledged, failed and consumed.

    sent: [{"seq", "t"}]; acked: [{"seq", "p", "o", "t"}]; failed: [{"seq", "error"}];
    consumed: [{"seq", "p", "o", "t"}]; windows: [{"name", "start", "end"}] (epoch seconds); positions: the consumer's
    last {partition: offset}, to tell records it never reached from records it read past.
    """
    ack_time = {}
    for a in acked:
        ack_time[a["seq"]] = min(a["t"], ack_time.get(a["seq"], a["t"]))
    acks_per_seq = Counter(a["seq"] for a in acked)
    consumed_per_seq = Counter(c["seq"] for c in consumed)
    offsets_per_seq = {}
    for c in consumed:
        offsets_per_seq.setdefault(c["seq"], set()).add((c["p"], c["o"]))
    sent_seqs = {s["seq"] for s in sent} | set(ack_time)
    failed_seqs = {f["seq"] for f in failed} - set(ack_time)
    lost = sorted(set(ack_time) - set(consumed_per_seq))
    ack_gaps = gaps(sorted(ack_time.values()))
    longest = stall(longest_gap(ack_gaps))
    report = {
        "sent": len(sent_seqs),
        "acked": len(ack_time),
        "acked_twice": sum(1 for n in acks_per_seq.values() if n > 1),
        "failed": len(failed_seqs),
        "unresolved": len(sent_seqs - set(ack_time) - failed_seqs),
        "consumed": len(consumed_per_seq),
        "lost": {"count": len(lost), "partitions": lost_by_partition(acked, set(lost), positions), "seqs": lost},
        "duplicates": {
            "records": sum(n - 1 for n in consumed_per_seq.values()),
            "seqs": sum(1 for n in consumed_per_seq.values() if n > 1),
            "in_log": sum(len(o) - 1 for o in offsets_per_seq.values()),
        },
        "unacked_but_consumed": len(set(consumed_per_seq) - set(ack_time)),
        "longest_stall_s": longest["stall_s"],
        "longest_stall_start": longest["stall_start"],
        "longest_stall_end": longest["stall_end"],
        "first_ack": min(ack_time.values(), default=None),
        "last_ack": max(ack_time.values(), default=None),
        "failures": failures([f for f in failed if f["seq"] in failed_seqs]),
    }
    if windows:
        report["windows"] = [dict(w, **stall(longest_gap([g for g in ack_gaps if g[0] < w["end"] and g[1] > w["start"]])))
                             for w in windows]
    return report


def read_jsonl(path):
    """Records of a JSON-lines file; a torn last line (crash mid-write) is skipped."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            log.warning("%s: skipping unparseable line %r", path, line)
    return records


def build_report(directory, windows=()):
    """The report for the files in directory, with the daemon's shutdown state when it left one."""
    d = pathlib.Path(directory)
    shutdown = json.loads((d / "shutdown.json").read_text()) if (d / "shutdown.json").exists() else None
    report = analyse(*(read_jsonl(d / f) for f in ("sent.jsonl", "acked.jsonl", "failed.jsonl", "consumed.jsonl")), windows,
                     positions=(shutdown or {}).get("positions"))
    if shutdown is not None:
        report["shutdown"] = shutdown
    return report


# ---------------------------------------------------------------- daemon

class JsonlWriter:
    """Thread-safe append-only JSON-lines file, flushed on every record."""

    def __init__(self, path):
        self._file = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, record):
        line = json.dumps(record, separators=(",", ":")) + "\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()

    def close(self):
        with self._lock:
            self._file.close()


class Canary:
    """Producer and consumer threads writing their evidence into a directory."""

    def __init__(self, args):
        self.args = args
        self.dir = pathlib.Path(args.dir)
        self.out = {name: JsonlWriter(self.dir / f"{name}.jsonl") for name in ("sent", "acked", "failed", "consumed")}
        self.stop_sending = threading.Event()
        self.drain = threading.Event()
        self.outstanding = {}  # seq -> monotonic send time, until its callback fires
        self.acked_end = {}  # partition -> offset after the highest acknowledged record
        self.lock = threading.Lock()
        self.shutdown = {"producer_flushed": False, "consumer_caught_up": False, "end_offsets": None, "positions": None,
                         "consumer_rebuilds": []}

    def _common(self):
        return dict(security_config(self.args.security_file), bootstrap_servers=self.args.bootstrap.split(","), request_timeout_ms=10000,
                    reconnect_backoff_max_ms=2000)

    def _on_ack(self, seq, sent_at, md):
        with self.lock:
            self.outstanding.pop(seq, None)
            self.acked_end[md.partition] = max(self.acked_end.get(md.partition, 0), md.offset + 1)
        self.out["acked"].write({"seq": seq, "p": md.partition, "o": md.offset, "t": round(time.time(), 3), "sent": sent_at})

    def _on_error(self, seq, exc):
        with self.lock:
            self.outstanding.pop(seq, None)
        self.out["failed"].write({"seq": seq, "error": repr(exc), "t": round(time.time(), 3)})

    def _new_producer(self):
        from kafka import KafkaProducer
        return KafkaProducer(acks="all", enable_idempotence=True, retries=2 ** 31 - 1, delivery_timeout_ms=DELIVERY_TIMEOUT_MS,
                             linger_ms=LINGER_MS, **self._common())

    def _wedged(self, built_at):
        """True when a record sent by the current producer has had no callback long after delivery_timeout_ms."""
        with self.lock:
            oldest = min((t for t in self.outstanding.values() if t >= built_at), default=None)
        return oldest is not None and time.monotonic() - oldest > WEDGED_AFTER_S

    def produce(self):
        """Send --rate records a second until told to stop, then flush."""
        producer, built_at, seq = None, 0.0, 0
        next_send = next_check = time.monotonic()
        while not self.stop_sending.is_set():
            try:
                if producer is None:
                    producer, built_at = self._new_producer(), time.monotonic()
                now = time.monotonic()
                if now < next_send:
                    self.stop_sending.wait(next_send - now)
                    continue
                next_send = max(next_send + 1.0 / self.args.rate, now - 1.0)
                seq += 1
                sent_at = round(time.time(), 3)
                self.out["sent"].write({"seq": seq, "t": sent_at})
                with self.lock:
                    self.outstanding[seq] = now
                try:
                    value = json.dumps({"run": self.args.run_id, "seq": seq, "t": sent_at}).encode()
                    future = producer.send(self.args.topic, key=f"k{seq % self.args.keys}".encode(), value=value)
                except Exception as exc:  # not enqueued: the record can never be acknowledged
                    self._on_error(seq, exc)
                    raise
                future.add_callback(self._on_ack, seq, sent_at)
                future.add_errback(self._on_error, seq)
                if now >= next_check:
                    next_check = now + 1.0
                    if self._wedged(built_at):
                        log.error("producer wedged: no callback for %ss; building a new one", WEDGED_AFTER_S)
                        self._close_producer(producer, 0)
                        producer = None
            except Exception:
                log.exception("producer error; continuing")
                self.stop_sending.wait(1.0)
        if producer is not None:
            self._close_producer(producer, FLUSH_TIMEOUT_S)
        with self.lock:
            unresolved = dict(self.outstanding)
        for s in unresolved:
            self._on_error(s, "unresolved at shutdown")
        self.shutdown["producer_flushed"] = not unresolved
        log.info("producer stopped after %d records, %d unresolved", seq, len(unresolved))

    @staticmethod
    def _close_producer(producer, timeout):
        """Flush for up to timeout seconds and close; kafka-python's close() raises while batches are incomplete."""
        try:
            producer.flush(timeout=timeout)
            producer.close(timeout=5)
        except Exception as exc:
            log.warning("producer did not close cleanly: %r", exc)

    def _new_consumer(self, positions):
        from kafka import KafkaConsumer, TopicPartition
        consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
                                 fetch_min_bytes=FETCH_MIN_BYTES, fetch_max_wait_ms=FETCH_MAX_WAIT_MS, **self._common())
        deadline = time.monotonic() + 30
        while not (partitions := consumer.partitions_for_topic(self.args.topic)):
            if time.monotonic() > deadline:
                close_quietly(consumer)
                raise RuntimeError(f"topic {self.args.topic} has no partitions in metadata")
            time.sleep(0.5)
        tps = [TopicPartition(self.args.topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        for tp in tps:
            if tp.partition in positions:
                consumer.seek(tp, positions[tp.partition])
        return consumer, tps

    def _caught_up(self, consumer, tps, targets):
        positions = {tp.partition: consumer.position(tp, timeout_ms=10000) for tp in tps}
        self.shutdown["positions"] = positions
        return all(positions[p] >= end for p, end in targets.items())

    def consume(self):
        """Read every partition from the beginning until drained to the end offsets seen after the producer stopped."""
        consumer, tps, positions, targets, failing_since, deadline = None, [], {}, None, None, None
        progress_at = {}  # partition -> monotonic time of its last record, or of the consumer's start
        while True:
            try:
                if self.drain.is_set():
                    deadline = deadline or time.monotonic() + DRAIN_TIMEOUT_S
                    if time.monotonic() > deadline:
                        log.error("consumer did not catch up within %ss", DRAIN_TIMEOUT_S)
                        break
                if consumer is None:
                    consumer, tps = self._new_consumer(positions)
                    progress_at = dict.fromkeys((tp.partition for tp in tps), time.monotonic())
                if deadline and targets is None:
                    targets = {tp.partition: o for tp, o in consumer.end_offsets(tps, timeout_ms=10000).items()}
                    self.shutdown["end_offsets"] = targets
                if targets is not None and self._caught_up(consumer, tps, targets):
                    self.shutdown["consumer_caught_up"] = True
                    break
                for tp, records in consumer.poll(timeout_ms=500).items():
                    for r in records:
                        self._on_record(r)
                        positions[tp.partition] = r.offset + 1
                    if records:
                        progress_at[tp.partition] = time.monotonic()
                failing_since = None
                with self.lock:
                    acked_end = dict(self.acked_end)
                stalled = stalled_partitions(acked_end, positions, progress_at, time.monotonic())
                if stalled:
                    log.error("consumer read nothing from partitions %s for %ss while records were acknowledged beyond "
                              "offsets %s; building a new one", stalled, CONSUMER_STALLED_AFTER_S, [positions.get(p, 0) for p in stalled])
                    self.shutdown["consumer_rebuilds"].append({"t": round(time.time(), 3), "why": "stalled", "partitions": stalled,
                                                               "positions": {p: positions.get(p, 0) for p in stalled}})
                    close_quietly(consumer)
                    consumer = None
            except Exception:
                log.exception("consumer error; continuing")
                failing_since = failing_since or time.monotonic()
                if consumer is not None and time.monotonic() - failing_since > CONSUMER_ERRORS_BEFORE_REBUILD_S:
                    log.error("consumer failing for %ss; building a new one", CONSUMER_ERRORS_BEFORE_REBUILD_S)
                    self.shutdown["consumer_rebuilds"].append({"t": round(time.time(), 3), "why": "errors", "draining": self.drain.is_set()})
                    close_quietly(consumer)
                    consumer, failing_since = None, None
                time.sleep(1.0)
        if consumer is not None:
            close_quietly(consumer)
        log.info("consumer stopped: %s", self.shutdown)

    def _on_record(self, r):
        try:
            value = json.loads(r.value)
        except ValueError:
            value = None
        if isinstance(value, dict) and value.get("run") == self.args.run_id:
            self.out["consumed"].write({"seq": value["seq"], "p": r.partition, "o": r.offset, "t": round(time.time(), 3)})

    def run(self):
        """Run until SIGTERM/SIGINT, then drain and write report.json."""
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        producer = threading.Thread(target=self.produce, name="producer")
        consumer = threading.Thread(target=self.consume, name="consumer")
        producer.start()
        consumer.start()
        # Bounded: a scenario that fails before it stops the canary must not leave it sending for ever.
        limit = time.monotonic() + self.args.max_seconds
        while not stop.wait(1.0):
            if time.monotonic() > limit:
                log.warning("stopping: %s s passed and nobody stopped the canary", self.args.max_seconds)
                break
        log.info("stopping: flushing the producer, then draining the consumer")
        self.stop_sending.set()
        producer.join()
        self.drain.set()
        consumer.join()
        for w in self.out.values():
            w.close()
        (self.dir / "shutdown.json").write_text(json.dumps(self.shutdown, indent=2) + "\n")
        report = build_report(self.dir)
        write_atomically(self.dir / "report.json", json.dumps(report, indent=2) + "\n")
        log.info("report: sent=%s acked=%s lost=%s", report["sent"], report["acked"], report["lost"]["count"])


def close_quietly(client):
    try:
        client.close()
    except Exception as exc:
        log.warning("closing %s failed: %r", client, exc)


def write_atomically(path, text):
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.rename(path)


# ---------------------------------------------------------------- control commands

def daemon_pid(directory):
    """The pid of the live canary daemon for directory, or None."""
    try:
        pid = int((pathlib.Path(directory) / "canary.pid").read_text())
        cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    return pid if b"run" in cmdline and any(a.endswith(b"canary.py") for a in cmdline) else None  # a zombie has no cmdline


def log_tail(directory, lines=30):
    path = pathlib.Path(directory) / "canary.log"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"


def security_config(path):
    """kafka-python security options (security_protocol, sasl_*, ssl_*) from a JSON file, so no password is on a
    command line; no file means PLAINTEXT."""
    if not path:
        return {}
    with open(path) as handle:
        return json.load(handle)


def ensure_topic(args):
    """Create the topic unless it exists, and wait until every partition has a leader."""
    from kafka import KafkaAdminClient
    from kafka.errors import TopicAlreadyExistsError
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap.split(","), request_timeout_ms=30000, **security_config(args.security_file))
    try:
        try:
            admin.create_topics({args.topic: {"num_partitions": args.partitions, "replication_factor": args.replication_factor,
                                              "configs": {"min.insync.replicas": str(args.min_isr)}}})
            print(f"created topic {args.topic}")
        except TopicAlreadyExistsError:
            print(f"topic {args.topic} exists")
        admin.wait_for_topics([args.topic], timeout_ms=60000)
    finally:
        admin.close()


def cmd_start(args):
    d = pathlib.Path(args.dir)
    d.mkdir(parents=True, exist_ok=True)
    pid = daemon_pid(d)
    if pid:
        print(f"canary already running for {d} (pid {pid})")
        return 0
    old = [d / f for f in FILES if (d / f).exists()]
    if old:
        archive = d / time.strftime("previous-%Y%m%dT%H%M%S")
        archive.mkdir()
        for f in old:
            f.rename(archive / f.name)
        print(f"moved the previous run's files to {archive}")
    ensure_topic(args)
    cmd = [sys.executable, os.path.abspath(__file__), "run", "--bootstrap", args.bootstrap, "--topic", args.topic, "--dir", str(d),
           "--rate", str(args.rate), "--keys", str(args.keys), "--run-id", uuid.uuid4().hex, "--max-seconds", str(args.max_seconds)]
    if args.security_file:
        cmd += ["--security-file", args.security_file]
    with open(d / "canary.log", "ab") as logfile:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True)
    (d / "canary.pid").write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if (d / "acked.jsonl").exists() and (d / "acked.jsonl").stat().st_size:
            print(f"canary running (pid {proc.pid}), first record acknowledged")
            return 0
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    print(f"canary got no acknowledgement within {START_TIMEOUT_S}s; log tail:\n{log_tail(d)}", file=sys.stderr)
    return 1


def cmd_run(args):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(threadName)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(logging.WARNING)
    Canary(args).run()
    return 0


def cmd_stop(args):
    d = pathlib.Path(args.dir)
    pid = daemon_pid(d)
    if pid:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + args.timeout
        while daemon_pid(d) and time.monotonic() < deadline:
            time.sleep(0.5)
        if daemon_pid(d):
            print(f"canary (pid {pid}) still running after {args.timeout}s; log tail:\n{log_tail(d)}", file=sys.stderr)
            return 1
    if not (d / "report.json").exists():
        print(f"no report in {d}; log tail:\n{log_tail(d)}", file=sys.stderr)
        return 1
    print((d / "report.json").read_text(), end="")
    return 0


def cmd_report(args):
    windows = json.loads(pathlib.Path(args.windows).read_text()) if args.windows else ()
    print(json.dumps(build_report(args.dir, windows), indent=2))
    return 0


def parser():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="create the topic and start the daemon")
    run = sub.add_parser("run", help="the daemon itself (foreground)")
    for s in (start, run):
        s.add_argument("--bootstrap", required=True, help="host:port[,host:port...]")
        s.add_argument("--topic", default="canary")
        s.add_argument("--rate", type=float, default=50, help="records per second")
        s.add_argument("--keys", type=int, default=30, help="number of distinct keys")
        s.add_argument("--security-file", help="JSON file of kafka-python security options (SASL, TLS)")
        s.add_argument("--max-seconds", type=float, default=3600, help="stop by itself after this long")
    start.add_argument("--partitions", type=int, default=3)
    start.add_argument("--replication-factor", type=int, default=3)
    start.add_argument("--min-isr", type=int, default=2)
    run.add_argument("--run-id", required=True, help="only records carrying this id are counted as consumed")
    stop = sub.add_parser("stop", help="stop the daemon and print its report")
    stop.add_argument("--timeout", type=float, default=180)
    report = sub.add_parser("report", help="recompute the report from the files")
    report.add_argument("--windows", help='JSON file: [{"name": ..., "start": epoch_s, "end": epoch_s}]')
    for s in (start, run, stop, report):
        s.add_argument("--dir", required=True, help="state directory")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    return {"start": cmd_start, "run": cmd_run, "stop": cmd_stop, "report": cmd_report}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
