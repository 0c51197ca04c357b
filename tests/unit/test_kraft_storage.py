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

# The launcher as Apache's and the test bed's look: the storage tool's main class handed to kafka-run-class.sh.
LAUNCHER = """#!/bin/sh
exec "$(dirname "$0")/kafka-run-class.sh" kafka.tools.StorageTool "$@"
"""

# Fake kafka-run-class.sh: expands a java @argfile as the JVM launcher does, records the process arguments (argv.log)
# and the tool's arguments (calls.log), and writes meta.properties like the real tool.
FAKE_RUN_CLASS = """#!/usr/bin/env python3
import os, shlex, sys
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "argv.log"), "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
args = []
for arg in sys.argv[1:]:
    if arg.startswith("@"):
        with open(arg[1:]) as handle:
            args += shlex.split(handle.read())
    else:
        args.append(arg)
main_class, args = args[0], args[1:]
assert main_class == "kafka.tools.StorageTool", main_class
with open(os.path.join(here, "calls.log"), "a") as log:
    log.write(" ".join(args) + "\\n")
if args[0] == "random-uuid":
    print("FakeClusterIdAAAAAAAAAA")
elif args[0] == "format":
    # Refuse what the real tool's argument parser refuses.
    # Like argparse4j, a value that starts with "-" is taken for an option unless written --option=value.
    opts, rest = {}, args[1:]
    while rest:
        name, eq, value = rest[0].partition("=")
        if name in ("--cluster-id", "--config", "--release-version", "--add-scram", "--initial-controllers"):
            if not eq:
                if len(rest) < 2 or rest[1].startswith("-"):
                    sys.stderr.write("kafka-storage: error: argument %s: expected one argument\\n" % name)
                    sys.exit(2)
                value, rest = rest[1], rest[1:]
            opts.setdefault(name, []).append(value)
            rest = rest[1:]
        elif rest[0] in ("--ignore-formatted", "--no-initial-controllers", "--standalone"):
            opts.setdefault(rest[0], []).append(True)
            rest = rest[1:]
        else:
            sys.stderr.write("kafka-storage: error: unrecognized arguments: %s\\n" % rest[0])
            sys.exit(2)
    opts = {k: v[-1] for k, v in opts.items()}
    cfg = dict(l.split("=", 1) for l in open(opts["--config"]).read().splitlines() if "=" in l)
    # A controller of a dynamic quorum (no controller.quorum.voters) needs exactly one of the three quorum options; the
    # metadata directory (the first) of a first voter takes its directory id from --initial-controllers.
    quorum = [o for o in ("--standalone", "--initial-controllers", "--no-initial-controllers") if o in opts]
    dynamic = "controller" in cfg.get("process.roles", "") and "controller.quorum.voters" not in cfg
    if len(quorum) > 1 or (dynamic and not quorum) or (quorum and not dynamic):
        sys.stderr.write("kafka-storage: error: quorum options %s for a %s node\\n" % (quorum, "dynamic controller" if dynamic else "static or broker"))
        sys.exit(1)
    voters = dict((v.split("@")[0], v.split(":")[-1]) for v in opts.get("--initial-controllers", "").split(",") if v)
    for i, d in enumerate(cfg["log.dirs"].split(",")):
        if os.path.exists(os.path.join(d, "meta.properties")):
            sys.stderr.write(d + " is already formatted\\n")
            continue
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "meta.properties"), "w") as meta:
            meta.write("#\\ncluster.id=%s\\nnode.id=%s\\nversion=1\\n" % (opts["--cluster-id"], cfg["node.id"]))
            if i == 0 and cfg["node.id"] in voters:
                meta.write("directory.id=%s\\n" % voters[cfg["node.id"]])
        print("Formatting " + d)
"""


@pytest.fixture
def cluster(tmp_path):
    home = tmp_path / "kafka"
    (home / "bin").mkdir(parents=True)
    for name, text in (("kafka-storage.sh", LAUNCHER), ("kafka-run-class.sh", FAKE_RUN_CLASS)):
        tool = home / "bin" / name
        tool.write_text(text)
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


def test_a_cluster_id_that_starts_with_a_dash_is_formatted(run_playbook, cluster):
    # One generated id in 64 starts with "-" (base64url); the tool took it for an option when it stood alone.
    root, calls, inventory = cluster
    inventory["all"]["vars"]["kraft_storage_cluster_id"] = "-DashedClusterIdAAAAAAA"
    rc, out = run_playbook(PLAYBOOK, inventory)
    assert rc == 0, out
    assert {meta(root / h / "data" / "meta.properties")["cluster.id"] for h in HOSTS} == {"-DashedClusterIdAAAAAAA"}


