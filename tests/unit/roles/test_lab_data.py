# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Every course lab's data file (roles/lab_*/vars/main.yml) against the format docs/LAB_DATA.md specifies.

Each lab variable is rendered the way a play sees it (the inventory's group_vars/all/*.yml, the role's defaults and
vars, through Ansible's own templar), then checked: the required keys and their kinds, unique step names, flow
ends as calico_reachability names them, that `parse` is a calicolab.ccol1 probe filter (or json), and that every
check's `that` parses as a Jinja expression whose filters and tests exist and whose variables are the ones the
runner provides (`parsed`, `lab_addresses`, and `lab_facts` entries kept by an earlier check's `fact`).

Beyond LAB_DATA.md this accepts what the runner's draft argument spec (roles/lab_runner) accepts: parse
``text``/``lines``/``yaml``, a flow's ``icmp`` and protocol defaulting to TCP, probe ``name``/``path``/``container``
and tool ``dig``, ``run: {command}`` alone (on the workstation), ``run.become``, ``reset.apply``, a
nodeport flow's ``port`` taken from its destination, and ``retries``/``delay`` on any outcome; and one extension the
pod connectivity lab needs: a check's ``fact: NAME`` keeps its parsed output as ``lab_facts.NAME`` for the later
checks of the same lab.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
from pathlib import Path

import jinja2
import pytest
from jinja2 import meta, nodes

from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import filter_loader, test_loader
from ansible.template import Templar, trust_as_template

from ansible_collections.calicolab.ccol1.plugins.filter.probe_output import FilterModule

COLLECTION_ROOT = Path(__file__).resolve().parents[3]
ROLES = COLLECTION_ROOT / "roles"
# The roles whose name matches lab_* but that are not a lab.
NOT_LABS = {"lab_runner", "lab_vms"}

PROBE_PARSERS = set(FilterModule().filters()) - {"probe_outcome"}
PARSE_CHOICES = PROBE_PARSERS | {"json", "yaml", "text", "lines"}
RUNNER_VARIABLES = {"parsed", "lab_facts", "lab_addresses"}

SRC_KINDS = {"pod", "ip", "host"}
DST_KINDS = SRC_KINDS | {"service", "nodeport"}
PROTOCOLS = {"TCP", "UDP", "SCTP", "ICMP"}
PROBE_TOOLS = {"curl", "nc", "ping", "dig"}
PROBE_KEYS = {"tool", "timeout", "name", "path", "container"}

LAB_KEYS = {"name", "title", "steps", "reset"}
STEP_KEYS = {"name", "title", "apply", "patch", "remove", "actions", "outcomes"}
FLOW_KEYS = {"description", "kind", "src", "dst", "protocol", "port", "icmp", "expected", "probe", "internet",
             "retries", "delay"}
CHECK_KEYS = {"description", "kind", "run", "parse", "that", "expected", "retries", "delay", "fact"}

# Jinja filters and tests that take the name of another filter or test as an argument, and at which position.
NAMED_FILTER_ARGUMENT = {"map": 0}
NAMED_TEST_ARGUMENT = {"select": 0, "reject": 0, "selectattr": 1, "rejectattr": 1}


# ---------------------------------------------------------------------------------------------------------
# Rendering a lab as a play would see it

def _trusted(value):
    """Mark every string as a template, as Ansible does for vars files it loads itself."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {key: _trusted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_trusted(item) for item in value]
    return value


def _yaml_file(path):
    """A YAML file read by Ansible's own loader (libyaml where present), as a play reads vars files."""
    if not path.is_file():
        return {}
    return DataLoader().load_from_file(str(path), cache="none", trusted_as_template=True) or {}


def lab_roles():
    """Every role that holds a lab: roles/lab_*/vars/main.yml defining lab_<name>_lab."""
    if not ROLES.is_dir():
        return []
    return sorted(role.name for role in ROLES.glob("lab_*")
                  if role.name not in NOT_LABS and (role / "vars" / "main.yml").is_file())


def render_lab(role, overrides=None):
    """The lab variable of ``role`` rendered with the inventory's group_vars, the role's defaults and vars."""
    variables = {"lab_observe": True}
    for group_vars_file in sorted((COLLECTION_ROOT / "inventories" / "lab" / "group_vars" / "all").glob("*.yml")):
        variables.update(_yaml_file(group_vars_file))
    variables.update(_yaml_file(ROLES / role / "defaults" / "main.yml"))
    variables.update(_yaml_file(ROLES / role / "vars" / "main.yml"))
    variables.update(overrides or {})
    lab_variable = "%s_lab" % role
    if lab_variable not in variables:
        raise AssertionError("roles/%s/vars/main.yml does not define %s" % (role, lab_variable))
    templar = Templar(loader=DataLoader(), variables=_trusted(variables))
    return templar.template(trust_as_template("{{ %s }}" % lab_variable))


# ---------------------------------------------------------------------------------------------------------
# The validator: returns a list of "where: what is wrong" messages, empty when the lab is well formed

class LabChecker(object):

    def __init__(self, role):
        self.role = role
        self.errors = []
        self.facts = set()

    def fail(self, where, message):
        self.errors.append("%s: %s" % (where, message))

    def check(self, lab):
        where = self.role
        if not self._is_dict(where, lab):
            return self.errors
        self._known_keys(where, lab, LAB_KEYS)
        if lab.get("name") != self.role:
            self.fail(where + ".name", "%r must be the role's name %r" % (lab.get("name"), self.role))
        self._text(where + ".title", lab.get("title"))
        steps = lab.get("steps")
        if not isinstance(steps, list) or not steps:
            self.fail(where + ".steps", "must be a non-empty list, got %r" % (steps,))
            steps = []
        seen = set()
        for index, step in enumerate(steps):
            self._step("%s.steps[%d]" % (where, index), step, seen)
        self._reset(where + ".reset", lab.get("reset"))
        return self.errors

    # -- steps and the objects they change

    def _step(self, where, step, seen):
        if not self._is_dict(where, step):
            return
        self._known_keys(where, step, STEP_KEYS)
        name = step.get("name")
        if self._text(where + ".name", name):
            if name in seen:
                self.fail(where + ".name", "%r is not unique in the lab" % name)
            seen.add(name)
        self._text(where + ".title", step.get("title"))
        for index, item in enumerate(self._list(where + ".apply", step.get("apply", []))):
            self._apply_item("%s.apply[%d]" % (where, index), item)
        for index, item in enumerate(self._list(where + ".patch", step.get("patch", []))):
            self._object_ref("%s.patch[%d]" % (where, index), item, body=True)
        for index, item in enumerate(self._list(where + ".remove", step.get("remove", []))):
            self._object_ref("%s.remove[%d]" % (where, index), item, body=False)
        for index, item in enumerate(self._list(where + ".actions", step.get("actions", []))):
            self._action("%s.actions[%d]" % (where, index), item)
        for index, outcome in enumerate(self._list(where + ".outcomes", step.get("outcomes", []))):
            self._outcome("%s.outcomes[%d]" % (where, index), outcome)

    def _apply_item(self, where, item):
        if not self._is_dict(where, item):
            return
        self._known_keys(where, item, {"definition"})
        definition = item.get("definition")
        if not self._is_dict(where + ".definition", definition):
            return
        for key in ("apiVersion", "kind"):
            self._text("%s.definition.%s" % (where, key), definition.get(key))
        metadata = definition.get("metadata")
        if self._is_dict(where + ".definition.metadata", metadata):
            self._text(where + ".definition.metadata.name", metadata.get("name"))

    def _object_ref(self, where, item, body):
        if not self._is_dict(where, item):
            return
        for key in ("apiVersion", "kind", "name"):
            self._text("%s.%s" % (where, key), item.get(key))
        if "namespace" in item:
            self._text(where + ".namespace", item["namespace"])
        extra = set(item) - {"apiVersion", "kind", "name", "namespace"}
        if body and not extra:
            self.fail(where, "a patch needs a body (spec, metadata, data...)")
        if not body and extra:
            self.fail(where, "a removal names an object only; unexpected %s" % sorted(extra))

    def _action(self, where, action):
        if not self._is_dict(where, action):
            return
        if "restart" in action:
            self._known_keys(where, action, {"restart"})
            restart = action["restart"]
            if self._is_dict(where + ".restart", restart):
                self._known_keys(where + ".restart", restart, {"namespace", "selector"})
                self._text(where + ".restart.namespace", restart.get("namespace"))
                self._text(where + ".restart.selector", restart.get("selector"))
        elif "wait_seconds" in action:
            self._known_keys(where, action, {"wait_seconds", "reason"})
            self._count(where + ".wait_seconds", action["wait_seconds"])
            self._text(where + ".reason", action.get("reason"))
        else:
            self.fail(where, "an action is {restart: {namespace, selector}} or {wait_seconds, reason}, got %r" % (action,))

    def _reset(self, where, reset):
        if not self._is_dict(where, reset):
            return
        self._known_keys(where, reset, {"apply", "remove", "patch"})
        for index, item in enumerate(self._list(where + ".apply", reset.get("apply", []))):
            self._apply_item("%s.apply[%d]" % (where, index), item)
        for index, item in enumerate(self._list(where + ".remove", reset.get("remove", []))):
            self._object_ref("%s.remove[%d]" % (where, index), item, body=False)
        for index, item in enumerate(self._list(where + ".patch", reset.get("patch", []))):
            self._object_ref("%s.patch[%d]" % (where, index), item, body=True)

    # -- outcomes

    def _outcome(self, where, outcome):
        if not self._is_dict(where, outcome):
            return
        self._text(where + ".description", outcome.get("description"))
        if not isinstance(outcome.get("expected"), bool):
            self.fail(where + ".expected", "must be true or false, got %r" % (outcome.get("expected"),))
        for key in ("retries", "delay"):
            if key in outcome:
                self._count("%s.%s" % (where, key), outcome[key])
        kind = outcome.get("kind")
        if kind == "flow":
            self._known_keys(where, outcome, FLOW_KEYS)
            self._flow(where, outcome)
        elif kind == "check":
            self._known_keys(where, outcome, CHECK_KEYS)
            self._check(where, outcome)
        else:
            self.fail(where + ".kind", "must be flow or check, got %r" % (kind,))

    def _flow(self, where, flow):
        self._flow_end(where + ".src", flow.get("src"), SRC_KINDS)
        self._flow_end(where + ".dst", flow.get("dst"), DST_KINDS)
        protocol = flow.get("protocol", "TCP")
        if protocol not in PROTOCOLS:
            self.fail(where + ".protocol", "must be one of %s, got %r" % (sorted(PROTOCOLS), protocol))
        takes_node_port = isinstance(flow.get("dst"), dict) and "nodeport" in flow["dst"]
        if "port" in flow or not (protocol == "ICMP" or takes_node_port):
            self._port(where + ".port", flow.get("port"))
        if "internet" in flow and not isinstance(flow["internet"], bool):
            self.fail(where + ".internet", "must be true or false, got %r" % (flow["internet"],))
        probe = flow.get("probe")
        if self._is_dict(where + ".probe", probe):
            self._known_keys(where + ".probe", probe, PROBE_KEYS)
            if probe.get("tool") not in PROBE_TOOLS:
                self.fail(where + ".probe.tool", "must be one of %s, got %r" % (sorted(PROBE_TOOLS), probe.get("tool")))
            if "timeout" in probe:
                self._count(where + ".probe.timeout", probe["timeout"])

    def _flow_end(self, where, end, kinds):
        if not self._is_dict(where, end) or len(end) != 1:
            self.fail(where, "must name exactly one of %s, got %r" % (sorted(kinds), end))
            return
        (kind, value), = end.items()
        if kind not in kinds:
            self.fail(where, "%r is not one of %s" % (kind, sorted(kinds)))
        elif kind in ("pod", "service"):
            if not isinstance(value, str) or not re.match(r"^[a-z0-9][-a-z0-9]*/[a-z0-9][-a-z0-9.]*$", value):
                self.fail("%s.%s" % (where, kind), "must be <namespace>/<name>, got %r" % (value,))
        elif kind == "ip":
            try:
                ipaddress.ip_address(value)
            except ValueError:
                self.fail(where + ".ip", "%r is not an IP address" % (value,))
        elif kind == "host":
            self._text(where + ".host", value)
        else:
            if self._is_dict(where + ".nodeport", value):
                self._known_keys(where + ".nodeport", value, {"node", "port"})
                self._text(where + ".nodeport.node", value.get("node"))
                self._port(where + ".nodeport.port", value.get("port"))

    def _check(self, where, check):
        self._run(where + ".run", check.get("run"))
        if check.get("parse") not in PARSE_CHOICES:
            self.fail(where + ".parse", "%r is not json, yaml, text, lines or a calicolab.ccol1 probe filter (%s)"
                      % (check.get("parse"), ", ".join(sorted(PROBE_PARSERS))))
        if self._text(where + ".that", check.get("that")):
            for problem in expression_problems(check["that"], self.facts):
                self.fail(where + ".that", problem)
        if "fact" in check:
            fact = check["fact"]
            if self._text(where + ".fact", fact):
                if not re.match(r"^[a-z_][a-z0-9_]*$", fact):
                    self.fail(where + ".fact", "%r must be a lower-case identifier" % fact)
                elif fact in self.facts:
                    self.fail(where + ".fact", "%r is kept by an earlier check already" % fact)
                self.facts.add(fact)

    def _run(self, where, run):
        if not self._is_dict(where, run):
            return
        if "become" in run and not isinstance(run["become"], bool):
            self.fail(where + ".become", "must be true or false, got %r" % (run["become"],))
        keys = set(run) - {"become"}
        if keys in ({"host", "command"}, {"command"}):
            if "host" in run:
                self._text(where + ".host", run["host"])
            command = run["command"]
            if not (isinstance(command, list) and command and all(isinstance(arg, str) for arg in command)):
                self._text(where + ".command", command)
        elif keys == {"kubectl"}:
            argv = run["kubectl"]
            if not isinstance(argv, list) or not argv or not all(isinstance(arg, str) and arg for arg in argv):
                self.fail(where + ".kubectl", "must be a non-empty list of arguments (strings), got %r" % (argv,))
        else:
            self.fail(where, "must be {host, command}, {command} (on the workstation) or {kubectl: [args]}, got keys %s" % sorted(run))

    # -- kinds

    def _is_dict(self, where, value):
        if isinstance(value, dict):
            return True
        self.fail(where, "must be a mapping, got %r" % (value,))
        return False

    def _list(self, where, value):
        if isinstance(value, list):
            return value
        self.fail(where, "must be a list, got %r" % (value,))
        return []

    def _text(self, where, value):
        if isinstance(value, str) and value.strip():
            return True
        self.fail(where, "must be a non-empty string, got %r" % (value,))
        return False

    def _count(self, where, value):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(where, "must be a whole number of at least 1, got %r" % (value,))

    def _port(self, where, value):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
            self.fail(where, "must be a port number (1-65535), got %r" % (value,))

    def _known_keys(self, where, value, allowed):
        unknown = set(value) - allowed
        if unknown:
            self.fail(where, "unknown keys %s (allowed: %s)" % (sorted(unknown), ", ".join(sorted(allowed))))


# ---------------------------------------------------------------------------------------------------------
# `that` expressions

_ENVIRONMENT = jinja2.Environment()
_COLLECTIONS_REQUIRED = {entry["name"] for entry in _yaml_file(COLLECTION_ROOT / "requirements.yml").get("collections", [])}
_OWN_FILTERS = set(FilterModule().filters())


def _plugin_exists(loader, name):
    try:
        return bool(loader.get(name))
    except KeyError:
        return False


def _name_problem(kind, name):
    """None when the filter or test ``name`` resolves in a play, else what is wrong with it."""
    builtin_names = _ENVIRONMENT.filters if kind == "filter" else _ENVIRONMENT.tests
    loader = filter_loader if kind == "filter" else test_loader
    if name in builtin_names:
        return None
    if name.startswith("calicolab.ccol1."):
        if kind == "filter" and name.split(".", 2)[2] in _OWN_FILTERS:
            return None
        return "calicolab.ccol1 has no %s %r" % (kind, name)
    if name.count(".") >= 2 and not name.startswith("ansible.builtin."):
        collection = ".".join(name.split(".")[:2])
        if collection not in _COLLECTIONS_REQUIRED:
            return "%s %r is from %s, which requirements.yml does not list" % (kind, name, collection)
        # The other collections are not installed where unit tests run; requirements.yml is the promise.
        return None
    if _plugin_exists(loader, name):
        return None
    return "no %s named %r" % (kind, name)


def _named_plugins(tree):
    """(kind, name) for every filter and test the expression uses, including names passed to map/select..."""
    for node in tree.find_all((nodes.Filter, nodes.Test)):
        kind = "filter" if isinstance(node, nodes.Filter) else "test"
        yield kind, node.name
        if kind != "filter":
            continue
        if node.name in NAMED_FILTER_ARGUMENT:
            argument_kind, position = "filter", NAMED_FILTER_ARGUMENT[node.name]
        elif node.name in NAMED_TEST_ARGUMENT:
            argument_kind, position = "test", NAMED_TEST_ARGUMENT[node.name]
        else:
            continue
        if len(node.args) > position and isinstance(node.args[position], nodes.Const):
            yield argument_kind, node.args[position].value


def _fact_references(tree):
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node.node, nodes.Name) and node.node.name == "lab_facts":
            if isinstance(node, nodes.Getattr):
                yield node.attr
            elif isinstance(node.arg, nodes.Const):
                yield node.arg.value


def _undeclared_variables(expression, plugins):
    """Compile the expression (Jinja checks filter and test names when compiling, so every name the expression
    uses is stubbed in: whether they exist was checked above) and list the variables it reads."""
    environment = jinja2.Environment()
    for kind, name in plugins:
        (environment.filters if kind == "filter" else environment.tests).setdefault(name, lambda *args, **kwargs: None)
    return meta.find_undeclared_variables(environment.parse("{{ (%s) }}" % expression))


def expression_problems(expression, known_facts):
    """What keeps ``expression`` from working as a check's `that` (an empty list when nothing does)."""
    if "{{" in expression or "{%" in expression:
        return ["holds a template after rendering: %r" % expression]
    try:
        tree = _ENVIRONMENT.parse("{{ (%s) }}" % expression)
    except jinja2.TemplateSyntaxError as exc:
        return ["is not a Jinja expression (%s): %r" % (exc.message, expression)]
    problems = []
    for kind, name in sorted(set(_named_plugins(tree))):
        problem = _name_problem(kind, name)
        if problem:
            problems.append(problem)
    unknown = _undeclared_variables(expression, _named_plugins(tree)) - RUNNER_VARIABLES
    if unknown:
        problems.append("uses %s; the runner provides %s" % (sorted(unknown), sorted(RUNNER_VARIABLES)))
    for fact in _fact_references(tree):
        if fact not in known_facts:
            problems.append("reads lab_facts.%s, which no earlier check keeps (fact: %s)" % (fact, fact))
    return problems


def lab_problems(role, overrides=None):
    return LabChecker(role).check(render_lab(role, overrides))


# ---------------------------------------------------------------------------------------------------------
# The labs in this checkout

OWN_LABS = ("lab_host_protection", "lab_nodeport", "lab_pod_connectivity", "lab_wireguard")


def test_the_labs_are_found():
    assert set(OWN_LABS) <= set(lab_roles())


@pytest.mark.parametrize("role", lab_roles())
def test_lab_file_follows_lab_data(role):
    assert lab_problems(role) == []


def test_wireguard_leave_enabled_adds_a_last_step_that_turns_it_back_on():
    default = render_lab("lab_wireguard")
    left_on = render_lab("lab_wireguard", {"lab_wireguard_leave_enabled": True})
    assert [step["name"] for step in default["steps"]] == ["wireguard-on", "wireguard-off"]
    assert [step["name"] for step in left_on["steps"]] == ["wireguard-on", "wireguard-off", "wireguard-left-on"]
    assert left_on["steps"][-1]["patch"][0]["spec"] == {"wireguardEnabled": True}
    assert LabChecker("lab_wireguard").check(left_on) == []


def test_nodeport_flows_are_rendered_with_the_addressing_plan():
    lab = render_lab("lab_nodeport")
    allow = lab["steps"][1]
    assert allow["apply"][0]["definition"]["spec"]["ingress"][0] == {
        "action": "Allow", "protocol": "TCP", "destination": {"ports": [30180]},
        "source": {"nets": ["198.19.15.254/32"]}}
    assert [(o["src"], o["expected"]) for o in allow["outcomes"]] == [
        ({"ip": "198.19.15.254"}, True), ({"host": "node1"}, False)]
    assert allow["outcomes"][0]["dst"] == {"nodeport": {"node": "control", "port": 30180}}


# ---------------------------------------------------------------------------------------------------------
# The validator itself finds what is wrong (so a green run above means something)

def _flow(**changes):
    flow = {"description": "d", "kind": "flow", "src": {"ip": "198.19.15.254"}, "dst": {"host": "control"},
            "protocol": "TCP", "port": 21, "expected": True, "probe": {"tool": "nc", "timeout": 3}}
    flow.update(changes)
    return flow


def _check(**changes):
    check = {"description": "d", "kind": "check", "run": {"kubectl": ["get", "nodes", "-o", "json"]},
             "parse": "json", "that": "parsed['items'] | length > 0", "expected": True}
    check.update(changes)
    return check


def _lab(*outcomes, **changes):
    lab = {"name": "lab_x", "title": "t", "steps": [{"name": "s", "title": "t", "outcomes": list(outcomes)}],
           "reset": {"remove": [], "patch": []}}
    lab.update(changes)
    return lab


def _problems(lab):
    return LabChecker("lab_x").check(lab)


def test_a_well_formed_lab_has_no_problems():
    assert _problems(_lab(_flow(), _check(fact="nodes"), _check(that="lab_facts.nodes | length > 0"))) == []


@pytest.mark.parametrize("outcome, expected", [
    (_flow(src={"pod": "customer"}), "src.pod: must be <namespace>/<name>"),
    (_flow(dst={"nodeport": {"node": "control"}}), "dst.nodeport.port: must be a port number"),
    (_flow(dst={"vm": "control"}), "dst: 'vm' is not one of"),
    (_flow(port="21"), "port: must be a port number"),
    (_flow(expected="yes"), "expected: must be true or false"),
    (_flow(probe={"tool": "telnet", "timeout": 3}), "probe.tool: must be one of"),
    (_flow(src={"ip": "198.19.15.300"}), "is not an IP address"),
    (_check(parse="ip_neighbours"), "or a calicolab.ccol1 probe filter"),
    (_flow(protocol="GRE"), "protocol: must be one of"),
    (_flow(probe={"tool": "nc", "timeout": 0}), "probe.timeout: must be a whole number"),
    (_check(run={"host": "node1", "command": "ip route", "become": "yes"}), "run.become: must be true or false"),
    (_check(that="parsed |"), "is not a Jinja expression"),
    (_check(that="parsed | no_such_filter"), "no filter named 'no_such_filter'"),
    (_check(that="parsed | select('no_such_test') | list"), "no test named 'no_such_test'"),
    (_check(that="parsed | community.general.json_query('a')"), "which requirements.yml does not list"),
    (_check(that="parsed == wanted"), "uses ['wanted']"),
    (_check(that="lab_facts.later | length"), "no earlier check keeps"),
    (_check(run={"host": "node1"}), "must be {host, command}, {command} (on the workstation) or {kubectl"),
    (_check(retries=0), "retries: must be a whole number of at least 1"),
    (_check(src={"ip": "198.19.15.254"}), "unknown keys ['src']"),
    ({"kind": "probe", "description": "d", "expected": True}, "kind: must be flow or check"),
])
def test_the_validator_names_what_is_wrong(outcome, expected):
    problems = _problems(_lab(outcome))
    assert any(expected in problem for problem in problems), problems


def test_step_names_must_be_unique():
    lab = _lab(_check())
    lab["steps"].append(dict(lab["steps"][0]))
    assert _problems(lab) == ["lab_x.steps[1].name: 's' is not unique in the lab"]


def test_the_lab_is_named_after_its_role_and_has_steps():
    problems = _problems(_lab(_check(), name="lab_y", steps=[]))
    assert "lab_x.name: 'lab_y' must be the role's name 'lab_x'" in problems
    assert any(problem.startswith("lab_x.steps: must be a non-empty list") for problem in problems)


def test_patches_need_a_body_and_removals_none():
    lab = _lab(_check(), reset={"patch": [{"apiVersion": "projectcalico.org/v3", "kind": "FelixConfiguration",
                                           "name": "default"}],
                                "remove": [{"apiVersion": "v1", "kind": "Pod", "name": "p", "spec": {}}]})
    problems = _problems(lab)
    assert any("reset.patch[0]: a patch needs a body" in problem for problem in problems)
    assert any("reset.remove[0]: a removal names an object only" in problem for problem in problems)


# ---------------------------------------------------------------------------------------------------------
# The roles' knobs: every default documented in every entry point's argument spec, and nothing more

@pytest.mark.parametrize("role", OWN_LABS)
def test_every_default_is_in_the_argument_specs(role):
    defaults = _yaml_file(ROLES / role / "defaults" / "main.yml")
    specs = _yaml_file(ROLES / role / "meta" / "argument_specs.yml")["argument_specs"]
    assert set(specs) == {"main", "verify", "reset"}
    for entry_point, spec in specs.items():
        options = spec.get("options", {})
        assert set(options) == set(defaults), entry_point
        for name, option in options.items():
            assert name.startswith(role + "_"), name
            if "default" in option:
                assert option["default"] == defaults[name], name
            else:
                assert "{{" in str(defaults[name]), "%s: a literal default belongs in the spec" % name
