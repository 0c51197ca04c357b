"""Create or remove a scenario's containers with the Docker CLI, all at once.

Molecule's create and destroy playbooks (molecule/resources/create.yml, destroy.yml) call this with the scenario's
platforms as JSON. It replaces the docker driver's playbooks, whose create step took 12-22 s for 3-6 containers (one Ansible module
call per container and their async polling); here each container is one `docker run`, started in parallel.

  python3 containers.py create SCENARIO PLATFORMS_JSON INSTANCE_CONFIG
  python3 containers.py destroy SCENARIO PLATFORMS_JSON INSTANCE_CONFIG

The platform keys the scenarios use are the ones molecule's docker driver reads (name, hostname, image, command,
capabilities, security_opts, cgroupns_mode, volumes, tmpfs, networks); any other key is refused, so that a setting
is never dropped silently. create writes molecule's instance config (name, address, user), destroy empties it.
"""
import json
import subprocess
import sys

KNOWN = {"name", "hostname", "image", "command", "capabilities", "security_opts", "cgroupns_mode", "volumes", "tmpfs",
         "networks", "groups", "pre_build_image", "children"}


def docker(*args, check=True):
    return subprocess.run(["docker", *args], check=check, capture_output=True, text=True)


def run_args(scenario, platform):
    args = ["run", "--detach", "--name", platform["name"], "--hostname", platform.get("hostname", platform["name"]),
            "--label", "owner=molecule", "--label", "molecule_scenario=%s" % scenario]
    for cap in platform.get("capabilities", []):
        args += ["--cap-add", cap]
    for opt in platform.get("security_opts", []):
        args += ["--security-opt", opt]
    if platform.get("cgroupns_mode"):
        args += ["--cgroupns", platform["cgroupns_mode"]]
    for volume in platform.get("volumes", []):
        args += ["--volume", volume]
    for tmpfs in platform.get("tmpfs", []):
        args += ["--tmpfs", tmpfs]
    networks = [n["name"] for n in platform.get("networks", [])]
    if networks:
        args += ["--network", networks[0]]
    args.append(platform["image"])
    if platform.get("command"):
        args += platform["command"].split()
    return args, networks[1:]


def networks_of(platforms):
    return sorted({n["name"] for p in platforms for n in p.get("networks", [])})


def create(scenario, platforms):
    for network in networks_of(platforms):
        if docker("network", "inspect", network, check=False).returncode:
            docker("network", "create", "--label", "owner=molecule", network)
    started = []
    for platform in platforms:
        if docker("container", "inspect", platform["name"], check=False).returncode == 0:
            started.append((platform, None, []))  # an earlier create made it; like the driver, keep it
            continue
        args, more_networks = run_args(scenario, platform)
        started.append((platform, subprocess.Popen(["docker", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                   text=True), more_networks))
    failed = []
    for platform, proc, more_networks in started:
        if proc is None:
            docker("start", platform["name"])
            continue
        _out, err = proc.communicate()
        if proc.returncode:
            failed.append("%s: %s" % (platform["name"], err.strip()))
            continue
        for network in more_networks:
            docker("network", "connect", network, platform["name"])
    if failed:
        raise SystemExit("docker run failed:\n" + "\n".join(failed))


def destroy(platforms):
    names = [p["name"] for p in platforms]
    docker("rm", "--force", "--volumes", *names, check=False)
    for network in networks_of(platforms):
        # Only a network no other container still uses (an absent one reads as empty).
        if docker("network", "inspect", "--format", "{{len .Containers}}", network, check=False).stdout.strip() in ("", "0"):
            docker("network", "rm", network, check=False)


def main(argv):
    if len(argv) != 5 or argv[1] not in ("create", "destroy"):
        raise SystemExit(__doc__)
    action, scenario, platforms, instance_config = argv[1], argv[2], json.loads(argv[3]), argv[4]
    unknown = sorted({k for p in platforms for k in p} - KNOWN)
    if unknown:
        raise SystemExit("containers.py: platform keys it does not know (add them here): %s" % ", ".join(unknown))
    if action == "create":
        create(scenario, platforms)
        config = [{"instance": p["name"], "address": p["name"], "user": "root"} for p in platforms]
    else:
        destroy(platforms)
        config = []
    with open(instance_config, "w") as handle:
        json.dump(config, handle)  # JSON is YAML, which molecule reads it as
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
