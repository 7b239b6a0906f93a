"""The argument specs of the host roles (k3s, workstation, bgp_router) against their defaults and variables.

Every default is role-prefixed and documented by an entry point, every documented option has a real default,
options shared by entry points agree on their type, and the literal defaults pass Ansible's own argument-spec
validator (the one that checks role arguments at run time).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

ROLES_DIR = Path(__file__).resolve().parents[3] / "roles"
HOST_ROLES = ["k3s", "workstation", "bgp_router"]
ENTRY_POINTS = ["main", "verify", "reset"]


def load(role: str, relative: str) -> dict:
    return yaml.safe_load((ROLES_DIR / role / relative).read_text(encoding="utf-8")) or {}


def entry_points(role: str) -> dict:
    return load(role, "meta/argument_specs.yml")["argument_specs"]


def documented_options(role: str) -> dict:
    options = {}
    for spec in entry_points(role).values():
        options.update(spec.get("options", {}))
    return options


def without_docs(spec: dict) -> dict:
    """An option spec as ArgumentSpecValidator takes it: the documentation keys and the prose defaults dropped."""
    kept = {key: value for key, value in spec.items() if key in ("type", "elements", "choices", "required")}
    if "options" in spec:
        kept["options"] = {name: without_docs(sub) for name, sub in spec["options"].items()}
    return kept


def is_literal(value) -> bool:
    return "{{" not in yaml.safe_dump(value)


@pytest.mark.parametrize("role", HOST_ROLES)
def test_every_entry_point_is_described(role):
    specs = entry_points(role)
    assert set(ENTRY_POINTS) <= set(specs)  # main, verify and reset; a role may have more (workstation: node_tools)
    for name, spec in specs.items():
        assert spec.get("short_description"), f"{role} {name}"
        assert spec.get("options"), f"{role} {name}"


@pytest.mark.parametrize("role", HOST_ROLES)
@pytest.mark.parametrize("variables", ["defaults/main.yml", "vars/main.yml"])
def test_variables_carry_the_role_prefix(role, variables):
    names = load(role, variables)
    assert names, f"{role} {variables} is empty"
    assert [name for name in names if not name.startswith(role + "_")] == []


@pytest.mark.parametrize("role", HOST_ROLES)
def test_every_default_is_documented(role):
    assert sorted(set(load(role, "defaults/main.yml")) - set(documented_options(role))) == []


@pytest.mark.parametrize("role", HOST_ROLES)
def test_every_documented_option_has_a_default(role):
    assert sorted(set(documented_options(role)) - set(load(role, "defaults/main.yml"))) == []


@pytest.mark.parametrize("role", HOST_ROLES)
def test_entry_points_agree_on_types(role):
    seen = {}
    for entry, spec in entry_points(role).items():
        for name, option in spec["options"].items():
            signature = (option.get("type"), option.get("elements"), tuple(option.get("choices", ())))
            assert seen.setdefault(name, (entry, signature))[1] == signature, f"{role} {name} differs in {entry}"


@pytest.mark.parametrize("role", HOST_ROLES)
def test_literal_defaults_pass_the_argument_spec(role):
    defaults = load(role, "defaults/main.yml")
    spec = {name: without_docs(option) for name, option in documented_options(role).items()}
    literal = {name: value for name, value in defaults.items() if is_literal(value)}
    assert literal, f"{role} has no literal default to check"
    result = ArgumentSpecValidator({name: spec[name] for name in literal}).validate(literal)
    assert result.error_messages == []


def test_the_validator_rejects_a_bad_choice():
    spec = without_docs(entry_points("bgp_router")["main"]["options"]["bgp_router_bird_major"])
    result = ArgumentSpecValidator({"bgp_router_bird_major": spec}).validate({"bgp_router_bird_major": 3})
    assert result.error_messages and "bgp_router_bird_major" in result.error_messages[0]
