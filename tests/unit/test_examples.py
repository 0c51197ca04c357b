"""examples/ is a user's project: its commands work as its README writes them, against the collection built from this
tree and installed from requirements.yml (no collection path from the environment, only the project's ansible.cfg)."""
import os
import pathlib
import shutil
import subprocess
import sys

import yaml
from conftest import REPO

BIN = pathlib.Path(sys.executable).parent


def run(args, cwd):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    for name in ("ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "ANSIBLE_INVENTORY"):
        env.pop(name, None)
    proc = subprocess.run([str(BIN / args[0])] + args[1:], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def test_the_example_project_installs_the_collection_and_finds_its_playbooks(tmp_path):
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    project = tmp_path / "project"
    shutil.copytree(REPO / "examples", project)
    project.chmod(0o700)  # ansible.cfg in a world-writable directory would be ignored
    rc, out = run(["ansible-galaxy", "collection", "build", str(REPO), "--output-path", str(project)], cwd=tmp_path)
    assert rc == 0, out
    # requirements.yml names the release galaxy.yml is at: the tarball a user downloads for it.
    assert (project / ("streamops-kafka-%s.tar.gz" % version)).is_file(), sorted(os.listdir(project))

    rc, out = run(["ansible-galaxy", "collection", "install", "-r", "requirements.yml"], cwd=project)
    assert rc == 0, out
    assert (project / "collections" / "ansible_collections" / "streamops" / "kafka" / "playbooks" / "upgrade.yml").is_file(), out

    for playbook in ("site.yml", "upgrade.yml"):
        rc, out = run(["ansible-playbook", "--syntax-check", playbook], cwd=project)
        assert rc == 0, out
    rc, out = run(["ansible-playbook", "--list-hosts", "upgrade.yml"], cwd=project)
    assert rc == 0, out
    assert "kafka1.example.com" in out and "kafka3.example.com" in out, out
