"""Every role's defaults and its argument specs list the same variables (house style)."""
import pathlib

import pytest
import yaml

ROLES = sorted(p for p in (pathlib.Path(__file__).resolve().parents[2] / "roles").iterdir() if p.is_dir())


def declared(role):
    """Every entry point's options, merged: a variable only one entry point reads is declared there."""
    options = {}
    for entry in yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"].values():
        options.update(entry.get("options") or {})
    return options


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_defaults_match_argument_spec(role):
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text()) or {}
    spec = declared(role)
    required = {k for k, v in spec.items() if v.get("required")}
    assert set(defaults) == set(spec) - required, "defaults and argument_specs differ: %s" % (set(defaults) ^ (set(spec) - required))


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_spec_defaults_equal_role_defaults(role):
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text()) or {}
    spec = declared(role)
    for name, option in spec.items():
        assert option.get("description"), "%s: %s has no description" % (role.name, name)
        if "default" in option:
            assert option["default"] == defaults[name], "%s: %s default differs" % (role.name, name)


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_public_variables_carry_the_role_prefix(role):
    prefix = {"server": "kafka_", "authorization": "kafka_", "rolling_upgrade": "kafka_upgrade_",
              "migration": "kafka_migration_", "quorum": "kafka_quorum_", "broker_drain": "kafka_brokers_"}.get(role.name, role.name + "_")
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text()) or {}
    assert all(k.startswith(prefix) for k in defaults), [k for k in defaults if not k.startswith(prefix)]
