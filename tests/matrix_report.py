"""make matrix's bookkeeping: one result per upgrade path, then the tables made from them.

record: after one path ran (molecule/matrix), keep its outcome and figures in RESULTS/<from>-<to>.json.
write: from every result kept, (1) roles/rolling_upgrade/files/tested_upgrade_paths.json, the paths the upgrade
preflight does not warn about (the ones that passed, plus the paths the make test scenarios run), and (2) the table
between the tested-upgrade-paths markers in README.md.
"""
import argparse
import json
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
PATHS_FILE = ROOT / "roles" / "rolling_upgrade" / "files" / "tested_upgrade_paths.json"
README = ROOT / "README.md"
BEGIN, END = "<!-- tested-upgrade-paths:begin -->", "<!-- tested-upgrade-paths:end -->"

# The upgrade paths scenarios run, with the make target that runs them: make test on every CI run, make extra on
# demand (docs/testing.md has their layouts).
SCENARIO_PATHS = [
    {"mode": "zookeeper", "from": "2.8.2", "to": "3.4.1", "by": "scenario upgrade-zk, make test"},
    {"mode": "kraft", "from": "3.5.2", "to": "3.9.2", "by": "scenario upgrade-kraft, make extra"},
    {"mode": "kraft", "from": "3.9.2", "to": "4.3.1", "by": "scenarios migrate-zk (make test) and upgrade-kraft-4 (make extra)"},
]


def version_key(version):
    return tuple(int(n) for n in version.split("."))


def record(args):
    figures = {}
    if args.rc == 0:
        figures = json.loads(pathlib.Path(args.figures).read_text())
    result = {"mode": "kraft", "from": args.source, "to": args.target, "passed": args.rc == 0, "scenario_s": args.seconds,
              "date": time.strftime("%Y-%m-%d", time.gmtime())}
    if figures:
        report, [summary] = figures["report"], list(figures["summaries"].values())
        result.update(restarts=summary["restarts"], roll_window_s=summary["roll_window_s"], run_s=summary["total_s"],
                      canary_acked=report["acked"], canary_lost=report["lost"]["count"],
                      canary_longest_stall_s=report["longest_stall_s"])
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / ("%s-%s.json" % (args.source, args.target))).write_text(json.dumps(result, indent=2) + "\n")
    print("matrix: %s -> %s %s in %d s" % (args.source, args.target, "passed" if result["passed"] else "FAILED", args.seconds))


def by(result):
    return "make matrix, %s" % result["date"] if result.get("date") else "make matrix"


def table(results):
    rows = ["| mode | from | to | tested by | result | restarts | roll window | canary: acked, lost, longest stall |",
            "|---|---|---|---|---|---|---|---|"]
    for p in SCENARIO_PATHS:
        rows.append("| %s | %s | %s | %s | passes | | | |" % (p["mode"], p["from"], p["to"], p["by"]))
    for r in results:
        if r["passed"]:
            rows.append("| %s | %s | %s | %s | passed | %d | %.0f s | %d, %d, %.2f s |" % (
                r["mode"], r["from"], r["to"], by(r), r["restarts"], r["roll_window_s"], r["canary_acked"], r["canary_lost"],
                r["canary_longest_stall_s"]))
        else:
            rows.append("| %s | %s | %s | %s | FAILED | | | |" % (r["mode"], r["from"], r["to"], by(r)))
    return "\n".join(rows)


def write(args):
    results = sorted((json.loads(p.read_text()) for p in pathlib.Path(args.results).glob("*.json")),
                     key=lambda r: (r["mode"], version_key(r["from"]), version_key(r["to"])))
    if not results:
        sys.exit("matrix: no results in %s (run make matrix first)" % args.results)
    tested = SCENARIO_PATHS + [{"mode": r["mode"], "from": r["from"], "to": r["to"], "by": "make matrix"} for r in results if r["passed"]]
    PATHS_FILE.parent.mkdir(parents=True, exist_ok=True)
    PATHS_FILE.write_text(json.dumps(tested, indent=2) + "\n")
    text = README.read_text()
    if BEGIN not in text or END not in text:
        sys.exit("matrix: README.md has no %s ... %s block" % (BEGIN, END))
    head, rest = text.split(BEGIN, 1)
    README.write_text(head + BEGIN + "\n" + table(results) + "\n" + END + rest.split(END, 1)[1])
    failed = [r for r in results if not r["passed"]]
    print("matrix: %d path(s), %d failed; wrote %s and the README table" % (len(results), len(failed), PATHS_FILE.relative_to(ROOT)))
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("--from", dest="source", required=True)
    rec.add_argument("--to", dest="target", required=True)
    rec.add_argument("--rc", type=int, required=True)
    rec.add_argument("--seconds", type=int, required=True)
    rec.add_argument("--figures", required=True)
    rec.add_argument("--out", required=True)
    wr = sub.add_parser("write")
    wr.add_argument("--results", required=True)
    args = parser.parse_args()
    if args.command == "record":
        record(args)
        return 0
    return write(args)


if __name__ == "__main__":
    sys.exit(main())
