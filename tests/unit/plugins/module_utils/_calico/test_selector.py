"""Unit tests for the Calico selector language (plugins/module_utils/_calico/selector.py).

The tables live in selector_cases.yml; the property tests below check the parser against an independent
evaluator written here, on random selector trees rendered with random spacing, quoting and parentheses.
"""
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico import selector as _selector
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.selector import (
    ALL,
    AllNode,
    AndNode,
    CompareNode,
    GlobalNode,
    HasNode,
    NotNode,
    OrNode,
    Selector,
    SelectorError,
    SetNode,
    parse_selector,
)
from ansible_collections.calicolab.ccol1.tests.shared_reference import MISSING_REASON, shared_dir

CASES = yaml.safe_load((Path(__file__).parent / "selector_cases.yml").read_text(encoding="utf-8"))


# --- tables -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", CASES["canonical"], ids=repr)
def test_canonical_form_is_calicos(text, expected):
    assert parse_selector(text).canonical() == expected


def _match_cases():
    for case in CASES["matches"]:
        for labels in case.get("match", []):
            yield pytest.param(case["selector"], labels, True, id="%s ~ %s" % (case["selector"], labels))
        for labels in case.get("no_match", []):
            yield pytest.param(case["selector"], labels, False, id="%s !~ %s" % (case["selector"], labels))


@pytest.mark.parametrize("text, labels, expected", list(_match_cases()))
def test_matches(text, labels, expected):
    selector = parse_selector(text)
    assert selector.matches(labels) is expected
    assert selector.matcher(labels) is expected
    assert selector.root.evaluate(labels) is expected
    assert parse_selector(selector.canonical()).matches(labels) is expected


@pytest.mark.parametrize("case", CASES["errors"], ids=lambda case: repr(case["selector"]))
def test_errors_name_the_problem_and_position(case):
    with pytest.raises(SelectorError) as caught:
        parse_selector(case["selector"])
    error = caught.value
    assert error.position == case["position"], str(error)
    assert case["message"] in str(error)
    assert str(error).startswith("selector %r at position %d: " % (case["selector"], case["position"]))
    assert isinstance(error, ValueError)


def test_error_for_the_example_in_the_interface_is_exact():
    with pytest.raises(SelectorError) as caught:
        parse_selector("app == ")
    assert str(caught.value) == "selector 'app == ' at position 7: expected a quoted string"
    assert caught.value.message == str(caught.value)
    assert caught.value.position == 7


def test_non_string_input_is_a_selector_error():
    with pytest.raises(SelectorError, match="must be a string, got int"):
        parse_selector(5)


# --- label keys ---------------------------------------------------------------------------------------------


def test_label_key_may_hold_every_allowed_character():
    key = "AZaz09_./-"
    assert parse_selector("%s == 'x'" % key).matches({key: "x"})


def test_label_key_of_512_characters_is_accepted_and_513_rejected():
    assert parse_selector("has(%s)" % ("k" * 512)).required_keys() == frozenset(["k" * 512])
    with pytest.raises(SelectorError) as caught:
        parse_selector("%s == 'x'" % ("k" * 513))
    assert caught.value.position == 512
    assert "longer than 512" in str(caught.value)


@pytest.mark.parametrize("whitespace", ["\n", "\r", "\f", "\v", "\u00a0"])
def test_only_space_and_tab_are_whitespace(whitespace):
    assert parse_selector("\t has(a) \t").canonical() == "has(a)"
    with pytest.raises(SelectorError):
        parse_selector("has(a) &&" + whitespace + "has(b)")
    with pytest.raises(SelectorError):
        parse_selector("a" + whitespace + "== 'b'")
    with pytest.raises(SelectorError):
        parse_selector(whitespace + "has(a)")


def test_strings_keep_everything_between_the_quotes():
    selector = parse_selector("a == ' x\t&& \"y\" '")
    assert selector.root.value == ' x\t&& "y" '
    assert selector.canonical() == "a == ' x\t&& \"y\" '"


# --- the Selector object ------------------------------------------------------------------------------------


