"""Helpers that run the collection's playbooks on localhost with throw-away inventories (no host changes)."""
import os
import pathlib
import subprocess
import tempfile
import sys

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]

# Make the working tree importable as ansible_collections.streamops.kafka for module and module_utils tests.
_IMPORT_ROOT = pathlib.Path(tempfile.mkdtemp(prefix="streamops-import-"))
(_IMPORT_ROOT / "ansible_collections" / "streamops").mkdir(parents=True)
(_IMPORT_ROOT / "ansible_collections" / "streamops" / "kafka").symlink_to(REPO)
sys.path.insert(0, str(_IMPORT_ROOT))


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """Expose the working tree as streamops.kafka, so tests exercise the code as it is, not an installed build."""
    root = tmp_path_factory.mktemp("collections")
    ns = root / "ansible_collections" / "streamops"
    ns.mkdir(parents=True)
    (ns / "kafka").symlink_to(REPO)
    return root


@pytest.fixture
def run_playbook(tmp_path, collections_path):
    def run(playbook, inventory, extra_vars=None, limit=None, check=False):
        inv = tmp_path / "inventory.yml"
        inv.write_text(yaml.safe_dump(inventory))
        cmd = [str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "-i", str(inv), str(playbook)]
        if limit:
            cmd += ["--limit", limit]
        if check:
            cmd += ["--check"]
        if extra_vars:
            cmd += ["-e", yaml.safe_dump(extra_vars, default_flow_style=True).strip()]
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_path), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_FORCE_COLOR="0", ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_RETRY_FILES_ENABLED="0",
                   ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
        return proc.returncode, proc.stdout + proc.stderr
    return run


def local_inventory(controllers, brokers, host_vars=None, group_vars=None):
    """An inventory whose hosts all run on localhost. controllers/brokers: lists of host names."""
    hosts = sorted(set(controllers) | set(brokers))
    hv = {h: {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
              "kafka_node_id": i + 1} for i, h in enumerate(hosts)}
    for h, extra in (host_vars or {}).items():
        hv.setdefault(h, {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}).update(extra)
    all_vars = {"kafka_archive_sha512": "ab" * 64, "kafka_version": "3.9.2"}
    all_vars.update(group_vars or {})
    return {"all": {
        "vars": all_vars,
        "children": {"kafka": {"children": {
            "kafka_controllers": {"hosts": {h: hv[h] for h in controllers}},
            "kafka_brokers": {"hosts": {h: hv[h] for h in brokers}},
        }, "hosts": {h: hv[h] for h in hv if h not in controllers and h not in brokers}}},
    }}
