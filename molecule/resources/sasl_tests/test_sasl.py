"""Authentication as the sasl role set it up, and the secret-handling checks over the scenario's -vvv runs and the
command lines sampled from prepare to the end of side_effect (molecule/resources/cmdline_watch.sh, verbose_runs.yml)."""
import json
import re

import pytest

from conftest import (EPHEMERAL, RUNNER, address_of, canary_report, client_security, hosts_of, inventory_vars, module_params,
                      module_security, passwords, run_module)

VARS = inventory_vars()
KRAFT = VARS.get("kafka_mode", "kraft") == "kraft"
NODES = sorted(set(hosts_of("kafka")) | set(hosts_of("zookeeper")))
KAFKA_NODES = hosts_of("kafka")
VERBOSE_RUNS = ("restart", "site")


def forms(password):
    """A password as it could appear in output: raw, JSON-escaped (Ansible's results), ASCII-escaped."""
    return {password, json.dumps(password)[1:-1], json.dumps(password, ensure_ascii=False)[1:-1]}


def leaks(text):
    return sorted(what for what, pw in passwords().items() if any(f in text for f in forms(pw)))


def test_inventory_has_passwords_to_look_for():
    assert len(passwords()) >= 3, passwords().keys()


@pytest.mark.parametrize("run", VERBOSE_RUNS)
def test_no_password_in_vvv_output(run):
    text = (EPHEMERAL / ("%s-vvv.log" % run)).read_text(errors="replace")
    # The log is the real thing: verbose, and it ran the modules and templates that handle the secrets.
    assert "PLAY RECAP" in text and "<localhost> EXEC" in text
    assert "streamops.kafka.kafka_scram_users" in text or "Create or update the SCRAM users" in text
    assert leaks(text) == []


def test_no_password_on_any_command_line():
    logs = {p.name: p.read_text(errors="replace") for p in (EPHEMERAL / "cmdlines").glob("cmdlines-*.log")}
    assert sorted(logs) == sorted(["cmdlines-%s.log" % h for h in NODES] + ["cmdlines-test-host.log"])
    # The samplers saw the services, the test host's ansible runs and (KRaft) the storage format run.
    for host in KAFKA_NODES:
        assert "kafka.Kafka" in logs["cmdlines-%s.log" % host], host
    assert "ansible-playbook" in logs["cmdlines-test-host.log"]
    if KRAFT:
        assert any(".kraft-storage-format.args" in text for text in logs.values()), "no sampler saw the format run"
    assert {name: leaks(text) for name, text in logs.items() if leaks(text)} == {}


@pytest.mark.parametrize("node", NODES)
def test_no_config_file_world_readable(node):
    host = RUNNER.get_host(node)
    listing = host.run("find /etc/kafka /etc/zookeeper -type f -perm /o=rwx 2>/dev/null")
    assert listing.stdout.strip() == ""
    assert host.run("ls /etc/kafka /etc/zookeeper 2>/dev/null").stdout.strip(), "no config on %s" % node


@pytest.mark.parametrize("node", KAFKA_NODES)
def test_every_kafka_process_refuses_jndi_login(node):
    proc = RUNNER.get_host(node).process.get(comm="java", user="kafka")
    assert re.search(r"-Dorg\.apache\.kafka\.disallowed\.login\.modules=\S*com\.sun\.security\.auth\.module\.JndiLoginModule",
                     proc.args)


def test_admin_client_config_works_for_the_operator():
    node = hosts_of("kafka_brokers")[0]
    host = RUNNER.get_host(node)
    f = host.file("/etc/kafka/client.properties")
    assert (f.user, f.group, f.mode) == ("kafka", "kafka", 0o600)
    out = host.run("runuser -u kafka -- /opt/kafka/current/bin/kafka-topics.sh --bootstrap-server %s:9092 "
                   "--command-config /etc/kafka/client.properties --list" % address_of(node))
    assert out.rc == 0, out.stderr[-2000:]
    assert "canary" in out.stdout.split()


def test_wrong_password_is_refused(bootstrap):
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    defaults = module_params()  # also puts the installed collection on sys.path
    from ansible_collections.streamops.kafka.plugins.module_utils._client import DirectClient

    with pytest.raises(KafkaError):
        client = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000,
                                  **client_security(password="not-the-password"))
        client.describe_cluster()
        client.close()
    result = run_module("kafka_info", bootstrap_servers=bootstrap, sasl_password="not-the-password", request_timeout_ms=5000)
    assert result.get("failed"), result
    # The modules' own login check tells a refused password from a good one on the same listener.
    for password, accepted in (("not-the-password", False), (None, True)):
        probe = DirectClient(dict(defaults, **module_security(password=password)), "streamops-verify", bootstrap)
        try:
            assert probe.login() is accepted, password
        finally:
            probe.close()
    assert not run_module("kafka_info", bootstrap_servers=bootstrap).get("failed")


def test_scram_users_hold_every_scram_mechanism(admin):
    mechanisms = [m for m in VARS["sasl_mechanisms_after"] if m.startswith("SCRAM-")]
    users = [u for u in VARS["sasl_users"] if set(u.get("mechanisms", mechanisms)) & set(mechanisms)]
    described = admin.describe_user_scram_credentials([u["name"] for u in users])
    for user in users:
        infos = described[user["name"]]["credential_infos"]
        have = sorted(i["mechanism"].name.replace("_", "-") for i in infos)
        assert have == sorted(set(user.get("mechanisms", mechanisms)) & set(mechanisms)), (user["name"], described[user["name"]])
        assert {i["iterations"] for i in infos} == {8192}


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"])
def test_application_user_logs_in_with_each_enabled_mechanism(bootstrap, mechanism):
    if mechanism not in VARS["sasl_mechanisms_after"]:
        pytest.skip("%s not enabled in this scenario" % mechanism)
    result = run_module("kafka_info", bootstrap_servers=bootstrap, sasl_mechanism=mechanism, sasl_username="app",
                        sasl_password=passwords()["user app"])
    assert not result.get("failed"), result.get("msg")


def test_mechanism_change_rolled_every_node_behind_the_gates_without_loss():
    summary = json.loads((EPHEMERAL / "summary-restart.json").read_text())
    assert summary["restarts"] == len(KAFKA_NODES), summary
    report = canary_report("roll", ["summary-restart.json"])
    assert report["acked"] > 500
    assert report["lost"]["count"] == 0, report["lost"]
    assert report["shutdown"]["consumer_caught_up"], report["shutdown"]


def test_site_rerun_after_the_roll_changed_nothing():
    text = (EPHEMERAL / "site-vvv.log").read_text(errors="replace")
    recap = dict(re.findall(r"^(\S+)\s*: ok=\d+\s+changed=(\d+)", text, re.M))
    assert set(NODES) <= set(recap), recap
    assert {h: c for h, c in recap.items() if c != "0"} == {}