def test_selector_keeps_original_text_and_compares_by_canonical_form():
    first = parse_selector("a=='x'&&b in {'2','1'}")
    second = parse_selector('(a == "x") && b in {"1", "2", "1"}')
    assert first.text == "a=='x'&&b in {'2','1'}"
    assert first == second and hash(first) == hash(second)
    assert first != parse_selector("a == 'x'")
    assert first != "(a == \"x\" && b in {\"1\", \"2\"})"
    assert len({first, second}) == 1
    assert repr(first) == "Selector('(a == \"x\" && b in {\"1\", \"2\"})')"
    assert str(first) == first.canonical()


def test_is_all():
    assert parse_selector("").is_all()
    assert parse_selector(" all() ").is_all()
    assert parse_selector("(all())").is_all()
    assert ALL.is_all() and ALL == parse_selector("")
    assert not parse_selector("!all()").is_all()
    assert not parse_selector("global()").is_all()
    assert not parse_selector("has(a)").is_all()


def test_uses_global():
    assert parse_selector("global()").uses_global()
    assert parse_selector("has(a) || !(b == 'c' && global())").uses_global()
    assert not parse_selector("has(global)").uses_global()
    assert not parse_selector("global == 'x'").uses_global()
    assert not ALL.uses_global()


def test_parsed_tree_has_public_nodes():
    root = parse_selector("a == 'x' && !has(b) || c not in {'y'} || all() && global() && d starts with 'z'").root
    assert isinstance(root, OrNode)
    first, second, third = root.operands
    assert isinstance(first, AndNode)
    equals, negation = first.operands
    assert (type(equals), equals.key, equals.op, equals.value) == (CompareNode, "a", "==", "x")
    assert isinstance(negation, NotNode) and negation.operand == HasNode("b")
    assert (type(second), second.key, second.op, second.values) == (SetNode, "c", "not in", frozenset(["y"]))
    assert isinstance(third, AndNode)
    assert [type(node) for node in third.operands] == [AllNode, GlobalNode, CompareNode]
    assert third.operands[2].op == "starts with"


def test_nodes_reject_unknown_operators():
    with pytest.raises(ValueError):
        CompareNode("a", "=", "b")
    with pytest.raises(ValueError):
        SetNode("a", "all in", [])
    with pytest.raises(ValueError):
        AndNode([HasNode("a")])


def test_parse_is_cached_per_text():
    assert parse_selector("has(cached)") is parse_selector("has(cached)")


def test_matches_accepts_any_mapping():
    class Labels(dict):
        pass
    assert parse_selector("a in {'b'} && c contains 'd'").matches(Labels(a="b", c="xdx"))


# --- indexing hints -----------------------------------------------------------------------------------------

REQUIREMENTS = [
    ("", set(), {}),
    ("all()", set(), {}),
    ("a == 'x'", {"a"}, {"a": {"x"}}),
    ("a in {'x', 'y'}", {"a"}, {"a": {"x", "y"}}),
    ("a != 'x'", set(), {}),
    ("a not in {'x'}", set(), {}),
    ("has(a)", {"a"}, {}),
    ("!has(a)", set(), {}),
    ("a contains 'x' && b starts with 'y' && c ends with 'z'", {"a", "b", "c"}, {}),
    ("has(projectcalico.org/name) && projectcalico.org/name not in {'kube-system'}", {"projectcalico.org/name"}, {}),
    ("a == 'x' && a in {'x', 'y'} && has(b)", {"a", "b"}, {"a": {"x"}}),
    ("a == 'x' && a == 'y'", {"a"}, {"a": set()}),
    ("(a == 'x' && has(b)) && c in {'1'}", {"a", "b", "c"}, {"a": {"x"}, "c": {"1"}}),
    ("a == 'x' || a == 'y'", {"a"}, {"a": {"x", "y"}}),
    ("a == 'x' || has(a)", {"a"}, {}),
    ("a == 'x' || b == 'y'", set(), {}),
    ("!!a == 'x'", {"a"}, {"a": {"x"}}),
    ("!(a != 'x')", {"a"}, {"a": {"x"}}),
    ("!(a not in {'x'})", {"a"}, {"a": {"x"}}),
    ("!(a != 'x' || !has(b))", {"a", "b"}, {"a": {"x"}}),
    ("!(a == 'x')", set(), {}),
    ("!(has(a) && has(b))", set(), {}),
    ("global() && a == 'x'", {"a"}, {"a": {"x"}}),
]


