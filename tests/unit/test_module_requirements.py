"""Modules on a host without kafka-python fail with Ansible's standard missing-library message."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
from conftest import REPO

# A Python that has no kafka-python: the OS interpreter (the test venv has it).
BARE_PYTHON = shutil.which("python3", path="/usr/bin")


@pytest.mark.skipif(not BARE_PYTHON or subprocess.run([BARE_PYTHON, "-c", "import kafka"], capture_output=True).returncode == 0,
                    reason="needs a python3 without kafka-python")
@pytest.mark.parametrize("module", ["kafka_info", "kafka_isr_wait", "kafka_quorum_wait"])
def test_missing_kafka_python_is_named(module, collections_path):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_path), ANSIBLE_STDOUT_CALLBACK="json",
               ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    env.pop("ANSIBLE_CONFIG", None)
    ansible = str(pathlib.Path(sys.executable).parent / "ansible")
    proc = subprocess.run([ansible, "localhost", "-m", "streamops.kafka." + module, "-a",
                           json.dumps({"bootstrap_servers": ["127.0.0.1:9"]}), "-e", "ansible_python_interpreter=" + BARE_PYTHON],
                          capture_output=True, text=True, env=env, timeout=120)
    result = json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    assert result.get("failed"), result
    assert "Failed to import the required Python library (kafka-python)" in result["msg"], result["msg"]
