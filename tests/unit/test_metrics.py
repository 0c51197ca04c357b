"""The Prometheus JMX exporter: the collection's rules against MBean attributes as the agent presents them, the
configuration and settings checks, the text-format reader, and the metrics_info module against a fake endpoint on
127.0.0.1. The names the rules must produce were read from a real Kafka 4.3.1 node and ZooKeeper 3.8.4 ensemble
running the agent 1.0.1; the scenarios sasl-zk and sasl-kraft read them from real clusters."""
import http.server
import json
import re
import threading

import pytest
import yaml
from conftest import REPO, module_result
from ansible_collections.streamops.kafka.plugins.filter import metrics as metrics_filters
from ansible_collections.streamops.kafka.plugins.module_utils import _metrics
from ansible_collections.streamops.kafka.plugins.modules import metrics_info

FILES = REPO / "roles" / "metrics_exporter" / "files"
KAFKA = yaml.safe_load((FILES / "kafka.yml").read_text())
ZOOKEEPER = yaml.safe_load((FILES / "zookeeper.yml").read_text())


def exported(config, attribute):
    """(name, labels, type) the agent gives an attribute "domain<key=value, ...><>attr: value", or None: the first rule
    whose pattern matches anywhere in it (the agent wraps each pattern in ^.*(?:...).*$), its $n replaced, the name
    made safe (runs of other characters to one _) and lowercased, a counter's name ending in _total."""
    for rule in config["rules"]:
        match = re.match(r"^.*(?:%s).*$" % rule["pattern"], attribute)
        if not match:
            continue

        def fill(text):
            return re.sub(r"\$(\d+)", lambda m: match.group(int(m.group(1))) or "", str(text))
        name = re.sub(r"[^a-zA-Z0-9:_]+", "_", fill(rule["name"]))
        name = re.sub(r"_+", "_", name.lower() if config.get("lowercaseOutputName") else name)
        if rule.get("type") == "COUNTER" and not name.endswith("_total"):
            name += "_total"
        labels = {fill(k).lower(): fill(v) for k, v in (rule.get("labels") or {}).items()}
        return name, labels, rule.get("type", "UNTYPED")
    return None


@pytest.mark.parametrize("attribute, name, labels", [
    ("kafka.server<type=ReplicaManager, name=UnderReplicatedPartitions><>Value: 0",
     "kafka_server_replicamanager_underreplicatedpartitions", {}),
    ("kafka.server<type=ReplicaManager, name=UnderMinIsrPartitionCount><>Value: 0",
     "kafka_server_replicamanager_underminisrpartitioncount", {}),
    ("kafka.server<type=ReplicaManager, name=IsrShrinksPerSec><>Count: 4", "kafka_server_replicamanager_isrshrinks_total", {}),
    ("kafka.controller<type=KafkaController, name=ActiveControllerCount><>Value: 1",
     "kafka_controller_kafkacontroller_activecontrollercount", {}),
    ("kafka.controller<type=KafkaController, name=OfflinePartitionsCount><>Value: 0",
     "kafka_controller_kafkacontroller_offlinepartitionscount", {}),
    ("kafka.controller<type=KafkaController, name=ZkMigrationState><>Value: 1", "kafka_controller_kafkacontroller_zkmigrationstate", {}),
    ("kafka.network<type=RequestMetrics, name=RequestsPerSec, request=Produce, version=11><>Count: 7",
     "kafka_network_requestmetrics_requests_total", {"request": "Produce", "version": "11"}),
    ("kafka.network<type=RequestMetrics, name=TotalTimeMs, request=Fetch><>99thPercentile: 501.0",
     "kafka_network_requestmetrics_totaltimems", {"request": "Fetch", "quantile": "0.99"}),
    ("kafka.network<type=RequestMetrics, name=TotalTimeMs, request=Fetch><>999thPercentile: 501.0",
     "kafka_network_requestmetrics_totaltimems", {"request": "Fetch", "quantile": "0.999"}),
    ("kafka.server<type=BrokerTopicMetrics, name=MessagesInPerSec, topic=orders><>Count: 3",
     "kafka_server_brokertopicmetrics_messagesin_total", {"topic": "orders"}),
    ("kafka.server<type=raft-metrics><>current-leader: 1.0", "kafka_server_raft_metrics_current_leader", {}),
    ("kafka.server<type=raft-metrics><>high-watermark: 812.0", "kafka_server_raft_metrics_high_watermark", {}),
    ("kafka.server<type=KafkaRequestHandlerPool, name=RequestHandlerAvgIdlePercent><>OneMinuteRate: 0.98",
     "kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent", {}),
    ("kafka.log<type=LogFlushStats, name=LogFlushRateAndTimeMs><>Count: 9", "kafka_log_logflushstats_logflushrateandtimems_events_total", {}),
    ("kafka.log<type=LogFlushStats, name=LogFlushRateAndTimeMs><>99thPercentile: 3.0",
     "kafka_log_logflushstats_logflushrateandtimems", {"quantile": "0.99"}),
])
def test_the_kafka_rules_name_the_key_metrics(attribute, name, labels):
    assert exported(KAFKA, attribute)[:2] == (name, labels)


