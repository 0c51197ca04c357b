"""The preflight's unknown-variable check against every inventory and play variable this repository sets: the example
inventories and every scenario use only declared settings (or names outside the collection's prefixes)."""
import pathlib

import pytest
import yaml
from ansible_collections.streamops.kafka.plugins.filter import preflight
from ansible_collections.streamops.kafka.plugins.module_utils._preflight import PREFIXES
from conftest import REPO


def keys(node, parent=None):
    """Every mapping key in a YAML document, at any depth, except group and host names (the keys under an inventory's
    children:, hosts:, and molecule's group_vars: and host_vars:)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if parent not in ("children", "hosts", "group_vars", "host_vars"):
                yield str(key)
            for inner in keys(value, key):
                yield inner
    elif isinstance(node, list):
        for item in node:
            for inner in keys(item, parent):
                yield inner


class Loader(yaml.SafeLoader):
    """Reads Ansible's !vault and similar tags as plain values."""


Loader.add_multi_constructor("!", lambda loader, suffix, node: None)

FILES = sorted(p for d in ("inventories", "examples", "molecule") for p in (REPO / d).rglob("*.yml") if p.is_file())


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(REPO)) for p in FILES])
def test_every_prefixed_name_the_repository_sets_is_declared(path):
    names = set()
    for document in yaml.load_all(path.read_text(), Loader=Loader):
        names.update(k for k in keys(document) if k.startswith(PREFIXES))
    assert preflight.unknown_variable_problems(sorted(names), str(path.relative_to(REPO))) == []


def test_declared_names_come_from_every_role_and_entry_point():
    declared = preflight.declared_variables()
    # One from a main entry point, one only another entry point declares, a playbook's and a role's fact.
    for name in ("kafka_version", "kraft_storage_check_levels", "kafka_hosts", "jdk_java_home"):
        assert name in declared
    assert isinstance(declared, list) and declared == sorted(set(declared))
