"""Benchmark the health-gate modules against Kafka's own CLI tools, on one running cluster.

Usage: bench.py --nodes kraft-node1,kraft-node2,kraft-node3 [--partitions 5000] [--out FILE]

The nodes are the demo/scenario containers (combined KRaft nodes). Module checks run on this host through
`ansible localhost -m` (the delegated way), the CLI runs inside a node container. Traffic stays on the
project's own docker network.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError


def sh(*cmd, check=True):
    return subprocess.run(cmd, capture_output=True, text=True, check=check)


def address(container):
    return sh("docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container).stdout.strip()


def node_id(container):
    out = sh("docker", "exec", container, "sed", "-n", "s/^node.id=//p", "/etc/kafka/server.properties").stdout
    return int(out.strip())


def run_module(name, **args):
    """One `ansible localhost -m` call; returns (wall seconds, result dict)."""
    env = {k: v for k, v in os.environ.items() if k not in ("ANSIBLE_CONFIG", "ANSIBLE_CALLBACKS_ENABLED")}
    env.update(ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    start = time.monotonic()
    proc = subprocess.run(["ansible", "localhost", "-m", "streamops.kafka." + name, "-a", json.dumps(args)],
                          capture_output=True, text=True, env=env)
    wall = time.monotonic() - start
    return wall, json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]


def cli(container, *args):
    start = time.monotonic()
    proc = sh("docker", "exec", container, *args, check=False)
    return time.monotonic() - start, proc


def median_ms(values):
    return round(statistics.median(values) * 1000, 1)


def compare(label, module_name, module_args, cli_cmd, repeat):
    checks, walls, cli_times, polls = [], [], [], []
    for _ in range(repeat):
        wall, result = run_module(module_name, **module_args)
        # A healthy cluster can take a second poll (a quorum follower one no-op record behind): reported, not refused.
        assert not result.get("failed"), result
        checks.append(result["elapsed"])
        walls.append(wall)
        polls.append(result["attempts"])
    for _ in range(max(3, repeat // 2)):
        seconds, proc = cli(*cli_cmd)
        assert proc.returncode == 0, proc.stderr
        cli_times.append(seconds)
    row = {"what": label, "module_check_ms": median_ms(checks), "module_ansible_call_ms": median_ms(walls),
           "cli_ms": median_ms(cli_times), "module_polls": polls}
    row["ratio_cli_over_check"] = round(row["cli_ms"] / max(row["module_check_ms"], 0.1), 1)
    row["ratio_cli_over_ansible_call"] = round(row["cli_ms"] / row["module_ansible_call_ms"], 2)
    print("%-32s check %7.1f ms | ansible call %7.1f ms | CLI %7.1f ms | CLI/check %6.1fx | polls %s" % (
        label, row["module_check_ms"], row["module_ansible_call_ms"], row["cli_ms"], row["ratio_cli_over_check"],
        "/".join(str(p) for p in polls)), flush=True)
    return row


def back_in_every_isr(admin, broker, topics):
    """True/False, or None when this poll could not read the cluster (a request hit the stopped broker)."""
    try:
        described = admin.describe_topics(topics)
    except KafkaError:
        return None
    for t in described:
        for p in t["partitions"]:
            if broker in p["replica_nodes"] and broker not in p["isr_nodes"]:
                return False
    return True


def detection_latency(nodes, bootstrap, victim, topics, rounds):
    """Time from the broker being back in every ISR (seen by a 20 ms observer) to the waiting module returning."""
    victim_id = node_id(victim)
    live = [b for b in bootstrap if not b.startswith(address(victim) + ":")]
    admin = KafkaAdminClient(bootstrap_servers=live, request_timeout_ms=5000)
    latencies = []
    try:
        for _ in range(rounds):
            sh("docker", "exec", victim, "systemctl", "stop", "kafka")
            deadline = time.monotonic() + 60
            while back_in_every_isr(admin, victim_id, topics) is not False and time.monotonic() < deadline:
                time.sleep(0.05)
            result = {}

            def wait():
                result["wall"], result["out"] = run_module("kafka_isr_wait", bootstrap_servers=live, broker=victim_id,
                                                           topics=topics, timeout=300)
                result["returned_at"] = time.monotonic()
            waiter = threading.Thread(target=wait)
            waiter.start()
            time.sleep(1.5)  # let the module start polling before the broker comes back
            sh("docker", "exec", victim, "systemctl", "start", "kafka")
            back_at = None
            while waiter.is_alive() or back_at is None:
                if back_at is None and back_in_every_isr(admin, victim_id, topics) is True:
                    back_at = time.monotonic()
                if not waiter.is_alive() and back_at is None:
                    back_at = time.monotonic()  # module answered before the observer saw it: latency <= one poll
                time.sleep(0.02)
            waiter.join()
            assert not result["out"].get("failed"), result["out"]
            latencies.append(max(0.0, result["returned_at"] - back_at))
            print("  restart round: module returned %.3f s after the broker was back in every ISR" % latencies[-1], flush=True)
    finally:
        sh("docker", "exec", victim, "systemctl", "start", "kafka", check=False)
        admin.close()
    return {"rounds": rounds, "latency_ms": [round(x * 1000) for x in latencies], "max_latency_ms": round(max(latencies) * 1000)}


def create_partitions(admin, total, per_topic=100):
    existing = set(admin.list_topics())
    wanted = ["bench-%03d" % i for i in range(total // per_topic)]
    new = [NewTopic(t, num_partitions=per_topic, replication_factor=3, topic_configs={"min.insync.replicas": "2"})
           for t in wanted if t not in existing]
    for i in range(0, len(new), 10):
        for attempt in range(5):
            try:
                admin.create_topics(new[i:i + 10], timeout_ms=120000)
                break
            except KafkaError:
                if attempt == 4:
                    raise
                time.sleep(2)
    return wanted


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", required=True)
    ap.add_argument("--partitions", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    nodes = args.nodes.split(",")
    bootstrap = ["%s:9092" % address(n) for n in nodes]
    controllers = ["%s:9093" % address(n) for n in nodes]
    report = {"nodes": nodes}
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    if "bench-small" not in admin.list_topics():
        admin.create_topics([NewTopic("bench-small", num_partitions=12, replication_factor=3,
                                      topic_configs={"min.insync.replicas": "2"})])
    run_module("kafka_isr_wait", bootstrap_servers=bootstrap, timeout=120)

    print("== small cluster (%d partitions incl. internal)" % sum(len(t["partitions"]) for t in admin.describe_topics()))
    topics_cli = (nodes[0], "/opt/kafka/current/bin/kafka-topics.sh", "--bootstrap-server", "localhost:9092",
                  "--describe", "--under-replicated-partitions")
    quorum_cli = (nodes[0], "/opt/kafka/current/bin/kafka-metadata-quorum.sh", "--bootstrap-server", "localhost:9092",
                  "describe", "--replication")
    report["small"] = [
        compare("kafka_isr_wait vs kafka-topics", "kafka_isr_wait", {"bootstrap_servers": bootstrap}, topics_cli, args.repeat),
        compare("kafka_quorum_wait vs metadata-quorum", "kafka_quorum_wait", {"bootstrap_servers": bootstrap}, quorum_cli,
                args.repeat),
        compare("kafka_quorum_wait (controllers)", "kafka_quorum_wait", {"bootstrap_controllers": controllers}, quorum_cli,
                args.repeat),
    ]

    print("== detection latency after a broker restart")
    report["detection"] = detection_latency(nodes, bootstrap, nodes[1], ["bench-small"], rounds=3)

    print("== %d partitions" % args.partitions)
    # The restarts above moved the controller; start the large phase with a client that has not cached it.
    admin.close()
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    started = time.monotonic()
    wanted = create_partitions(admin, args.partitions)
    # CreateTopics answers before every broker's metadata has the topics; wait until they are all visible.
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        visible = sum(len(t.get("partitions") or []) for t in admin.describe_topics(wanted))
        if visible >= len(wanted) * 100:
            break
        time.sleep(1)
    _, settled = run_module("kafka_isr_wait", bootstrap_servers=bootstrap, timeout=900)
    assert not settled.get("failed"), settled
    total = sum(len(t["partitions"]) for t in admin.describe_topics())
    print("  created and fully replicated in %.0f s; cluster has %d partitions" % (time.monotonic() - started, total))
    report["large"] = {"partitions": total, "rows": [
        compare("kafka_isr_wait @%d" % total, "kafka_isr_wait", {"bootstrap_servers": bootstrap}, topics_cli, args.repeat),
        compare("kafka_isr_wait can_stop @%d" % total, "kafka_isr_wait",
                {"bootstrap_servers": bootstrap, "can_stop": node_id(nodes[2])}, topics_cli, args.repeat),
    ]}
    admin.close()
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=2)
        print("report written to %s" % args.out)


if __name__ == "__main__":
    main()
