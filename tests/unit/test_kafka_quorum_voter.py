"""kafka_quorum_voter through main() on a fake quorum, and the AddRaftVoter / RemoveRaftVoter bytes it sends."""
import json
import struct
import uuid

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.streamops.kafka.plugins.module_utils import _client
from ansible_collections.streamops.kafka.plugins.modules import kafka_quorum_voter

LISTENERS = [{"name": "CONTROLLER", "host": "ctl4", "port": 9093}]


def answer(leader, voters, observers=(), now=1_000_000):
    """A DescribeQuorum answer as ControllerClient.describe_quorum returns it. voters/observers: {id: log_end_offset};
    replica n's directory is uuid.UUID(int=n); every replica caught up at now."""
    def entries(replicas):
        return [{"replica_id": rid, "replica_directory_id": str(uuid.UUID(int=rid)), "log_end_offset": end,
                 "last_fetch_timestamp": now, "last_caught_up_timestamp": now} for rid, end in dict(replicas).items()]
    return {"topics": [{"partitions": [{"leader_id": leader, "leader_epoch": 3, "high_watermark": 100, "error": None,
                                        "current_voters": entries(voters), "observers": entries(observers)}]}]}


class FakeQuorum:
    """The ControllerClient calls the module makes: DescribeQuorum answers in turn (the last one repeats), and the
    answers after a change once it is sent. refusal: what change_voters answers instead of committing."""

    def __init__(self, answers, after=(), refusal=None):
        self.answers, self.after, self.refusal = list(answers), list(after), refusal
        self.sent = []
        self.reads = 0

    def describe_quorum(self):
        self.reads += 1
        queue = self.after if self.sent and self.after else self.answers
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def change_voters(self, request):
        self.sent.append(request)
        return self.refusal

    def close(self):
        pass


@pytest.fixture
def run(run_main):
    def go(fake, check=False, **args):
        return run_main(kafka_quorum_voter, "ControllerClient", fake, dict(dict(bootstrap_controllers=["ctl1:9093"], timeout=0.5, sleep=0.01), **args),
                        check)
    return go


def test_a_controller_joins_only_once_caught_up(run):
    # Controller 4 starts 300 records behind, then 40, then level with the leader; only then is it added.
    fake = FakeQuorum([answer(1, {1: 500}, {4: 200}), answer(1, {1: 500}, {4: 460}), answer(1, {1: 500}, {4: 500})],
                      after=[answer(1, {1: 500, 4: 500})])
    result = run(fake, node_id=4, listeners=LISTENERS)
    assert result["changed"] and not result.get("failed"), result
    assert fake.reads == 4
    assert result["gate_attempts"] == 3 and result["observed"]["lag"] == 0
    request, = fake.sent
    assert type(request).__name__ == "AddRaftVoterRequest"
    assert (request.voter_id, request.voter_directory_id) == (4, uuid.UUID(int=4))
    assert [(e.name, e.host, e.port) for e in request.listeners] == [("CONTROLLER", "ctl4", 9093)]
    assert [v["id"] for v in result["state"]["voters"]] == [1, 4]


def test_a_gate_that_never_opens_sends_nothing(run):
    fake = FakeQuorum([answer(1, {1: 500}, {4: 200})])
    result = run(fake, node_id=4, listeners=LISTENERS)
    assert result["failed"] and not fake.sent
    assert result["msg"].startswith("timed out after")
    assert "before adding 4: observer 4 (lag 300)" in result["msg"]
    assert result["state"]["entry"]["lag"] == 300


def test_a_voter_is_left_alone(run):
    fake = FakeQuorum([answer(1, {1: 500, 4: 500})])
    result = run(fake, node_id=4, listeners=LISTENERS)
    assert not result["changed"] and not result.get("failed") and not fake.sent


def test_check_mode_reads_once_and_sends_nothing(run):
    fake = FakeQuorum([answer(1, {1: 500}, {4: 200})])
    result = run(fake, check=True, node_id=4, listeners=LISTENERS)
    assert result["changed"] and not result.get("failed")
    assert (fake.reads, fake.sent) == (1, [])
    assert result["state"]["problems"] == ["observer 4 (lag 300)"]


