"""zookeeper_wait: 4lw parsing and ensemble rules on answers captured from a real 3.8.4 ensemble, then the
module itself against small fake ZooKeeper members on 127.0.0.1."""
import json
import socket
import socketserver
import threading

import pytest
from conftest import module_result  # (conftest also puts the working tree on the import path)
from ansible_collections.streamops.kafka.plugins.module_utils import _zookeeper as zk
from ansible_collections.streamops.kafka.plugins.modules import zookeeper_wait

# Answers of a 3-member ZooKeeper 3.8.4 ensemble (assembled by tests/testbed/zookeeper-dist.sh) on loopback.
VERSION_LINE = "Zookeeper version: 3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC\n"
SRVR_LEADER = VERSION_LINE + """Latency min/avg/max: 0/0.0/0
Received: 3
Sent: 2
Connections: 1
Outstanding: 0
Zxid: 0x100000000
Mode: leader
Node count: 5
Proposal sizes last/min/max: -1/-1/-1
"""
SRVR_FOLLOWER = VERSION_LINE + """Latency min/avg/max: 0/0.0/0
Received: 3
Sent: 2
Connections: 1
Outstanding: 0
Zxid: 0x0
Mode: follower
Node count: 5
"""
# The leader's mntr, cut after the lines that matter here (the real answer has about 400).
MNTR_LEADER = """zk_version\t3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC
zk_server_state\tleader
zk_peer_state\tleading - broadcast
zk_ephemerals_count\t0
zk_num_alive_connections\t1
zk_avg_latency\t0.0
zk_min_proposal_size\t-1
zk_outstanding_requests\t0
zk_znode_count\t5
zk_synced_followers\t2
zk_connection_drop_probability\t0.0
zk_synced_non_voting_followers\t0
zk_synced_observers\t0
zk_pending_syncs\t0
zk_leader_uptime\t8435
zk_learners\t2
zk_quorum_size\t3
"""
MNTR_FOLLOWER = """zk_version\t3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC
zk_server_state\tfollower
zk_peer_state\tfollowing - broadcast
zk_ephemerals_count\t0
"""
# What the last member answers once the other two are gone, and what an un-whitelisted word gets.
NOT_SERVING = "This ZooKeeper instance is not currently serving requests\n"
NOT_WHITELISTED = "stat is not executed because it is not in the whitelist.\n"

A, B, C = "10.0.0.1:2181", "10.0.0.2:2181", "10.0.0.3:2181"


# --- parsing -----------------------------------------------------------------------------------

def test_srvr_of_a_leader_and_a_follower():
    leader = zk.parse_srvr(SRVR_LEADER)
    assert leader["mode"] == "leader" and leader["zxid"] == "0x100000000" and leader["node_count"] == 5
    assert leader["version"] == "3.8.4" and leader["version_full"].startswith("3.8.4-9316c2a7")
    assert leader["latency_min_avg_max"] == "0/0.0/0" and "message" not in leader
    follower = zk.parse_srvr(SRVR_FOLLOWER)
    assert follower["mode"] == "follower" and follower["zxid"] == "0x0"


def test_srvr_of_a_member_that_is_not_serving_has_no_mode():
    info = zk.parse_srvr(NOT_SERVING)
    assert "mode" not in info and info["message"] == NOT_SERVING.strip()


def test_mntr_values_become_numbers():
    m = zk.parse_mntr(MNTR_LEADER)
    assert m["zk_server_state"] == "leader" and m["zk_peer_state"] == "leading - broadcast"
    assert m["zk_synced_followers"] == 2 and m["zk_avg_latency"] == 0.0 and m["zk_min_proposal_size"] == -1
    assert m["zk_version"].startswith("3.8.4-")
    assert zk.synced_followers(m) == 2
    assert zk.synced_followers(zk.parse_mntr(MNTR_FOLLOWER)) is None
    assert zk.parse_mntr(NOT_SERVING) == {}


def test_followers_count_stands_in_when_synced_followers_is_missing():
    assert zk.synced_followers({"zk_followers": 2}) == 2
    assert zk.synced_followers({"zk_followers": 2, "zk_synced_followers": 1}) == 1


@pytest.mark.parametrize("text, address", [
    ("zk1.example.com:2181", ("zk1.example.com", 2181)), ("127.0.0.1:21811", ("127.0.0.1", 21811)),
    ("[::1]:2181", ("::1", 2181)), (" zk1:2181 ", ("zk1", 2181)),
])
def test_addresses(text, address):
    assert zk.split_address(text) == address


