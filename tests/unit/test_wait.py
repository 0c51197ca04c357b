"""wait_until: monotonic clock, attempts, transient errors, timeout."""
import pytest
from ansible_collections.streamops.kafka.plugins.module_utils._wait import wait_until


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_returns_at_once_when_the_predicate_holds():
    clock = FakeClock()
    r = wait_until(lambda: (True, {"x": 1}), 10, 0.5, clock=clock, pause=clock.sleep)
    assert r == {"ok": True, "state": {"x": 1}, "elapsed": 0.0, "attempts": 1}


def test_polls_until_true_and_counts_attempts():
    clock = FakeClock()
    answers = iter([False, False, True])
    r = wait_until(lambda: (next(answers), {}), 10, 0.5, clock=clock, pause=clock.sleep)
    assert r["ok"] and r["attempts"] == 3 and r["elapsed"] == 1.0


def test_times_out_with_the_last_state():
    clock = FakeClock()
    n = iter(range(1000))
    r = wait_until(lambda: (False, {"seen": next(n)}), 2, 0.5, clock=clock, pause=clock.sleep)
    # Polls at 0, 0.5, 1, 1.5 and at the deadline itself, never past it.
    assert not r["ok"] and r["attempts"] == 5 and r["state"] == {"seen": 4} and r["elapsed"] == 2


def test_transient_errors_are_ridden_out_and_reported():
    clock = FakeClock()
    calls = iter([ConnectionError("down"), (True, {"ok": 1})])

    def check():
        item = next(calls)
        if isinstance(item, Exception):
            raise item
        return item
    r = wait_until(check, 10, 1, is_transient=lambda e: isinstance(e, ConnectionError), clock=clock, pause=clock.sleep)
    assert r["ok"] and r["attempts"] == 2
    clock = FakeClock()
    r = wait_until(lambda: (_ for _ in ()).throw(ConnectionError("still down")), 1, 0.4,
                   is_transient=lambda e: True, clock=clock, pause=clock.sleep)
    assert not r["ok"] and r["state"] == {"error": "ConnectionError: still down"}


def test_other_errors_propagate():
    with pytest.raises(KeyError):
        wait_until(lambda: {}["missing"], 1, 0.1)
