"""What the scenarios' verify suites share: the inventory molecule wrote, the test bed's files, clients and modules
logged in as the inventory says. On PYTHONPATH from .config/molecule/config.yml (verifier.env); the pytest fixtures are
in streamops_verify.fixtures, which the suites' conftest.py files import."""
import importlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import testinfra.utils.ansible_runner

RUNNER = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"])
EPHEMERAL = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
CANARY = pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "tests" / "canary" / "canary.py"
# Where the upgrade suites leave the canary's report and the roll timings (relative paths: to the scenario directory).
# What the closing figures keep of each roll summary (the overhead of a roll beyond its restarts among them).
SUMMARY_FIGURES = ("total_s", "restart_time_s", "restarts", "roll_window_s", "restart_floor_s", "overhead_ratio")
FIGURES = pathlib.Path(os.environ.get("STREAMOPS_CACHE", ".cache")) / ("figures-%s.json" % os.environ["MOLECULE_SCENARIO_NAME"])


def hosts_of(group):
    return sorted(RUNNER.get_hosts(group))


def node_id(hostname):
    return int(RUNNER.get_variables(hostname)["kafka_node_id"])


def address_of(hostname):
    """The host's address on the scenario network: what the brokers advertise to the test host."""
    return RUNNER.get_host(hostname).interface("eth0").addresses[0]


def properties(text):
    """Java properties text as {key: value} (the simple key=value lines the roles write)."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))


def properties_file(host, path):
    """A Java properties file on a testinfra host as {key: value}."""
    return properties(host.file(path).content_string)


def ephemeral_json(name):
    """A JSON file the scenario's playbooks left in molecule's ephemeral directory (records, roll summaries)."""
    return json.loads((EPHEMERAL / name).read_text())


def wait_until(predicate, timeout, interval=0.5):
    """Poll predicate() until it returns a truthy value; return (value, last) where value is None on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last and last[0]:
            return last
        if time.monotonic() >= deadline:
            return last
        time.sleep(interval)


def inventory_vars():
    return RUNNER.get_variables(hosts_of("kafka")[0])


def passwords():
    """Every password the scenario's inventory configures: {what: password}."""
    v = inventory_vars()
    found = {"user %s" % u["name"]: u["password"] for u in v.get("sasl_users", [])}
    for key in ("sasl_zookeeper_password", "sasl_zookeeper_quorum_password", "sasl_ssl_keystore_password", "sasl_ssl_key_password"):
        if v.get(key):
            found[key] = v[key]
    return found


def password_forms(password):
    """A password as it could appear in output: raw, JSON-escaped (Ansible's results), ASCII-escaped."""
    return {password, json.dumps(password)[1:-1], json.dumps(password, ensure_ascii=False)[1:-1]}


def leaks(text):
    """Which of the inventory's passwords (passwords()) the text holds, in any of their forms."""
    return sorted(what for what, pw in passwords().items() if any(f in text for f in password_forms(pw)))


def client_security(user=None, password=None, mechanism=None):
    """kafka-python security options for the inventory's admin user (or the given one): the CA is the test bed's."""
    v = inventory_vars()
    protocol = v.get("sasl_protocol", "PLAINTEXT")
    out = {"security_protocol": protocol}
    if protocol.startswith("SASL_"):
        user = user or v.get("sasl_admin_user", "admin")
        out.update(sasl_mechanism=mechanism or v.get("sasl_admin_mechanism") or v.get("sasl_inter_broker_mechanism") or v["sasl_mechanisms"][0],
                   sasl_plain_username=user,
                   sasl_plain_password=password if password is not None else passwords()["user %s" % user])
    if protocol.endswith("SSL"):
        out.update(ssl_cafile=str(EPHEMERAL / "tls" / "ca.pem"))
    return out


