"""config_files: a node's configuration written in one module run, secrets never shown, bad input refused first."""
import grp
import json
import os
import pwd
import stat

import pytest
from ansible.module_utils.testing import patch_module_args
from conftest import REPO  # noqa: F401  (puts the working tree on the import path)
from ansible_collections.streamops.kafka.plugins.modules import config_files

USER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name
SECRET = "sasl.jaas.config=... password=\"s3cr3t-pw\";\n"


def run(capsys, **args):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            config_files.main()
    return json.loads(capsys.readouterr().out)


def layout(tmp_path, secret=SECRET, unit_mode="0644"):
    conf = tmp_path / "etc" / "kafka"
    return dict(
        directories=[dict(path=str(conf), owner=USER, group=GROUP, mode="0750")],
        files=[dict(dest=str(conf / "server.properties"), secret_content=secret, owner=USER, group=GROUP, mode="0640"),
               dict(dest=str(tmp_path / "kafka.service"), content="[Service]\nExecStart=/bin/true\n", owner=USER, group=GROUP,
                    mode=unit_mode)])


def mode(path):
    return oct(stat.S_IMODE(os.stat(path).st_mode))


def test_first_run_writes_everything_and_the_second_changes_nothing(tmp_path, capsys):
    args = layout(tmp_path)
    first = run(capsys, **args)
    conf = tmp_path / "etc" / "kafka"
    assert not first.get("failed"), first
    assert first["changed"] and first["changed_files"] == [str(conf), str(conf / "server.properties"), str(tmp_path / "kafka.service")]
    assert mode(conf) == "0o750" and mode(conf / "server.properties") == "0o640" and mode(tmp_path / "kafka.service") == "0o644"
    assert (conf / "server.properties").read_text() == SECRET
    # No temporary file is left beside the written ones.
    assert sorted(os.listdir(conf)) == ["server.properties"]
    second = run(capsys, **args)
    assert second["changed"] is False and second["changed_files"] == []


def test_only_what_differs_is_rewritten_or_corrected(tmp_path, capsys):
    run(capsys, **layout(tmp_path))
    conf = tmp_path / "etc" / "kafka"
    before = os.stat(tmp_path / "kafka.service").st_mtime_ns
    result = run(capsys, **layout(tmp_path, secret="other\n"))
    assert result["changed_files"] == [str(conf / "server.properties")]
    assert (conf / "server.properties").read_text() == "other\n"
    assert os.stat(tmp_path / "kafka.service").st_mtime_ns == before
    # A mode that differs is corrected without rewriting the content.
    result = run(capsys, **layout(tmp_path, secret="other\n", unit_mode="0600"))
    assert result["changed_files"] == [str(tmp_path / "kafka.service")] and mode(tmp_path / "kafka.service") == "0o600"
    assert os.stat(tmp_path / "kafka.service").st_mtime_ns == before


def test_check_mode_reports_and_changes_nothing(tmp_path, capsys):
    result = run(capsys, _ansible_check_mode=True, **layout(tmp_path))
    assert result["changed"] and len(result["changed_files"]) == 3
    assert not (tmp_path / "etc").exists() and not (tmp_path / "kafka.service").exists()
    # In check mode an owner or group a real run would create first is not an error.
    args = layout(tmp_path)
    args["files"][1]["group"] = "streamops-no-such-group"
    result = run(capsys, _ansible_check_mode=True, **args)
    assert not result.get("failed"), result
    assert str(tmp_path / "kafka.service") in result["changed_files"]


def test_a_secret_is_never_shown_a_plain_file_diffs(tmp_path, capsys):
    result = run(capsys, _ansible_diff=True, **layout(tmp_path))
    out = json.dumps(result)
    assert "s3cr3t-pw" not in out
    assert [d["after_header"] for d in result["diff"]] == [str(tmp_path / "kafka.service")]
    assert result["diff"][0]["before"] == "" and "ExecStart=/bin/true" in result["diff"][0]["after"]


@pytest.mark.parametrize("field,value,message", [
    ("mode", "rw-r-----", "is not an octal number"),
    ("group", "streamops-no-such-group", "no such group: streamops-no-such-group"),
    ("owner", "streamops-no-such-user", "no such user: streamops-no-such-user"),
])
def test_bad_input_is_refused_before_anything_changes(tmp_path, capsys, field, value, message):
    args = layout(tmp_path)
    args["files"][1][field] = value
    result = run(capsys, **args)
    assert result["failed"] and message in result["msg"] and str(tmp_path / "kafka.service") in result["msg"]
    # The directory and the file listed before the bad entry were not written either.
    assert not (tmp_path / "etc").exists() and result["changed_files"] == []


def test_each_file_needs_exactly_one_content(tmp_path, capsys):
    args = layout(tmp_path)
    args["files"][1]["secret_content"] = "other-secret"
    result = run(capsys, **args)
    assert result["failed"] and "mutually exclusive" in result["msg"]
    args["files"][1].pop("secret_content")
    args["files"][1].pop("content")
    result = run(capsys, **args)
    assert result["failed"] and "one of the following is required" in result["msg"]
    assert not (tmp_path / "etc").exists()
