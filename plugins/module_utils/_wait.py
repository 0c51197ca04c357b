# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Poll a predicate on a monotonic clock until it holds or time runs out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time


def wait_argument_spec(timeout=300):
    """The polling options every wait module takes."""
    return dict(
        timeout=dict(type='float', default=timeout),
        sleep=dict(type='float', default=0.2),
    )


def wait_until(check, timeout, sleep, is_transient=lambda exc: False, clock=time.monotonic, pause=time.sleep):
    """Call check() until it returns (True, state) or timeout seconds pass.

    check() returns (ok, state) where state is a dict describing what was observed. Exceptions for which
    is_transient(exc) is true (a broker restarting, an election) are recorded in the state as 'error' and
    polling goes on; any other exception propagates. Returns a dict with ok, state, elapsed, attempts.
    """
    start = clock()
    attempts = 0
    state = {}
    while True:
        attempts += 1
        try:
            ok, state = check()
        except Exception as exc:  # pylint: disable=broad-except
            if not is_transient(exc):
                raise
            ok, state = False, {'error': '%s: %s' % (type(exc).__name__, exc)}
        elapsed = clock() - start
        if ok or elapsed + sleep > timeout:
            return {'ok': bool(ok), 'state': state, 'elapsed': round(elapsed, 3), 'attempts': attempts}
        pause(sleep)
