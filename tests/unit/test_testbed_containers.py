"""tests/testbed/containers.py: the docker arguments a scenario platform becomes, and the keys it refuses."""
import importlib.util
import json

import pytest
from conftest import REPO

SPEC = importlib.util.spec_from_file_location("containers", REPO / "tests" / "testbed" / "containers.py")
containers = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(containers)

PLATFORM = {
    "name": "kraft-node1", "hostname": "kraft-node1", "image": "streamops-kafka/debian:bookworm", "pre_build_image": True,
    "command": "/sbin/init", "capabilities": ["SYS_ADMIN"], "security_opts": ["seccomp=unconfined", "apparmor=unconfined"],
    "cgroupns_mode": "host", "volumes": ["/sys/fs/cgroup:/sys/fs/cgroup:rw"], "tmpfs": ["/run", "/run/lock"],
    "networks": [{"name": "streamops-kraft"}], "groups": ["kafka"],
}


def test_a_platform_becomes_one_docker_run_with_every_setting():
    args, more_networks = containers.run_args("kraft", PLATFORM)
    assert args == ["run", "--detach", "--name", "kraft-node1", "--hostname", "kraft-node1",
                    "--label", "owner=molecule", "--label", "molecule_scenario=kraft",
                    "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
                    "--cgroupns", "host", "--volume", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock",
                    "--network", "streamops-kraft", "streamops-kafka/debian:bookworm", "/sbin/init"]
    assert more_networks == []


def test_a_second_network_is_connected_after_the_run():
    args, more_networks = containers.run_args("kraft", dict(PLATFORM, networks=[{"name": "a"}, {"name": "b"}]))
    assert args[args.index("--network") + 1] == "a" and more_networks == ["b"]


def test_a_platform_key_it_does_not_handle_is_refused_before_any_container_starts(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(containers, "docker", lambda *a, **k: calls.append(a))
    config = tmp_path / "instance_config.yml"
    with pytest.raises(SystemExit, match="platform keys it does not know .*: privileged"):
        containers.main(["containers.py", "create", "kraft", json.dumps([dict(PLATFORM, privileged=True)]), str(config)])
    assert calls == [] and not config.exists()
