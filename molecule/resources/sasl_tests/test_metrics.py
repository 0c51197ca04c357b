"""The Prometheus JMX exporter (the metrics_exporter role) in every Kafka and ZooKeeper JVM, read from the test host as a
Prometheus server would, and what the rolls recorded of it. Both scenarios deploy without it and turn it on with their
first gated restart (summary-restart.json; the canary's zero loss through it is test_sasl.py's): sasl-kraft writes the
change with site first, sasl-zk's restart also rolls the ZooKeeper members onto it."""
import json
import os
import pathlib
import time
import urllib.request

import pytest

from streamops_verify import (EPHEMERAL, RUNNER, address_of, collection_module_utils, hosts_of, inventory_vars, run_module,
                              wait_until)

VARS = inventory_vars()
KRAFT = VARS.get("kafka_mode", "kraft") == "kraft"
# The inventory leaves it off; the side effect turns it on (the tests read this).
TURNED_ON = bool(VARS.get("verify_metrics_exporter_after"))
# The roll that turned it on; the rolls after it find it running.
ENABLING_SUMMARY = "summary-restart.json"
KAFKA_NODES = hosts_of("kafka")
BROKERS = hosts_of("kafka_brokers")
CONTROLLERS = hosts_of("kafka_controllers") if KRAFT else BROKERS  # ZooKeeper mode: one broker is the controller
MEMBERS = hosts_of("zookeeper")
KAFKA_PORT, ZOOKEEPER_PORT = 9404, 9405  # the role's defaults; the scenarios keep them
METRICS = collection_module_utils("_metrics")
URP = "kafka_server_replicamanager_underreplicatedpartitions"
# The closing note's figures: each endpoint's last scrape (bytes, seconds, samples) and what the rolls recorded.
FIGURES = pathlib.Path(os.environ.get("STREAMOPS_CACHE", ".cache")) / ("figures-%s-metrics.json" % os.environ["MOLECULE_SCENARIO_NAME"])
SCRAPES = {}


def scrape(node, port):
    """{name: [sample]} of the node's endpoint, fetched and parsed as the metrics_info module does."""
    started = time.monotonic()
    with urllib.request.urlopen("http://%s:%d/metrics" % (address_of(node), port), timeout=15) as response:
        assert response.status == 200
        body = response.read()
    seconds = time.monotonic() - started
    samples = METRICS.parse_text(body.decode())
    SCRAPES["%s:%d" % (node, port)] = {"bytes": len(body), "seconds": round(seconds, 3), "samples": len(samples)}
    out = {}
    for sample in samples:
        out.setdefault(sample["name"], []).append(sample)
    return out


def value(metrics, name):
    return sum(s["value"] for s in metrics[name])


def test_the_scenario_turns_the_exporter_on_with_its_first_restart():
    assert TURNED_ON and VARS.get("metrics_exporter_enabled") is not True, "this suite's scenarios turn metrics on in side_effect"
    assert (EPHEMERAL / ENABLING_SUMMARY).exists()


@pytest.mark.parametrize("node", BROKERS)
def test_every_broker_serves_its_key_metrics(node):
    # A healthy cluster: nothing under-replicated or under min ISR (polled briefly: the roll that just ended may still
    # be moving leadership back).
    found, metrics = wait_until(lambda: (lambda m: (value(m, URP) == 0, m))(scrape(node, KAFKA_PORT)), 60, interval=2)
    assert found, metrics[URP]
    assert value(metrics, "kafka_server_replicamanager_underminisrpartitioncount") == 0
    assert value(metrics, "kafka_server_replicamanager_partitioncount") > 0
    assert value(metrics, "kafka_server_kafkaserver_brokerstate") == 3  # RUNNING
    # Request rates and latencies by request type, ISR changes, the JVM's own metrics.
    requests = {s["labels"]["request"] for s in metrics["kafka_network_requestmetrics_requests_total"]}
    # Which types a broker has served depends on who talked to it since its last start (the gate tests restart brokers;
    # a client asks any broker for metadata), so any will do; the latency histograms exist for every type from the start.
    assert requests, "no request counted"
    assert all(set(s["labels"]) == {"request", "version"} for s in metrics["kafka_network_requestmetrics_requests_total"])
    quantiles = {s["labels"]["quantile"] for s in metrics["kafka_network_requestmetrics_totaltimems"] if s["labels"]["request"] == "Fetch"}
    assert quantiles == {"0.50", "0.99", "0.999"}
    for name in ("kafka_server_replicamanager_isrshrinks_total", "kafka_server_replicamanager_isrexpands_total",
                 "kafka_server_brokertopicmetrics_messagesin_total", "jvm_memory_used_bytes"):
        assert name in metrics, name
    assert value(metrics, "jvm_memory_used_bytes") > 0


