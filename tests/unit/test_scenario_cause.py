"""tests/testbed/scenario.sh's failure_cause: the line or three that end a run's summary and name why a step failed."""
import re
import subprocess

import pytest
from conftest import REPO

SCRIPT = (REPO / "tests" / "testbed" / "scenario.sh").read_text()
FUNCTION = re.search(r"^failure_cause\(\) \{\n.*?^\}\n", SCRIPT, flags=re.M | re.S).group(0)

# A verify step as molecule prints it: its frame, and pytest's short summary wrapped at 80 columns.
VERIFY = """\
  \u2502 ../resources/sasl_tests/test_authorization.py EEEF
  \u2502 =========================== short test summary info ============================
  \u2502 FAILED
  \u2502   ../resources/sasl_tests/test_authorization.py::test_the_admin_can_create_an
  \u2502   d_delete_topics - kafka.errors.UnknownBrokerIdError: UnknownBrokerIdError: 12
  \u2502 ERROR
  \u2502   ../resources/sasl_tests/test_authorization.py::test_orders_app_cannot_crea
  \u2502   te_delete_or_reconfigure_topics - kafka.errors.UnknownBrokerIdError:
  \u2502   UnknownBrokerIdError: 12
  \u2502 ERROR ../resources/tests/test_x.py::test_y - short one
  \u2502 ERROR ../resources/tests/test_x.py::test_z - a fourth, left out
  \u2502 ======== 1 failed, 97 passed, 17 skipped, 4 errors in 280.62s (0:04:40)
  \u2514\u2500 Return code: 1 \u2500\u2500\u2500\u2500
\x1b[31mCRITICAL\x1b[0m Verifier tests failed
ERROR    sasl-kraft \u279c verify: Executed: Failed
"""

# A playbook step: Ansible's fatal line, its message on the next line, and Molecule's errors after it.
PLAYBOOK = """\
  \u2502 TASK [streamops.kafka.roll : Wait for the partitions] ****
  \u2502 fatal: [mz-node1]: FAILED! => {"changed": false,
  \u2502     "msg": "3 partitions stayed under min.insync.replicas"}
  \u2502
  \u2502 PLAY RECAP
  \u2514\u2500 Return code: 2 \u2500\u2500\u2500\u2500
CRITICAL Ansible return code was 2, command was: ansible-playbook side_effect.yml
ERROR    migrate-zk \u279c side_effect: Executed: Failed
"""


@pytest.fixture
def cause(tmp_path):
    def run(text):
        log = tmp_path / "step.log"
        log.write_text(text)
        proc = subprocess.run(["bash", "-c", FUNCTION + '\nfailure_cause "$1"', "cause", str(log)], capture_output=True, text=True,
                              check=True)
        return proc.stdout.splitlines()
    return run


def test_pytest_failures_are_named_whole_and_at_most_three(cause):
    assert cause(VERIFY) == [
        "FAILED ../resources/sasl_tests/test_authorization.py::test_the_admin_can_create_and_delete_topics"
        " - kafka.errors.UnknownBrokerIdError: UnknownBrokerIdError: 12",
        "ERROR ../resources/sasl_tests/test_authorization.py::test_orders_app_cannot_create_delete_or_reconfigure_topics"
        " - kafka.errors.UnknownBrokerIdError:UnknownBrokerIdError: 12",
        "ERROR ../resources/tests/test_x.py::test_y - short one",
    ]


def test_a_playbook_failure_is_named_by_its_fatal_line_and_message(cause):
    assert cause(PLAYBOOK) == [
        'fatal: [mz-node1]: FAILED! => {"changed": false, "msg": "3 partitions stayed under min.insync.replicas"}',
        "ERROR migrate-zk \u279c side_effect: Executed: Failed",
    ]


def test_a_failure_with_neither_is_named_by_molecules_last_error(cause):
    assert cause("INFO starting\nCRITICAL The scenario's create playbook was not found\nINFO done\n") == [
        "CRITICAL The scenario's create playbook was not found"]


def test_long_lines_are_cut(cause):
    assert [len(line) for line in cause("CRITICAL " + "x" * 2000 + "\n")] == [900]