@pytest.mark.parametrize("text", ["zk1", "zk1:", ":2181", "zk1:port", "zk1:0", "zk1:70000"])
def test_bad_addresses_are_named(text):
    with pytest.raises(ValueError, match="is not host:port"):
        zk.split_address(text)


# --- ensemble rules ----------------------------------------------------------------------------

def member(server, srvr=SRVR_FOLLOWER, ruok="imok", error=None, members=3):
    return zk.server_state(server, ruok=ruok, srvr=srvr, error=error, members=members)


def down(server, members=3):
    return zk.server_state(server, error="no answer to ruok: [Errno 111] Connection refused", members=members)


def test_healthy_ensemble_has_no_problems():
    states = [member(A), member(B), member(C, SRVR_LEADER)]
    assert states[2] == {"server": C, "ok": True, "mode": "leader", "zxid": "0x100000000", "version": "3.8.4", "error": None}
    assert zk.ensemble_problems(states, 3, synced=2) == []
    assert zk.leaders(states) == [C]


def test_no_leader():
    states = [member(A), member(B), member(C, NOT_SERVING)]
    assert zk.ensemble_problems(states, 3) == [
        "10.0.0.3:2181: srvr: This ZooKeeper instance is not currently serving requests",
        "no leader among 3 members"]


def test_two_leaders():
    states = [member(A, SRVR_LEADER), member(B), member(C, SRVR_LEADER)]
    assert zk.ensemble_problems(states, 3, synced=2) == ["2 members claim to lead: 10.0.0.1:2181, 10.0.0.3:2181"]


def test_a_member_down():
    states = [down(A), member(B), member(C, SRVR_LEADER)]
    assert states[0]["ok"] is False and states[0]["mode"] is None
    assert zk.ensemble_problems(states, 3, synced=1) == [
        "10.0.0.1:2181: no answer to ruok: [Errno 111] Connection refused",
        "leader 10.0.0.3:2181 has 1 synced followers, 2 expected"]


def test_a_follower_not_synced_yet():
    states = [member(A), member(B), member(C, SRVR_LEADER)]
    assert zk.ensemble_problems(states, 3, synced=1) == ["leader 10.0.0.3:2181 has 1 synced followers, 2 expected"]


def test_leader_without_follower_counts_is_a_problem():
    states = [member(A), member(B), member(C, SRVR_LEADER)]
    assert zk.ensemble_problems(states, 3, synced=None, mntr_error=NOT_WHITELISTED.strip().replace("stat", "mntr")) == [
        "leader 10.0.0.3:2181 did not report zk_synced_followers or zk_followers in mntr"
        " (mntr is not executed because it is not in the whitelist.)"]


def test_ruok_must_be_imok():
    s = member(A, ruok="ruok is not executed because it is not in the whitelist.\n")
    assert not s["ok"] and s["error"] == "answered ruok with 'ruok is not executed because it is not in the whitelist.', not imok"


def test_standalone_only_for_a_single_member():
    standalone = SRVR_FOLLOWER.replace("Mode: follower", "Mode: standalone")
    alone = [member(A, standalone, members=1)]
    assert alone[0]["ok"] and zk.ensemble_problems(alone, 1) == []
    states = [member(A, standalone), member(B), member(C, SRVR_LEADER)]
    assert zk.ensemble_problems(states, 3, synced=2) == ["10.0.0.1:2181: mode is standalone, not leader or follower"]


def test_can_stop_when_the_others_keep_a_majority():
    states = [member(A), member(B), member(C, SRVR_LEADER)]
    assert zk.stop_blockers(states, C, 3) == []


def test_can_stop_refused_when_another_member_is_already_down():
    states = [down(A), member(B), member(C, SRVR_LEADER)]
    assert zk.stop_blockers(states, C, 3) == [
        "stopping 10.0.0.3:2181 would leave 1 of 3 members serving (10.0.0.2:2181); a quorum needs 2"]
    # Stopping the member that is down anyway costs nothing.
    assert zk.stop_blockers(states, A, 3) == []


def test_can_stop_refused_for_a_single_member():
    alone = [member(A, SRVR_FOLLOWER.replace("follower", "standalone"), members=1)]
    assert zk.stop_blockers(alone, A, 1) == ["stopping 10.0.0.1:2181 would leave 0 of 1 members serving (none); a quorum needs 1"]


# --- the module against fake members on 127.0.0.1 -----------------------------------------------