def test_exactly_one_active_controller_and_no_offline_partition():
    scraped = {node: scrape(node, KAFKA_PORT) for node in CONTROLLERS}
    active = {node: value(m, "kafka_controller_kafkacontroller_activecontrollercount") for node, m in scraped.items()}
    assert sorted(active.values()) == [0] * (len(active) - 1) + [1], active
    leader = [node for node, count in active.items() if count == 1][0]
    assert value(scraped[leader], "kafka_controller_kafkacontroller_offlinepartitionscount") == 0
    if KRAFT:
        # Every voter sees the same quorum leader, three voters, and the active controller is that leader.
        leaders = {node: value(m, "kafka_server_raft_metrics_current_leader") for node, m in scraped.items()}
        assert len(set(leaders.values())) == 1, leaders
        assert int(list(leaders.values())[0]) == int(RUNNER.get_variables(leader)["kafka_node_id"])
        assert {value(m, "kafka_server_raft_metrics_number_of_voters") for m in scraped.values()} == {3}
        assert all("kafka_server_raft_metrics_high_watermark" in m for m in scraped.values())
    else:
        # ZooKeeper mode: no KRaft quorum anywhere.
        assert not any(name.startswith("kafka_server_raft_metrics_") for m in scraped.values() for name in m)


@pytest.mark.skipif(not MEMBERS, reason="no ZooKeeper ensemble in this scenario (KRaft)")
def test_every_zookeeper_member_serves_its_metrics():
    scraped = {node: scrape(node, ZOOKEEPER_PORT) for node in MEMBERS}
    types = {}
    for node, metrics in scraped.items():
        assert value(metrics, "zookeeper_quorumsize") == len(MEMBERS), node
        assert value(metrics, "zookeeper_inmemorydatatree_nodecount") > 10, node  # Kafka's znodes
        assert "zookeeper_avgrequestlatency" in metrics and "zookeeper_outstandingrequests" in metrics, node
        types[node] = {s["labels"]["member_type"] for s in metrics["zookeeper_numaliveconnections"]}
    assert sorted(t for member in types.values() for t in member) == ["Follower"] * (len(MEMBERS) - 1) + ["Leader"], types


def listening_addresses(node, port):
    """The IPv4 and IPv6 addresses the node listens on for port, from /proc/net/tcp{,6} (no ss or netstat needed)."""
    text = RUNNER.get_host(node).run("cat /proc/net/tcp /proc/net/tcp6").stdout
    out = set()
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 4 or ":" not in fields[1] or fields[3] != "0A":  # 0A: LISTEN
            continue
        address, hexport = fields[1].rsplit(":", 1)
        if int(hexport, 16) != port:
            continue
        if len(address) == 8:
            out.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
        else:
            out.add("ipv6:" + address)
    return out


@pytest.mark.parametrize("node", sorted(set(KAFKA_NODES) | set(MEMBERS)))
def test_the_endpoints_listen_on_the_node_address_alone(node):
    ports = ([KAFKA_PORT] if node in KAFKA_NODES else []) + ([ZOOKEEPER_PORT] if node in MEMBERS else [])
    for port in ports:
        assert listening_addresses(node, port) == {address_of(node)}, (node, port)