def module_security(**kwargs):
    """The same, as the collection's modules name their connection options, plus the KRaft controller listener's."""
    names = {"sasl_plain_username": "sasl_username", "sasl_plain_password": "sasl_password"}
    out = {names.get(k, k): v for k, v in client_security(**kwargs).items()}
    v = inventory_vars()
    # A KRaft cluster, or one a migration gives controllers: the controller listener's options too.
    if (v.get("kafka_mode", "kraft") == "kraft" or hosts_of("kafka_controllers")) and out["security_protocol"] != "PLAINTEXT":
        out.update(controller_security_protocol=v.get("sasl_controller_protocol", out["security_protocol"]),
                   controller_sasl_mechanism=v.get("sasl_controller_mechanism", "PLAIN"))
    return out


def collection_module_utils(name):
    """A module_utils module of the installed collection (for its pure functions), imported on the test host."""
    root = os.environ["ANSIBLE_COLLECTIONS_PATH"].split(":")[0]
    if root not in sys.path:
        sys.path.insert(0, root)
    return importlib.import_module("ansible_collections.streamops.kafka.plugins.module_utils.%s" % name)


def module_params():
    """Every connection option of the collection's modules at its default (for module_utils used directly)."""
    connection_argument_spec = collection_module_utils("_client").connection_argument_spec
    return {name: spec.get("default") for name, spec in connection_argument_spec().items()}


def canary_report(run, summaries, windows=None):
    """The canary's report for run, with the restart windows of the roll summaries as its windows (or the windows given:
    [{"name", "start", "end"}])."""
    if windows is None:
        windows = [{"name": "%s/%s/%s" % (name.split(".")[0], e["phase"], e["host"]), "start": e["restart_window"][0], "end": e["ended_at"]}
                   for name in summaries for e in ephemeral_json(name)["entries"] if e.get("restart_window")]
    wfile = EPHEMERAL / ("windows-%s.json" % run)
    wfile.write_text(json.dumps(windows))
    proc = subprocess.run([sys.executable, str(CANARY), "report", "--dir", str(EPHEMERAL / ("canary-" + run)), "--windows", str(wfile)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    log = EPHEMERAL / ("canary-" + run) / "canary.log"
    errors = [line for line in log.read_text(errors="replace").splitlines() if " ERROR " in line] if log.exists() else []
    # The canary's own errors (a wedged producer, a stalled consumer) say more than the client's, which log every
    # refused connection while a broker restarts.
    own = [line for line in errors if " ERROR canary: " in line]
    report["log_errors"] = {"count": len(errors), "canary": len(own), "last": [line[:240] for line in (own or errors)[-3:]]}
    return report


def loss_evidence(report):
    """What a failed no-loss assertion says, in one line (a CI log shows little more): how many acknowledged records
    were never consumed, where (per partition, and how many lay beyond the consumer's last position), how the
    canary's consumer ended (positions, end offsets, rebuilds) and the last errors its log holds."""
    return json.dumps({"lost": report["lost"]["count"], "partitions": report["lost"].get("partitions"),
                       "shutdown": report.get("shutdown"), "log_errors": report.get("log_errors")}, sort_keys=True)


def run_module(name, check_mode=False, secure=True, **args):
    """Run a streamops.kafka module on the test host (the 'delegated to the controller' way), logged in as the inventory's
    admin user unless args say otherwise (secure=False: a module without Kafka connection options). Returns its result."""
    args = dict(module_security(), **args) if secure else args

    # Molecule's ansible.cfg enables profile_tasks, which would print ahead of the JSON: leave it out.
    env = {k: v for k, v in os.environ.items() if k not in ("ANSIBLE_CONFIG", "ANSIBLE_CALLBACKS_ENABLED")}
    env.update(ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    # The arguments (passwords among them) go in a one-task playbook file, never on a command line.
    fd, playbook = tempfile.mkstemp(prefix="run-module-", suffix=".json")
    with os.fdopen(fd, "w") as handle:
        json.dump([{"hosts": "localhost", "gather_facts": False, "tasks": [{"streamops.kafka.%s" % name: args}]}], handle)
    try:
        cmd = ["ansible-playbook", "-i", "localhost,", "-c", "local", playbook] + (["--check"] if check_mode else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    finally:
        os.unlink(playbook)
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("no JSON from ansible (rc %s): %s %s" % (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:]))
    return out["plays"][0]["tasks"][0]["hosts"]["localhost"]
