"""Run ansible-playbook and break things at chosen moments of its run (the `faults` scenario; see docs/testing.md).

    inject.py --rules RULES.json --events EVENTS.json -- ansible-playbook -i INVENTORY ... PLAYBOOK

The playbook's output is read line by line as the default callback prints it (and echoed). A rule fires once, when
the nth result line of a task matches it; its actions then run in order, on a thread of their own, while the run goes
on. RULES.json:

    {"network": "<docker network of the scenario>",
     "rules": [{"name": "...",
                "task": "<substring of the task name>", "status": ["changed"], "host": "<regex on the host>", "nth": 2,
                "actions": [{"do": "kill_java", "target": "match"}, ...]}]}

Actions (target: "match" is the host of the line that fired the rule, "first" the host of the rule's first matching
line, anything else a container name):
    kill_java   SIGKILL to the main process of the target's "unit" (default kafka), as `kill -9` would; systemd
                restarts it
    disconnect  take the target off the scenario's network; connect puts it back
    exec        run "command" with sh -c in the target container (a disk filled, a file removed)
    pids        record the main PID of the kafka unit on every container named in "hosts"
    sleep       wait "seconds"
    kill_run    SIGKILL to ansible-playbook and its workers (the run killed mid-roll)

EVENTS.json gets the run's return code, every action with its time and outcome, and the time of every header and
result line of the tasks the rules name (the timeline the verify suite reads). The exit code is ansible-playbook's, or 0 when
a kill_run rule killed it (that is the expected outcome, recorded as killed: true).
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

TASK_LINE = re.compile(r"^TASK \[(?:[^\]:]+ : )?(?P<task>.*)\] \**$")
RESULT_LINE = re.compile(r"^(?P<status>ok|changed|failed|fatal|skipping): \[(?P<host>[^\]\s]+)(?: -> [^\]]+)?\]")


class Parser(object):
    """Turns the default callback's lines into (task, status, host): a result, or (task, "started", None) for the
    header printed when a task begins."""

    def __init__(self):
        self.task = None

    def feed(self, line):
        line = re.sub(r"\x1b\[[0-9;]*m", "", line.rstrip("\n"))
        match = TASK_LINE.match(line)
        if match:
            self.task = match.group("task")
            return self.task, "started", None
        match = RESULT_LINE.match(line)
        if match and self.task is not None:
            return self.task, match.group("status"), match.group("host")
        return None


class Rule(object):

    def __init__(self, spec):
        self.spec = spec
        self.hosts = []
        self.fired = False

    def matches(self, task, status, host):
        spec = self.spec
        return (spec["task"] in task and status in spec.get("status", ["ok", "changed"])
                and re.search(spec.get("host", ""), host) is not None)

    def offer(self, task, status, host):
        """True when this result fires the rule (its nth match)."""
        if self.fired or not self.matches(task, status, host):
            return False
        self.hosts.append(host)
        if len(self.hosts) == self.spec.get("nth", 1):
            self.fired = True
            return True
        return False

    def target(self, action):
        name = action.get("target", "match")
        return {"match": self.hosts[-1] if self.hosts else None, "first": self.hosts[0] if self.hosts else None}.get(name, name)


def docker(*args):
    proc = subprocess.run(("docker",) + args, capture_output=True, text=True, timeout=120)
    return {"rc": proc.returncode, "out": (proc.stdout + proc.stderr).strip()[-500:]}


def main_pid(container, unit="kafka"):
    out = docker("exec", container, "systemctl", "show", "-p", "MainPID", "--value", unit)
    return int(out["out"]) if out["rc"] == 0 and out["out"].isdigit() else None


class Injector(object):

    def __init__(self, config, proc):
        self.network = config.get("network")
        self.rules = [Rule(spec) for spec in config["rules"]]
        self.proc = proc
        self.events = []
        self.timeline = []
        self.killed = False
        self.threads = []
        self.lock = threading.Lock()

    def record(self, **event):
        event["time"] = round(time.time(), 3)
        with self.lock:
            self.events.append(event)

    def act(self, rule, action):
        do, target = action["do"], rule.target(action)
        if do == "sleep":
            time.sleep(float(action["seconds"]))
            self.record(rule=rule.spec["name"], do=do, seconds=action["seconds"])
        elif do == "kill_java":
            unit = action.get("unit", "kafka")
            pid = main_pid(target, unit)
            out = docker("exec", target, "kill", "-9", str(pid)) if pid else {"rc": 1, "out": "no main PID"}
            self.record(rule=rule.spec["name"], do=do, target=target, unit=unit, pid=pid, **out)
        elif do == "exec":
            self.record(rule=rule.spec["name"], do=do, target=target, command=action["command"],
                        **docker("exec", target, "sh", "-c", action["command"]))
        elif do in ("disconnect", "connect"):
            self.record(rule=rule.spec["name"], do=do, target=target, **docker("network", do, self.network, target))
        elif do == "pids":
            self.record(rule=rule.spec["name"], do=do, pids={h: main_pid(h) for h in action["hosts"]})
        elif do == "kill_run":
            self.killed = True
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.record(rule=rule.spec["name"], do=do, pid=self.proc.pid)
        else:
            raise ValueError("unknown action %r" % do)

    def fire(self, rule):
        self.record(rule=rule.spec["name"], do="fired", host=rule.hosts[-1])

        def run():
            for action in rule.spec["actions"]:
                try:
                    self.act(rule, action)
                except Exception as exc:  # recorded for the verify suite, which fails on it
                    self.record(rule=rule.spec["name"], do=action["do"], error=repr(exc))
                    return
        if rule.spec["actions"] and rule.spec["actions"][0]["do"] == "kill_run":
            run()  # at once, before another line of the run is read
        else:
            thread = threading.Thread(target=run)
            thread.start()
            self.threads.append(thread)

    def feed(self, result):
        """A task began (status "started", no host) or a host's result came: timeline it when a rule watches the
        task, and fire the rules it completes."""
        task, status, host = result
        if any(rule.spec["task"] in task for rule in self.rules):
            self.timeline.append({"time": round(time.time(), 3), "task": task, "status": status, "host": host})
        if host is None:
            return
        for rule in self.rules:
            if rule.offer(task, status, host):
                self.fire(rule)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", required=True)
    parser.add_argument("--events", required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    with open(args.rules) as handle:
        config = json.load(handle)

    started = time.time()
    env = dict(os.environ, PYTHONUNBUFFERED="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            start_new_session=True)
    injector = Injector(config, proc)
    lines = Parser()
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        result = lines.feed(line)
        if result:
            injector.feed(result)
    rc = proc.wait()
    for thread in injector.threads:
        thread.join()
    report = {"rc": rc, "killed": injector.killed, "start": round(started, 3), "end": round(time.time(), 3),
              "fired": [r.spec["name"] for r in injector.rules if r.fired], "events": injector.events,
              "timeline": injector.timeline}
    with open(args.events, "w") as handle:
        json.dump(report, handle, indent=2)
    return 0 if injector.killed else rc


if __name__ == "__main__":
    sys.exit(main())
