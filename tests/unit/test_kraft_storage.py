"""kraft_storage decides, per directory, between reuse, format and refusal. The storage tool is a fake here."""
import getpass
import grp
import os
import pathlib
import stat

import pytest
from conftest import REPO, local_inventory

PLAYBOOK = REPO / "tests" / "unit" / "kraft_storage.yml"
HOSTS = ["n1", "n2", "n3"]

FAKE_TOOL = """#!/bin/sh
# Fake kafka-storage.sh: records its arguments and writes meta.properties like the real tool.
echo "$@" >> "$(dirname "$0")/calls.log"
case "$1" in
  random-uuid) echo "FakeClusterIdAAAAAAAAAA" ;;
  format)
    while [ $# -gt 0 ]; do
      case "$1" in --cluster-id) id=$2; shift ;; --config) cfg=$2; shift ;; esac
      shift
    done
    node=$(sed -n 's/^node.id=//p' "$cfg")
    for d in $(sed -n 's/^log.dirs=//p' "$cfg" | tr , ' '); do
      if [ -f "$d/meta.properties" ]; then echo "$d is already formatted" >&2; continue; fi
      mkdir -p "$d"; printf '#\\ncluster.id=%s\\nnode.id=%s\\nversion=1\\n' "$id" "$node" > "$d/meta.properties"
      echo "Formatting $d"
    done ;;
esac
"""


@pytest.fixture
def cluster(tmp_path):
    home = tmp_path / "kafka"
    (home / "bin").mkdir(parents=True)
    tool = home / "bin" / "kafka-storage.sh"
    tool.write_text(FAKE_TOOL)
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    host_vars = {}
    for i, h in enumerate(HOSTS, start=1):
        dirs = [tmp_path / h / "meta", tmp_path / h / "data"]
        cfg = tmp_path / h / "server.properties"
        cfg.parent.mkdir()
        cfg.write_text("node.id=%d\nlog.dirs=%s\n" % (i, ",".join(map(str, dirs))))
        host_vars[h] = {"kafka_node_id": i, "kraft_storage_dirs": [str(d) for d in dirs],
                        "kraft_storage_config_file": str(cfg)}
    group_vars = {"kraft_storage_kafka_home": str(home), "kraft_storage_java_home": "",
                  "kraft_storage_user": getpass.getuser(), "kraft_storage_group": grp.getgrgid(os.getgid()).gr_name}
    return tmp_path, home / "bin" / "calls.log", local_inventory(HOSTS, HOSTS, host_vars=host_vars, group_vars=group_vars)


def meta(path):
    return dict(l.split("=", 1) for l in path.read_text().splitlines() if "=" in l)


def write_meta(path, cluster_id, node_id):
    path.mkdir(parents=True, exist_ok=True)
    (path / "meta.properties").write_text("cluster.id=%s\nnode.id=%s\nversion=1\n" % (cluster_id, node_id))


def test_new_cluster_gets_one_id_and_a_rerun_changes_nothing(run_playbook, cluster):
    root, calls, inventory = cluster
    rc, out = run_playbook(PLAYBOOK, inventory)
    assert rc == 0, out
    ids = {meta(root / h / d / "meta.properties")["cluster.id"] for h in HOSTS for d in ("meta", "data")}
    assert ids == {"FakeClusterIdAAAAAAAAAA"}
    assert [meta(root / h / "data" / "meta.properties")["node.id"] for h in HOSTS] == ["1", "2", "3"]
    log = calls.read_text().splitlines()
    assert sum(1 for l in log if l.startswith("random-uuid")) == 1, log
    assert not any("--ignore-formatted" in l for l in log), log

    calls.write_text("")
    rc, out = run_playbook(PLAYBOOK, inventory)
    assert rc == 0, out
    assert calls.read_text() == "", "a re-run called the storage tool: %s" % calls.read_text()
    assert all("changed=0" in l for l in out.splitlines() if l.startswith(tuple(HOSTS)) and "ok=" in l), out


def test_partly_formatted_cluster_reuses_its_id(run_playbook, cluster):
    root, calls, inventory = cluster
    write_meta(root / "n1" / "meta", "ExistingClusterId000000", 1)
    write_meta(root / "n1" / "data", "ExistingClusterId000000", 1)
    write_meta(root / "n2" / "meta", "ExistingClusterId000000", 2)
    rc, out = run_playbook(PLAYBOOK, inventory)
    assert rc == 0, out
    assert meta(root / "n3" / "data" / "meta.properties")["cluster.id"] == "ExistingClusterId000000"
    assert meta(root / "n2" / "data" / "meta.properties")["cluster.id"] == "ExistingClusterId000000"
    log = calls.read_text()
    assert "random-uuid" not in log
    # Only n2 had a formatted directory beside an unformatted one.
    assert log.count("--ignore-formatted") == 1, log


def test_directory_of_another_node_stops_the_play(run_playbook, cluster):
    root, calls, inventory = cluster
    for i, h in enumerate(HOSTS, start=1):
        for d in ("meta", "data"):
            write_meta(root / h / d, "ExistingClusterId000000", i)
    write_meta(root / "n2" / "data", "ExistingClusterId000000", 7)
    rc, out = run_playbook(PLAYBOOK, inventory)
    text = " ".join(out.split())
    assert rc != 0
    assert "%s is formatted for cluster ExistingClusterId000000 node 7" % (root / "n2" / "data") in text, out
    assert "this node is cluster ExistingClusterId000000 node 2" in text, out
    assert not calls.exists() or "format" not in calls.read_text()


def test_nodes_disagreeing_on_the_cluster_id_stop_the_play(run_playbook, cluster):
    root, calls, inventory = cluster
    write_meta(root / "n1" / "data", "ClusterIdOneAAAAAAAAAAA", 1)
    write_meta(root / "n3" / "data", "ClusterIdTwoAAAAAAAAAAA", 3)
    rc, out = run_playbook(PLAYBOOK, inventory)
    text = " ".join(out.split())
    assert rc != 0
    assert "carry cluster ids ClusterIdOneAAAAAAAAAAA, ClusterIdTwoAAAAAAAAAAA" in text, out
    assert not calls.exists()


def test_pinned_id_must_match_the_formatted_nodes(run_playbook, cluster):
    root, calls, inventory = cluster
    write_meta(root / "n1" / "data", "ExistingClusterId000000", 1)
    inventory["all"]["vars"]["kraft_storage_cluster_id"] = "PinnedOtherIdAAAAAAAAAA"
    rc, out = run_playbook(PLAYBOOK, inventory)
    assert rc != 0
    assert "but kraft_storage_cluster_id is PinnedOtherIdAAAAAAAAAA" in " ".join(out.split()), out


def test_partial_play_never_generates_an_id(run_playbook, cluster, tmp_path):
    root, calls, inventory = cluster
    rc, out = run_playbook(PLAYBOOK, inventory, extra_vars=None, limit="n1")
    assert rc != 0
    assert "this play leaves out n2, n3" in " ".join(out.split()), out
    assert not calls.exists()