# Explicit ids: sets have no stable repr, and pytest-xdist workers must collect identical names.
@pytest.mark.parametrize("text, keys, values", REQUIREMENTS, ids=[case[0] or "(empty)" for case in REQUIREMENTS])
def test_required_keys_and_values(text, keys, values):
    selector = parse_selector(text)
    assert selector.required_keys() == frozenset(keys)
    assert selector.required_values() == {key: frozenset(allowed) for key, allowed in values.items()}


def test_required_values_returns_a_copy():
    selector = parse_selector("a == 'x'")
    selector.required_values().clear()
    assert selector.required_values() == {"a": frozenset(["x"])}


# --- every selector the course uses -------------------------------------------------------------------------

_COURSE_SELECTOR_LINE = re.compile(r"^\s*-?\s*(selector|namespaceSelector|serviceAccountSelector|nodeSelector):\s*(\S.*)$")


def _course_selectors():
    shared = shared_dir()
    if shared is None:
        return []
    found = set()
    for path in sorted((shared / "course").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = _COURSE_SELECTOR_LINE.match(line)
            if match:
                value = yaml.safe_load(match.group(2))
                if isinstance(value, str):
                    found.add(value)
    return sorted(found)


@pytest.mark.skipif(shared_dir() is None, reason=MISSING_REASON)
def test_course_selectors_are_found():
    selectors = _course_selectors()
    assert "!all()" in selectors
    assert 'k8s-app == "kube-dns"' in selectors
    assert len(selectors) >= 5


@pytest.mark.skipif(shared_dir() is None, reason=MISSING_REASON)
@pytest.mark.parametrize("text", _course_selectors() or ["(none)"])
def test_every_course_selector_parses(text):
    selector = parse_selector(text)
    assert parse_selector(selector.canonical()) == selector


def test_course_namespace_selector_in_detail():
    selector = parse_selector(
        'has(projectcalico.org/name) && projectcalico.org/name not in {"kube-system", "calico-system"}')
    assert selector.required_keys() == frozenset(["projectcalico.org/name"])
    assert selector.matches({"projectcalico.org/name": "yaobank"})
    assert not selector.matches({"projectcalico.org/name": "kube-system"})
    assert not selector.matches({})
    assert parse_selector("!all()").canonical() == "!all()"
    assert not parse_selector("!all()").matches({})


# --- properties ---------------------------------------------------------------------------------------------
# Random selector trees as tuples, an evaluator for them written from the documented semantics, and a
# renderer that spells each tree with random whitespace, quotes, '!' runs and redundant parentheses.

KEYS = ["a", "b", "projectcalico.org/name", "pcns.team", "has", "in"]
VALUES = ["", "x", "xy", "yx", 'q"', "q'"]


def _leaves():
    key, value = st.sampled_from(KEYS), st.sampled_from(VALUES)
    return st.one_of(
        st.tuples(st.just("has"), key),
        st.tuples(st.just("all")),
        st.tuples(st.just("global")),
        st.tuples(st.sampled_from(CompareNode.OPERATORS), key, value),
        st.tuples(st.sampled_from(SetNode.OPERATORS), key, st.lists(value, max_size=3)),
    )


def _extend(children):
    return st.one_of(
        st.tuples(st.just("!"), children),
        st.tuples(st.just("&&"), st.lists(children, min_size=2, max_size=3)),
        st.tuples(st.just("||"), st.lists(children, min_size=2, max_size=3)),
    )


TREES = st.recursive(_leaves(), _extend, max_leaves=8)
LABELS = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=len(KEYS))


def _reference_match(tree, labels):
    kind = tree[0]
    if kind in ("all", "global"):
        return True
    if kind == "has":
        return tree[1] in labels
    if kind == "!":
        return not _reference_match(tree[1], labels)
    if kind == "&&":
        return all(_reference_match(child, labels) for child in tree[1])
    if kind == "||":
        return any(_reference_match(child, labels) for child in tree[1])
    key, operand = tree[1], tree[2]
    if key not in labels:
        return kind in ("!=", "not in")
    value = labels[key]
    return {
        "==": lambda: value == operand,
        "!=": lambda: value != operand,
        "contains": lambda: operand in value,
        "starts with": lambda: value.startswith(operand),
        "ends with": lambda: value.endswith(operand),
        "in": lambda: value in operand,
        "not in": lambda: value not in operand,
    }[kind]()