class FakeMember:
    """A TCP server that answers four-letter words like a ZooKeeper member: one word per connection, then close."""

    def __init__(self, answers):
        self.answers = answers  # word -> text, or word -> callable returning text
        self.asked = []
        member_self = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                word = self.request.recv(4).decode()
                member_self.asked.append(word)
                answer = member_self.answers.get(word, "%s is not executed because it is not in the whitelist.\n" % word)
                self.request.sendall((answer() if callable(answer) else answer).encode())

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.address = "127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def closed_port():
    """An address on 127.0.0.1 where nothing listens (connection refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "127.0.0.1:%d" % port


@pytest.fixture
def ensemble():
    made = []

    def make(*answer_sets):
        for answers in answer_sets:
            made.append(FakeMember(answers))
        return made[-len(answer_sets):]
    yield make
    for m in made:
        m.close()


def follower():
    return {"ruok": "imok", "srvr": SRVR_FOLLOWER, "mntr": MNTR_FOLLOWER}


def leader(mntr=MNTR_LEADER):
    return {"ruok": "imok", "srvr": SRVR_LEADER, "mntr": mntr}


def run_module(capsys, **args):
    return module_result(zookeeper_wait.main, capsys, **args)


def test_module_succeeds_on_a_healthy_ensemble_and_names_the_leader(ensemble, capsys):
    f1, f2, ld = ensemble(follower(), follower(), leader())
    servers = [f1.address, f2.address, ld.address]
    r = run_module(capsys, servers=servers, can_stop=ld.address, _ansible_check_mode=True)
    assert not r.get("failed"), r
    assert r["changed"] is False and r["attempts"] == 1 and r["leader"] == ld.address
    assert r["state"]["leader"] == ld.address and r["state"]["synced_followers"] == 2 and r["state"]["problems"] == []
    assert [s["mode"] for s in r["state"]["servers"]] == ["follower", "follower", "leader"]
    assert all(s["ok"] and s["version"] == "3.8.4" and s["error"] is None for s in r["state"]["servers"])
    # Each word on its own connection; only the leader is asked for mntr.
    assert f1.asked == ["ruok", "srvr"] and ld.asked == ["ruok", "srvr", "mntr"]


def test_module_waits_until_the_followers_are_synced(ensemble, capsys):
    polls = iter([MNTR_LEADER.replace("zk_synced_followers\t2", "zk_synced_followers\t1")] * 2)
    f1, f2, ld = ensemble(follower(), follower(), leader(mntr=lambda: next(polls, MNTR_LEADER)))
    r = run_module(capsys, servers=[f1.address, f2.address, ld.address], sleep=0.01, timeout=10)
    assert not r.get("failed"), r
    assert r["attempts"] == 3 and r["state"]["synced_followers"] == 2


def test_module_timeout_names_what_is_still_wrong(ensemble, capsys):
    f1, ld = ensemble(follower(), leader(mntr=MNTR_LEADER.replace("zk_synced_followers\t2", "zk_synced_followers\t1")))
    gone = closed_port()
    r = run_module(capsys, servers=[f1.address, gone, ld.address], can_stop=ld.address, timeout=0.3, sleep=0.05,
                   connect_timeout=0.5)
    assert r["failed"] and r["attempts"] >= 2 and r["leader"] == ld.address
    assert r["msg"].startswith("timed out after ")
    assert "%s: no answer to ruok: " % gone in r["msg"] and "Connection refused" in r["msg"]
    assert "leader %s has 1 synced followers, 2 expected" % ld.address in r["msg"]
    assert "stopping %s would leave 1 of 3 members serving (%s); a quorum needs 2" % (ld.address, f1.address) in r["msg"]
    down_state = r["state"]["servers"][1]
    assert down_state["server"] == gone and down_state["ok"] is False and down_state["mode"] is None


def test_module_reports_words_left_out_of_the_whitelist(ensemble, capsys):
    f1, f2, ld = ensemble(follower(), follower(), {"ruok": "imok", "srvr": SRVR_LEADER})
    r = run_module(capsys, servers=[f1.address, f2.address, ld.address], timeout=0.1, sleep=0.05)
    assert r["failed"] and "mntr is not executed because it is not in the whitelist." in r["msg"]


@pytest.mark.parametrize("args, message", [
    (dict(servers=["zk1"]), "bad server address: 'zk1' is not host:port"),
    (dict(servers=[]), "servers is empty"),
    (dict(servers=["zk1:2181", "zk1:2181"]), "lists a member twice"),
    (dict(servers=["zk1:2181", "zk2:2181"], can_stop="zk3:2181"), "can_stop zk3:2181 is not one of servers"),
])
def test_bad_arguments_fail_at_once(args, message, capsys):
    r = run_module(capsys, **args)
    assert r["failed"] and message in r["msg"] and "attempts" not in r
