"""kraft-dedicated side effect: a broker setting rolled a rack at a time (kafka_upgrade_batch: rack), on 3 controllers +
6 brokers in 3 racks, with the canary running through the roll."""
import json

from streamops_verify import FIGURES, RUNNER, SUMMARY_FIGURES, canary_report, hosts_of, loss_evidence
from streamops_verify import ephemeral_json as load

SUMMARIES = ["summary-rack.json"]


def rack_of(host):
    return RUNNER.get_variables(host)["kafka_broker_rack"]


def restarted(summary):
    return sorted(e["host"] for e in summary["entries"] if e.get("action") == "restarted")


def test_the_roll_restarts_every_broker_and_only_the_brokers():
    brokers = hosts_of("kafka_brokers")
    for name in SUMMARIES:
        summary = load(name)
        assert restarted(summary) == brokers, name
        # The controllers' configuration did not change: verified, not restarted.
        verified = sorted(e["host"] for e in summary["entries"] if e.get("action") == "verified")
        assert verified == hosts_of("kafka_controllers"), name


def test_rack_roll_stops_each_rack_together():
    batches = load("summary-rack.json")["batches"]
    assert len(batches) == 3, batches
    assert sorted(sorted(b["nodes"]) for b in batches) == sorted(
        sorted(h for h in hosts_of("kafka_brokers") if rack_of(h) == rack) for rack in {rack_of(h) for h in hosts_of("kafka_brokers")})
    # The brokers of a batch were down at the same time: their restart windows overlap.
    for batch in batches:
        windows = [e["restart_window"] for e in load("summary-rack.json")["entries"] if e["host"] in batch["nodes"]]
        assert max(w[0] for w in windows) < min(w[1] for w in windows), (batch, windows)


def test_the_canary_lost_no_acknowledged_record():
    report = canary_report("batch", SUMMARIES)
    FIGURES.write_text(json.dumps({"report": report, "summaries": {
        n: dict({k: load(n)[k] for k in SUMMARY_FIGURES}, batches=load(n)["batches"]) for n in SUMMARIES}}, indent=2))
    assert report["acked"] > 1000
    assert report["lost"]["count"] == 0, loss_evidence(report)
    assert report["shutdown"]["consumer_caught_up"], report["shutdown"]
