"""Helpers that run the collection's playbooks on localhost with throw-away inventories (no host changes)."""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import sys

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = str(pathlib.Path(sys.executable).parent / "ansible-playbook")

# Make the working tree importable as ansible_collections.streamops.kafka for module and module_utils tests.
_IMPORT_ROOT = pathlib.Path(tempfile.mkdtemp(prefix="streamops-import-"))
(_IMPORT_ROOT / "ansible_collections" / "streamops").mkdir(parents=True)
(_IMPORT_ROOT / "ansible_collections" / "streamops" / "kafka").symlink_to(REPO)
sys.path.insert(0, str(_IMPORT_ROOT))

# A Python that has no kafka-python: the OS interpreter (the test venv has it).
BARE_PYTHON = shutil.which("python3", path="/usr/bin")
needs_bare_python = pytest.mark.skipif(
    not BARE_PYTHON or subprocess.run([BARE_PYTHON, "-c", "import kafka"], capture_output=True).returncode == 0,
    reason="needs a python3 without kafka-python")
KAFKA_PYTHON_MODULES = ["kafka_info", "kafka_isr_wait", "kafka_quorum_wait", "kafka_quorum_voter", "kafka_features", "kafka_migration_info",
                        "kafka_broker_drain"]
# Options a module of KAFKA_PYTHON_MODULES requires beside bootstrap_servers.
REQUIRED_ARGS = {"kafka_migration_info": {"zookeeper_connect": "127.0.0.1:9"},
                 "kafka_quorum_voter": {"bootstrap_controllers": ["127.0.0.1:9"], "node_id": 4, "state": "absent"},
                 "kafka_broker_drain": {"broker_ids": [4]}}


@pytest.fixture
def run_main(monkeypatch, capsys):
    """Run a module's main() with args, its client class (client_class, a name in the module) replaced by fake; returns
    the module's JSON answer. check: as in check mode."""
    from ansible.module_utils.testing import patch_module_args

    def go(module, client_class, fake, args, check=False):
        monkeypatch.setattr(module, client_class, lambda params, client_id: fake)
        with patch_module_args(dict(args, **({"_ansible_check_mode": True} if check else {}))):
            with pytest.raises(SystemExit):
                module.main()
        return json.loads(capsys.readouterr().out)
    return go


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """Expose the working tree as streamops.kafka, so tests exercise the code as it is, not an installed build."""
    root = tmp_path_factory.mktemp("collections")
    ns = root / "ansible_collections" / "streamops"
    ns.mkdir(parents=True)
    (ns / "kafka").symlink_to(REPO)
    return root


@pytest.fixture(scope="session")
def ansible_env(tmp_path_factory, collections_path):
    """The environment of every ansible-playbook run: ansible-core alone, this working tree as streamops.kafka."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_path), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               # ansible-core and this collection only: no collection the full `ansible` package installs beside Python
               # (a test that needed one would fail here, as it would for a user of ansible-core).
               ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               # Every host is this machine: gather its facts once per host name, not once per run.
               ANSIBLE_GATHERING="smart", ANSIBLE_CACHE_PLUGIN="ansible.builtin.jsonfile", ANSIBLE_CACHE_PLUGIN_TIMEOUT="0",
               ANSIBLE_CACHE_PLUGIN_CONNECTION=str(tmp_path_factory.mktemp("facts")),
               # This machine stands in for hosts that run systemd, whatever it booted with (library/systemd_host_facts.py).
               ANSIBLE_LIBRARY=str(pathlib.Path(__file__).resolve().parent / "library"),
               ANSIBLE_FACTS_MODULES="ansible.builtin.setup,systemd_host_facts")
    # A caller's config may enable callbacks from other collections (molecule's enables ansible.posix.profile_tasks).
    env.pop("ANSIBLE_CONFIG", None)
    return env


def ansible_playbook(playbook, inventory, workdir, env, extra_vars=None, limit=None, check=False):
    """One ansible-playbook run in workdir; returns (rc, stdout + stderr)."""
    inv = workdir / "inventory.yml"
    inv.write_text(yaml.safe_dump(inventory))
    # setup and systemd_host_facts one after the other: run in parallel, they are async jobs that setup's 10 s
    # gather_timeout cuts on a busy machine.
    cmd = [ANSIBLE_PLAYBOOK, "-i", str(inv), str(playbook), "-e", "ansible_facts_parallel=false"]
    if limit:
        cmd += ["--limit", limit]
    if check:
        cmd += ["--check"]
    if extra_vars:
        cmd += ["-e", yaml.safe_dump(extra_vars, default_flow_style=True).strip()]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=workdir, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def run_playbook(tmp_path, ansible_env):
    def run(playbook, inventory, extra_vars=None, limit=None, check=False):
        return ansible_playbook(playbook, inventory, tmp_path, ansible_env, extra_vars, limit, check)
    return run


@pytest.fixture(scope="session")
def without_kafka_python(tmp_path_factory, ansible_env):
    """Each module of KAFKA_PYTHON_MODULES as run by a Python without kafka-python: {module: registered result}."""
    workdir = tmp_path_factory.mktemp("without-kafka-python")
    tasks = [{"name": "Call %s" % module, "streamops.kafka." + module: dict({"bootstrap_servers": ["127.0.0.1:9"]}, **REQUIRED_ARGS.get(module, {})),
              "vars": {"ansible_python_interpreter": BARE_PYTHON}, "register": "result_" + module, "ignore_errors": True}
             for module in KAFKA_PYTHON_MODULES]
    results = "{%s}" % ", ".join("'%s': result_%s" % (module, module) for module in KAFKA_PYTHON_MODULES)
    tasks.append({"name": "Write the results", "ansible.builtin.copy": {
        "content": "{{ %s | to_json }}" % results, "dest": str(workdir / "results.json"), "mode": "0600"}})
    playbook = workdir / "playbook.yml"
    playbook.write_text(yaml.safe_dump([{"name": "Run the modules without kafka-python", "hosts": "localhost",
                                         "gather_facts": False, "tasks": tasks}], sort_keys=False))
    inventory = {"all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}
    rc, out = ansible_playbook(playbook, inventory, workdir, ansible_env)
    assert rc == 0, out
    return json.loads((workdir / "results.json").read_text())


def module_result(main, capsys, **args):
    """Run a module's main() in this process with args (as Ansible would pass them) and return its JSON result."""
    from ansible.module_utils.testing import patch_module_args
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            main()
    return json.loads(capsys.readouterr().out)


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