@pytest.mark.skipif(not (EPHEMERAL / "before-site.json").exists(), reason="sasl-kraft writes the change with site first, sasl-zk not")
def test_site_wrote_the_change_and_restarted_no_node():
    before, after = (json.loads((EPHEMERAL / name).read_text()) for name in ("before-site.json", "after-site.json"))
    assert sorted(before) == sorted(after) == KAFKA_NODES
    for node in KAFKA_NODES:
        assert (after[node]["pid"], after[node]["started"]) == (before[node]["pid"], before[node]["started"]), node
        assert int(after[node]["pid"]) > 0
        properties = "/etc/kafka/server.properties"
        assert after[node]["files"][properties]["checksum"] != before[node]["files"][properties]["checksum"], node


def test_the_metrics_info_module_reads_an_endpoint_and_says_what_is_missing():
    node = BROKERS[0]
    url = "http://%s:%d/metrics" % (address_of(node), KAFKA_PORT)
    result = run_module("metrics_info", secure=False, url=url, names=[URP, "kafka_no_such_metric"])
    assert result.get("failed") is not True, result
    assert result["available"] is True and result["changed"] is False
    assert result["values"] == {URP: 0.0} and result["missing"] == ["kafka_no_such_metric"]
    assert result["samples"][URP] == [{"labels": {}, "value": 0.0}]
    # Nothing listens on the ZooKeeper exporter's port of a KRaft node, or on a port no process uses: with required
    # false that is an answer, not a failure.
    closed = run_module("metrics_info", secure=False, url="http://%s:1/metrics" % address_of(node), required=False, timeout=2)
    assert closed.get("failed") is not True and closed["available"] is False and "refused" in closed["error"].lower(), closed


def summary_entries(name):
    return json.loads((EPHEMERAL / name).read_text())["entries"]


def test_the_rolls_recorded_each_restarted_node_metrics():
    names = sorted(p.name for p in EPHEMERAL.glob("summary-*.json"))
    assert ENABLING_SUMMARY in names and len(names) >= 1
    recorded = []
    for name in names:
        entries = [e for e in summary_entries(name) if e.get("action") == "restarted" and e.get("phase") != "zookeeper"]
        assert entries, "no restarted Kafka node in %s" % name
        for entry in entries:
            after = entry["metrics"]["after"]
            assert after is not None, entry
            if entry["host"] in CONTROLLERS:  # a KRaft broker-only process has no controller metrics
                assert after["kafka_controller_kafkacontroller_activecontrollercount"] in (0.0, 1.0), entry
            if entry["host"] in BROKERS:
                assert after[URP] == 0.0 and after["kafka_server_replicamanager_partitioncount"] > 0, entry
            if name == ENABLING_SUMMARY:
                # The roll that turned the exporter on: nothing to read before, and the JVM's command line is why it restarted.
                assert entry["metrics"]["before"] is None, entry
                assert any("kafka.env" in reason for reason in entry["reasons"]), entry["reasons"]
            else:
                assert entry["metrics"]["before"] is not None, entry
                assert entry["metrics"]["before"]["kafka_server_replicamanager_leadercount"] >= 0, entry
            recorded.append(dict({k: entry.get(k) for k in ("host", "phase", "restart_window", "metrics")}, summary=name))
    FIGURES.write_text(json.dumps({"scrapes": SCRAPES, "rolls": recorded}, indent=2, sort_keys=True))


@pytest.mark.skipif(not MEMBERS, reason="no ZooKeeper ensemble in this scenario (KRaft)")
def test_the_restart_rolled_the_ensemble_onto_the_exporter_and_later_rolls_only_verified_it():
    for name in sorted(p.name for p in EPHEMERAL.glob("summary-*.json")):
        members = dict((e["host"], e) for e in summary_entries(name) if e.get("phase") == "zookeeper")
        assert sorted(members) == MEMBERS, (name, sorted(members))
        if name == ENABLING_SUMMARY:
            # Every member restarted for its unit (the agent on its command line), one at a time, the leader last.
            for entry in members.values():
                assert entry["action"] == "restarted" and any("zookeeper.service" in r for r in entry["reasons"]), entry
            windows = sorted((e["restart_window"][0], e["ended_at"], e["host"]) for e in members.values())
            assert all(a[1] <= b[0] for a, b in zip(windows, windows[1:])), windows
        else:
            assert {e["action"] for e in members.values()} == {"verified"}, (name, members)
