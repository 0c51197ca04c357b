"""make matrix's bookkeeping (tests/matrix_report.py) and the tested paths the upgrade preflight reads."""
import argparse
import json
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
import matrix_report  # noqa: E402  pylint: disable=wrong-import-position

FIGURES = {"report": {"acked": 17040, "lost": {"count": 0}, "longest_stall_s": 0.622},
           "summaries": {"summary-upgrade.json": {"restarts": 3, "roll_window_s": 50.7, "total_s": 104.9}}}


def test_shipped_paths_hold_the_scenarios_paths_and_only_known_fields():
    shipped = json.loads((ROOT / "roles" / "rolling_upgrade" / "files" / "tested_upgrade_paths.json").read_text())
    for path in matrix_report.SCENARIO_PATHS:
        assert path in shipped
    for path in shipped:
        assert sorted(path) == ["by", "from", "mode", "to"] and path["mode"] in ("kraft", "zookeeper"), path
        assert matrix_report.version_key(path["from"]) < matrix_report.version_key(path["to"]), path


def test_record_then_write_lists_what_passed_and_marks_what_failed(tmp_path, monkeypatch):
    figures = tmp_path / "figures.json"
    figures.write_text(json.dumps(FIGURES))
    out = tmp_path / "results"
    for source, rc in (("3.7.0", 0), ("3.3.1", 2)):
        matrix_report.record(argparse.Namespace(source=source, target="4.3.1", rc=rc, seconds=250, figures=str(figures), out=str(out)))
    readme, paths = tmp_path / "README.md", tmp_path / "tested_upgrade_paths.json"
    readme.write_text("intro\n%s\nold table\n%s\nrest\n" % (matrix_report.BEGIN, matrix_report.END))
    monkeypatch.setattr(matrix_report, "README", readme)
    monkeypatch.setattr(matrix_report, "PATHS_FILE", paths)
    monkeypatch.setattr(matrix_report, "ROOT", tmp_path)
    assert matrix_report.write(argparse.Namespace(results=str(out))) == 1  # one path failed
    tested = json.loads(paths.read_text())
    assert tested == matrix_report.SCENARIO_PATHS + [{"mode": "kraft", "from": "3.7.0", "to": "4.3.1", "by": "make matrix"}]
    text = readme.read_text()
    assert "old table" not in text and text.startswith("intro\n") and text.endswith("\nrest\n")
    rows = [line for line in text.splitlines() if "make matrix" in line]
    day = json.loads((out / "3.7.0-4.3.1.json").read_text())["date"]
    # sorted by the source release: 3.3.1 before 3.7.0
    assert rows == ["| kraft | 3.3.1 | 4.3.1 | make matrix, %s | FAILED | | | |" % day,
                    "| kraft | 3.7.0 | 4.3.1 | make matrix, %s | passed | 3 | 51 s | 17040, 0, 0.62 s |" % day]


def test_write_refuses_without_results(tmp_path):
    with pytest.raises(SystemExit, match="no results"):
        matrix_report.write(argparse.Namespace(results=str(tmp_path)))