@pytest.mark.parametrize("attribute, name, labels", [
    ("org.apache.ZooKeeperService<name0=ReplicatedServer_id2><>QuorumSize: 3", "zookeeper_quorumsize", {}),
    ("org.apache.ZooKeeperService<name0=ReplicatedServer_id2, name1=replica.2, name2=Leader><>OutstandingRequests: 0",
     "zookeeper_outstandingrequests", {"replica_id": "2", "member_type": "Leader"}),
    ("org.apache.ZooKeeperService<name0=ReplicatedServer_id1, name1=replica.1, name2=Follower><>AvgRequestLatency: 0.5",
     "zookeeper_avgrequestlatency", {"replica_id": "1", "member_type": "Follower"}),
    ("org.apache.ZooKeeperService<name0=ReplicatedServer_id1, name1=replica.1, name2=Follower, name3=InMemoryDataTree><>NodeCount: 31",
     "zookeeper_inmemorydatatree_nodecount", {"replica_id": "1", "member_type": "Follower"}),
    ("org.apache.ZooKeeperService<name0=StandaloneServer_port2181><>NumAliveConnections: 2", "zookeeper_numaliveconnections", {}),
])
def test_the_zookeeper_rules_name_the_key_metrics(attribute, name, labels):
    assert exported(ZOOKEEPER, attribute)[:2] == (name, labels)


def test_the_rules_read_only_bounded_beans():
    # No per-partition log beans (their number grows with the partitions) and no per-connection ZooKeeper beans.
    assert not any(n.startswith("kafka.log:type=Log,") for n in KAFKA["includeObjectNames"])
    assert "org.apache.ZooKeeperService:name3=Connections,*" in ZOOKEEPER["excludeObjectNames"]
    for config in (KAFKA, ZOOKEEPER):
        assert config["lowercaseOutputName"] is True
        assert _metrics.exporter_problems("h", dict(enabled=True, version="1.0.1", extra_rules=config["rules"])) == []


