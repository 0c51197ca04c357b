"""What the kraft scenario's side_effect did with streamops.kafka.controllers: the static quorum it was deployed with
became a dynamic one (kraft.version raised first, then every node rolled onto controller.quorum.bootstrap.servers; the
--check run before it said so and changed nothing); then two controllers joined it one at a time, each only once caught
up (lag 0 when added), and left again, stopped and cleaned; they came back, one of them stalled right after its start
so that the gate had to wait, and left again; the canary lost nothing. The figures go to
$STREAMOPS_CACHE/figures-<scenario>.json."""
import json

from streamops_verify import EPHEMERAL, FIGURES, RUNNER, canary_report, ephemeral_json, loss_evidence


def _keep(**figures):
    kept = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    kept.update(figures)
    FIGURES.write_text(json.dumps(kept, indent=2))


def test_the_static_quorum_was_converted_kraft_version_first():
    plan = (EPHEMERAL / "quorum-convert-check.log").read_text()
    convert = ephemeral_json("quorum-convert.json")
    roll = ephemeral_json("summary-convert.json")["entries"]
    _keep(convert=convert, convert_roll=roll)
    # The --check run showed the conversion as irreversible and changed nothing: the run after it found kraft.version 0.
    assert "raise kraft.version 0 -> 1" in plan and "IRREVERSIBLE: a dynamic quorum cannot be made static again" in plan, plan
    conversion = convert["conversion"]
    assert (conversion["kraft_version_before"], conversion["kraft_version_after"], conversion["raised"]) == (0, 1, True), convert
    assert (convert["voters_before"], convert["voters_after"], convert["changes"]) == ([1, 2, 3], [1, 2, 3], []), convert
    # Right after the raise the quorum knew every voter by the directory of its format (a static quorum reports none).
    assert sorted(int(i) for i in conversion["voters"]) == [1, 2, 3], conversion
    assert "AAAAAAAAAAAAAAAAAAAAAA" not in conversion["voters"].values(), conversion
    # Then every node restarted once, for its server.properties.
    restarted = [e for e in roll if e.get("action") == "restarted"]
    assert sorted(e["host"] for e in restarted) == ["kraft-node1", "kraft-node2", "kraft-node3"], roll
    for entry in restarted:
        assert any("server.properties" in reason for reason in entry["reasons"]), entry


def test_two_controllers_joined_one_at_a_time_each_caught_up():
    grow = ephemeral_json("quorum-grow.json")
    _keep(grow=grow)
    assert (grow["voters_before"], grow["voters_after"]) == ([1, 2, 3], [1, 2, 3, 4, 5])
    changes = grow["changes"]
    assert [(c["node_id"], c["change"], c["changed"]) for c in changes] == [(4, "join", True), (5, "join", True)], changes
    # Each was a voter before the next one started.
    assert [c["voters_after"] for c in changes] == [[1, 2, 3, 4], [1, 2, 3, 4, 5]], changes
    assert [c["lag_when_added"] for c in changes] == [0, 0], changes


def test_they_left_one_at_a_time_and_were_cleaned():
    shrink = ephemeral_json("quorum-shrink.json")
    _keep(shrink=shrink)
    assert (shrink["voters_before"], shrink["voters_after"]) == ([1, 2, 3, 4, 5], [1, 2, 3])
    changes = shrink["changes"]
    assert [(c["node_id"], c["change"], c["changed"]) for c in changes] == [(4, "leave", True), (5, "leave", True)], changes
    assert [c["voters_after"] for c in changes] == [[1, 2, 3, 5], [1, 2, 3]], changes
    for name in ("kraft-node4", "kraft-node5"):
        host = RUNNER.get_host(name)
        assert not host.service("kafka").is_running and not host.service("kafka").is_enabled, name
        assert not host.file("/var/lib/kafka/data").exists, name


def test_the_canary_lost_nothing():
    report = canary_report("scale", [], windows=[])
    _keep(canary=report)
    assert report["acked"] > 100
    assert report["lost"]["count"] == 0, loss_evidence(report)


def test_a_joining_controller_that_lags_is_waited_for():
    # kraft-node4 came back and was stopped for 8 s right after its listener accepted: the gate saw it lag and waited;
    # it was added only once caught up again.
    regrow = ephemeral_json("quorum-regrow.json")
    shrink = ephemeral_json("quorum-shrink-again.json")
    stall = (EPHEMERAL / "quorum-stall.log").read_text()
    _keep(regrow=regrow, shrink_again=shrink, stall=stall)
    assert "stopped" in stall and "continued" in stall, stall
    assert (regrow["voters_before"], regrow["voters_after"]) == ([1, 2, 3], [1, 2, 3, 4, 5])
    node4, node5 = regrow["changes"]
    assert (node4["node_id"], node4["changed"], node5["node_id"], node5["changed"]) == (4, True, 5, True), regrow
    # Stopped, it cannot catch up, so the gate cannot open before it continues (about 6 s after the gate's first read).
    # The gate's reads are not the measure: one read may itself wait on the stopped node's listener for seconds (seen:
    # 1 read of 6.6 s, where other runs made 34).
    assert node4["gate_wait_s"] >= 2, node4
    assert (node4["lag_when_added"], node5["lag_when_added"]) == (0, 0), regrow
    assert (shrink["voters_before"], shrink["voters_after"]) == ([1, 2, 3, 4, 5], [1, 2, 3]), shrink
