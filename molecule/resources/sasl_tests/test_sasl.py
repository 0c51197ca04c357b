"""Authentication as the sasl role set it up, and the secret-handling checks over the scenario's -vvv runs and the
command lines sampled from prepare to the end of side_effect (molecule/resources/cmdline_watch.sh, verbose_runs.yml)."""
import re

import pytest

from streamops_verify import (EPHEMERAL, RUNNER, address_of, canary_report, client_security, ephemeral_json, hosts_of,
                              inventory_vars, leaks, loss_evidence, module_params, module_security, node_id, passwords,
                              properties_file, run_module)

VARS = inventory_vars()
KRAFT = VARS.get("kafka_mode", "kraft") == "kraft"
NODES = sorted(set(hosts_of("kafka")) | set(hosts_of("zookeeper")))
KAFKA_NODES = hosts_of("kafka")
VERBOSE_RUNS = sorted(p.name[:-len("-vvv.log")] for p in EPHEMERAL.glob("*-vvv.log"))
SUMMARIES = sorted(p.name for p in EPHEMERAL.glob("summary-*.json"))


def test_inventory_has_passwords_and_the_side_effect_left_runs_to_check():
    assert len(passwords()) >= 3, passwords().keys()
    assert "restart" in VERBOSE_RUNS and "summary-restart.json" in SUMMARIES, (VERBOSE_RUNS, SUMMARIES)


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

    # kafka-python retries a refused login until its bootstrap timeout (30 s by default) and then raises.
    with pytest.raises(KafkaError):
        client = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000, bootstrap_timeout_ms=5000,
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
    mechanisms = [m for m in VARS["verify_sasl_mechanisms_after"] if m.startswith("SCRAM-")]
    users = [u for u in VARS["sasl_users"] if set(u.get("mechanisms", mechanisms)) & set(mechanisms)]
    described = admin.describe_user_scram_credentials([u["name"] for u in users])
    for user in users:
        infos = described[user["name"]]["credential_infos"]
        have = sorted(i["mechanism"].name.replace("_", "-") for i in infos)
        assert have == sorted(set(user.get("mechanisms", mechanisms)) & set(mechanisms)), (user["name"], described[user["name"]])
        assert {i["iterations"] for i in infos} == {8192}


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"])
def test_application_user_logs_in_with_each_enabled_mechanism(bootstrap, mechanism):
    if mechanism not in VARS["verify_sasl_mechanisms_after"]:
        pytest.skip("%s not enabled in this scenario" % mechanism)
    # A login alone: app has no ACL, so on an authorizing cluster any request past the handshake is refused
    # (test_authorization.py).
    defaults = module_params()  # also puts the installed collection on sys.path
    from ansible_collections.streamops.kafka.plugins.module_utils._client import DirectClient
    probe = DirectClient(dict(defaults, **module_security(user="app", mechanism=mechanism)), "streamops-verify", bootstrap)
    try:
        assert probe.login() is True, mechanism
    finally:
        probe.close()


def test_mechanism_changes_rolled_every_node_behind_the_gates_without_loss():
    for name in SUMMARIES:
        summary = ephemeral_json(name)
        # Every Kafka node restarted (sasl-zk's first roll also restarts the ZooKeeper members: test_metrics.py).
        restarted = [e for e in summary["entries"] if e["action"] == "restarted"]
        assert sorted(e["host"] for e in restarted if e["phase"] != "zookeeper") == KAFKA_NODES, (name, summary)
        assert summary["restarts"] == len(restarted), (name, summary)
        # The default batch: one node stops at a time.
        assert [len(b["nodes"]) for b in summary["batches"]] == [1] * summary["restarts"], (name, summary["batches"])
    report = canary_report("roll", SUMMARIES)
    assert report["acked"] > 500
    assert report["lost"]["count"] == 0, loss_evidence(report)
    assert report["shutdown"]["consumer_caught_up"], report["shutdown"]


@pytest.mark.parametrize("node", KAFKA_NODES)
def test_brokers_run_the_mechanisms_the_rolls_asked_for(node):
    props = properties_file(RUNNER.get_host(node), "/etc/kafka/server.properties")
    listener = VARS.get("kafka_broker_listener_name", "PLAINTEXT").lower()
    assert props["listener.name.%s.sasl.enabled.mechanisms" % listener].split(",") == VARS["verify_sasl_mechanisms_after"]
    assert props["sasl.mechanism.inter.broker.protocol"] == VARS.get("verify_sasl_inter_broker_mechanism_after", VARS["verify_sasl_mechanisms_after"][0])
    # The roll applied it: the process started after the file was written.
    host = RUNNER.get_host(node)
    started = int(host.run("echo $(( $(date +%s) - $(ps -o etimes= -p $(systemctl show -p MainPID --value kafka)) ))").stdout)
    written = int(host.run("stat -c %Y /etc/kafka/server.properties").stdout)
    assert started >= written - 1, "server.properties changed after the broker started (%d > %d)" % (written, started)


ZK_DIGEST = bool(VARS.get("sasl_zookeeper_digest"))
ZK_CLIENT = ("{java} -cp '/opt/zookeeper/current/lib/*' {jaas} org.apache.zookeeper.ZooKeeperMain -server {address}:2181 ls /brokers/ids")


@pytest.mark.skipif(not ZK_DIGEST, reason="no ZooKeeper DIGEST in this scenario")
def test_zookeeper_admits_only_clients_that_log_in():
    node = hosts_of("zookeeper")[0]
    host = RUNNER.get_host(node)
    java = host.run("readlink -f $(command -v java)").stdout.strip()
    assert java, "no java on the PATH of %s" % node
    ids = "[%s]" % ", ".join(str(i) for i in sorted(node_id(h) for h in KAFKA_NODES))
    good = host.run(ZK_CLIENT.format(java=java, jaas="-Djava.security.auth.login.config=/etc/kafka/zookeeper-client.jaas",
                                     address=address_of(node)))
    assert ids in good.stdout, good.stdout[-2000:] + good.stderr[-2000:]
    anonymous = host.run(ZK_CLIENT.format(java=java, jaas="-Dzookeeper.sasl.client=false", address=address_of(node)))
    assert ids not in anonymous.stdout, anonymous.stdout[-2000:]


@pytest.mark.skipif(not ZK_DIGEST, reason="no ZooKeeper DIGEST in this scenario")
def test_zookeeper_members_require_each_other_to_log_in():
    modes = []
    for node in hosts_of("zookeeper"):
        host = RUNNER.get_host(node)
        cfg = host.file("/etc/zookeeper/zoo.cfg").content_string
        assert "quorum.auth.serverRequireSasl=true" in cfg and "quorum.auth.learnerRequireSasl=true" in cfg
        assert "enforce.auth.enabled=true" in cfg
        srvr = host.run("bash -c 'exec 3<>/dev/tcp/127.0.0.1/2181; echo srvr >&3; cat <&3'").stdout
        modes += re.findall(r"^Mode: (\w+)", srvr, re.M)
    assert sorted(modes) == ["follower", "follower", "leader"], modes


@pytest.mark.skipif("site" not in VERBOSE_RUNS, reason="this scenario's idempotence step re-ran site.yml")
def test_site_rerun_after_the_roll_changed_nothing():
    text = (EPHEMERAL / "site-vvv.log").read_text(errors="replace")
    recap = dict(re.findall(r"^(\S+)\s*: ok=\d+\s+changed=(\d+)", text, re.M))
    assert set(NODES) <= set(recap), recap
    assert {h: c for h, c in recap.items() if c != "0"} == {}