def test_partial_play_never_generates_an_id(run_playbook, cluster, tmp_path):
    root, calls, inventory = cluster
    rc, out = run_playbook(PLAYBOOK, inventory, extra_vars=None, limit="n1")
    assert rc != 0
    assert "this play leaves out n2, n3" in " ".join(out.split()), out
    assert not calls.exists()


def test_scram_users_reach_the_tool_in_an_argument_file_only(run_playbook, cluster):
    root, calls, inventory = cluster
    password = 'Sup3r"secret\\pw'
    inventory["all"]["vars"]["kraft_storage_scram_users"] = [
        {"name": "broker", "password": password, "mechanisms": ["SCRAM-SHA-512"]},
        {"name": "admin", "password": "other-pw", "mechanisms": ["SCRAM-SHA-256", "SCRAM-SHA-512"]}]
    rc, log = run_playbook(PLAYBOOK, inventory)
    assert rc == 0, log
    argv = (calls.parent / "argv.log").read_text()
    # The process saw only the argument file; the tool saw three salted credentials per node.
    assert all(line.startswith("kafka.tools.StorageTool random-uuid") or line.startswith("@") for line in argv.splitlines()), argv
    formats = [line for line in calls.read_text().splitlines() if line.startswith("format")]
    assert len(formats) == 3
    for line in formats:
        assert line.count("--add-scram") == 3
        assert "SCRAM-SHA-512=[name=broker,salt=" in line and "SCRAM-SHA-256=[name=admin,salt=" in line
    for text in (argv, calls.read_text(), log):
        assert "Sup3r" not in text and "other-pw" not in text
    assert not list(root.glob("*/.kraft-storage-format.args")), "argument files left behind"


def dynamic(root, inventory, hosts=HOSTS):
    """The cluster's nodes as combined nodes of a dynamic quorum (kafka_quorum: dynamic, no controller.quorum.voters)."""
    inventory["all"]["vars"]["kafka_quorum"] = "dynamic"
    for h in hosts:
        cfg = root / h / "server.properties"
        cfg.write_text("process.roles=broker,controller\ncontroller.quorum.bootstrap.servers=n1:9093\n" + cfg.read_text())


def test_a_new_dynamic_cluster_formats_its_controllers_as_the_first_voters(run_playbook, cluster):
    root, calls, inventory = cluster
    dynamic(root, inventory)
    rc, out = run_playbook(PLAYBOOK, inventory)
    assert rc == 0, out
    formats = [line.split() for line in calls.read_text().splitlines() if line.startswith("format")]
    voters = {f[f.index("--initial-controllers") + 1] for f in formats}
    assert len(formats) == 3 and len(voters) == 1, formats  # every controller names the same voters
    entries = voters.pop().split(",")
    assert [e.split(":")[0] for e in entries] == ["1@n1", "2@n2", "3@n3"]
    # Each controller's metadata directory carries the directory id the others name for it.
    for h, entry in zip(HOSTS, entries):
        assert meta(root / h / "meta" / "meta.properties")["directory.id"] == entry.split(":")[-1]
        assert "directory.id" not in meta(root / h / "data" / "meta.properties")


def test_a_controller_new_to_a_running_dynamic_cluster_is_refused_unless_it_joins(run_playbook, cluster):
    root, calls, inventory = cluster
    dynamic(root, inventory)
    for i, h in enumerate(HOSTS[:2], start=1):
        for d in ("meta", "data"):
            write_meta(root / h / d, "ExistingClusterId000000", i)
    rc, out = run_playbook(PLAYBOOK, inventory)
    assert rc != 0
    assert ("n3: this controller is new to a running cluster (cluster id ExistingClusterId000000): its metadata directory is "
            "not formatted") in " ".join(out.split()), out
    assert not calls.exists()

    rc, out = run_playbook(PLAYBOOK, inventory, extra_vars={"kraft_storage_join": True})
    assert rc == 0, out
    formats = [line.split() for line in calls.read_text().splitlines() if line.startswith("format")]
    assert len(formats) == 1 and "--no-initial-controllers" in formats[0] and "--initial-controllers" not in formats[0], formats
    assert meta(root / "n3" / "meta" / "meta.properties")["cluster.id"] == "ExistingClusterId000000"


def test_brokers_of_a_dynamic_cluster_need_no_quorum_option(run_playbook, cluster):
    root, calls, inventory = cluster
    inventory["all"]["children"]["kafka"]["children"]["kafka_controllers"]["hosts"].pop("n3")
    dynamic(root, inventory, hosts=HOSTS[:2])
    rc, out = run_playbook(PLAYBOOK, inventory)
    assert rc == 0, out
    formats = [line for line in calls.read_text().splitlines() if line.startswith("format")]
    assert sorted("--initial-controllers" in line for line in formats) == [False, True, True], formats
    assert not any("--no-initial-controllers" in line for line in formats), formats