def test_a_follower_is_removed_by_its_directory(run):
    fake = FakeQuorum([answer(1, {1: 500, 2: 500, 3: 500})], after=[answer(1, {1: 500, 2: 500}, {3: 500})])
    result = run(fake, node_id=3, state="absent")
    assert result["changed"] and not result.get("failed"), result
    request, = fake.sent
    assert type(request).__name__ == "RemoveRaftVoterRequest"
    assert (request.voter_id, request.voter_directory_id) == (3, uuid.UUID(int=3))


def test_the_leader_is_never_removed(run):
    fake = FakeQuorum([answer(1, {1: 500, 2: 500, 3: 500})])
    result = run(fake, node_id=1, state="absent")
    assert result["failed"] and not fake.sent
    assert "before removing 1: 1 is the quorum leader: move leadership first" in result["msg"]


def test_a_refusal_by_the_leader_is_reported(run):
    fake = FakeQuorum([answer(1, {1: 500}, {4: 500})], refusal="UnsupportedVersionError (35): kraft.version is 0")
    result = run(fake, node_id=4, listeners=LISTENERS)
    assert result["failed"] and not result["changed"]
    assert result["msg"] == "AddRaftVoter 4 refused: UnsupportedVersionError (35): kraft.version is 0"


def test_joining_needs_the_listeners(run):
    result = run(FakeQuorum([answer(1, {1: 500})]), node_id=4)
    assert result["failed"] and "listeners" in result["msg"]


def _string(text, compact=True):
    raw = text.encode()
    return bytes([len(raw) + 1]) + raw if compact else struct.pack(">h", len(raw)) + raw


def test_add_raft_voter_bytes_follow_the_protocol():
    # Flexible request header v2 (key 80, version 0, correlation id, int16-length client id, no tags), then
    # ClusterId (compact nullable string), TimeoutMs, VoterId, VoterDirectoryId (16 bytes), Listeners (compact array of
    # compact name, compact host, uint16 port, tags), tags.
    directory = uuid.UUID("dd8f2969-8eae-ae09-2dcc-1ae82eed767a")
    request = _client.add_voter_request("abc", 4, directory, LISTENERS, 7500)
    request.API_VERSION = 0
    request.with_header(correlation_id=7, client_id="x")
    expected = (struct.pack(">hhi", 80, 0, 7) + _string("x", compact=False) + b"\0"
                + _string("abc") + struct.pack(">ii", 7500, 4) + directory.bytes
                + b"\x02" + _string("CONTROLLER") + _string("ctl4") + struct.pack(">H", 9093) + b"\0" + b"\0")
    assert request.encode(framed=False, header=True) == expected


def test_remove_raft_voter_bytes_follow_the_protocol():
    request = _client.remove_voter_request(None, 3, uuid.UUID(int=3))
    request.API_VERSION = 0
    request.with_header(correlation_id=9, client_id="x")
    expected = (struct.pack(">hhi", 81, 0, 9) + _string("x", compact=False) + b"\0"
                + b"\0" + struct.pack(">i", 3) + uuid.UUID(int=3).bytes + b"\0")  # a null ClusterId is length 0
    assert request.encode(framed=False, header=True) == expected


def test_unregister_broker_bytes_follow_the_protocol():
    request = _client.unregister_broker_request(4)
    request.API_VERSION = 0
    request.with_header(correlation_id=9, client_id="x")
    expected = struct.pack(">hhi", 64, 0, 9) + _string("x", compact=False) + b"\0" + struct.pack(">i", 4) + b"\0"
    assert request.encode(framed=False, header=True) == expected


@pytest.mark.parametrize("name", ["AddRaftVoterResponse", "RemoveRaftVoterResponse", "UnregisterBrokerResponse"])
def test_the_answers_decode(name):
    response = _client.messages()[name][0].decode(struct.pack(">ih", 0, 126) + _string("voter 4 exists") + b"\0",
                                                  header=False)
    assert (response.error_code, response.error_message) == (126, "voter 4 exists")


def test_the_controller_listeners_are_required(monkeypatch, capsys):
    with patch_module_args(dict(bootstrap_servers=["b1:9092"], node_id=4, state="absent")):
        with pytest.raises(SystemExit):
            kafka_quorum_voter.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and result["msg"].startswith("kafka_quorum_voter needs bootstrap_controllers")
