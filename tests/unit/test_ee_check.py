"""tests/ee_check.py: the imports of the plugins against the execution environment's requirements file."""
import importlib.util
import pathlib
import sys

_SPEC = importlib.util.spec_from_file_location("ee_check", pathlib.Path(__file__).resolve().parents[1] / "ee_check.py")
ee_check = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(ee_check)

STDLIB = set(sys.stdlib_module_names)
DISTRIBUTIONS = {"kafka": ["kafka-python"], "yaml": ["PyYAML"], "requests": ["requests"]}
CORE = {"pyyaml", "jinja2"}


def write(root, relative, text):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_requirement_names_skip_comments_options_and_versions():
    lines = ["# a comment", "", "-r other.txt", "kafka-python>=3.0.12,<4  # the admin client", "Some_Package[extra]==1",
             "other ; python_version > '3'"]
    assert ee_check.requirement_names(lines) == ["kafka-python", "some-package", "other"]


def test_plugin_imports_finds_top_level_names_and_skips_relative_imports(tmp_path):
    write(tmp_path, "plugins/modules/a.py", "import os\nimport kafka.errors as e\nfrom yaml import safe_load\nfrom . import x\n")
    write(tmp_path, "plugins/module_utils/b.py", "try:\n    from kafka import KafkaAdminClient\nexcept ImportError:\n    pass\n")
    found = ee_check.plugin_imports(tmp_path)
    assert sorted(found) == ["kafka", "os", "yaml"]
    assert found["kafka"] == ["plugins/module_utils/b.py", "plugins/modules/a.py"]


def test_an_import_nothing_declares_is_named_with_its_file():
    imports = {"kafka": ["plugins/modules/a.py"], "requests": ["plugins/modules/b.py"], "yaml": ["plugins/filter/c.py"],
               "os": ["plugins/modules/a.py"], "ansible": ["plugins/modules/a.py"]}
    assert ee_check.problems(imports, ["kafka-python"], CORE, DISTRIBUTIONS, STDLIB) == [
        "plugins/modules/b.py imports requests, which no line of requirements.txt provides (installed as: requests)"]


def test_an_import_not_installed_here_says_so():
    found = ee_check.problems({"nowhere": ["plugins/modules/a.py"]}, [], CORE, DISTRIBUTIONS, STDLIB)
    assert found == ["plugins/modules/a.py imports nowhere, which no line of requirements.txt provides (installed as: not installed here)"]


def test_a_declared_package_no_plugin_imports_is_stale():
    found = ee_check.problems({"os": ["plugins/modules/a.py"]}, ["kafka-python"], CORE, DISTRIBUTIONS, STDLIB)
    assert found == ["requirements.txt lists kafka-python, which no plugin imports"]


def test_the_collection_passes():
    assert ee_check.main() == 0
