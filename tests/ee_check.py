"""`make lint`: every Python package the collection's plugins import is declared for an execution environment.

ansible-builder installs a collection's controller-side Python needs from the file that meta/execution-environment.yml
names (requirements.txt here). A plugin import that is neither the standard library, Ansible itself, a package
ansible-core already depends on, nor a distribution listed in that file would fail only inside an EE, at run time;
a listed distribution that no plugin imports is stale. Import names are mapped to distributions through the test
environment's installed metadata (kafka -> kafka-python), so the check runs where `make deps` installed them."""
import ast
import importlib.metadata
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Imported under ansible/ansible_collections or by the interpreter itself.
BUILT_IN = {"__future__", "ansible", "ansible_collections"}


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(lines):
    """Distribution names of a pip requirements file's lines (comments, blanks and options skipped)."""
    names = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        names.append(normalize(re.split(r"[\s<>=!~;\[(@]", line, maxsplit=1)[0]))
    return names


def plugin_imports(root):
    """{top-level import name: [files importing it]} for every .py under root/plugins."""
    found = {}
    for path in sorted((root / "plugins").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], []).append(str(path.relative_to(root)))
    return found


def problems(imports, declared, core_requires, distributions_of, stdlib):
    """What is imported but not declared, and what is declared but not imported.

    imports: {import name: [files]}; declared: normalized names from the EE's requirements file; core_requires:
    normalized names ansible-core depends on; distributions_of: {import name: [distribution names]} (installed
    metadata); stdlib: the standard library's module names."""
    found = []
    declared_set, used = set(declared), set()
    for name, files in sorted(imports.items()):
        if name in BUILT_IN or name in stdlib:
            continue
        distributions = {normalize(d) for d in distributions_of.get(name, [])}
        if distributions & core_requires:
            continue
        if distributions & declared_set:
            used |= distributions & declared_set
            continue
        found.append("%s imports %s, which no line of requirements.txt provides (installed as: %s)"
                     % (", ".join(sorted(set(files))), name, ", ".join(sorted(distributions)) or "not installed here"))
    for name in declared:
        if name not in used:
            found.append("requirements.txt lists %s, which no plugin imports" % name)
    return found


def main():
    meta = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text())
    python_file = ROOT / meta["dependencies"]["python"]
    declared = requirement_names(python_file.read_text().splitlines())
    core = {normalize(r) for r in requirement_names(importlib.metadata.requires("ansible-core") or [])}
    found = problems(plugin_imports(ROOT), declared, core, importlib.metadata.packages_distributions(),
                     set(sys.stdlib_module_names))
    for line in found:
        print("ee_check: %s" % line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