def test_the_dashboard_reads_only_metrics_the_rules_or_the_agent_export():
    dashboard = json.loads((FILES / "grafana" / "kafka-overview.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    names = set(n for e in exprs for n in re.findall(r"\b((?:kafka|zookeeper|jvm)_[a-z0-9_]+)\b", e))
    # Each is what a rule gives for the attribute it comes from, or the agent's own JVM metric.
    attributes = [
        "kafka.server<type=ReplicaManager, name=UnderReplicatedPartitions><>Value: 0",
        "kafka.server<type=ReplicaManager, name=UnderMinIsrPartitionCount><>Value: 0",
        "kafka.controller<type=KafkaController, name=OfflinePartitionsCount><>Value: 0",
        "kafka.controller<type=KafkaController, name=ActiveControllerCount><>Value: 1",
        "kafka.network<type=RequestMetrics, name=RequestsPerSec, request=Produce, version=11><>Count: 7",
        "kafka.network<type=RequestMetrics, name=TotalTimeMs, request=Produce><>99thPercentile: 3.0",
        "kafka.server<type=ReplicaManager, name=IsrShrinksPerSec><>Count: 0",
        "kafka.server<type=ReplicaManager, name=IsrExpandsPerSec><>Count: 0",
        "kafka.server<type=BrokerTopicMetrics, name=MessagesInPerSec><>Count: 3",
        "kafka.server<type=raft-metrics><>high-watermark: 812.0",
        "kafka.server<type=raft-metrics><>commit-latency-avg: 2.0",
        "kafka.controller<type=KafkaController, name=ZkMigrationState><>Value: 1",
    ]
    zookeeper = [
        "org.apache.ZooKeeperService<name0=ReplicatedServer_id1, name1=replica.1, name2=Leader><>OutstandingRequests: 0",
        "org.apache.ZooKeeperService<name0=ReplicatedServer_id1, name1=replica.1, name2=Leader><>AvgRequestLatency: 0.5",
    ]
    produced = ({exported(KAFKA, a)[0] for a in attributes} | {exported(ZOOKEEPER, a)[0] for a in zookeeper}
                | {"jvm_memory_used_bytes"})
    assert names == produced
    assert len(dashboard["panels"]) == len(exprs) == 14 and dashboard["uid"] == "streamops-kafka"


def test_config_puts_the_extra_rules_first_and_keeps_the_rest():
    extra = [{"pattern": "kafka.server<type=Mine><>Value", "name": "mine"}]
    config = _metrics.exporter_config(KAFKA, extra)
    assert config["rules"][0] == extra[0] and config["rules"][1:] == KAFKA["rules"]
    assert config["includeObjectNames"] == KAFKA["includeObjectNames"] and KAFKA["rules"][0] != extra[0]
    assert exported(config, "kafka.server<type=Mine><>Value: 1")[0] == "mine"
    assert metrics_filters.FilterModule().filters()["metrics_exporter_config"](KAFKA, None)["rules"] == KAFKA["rules"]


GOOD = dict(enabled=True, version="1.0.1", checksum="", pinned=True, src="", kafka_port=9404, zookeeper_port=9405,
            extra_rules=[], runs_kafka=True, runs_zookeeper=True,
            used_ports=dict(kafka_broker_port=9092, kafka_controller_port=9093, zookeeper_client_port=2181))


def problems(**changes):
    return _metrics.exporter_problems("node1", dict(GOOD, **changes))


def test_good_and_disabled_settings_pass():
    assert problems() == []
    assert problems(checksum="sha256:" + "a" * 64) == [] and problems(checksum="sha1:https://repo/x.jar.sha1") == []
    assert problems(enabled=False, kafka_port="nope", version="x") == []


@pytest.mark.parametrize("changes, expected", [
    (dict(version="1.0"), "metrics_exporter_version must be a release number like 1.0.1, got '1.0'."),
    (dict(checksum="7d61f737"), "metrics_exporter_checksum must be <algorithm>:<hex digest>"),
    (dict(checksum="sha256:abcd"), "metrics_exporter_checksum is not a sha256 digest (64 hex digits expected, got 4)."),
    (dict(src="/tmp/agent.jar", pinned=False), "there is no checksum to verify it by for version 1.0.1"),
    (dict(kafka_port=70000), "metrics_exporter_kafka_port must be a port number (1-65535), got 70000."),
    (dict(zookeeper_port="x"), "metrics_exporter_zookeeper_port must be a port number (1-65535), got 'x'."),
    (dict(zookeeper_port=9404), "metrics_exporter_kafka_port and metrics_exporter_zookeeper_port are both 9404"),
    (dict(kafka_port=9092), "metrics_exporter_kafka_port 9092 is already kafka_broker_port on this host"),
    (dict(zookeeper_port=2181), "metrics_exporter_zookeeper_port 2181 is already zookeeper_client_port on this host"),
    (dict(extra_rules="kafka.*"), "metrics_exporter_extra_rules must be a list of rules"),
    (dict(extra_rules=[{"name": "x"}]), "metrics_exporter_extra_rules[0] needs a pattern"),
    (dict(extra_rules=[{"pattern": "a", "nmae": "x"}]), "metrics_exporter_extra_rules[0] has keys the exporter does not know: nmae"),
    (dict(extra_rules=[{"pattern": "a", "type": "SUMMARY"}]), "metrics_exporter_extra_rules[0] type must be one of GAUGE, COUNTER, UNTYPED"),
    (dict(extra_rules=[{"pattern": "a("}]), "metrics_exporter_extra_rules[0] pattern is not a regular expression"),
])
def test_each_bad_setting_is_refused_with_its_name(changes, expected):
    found = problems(**changes)
    assert len(found) == 1 and found[0].startswith("node1: ") and expected in found[0], found


def test_ports_count_only_for_the_processes_the_host_runs():
    # A Kafka-only host may give ZooKeeper's exporter port anything; a broker-only host checks the Kafka port alone.
    assert problems(runs_zookeeper=False, zookeeper_port=9404) == []
    assert problems(runs_kafka=False, kafka_port=2181) == []


def getent(kind, address, rc=0, stdout=""):
    return {"item": {"key": kind, "value": address}, "rc": rc, "stdout": stdout}


def test_the_endpoints_must_be_reachable_from_other_hosts():
    here = "10.1.2.3        STREAM broker1\n10.1.2.3        DGRAM  \n10.1.2.3        RAW    \n"
    debian = "127.0.1.1       STREAM broker1\n127.0.1.1       DGRAM  \n"
    assert _metrics.resolved_binds([getent("kafka", "broker1", stdout=here), {"item": {"key": "zookeeper"}, "skipped": True}]) == [
        ("kafka", "broker1", ["10.1.2.3"])]
    assert problems(resolved=[getent("kafka", "broker1", stdout=here), getent("zookeeper", "0.0.0.0", stdout="0.0.0.0 STREAM\n")]) == []
    # Asked for on purpose: loopback by name.
    assert problems(resolved=[getent("kafka", "localhost", stdout="127.0.0.1 STREAM localhost\n")]) == []
    found = problems(resolved=[getent("kafka", "broker1", stdout=debian), getent("zookeeper", "zk-typo", rc=2)])
    assert found == [
        "node1: the kafka exporter would listen on broker1, which resolves on this host only to 127.0.1.1, so no Prometheus server "
        "could reach it; set metrics_exporter_bind_host (empty: kafka_advertised_host) to the address it should listen on, or 0.0.0.0 "
        "for every interface.",
        "node1: the zookeeper exporter would listen on zk-typo, which does not resolve on this host; set metrics_exporter_bind_host "
        "(empty: zookeeper_client_host) to an address of the host, or 0.0.0.0 for every interface."]


TEXT = r'''# HELP jvm_memory_used_bytes Used bytes of a given JVM memory area.
# TYPE jvm_memory_used_bytes gauge
jvm_memory_used_bytes{area="heap"} 1.8078468E8
jvm_memory_used_bytes{area="nonheap"} 6.3011544E7
kafka_server_replicamanager_underreplicatedpartitions 0.0
kafka_network_requestmetrics_requests_total{request="Produce",version="11",} 7.0
kafka_network_requestmetrics_requests_total{request="Fetch",version="17",} 5.0 1700000000000
odd_labels{path="a \"quoted\" \\ back\nslash",x="",} NaN
limits{kind="max"} +Inf
'''


def test_the_text_format_reader():
    samples = _metrics.parse_text(TEXT)
    assert [s["name"] for s in samples] == ["jvm_memory_used_bytes"] * 2 + [
        "kafka_server_replicamanager_underreplicatedpartitions"] + ["kafka_network_requestmetrics_requests_total"] * 2 + [
        "odd_labels", "limits"]
    assert samples[0] == {"name": "jvm_memory_used_bytes", "labels": {"area": "heap"}, "value": 180784680.0}
    assert samples[4]["labels"] == {"request": "Fetch", "version": "17"} and samples[4]["value"] == 5.0
    assert samples[5]["labels"] == {"path": 'a "quoted" \\ back\nslash', "x": ""}
    assert samples[6]["value"] == float("inf")


@pytest.mark.parametrize("text, line", [("ok 1\nnot a sample line at all\n", 2), ('bad{label=unquoted} 1\n', 1), ("x{} one\n", 1)])
def test_the_reader_names_the_line_it_cannot_read(text, line):
    with pytest.raises(ValueError, match="line %d" % line):
        _metrics.parse_text(text)


def test_summarize_sums_over_labels_and_names_what_is_missing():
    samples = _metrics.parse_text(TEXT)
    values, series, missing = _metrics.summarize(samples, ["kafka_network_requestmetrics_requests_total", "odd_labels", "absent"])
    assert values == {"kafka_network_requestmetrics_requests_total": 12.0}  # NaN is left out of a sum
    assert series["odd_labels"][0]["value"] == "nan" and len(series["kafka_network_requestmetrics_requests_total"]) == 2
    assert missing == ["absent"]
    every, _, none_missing = _metrics.summarize(samples)
    assert every["jvm_memory_used_bytes"] == 180784680.0 + 63011544.0 and every["limits"] == "inf" and none_missing == []


def test_read_endpoint_retries_until_it_answers_only_when_told_to_wait():
    calls = []

    def opener(url, seconds):
        calls.append(seconds)
        if len(calls) < 3:
            raise ConnectionRefusedError("[Errno 111] Connection refused")
        return "up 1\n"
    slept = []
    text, error, _, attempts = _metrics.read_endpoint("http://x/metrics", 30, True, opener, sleep=slept.append)
    assert (text, error, attempts, slept) == ("up 1\n", "", 3, [1.0, 1.0])
    calls[:] = []
    text, error, _, attempts = _metrics.read_endpoint("http://x/metrics", 30, False, opener, sleep=slept.append)
    assert text is None and attempts == 1 and error == "ConnectionRefusedError: [Errno 111] Connection refused"


class Endpoint(http.server.BaseHTTPRequestHandler):
    body = TEXT

    def do_GET(self):  # noqa: N802 (the http.server name)
        payload = self.body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d/metrics" % server.server_address[1]
    server.shutdown()
    server.server_close()


def run_module(capsys, **args):
    return module_result(metrics_info.main, capsys, **args)


def test_module_reads_the_names_asked_for(endpoint, capsys):
    result = run_module(capsys, url=endpoint, names=["kafka_server_replicamanager_underreplicatedpartitions", "nope"],
                        _ansible_check_mode=True)
    assert result["available"] is True and result["changed"] is False and result["attempts"] == 1
    assert result["values"] == {"kafka_server_replicamanager_underreplicatedpartitions": 0.0} and result["missing"] == ["nope"]


def test_module_fails_or_reports_an_endpoint_that_does_not_answer(endpoint, capsys):
    closed = endpoint.rsplit(":", 1)[0] + ":1/metrics"
    failed = run_module(capsys, url=closed, timeout=1)
    assert failed["failed"] is True and failed["msg"].startswith("Could not read %s after " % closed) and failed["available"] is False
    reported = run_module(capsys, url=closed, timeout=1, required=False)
    assert reported.get("failed") is not True and reported["available"] is False and "refused" in reported["error"].lower()


def test_module_refuses_what_is_not_the_text_format(endpoint, capsys, monkeypatch):
    monkeypatch.setattr(Endpoint, "body", "<html>login</html>\n")
    result = run_module(capsys, url=endpoint, required=False)
    assert result["available"] is False and "does not serve the Prometheus text format: line 1" in result["error"]
