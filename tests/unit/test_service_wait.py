"""service_wait: a just-started service is up once active and listening, and down as soon as its process is gone."""
import json

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.streamops.kafka.plugins.module_utils import _service
from ansible_collections.streamops.kafka.plugins.modules import service_wait


def show(active="active", sub="running", restarts=0, pid=812, result="success"):
    return "ActiveState=%s\nSubState=%s\nNRestarts=%d\nMainPID=%d\nResult=%s\n" % (active, sub, restarts, pid, result)


def state(**kwargs):
    return _service.unit_state(show(**kwargs))


def test_unit_state_parses_systemctl_show():
    assert state() == {"active_state": "active", "sub_state": "running", "n_restarts": 0, "pid": 812, "result": "success"}
    assert _service.unit_state("ActiveState=inactive\nMainPID=0\n")["n_restarts"] == 0


@pytest.mark.parametrize("now, listening, verdict", [
    (dict(), True, "up"),
    (dict(), False, "starting"),                                          # the JVM is still starting
    (dict(active="failed", sub="failed", pid=0, result="exit-code"), False, "down"),
    (dict(active="activating", sub="auto-restart", pid=0, result="exit-code"), False, "down"),  # exited, restart pending
    (dict(restarts=1, pid=901), True, "down"),                            # died and came back between two polls
    (dict(pid=901), False, "down"),                                       # another main process
    (dict(active="inactive", sub="dead", pid=0), False, "down"),          # stopped by someone
])
def test_start_verdict(now, listening, verdict):
    assert _service.start_verdict(state(), state(**now), listening) == verdict


@pytest.mark.parametrize("now, listening, verdict", [
    (dict(active="activating", sub="auto-restart", pid=0, result="exit-code"), False, "starting"),  # one exit, restart pending
    (dict(restarts=1, pid=901), False, "starting"),
    (dict(restarts=1, pid=901), True, "up"),                              # the restart came up
    (dict(active="activating", sub="auto-restart", restarts=1, pid=0), False, "down"),  # a second exit
    (dict(restarts=2, pid=950), True, "down"),
    (dict(active="failed", sub="failed", pid=0), False, "down"),          # systemd gave up: down whatever is allowed
])
def test_start_verdict_with_one_restart_allowed(now, listening, verdict):
    assert _service.start_verdict(state(), state(**now), listening, restarts=1) == verdict


def test_describe_state_names_the_result_and_restarts():
    text = _service.describe_state(state(active="activating", sub="auto-restart", restarts=2, pid=0, result="exit-code"))
    assert text == "activating/auto-restart, result exit-code, 2 restart(s) counted by systemd"


class FakeHost:
    """systemctl show answers in turn (the last one repeats), a journal, and whether the port accepts."""

    def __init__(self, answers, ports, journal="line 1\nERROR Exiting Kafka due to fatal exception\n"):
        self.answers, self.ports, self.journal, self.commands = list(answers), list(ports), journal, []

    def run_command(self, argv, **kwargs):
        self.commands.append(argv)
        if argv[0] == "journalctl":
            return 0, self.journal, ""
        return 0, (self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]), ""

    def listening(self, host, port, timeout=1.0):
        return self.ports.pop(0) if len(self.ports) > 1 else self.ports[0]


def run(monkeypatch, capsys, host, **args):
    monkeypatch.setattr(service_wait.AnsibleModule, "run_command", lambda self, argv, **kw: host.run_command(argv, **kw))
    monkeypatch.setattr(service_wait, "listening", host.listening)
    with patch_module_args(dict(dict(service="kafka", port=9092, sleep=0.01, timeout=5), **args)):
        with pytest.raises(SystemExit):
            service_wait.main()
    return json.loads(capsys.readouterr().out)


def test_up_once_listening(monkeypatch, capsys):
    host = FakeHost([show()], [False, False, True])
    result = run(monkeypatch, capsys, host)
    assert not result.get("failed") and result["verdict"] == "up" and result["attempts"] == 3
    assert result["state"]["listening"] is True and not any(c[0] == "journalctl" for c in host.commands)


def test_down_at_the_first_crash_with_the_journal(monkeypatch, capsys):
    """A node that cannot start: systemd restarts it every RestartSec; the wait ends at the first exit, not the timeout."""
    host = FakeHost([show(), show(), show(active="activating", sub="auto-restart", pid=0, result="exit-code")], [False])
    result = run(monkeypatch, capsys, host, timeout=300)
    assert result["failed"] and result["verdict"] == "down" and result["attempts"] == 3
    assert result["msg"].startswith("kafka went down after ")
    assert "activating/auto-restart, result exit-code" in result["msg"]
    assert "ERROR Exiting Kafka due to fatal exception" in result["msg"] and result["log"][-1].startswith("ERROR Exiting")
    assert ["journalctl", "--unit", "kafka", "--lines", "20", "--no-pager", "--output", "short-iso"] in host.commands


def test_still_starting_at_the_timeout(monkeypatch, capsys):
    host = FakeHost([show()], [False])
    result = run(monkeypatch, capsys, host, timeout=0.05)
    assert result["failed"] and result["verdict"] == "starting"
    assert "kafka did not open 127.0.0.1:9092 within 0 s (active/running, pid 812" in result["msg"]