def _render(draw, tree, context):
    """Spell ``tree``; ``context`` is the operator it sits under, to add only the parentheses it needs."""
    def space():
        return draw(st.sampled_from(["", " ", "  ", "\t"]))

    kind = tree[0]
    if kind in ("has", "all", "global"):
        inner = space() + tree[1] + space() if kind == "has" else space()
        text = "%s(%s)" % (kind, inner)
    elif kind == "!":
        bangs = draw(st.sampled_from(["!", "! ", "!!!", "! ! !"]))
        text = bangs + space() + _render(draw, tree[1], "!")
    elif kind in ("&&", "||"):
        text = (space() + kind + space()).join(_render(draw, child, kind) for child in tree[1])
        needs_parens = context == "!" or (context == "&&" and kind == "||")
        if needs_parens or (context is not None and draw(st.booleans())):
            text = "(" + space() + text + space() + ")"
        return text
    elif kind in SetNode.OPERATORS:
        members = [_quoted(draw, value) for value in tree[2]]
        trailing = "," if members and draw(st.booleans()) else ""
        text = "%s %s {%s%s}" % (tree[1], kind, (space() + "," + space()).join(members), trailing)
    else:
        # A word operator needs a space to end the key before it; a symbol does not.
        before = " " + space() if kind[0].isalpha() else space()
        text = tree[1] + before + kind + space() + _quoted(draw, tree[2])
    if context is not None and draw(st.integers(0, 4)) == 0:
        text = "(" + text + ")"
    return text


def _quoted(draw, value):
    if '"' in value:
        return "'" + value + "'"
    if "'" in value:
        return '"' + value + '"'
    quote = draw(st.sampled_from(["'", '"']))
    return quote + value + quote


@st.composite
def rendered_trees(draw):
    tree = draw(TREES)
    return tree, _render(draw, tree, None)


@settings(max_examples=300, deadline=None)
@given(rendered_trees(), st.lists(LABELS, min_size=1, max_size=8))
def test_parser_agrees_with_reference_semantics(rendered, label_sets):
    tree, text = rendered
    selector = parse_selector(text)
    for labels in label_sets:
        assert selector.matches(labels) is _reference_match(tree, labels), (text, labels)


@settings(max_examples=300, deadline=None)
@given(rendered_trees(), st.lists(LABELS, min_size=1, max_size=8))
def test_canonical_form_reparses_to_the_same_selector(rendered, label_sets):
    text = rendered[1]
    selector = parse_selector(text)
    again = parse_selector(selector.canonical())
    # Calico keeps '!!' from '!(!x)' in its canonical form and collapses it on re-parse; one round settles it.
    settled = parse_selector(again.canonical())
    assert settled.canonical() == again.canonical()
    if "!!" not in selector.canonical():
        assert again == selector
    for labels in label_sets:
        assert again.matches(labels) is selector.matches(labels)
        assert settled.matches(labels) is selector.matches(labels)


@settings(max_examples=300, deadline=None)
@given(rendered_trees(), st.lists(LABELS, min_size=1, max_size=16))
def test_required_keys_and_values_are_sound(rendered, label_sets):
    text = rendered[1]
    selector = parse_selector(text)
    keys, values = selector.required_keys(), selector.required_values()
    assert set(values) <= keys
    for labels in label_sets:
        if selector.matches(labels):
            assert keys <= set(labels), (text, labels)
            for key, allowed in values.items():
                assert labels[key] in allowed, (text, labels)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab ()!&|=\"'{},.-/\thasl()inotcw", max_size=30))
def test_any_text_parses_or_raises_selector_error(text):
    try:
        selector = parse_selector(text)
    except SelectorError as error:
        assert 0 <= error.position <= len(text)
        assert str(error).startswith("selector %r at position %d: " % (text, error.position))
    else:
        assert isinstance(selector, Selector)
        assert parse_selector(selector.canonical()).matches({"a": "b"}) is selector.matches({"a": "b"})


def test_module_exports_its_interface():
    for name in ("parse_selector", "Selector", "SelectorError", "ALL"):
        assert name in _selector.__all__
