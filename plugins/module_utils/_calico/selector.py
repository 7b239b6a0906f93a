# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The Calico label selector language: parser, matcher and canonical form.

Behaviour follows libcalico-go's selector tokenizer and parser (lib/selector/{tokenizer,parser}), as
summarised in the shared reference (calico-facts.md section 3):

* label keys are 1-512 characters from ``[A-Za-z0-9_./-]``; only space and tab are whitespace;
* strings are ``"..."`` or ``'...'`` without escapes, and the right side of an operator is always a
  quoted literal (or a set of them);
* ``!=`` and ``not in`` match when the label is absent; ``==``, ``in``, ``contains``, ``starts with``
  and ``ends with`` do not;
* precedence: terms and parentheses, then ``!`` (a run of ``!`` collapses to its parity), ``&&``, ``||``;
* the empty selector means ``all()``; ``global()`` parses and matches everything (callers decide where it
  is allowed, as Calico does);
* like Calico's tokenizer, the operator keywords after a label are recognised by prefix and may have
  spaces inside, so ``a startswith "x"`` and ``a notin {"x"}`` are accepted.

Parse once, match many times: ``parse_selector`` caches parsed selectors by text and each ``Selector``
compiles its tree into plain closures, so ``matches`` does no parsing, regex work or allocation.
"""
from __future__ import annotations

import functools
import re

__all__ = [
    "ALL",
    "AllNode",
    "AndNode",
    "CompareNode",
    "GlobalNode",
    "HasNode",
    "MAX_KEY_LENGTH",
    "NotNode",
    "OrNode",
    "Selector",
    "SelectorError",
    "SetNode",
    "parse_selector",
]

MAX_KEY_LENGTH = 512
_WHITESPACE = " \t"
_KEY_RUN = re.compile(r"[A-Za-z0-9_./-]+")
_TERM_EXPECTATION = "expected a label, has(...), all(), global(), '!' or '('"


class SelectorError(ValueError):
    """A selector that Calico would reject; ``position`` is the 0-based index of the problem."""

    def __init__(self, message, position):
        super(SelectorError, self).__init__(message)
        self.message = message
        self.position = position

    def __str__(self):
        return self.message


# ---------------------------------------------------------------------------------------------------------
# Tree nodes. Each node knows its canonical text, how to evaluate itself, and how to compile itself into a
# closure; the closures are what Selector.matches runs.


def _quote(value):
    # Calico prints double quotes unless the value itself holds one (a value can never hold both).
    return "'" + value + "'" if '"' in value else '"' + value + '"'


def _always_true(labels):
    return True


class _Node(object):
    __slots__ = ()

    def canonical(self):
        raise NotImplementedError

    def compile(self):
        """Return a function ``labels -> bool`` equivalent to ``evaluate``."""
        raise NotImplementedError

    def evaluate(self, labels):
        return self.compile()(labels)

    def children(self):
        return ()

    def __eq__(self, other):
        return type(self) is type(other) and self.canonical() == other.canonical()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((type(self).__name__, self.canonical()))

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self.canonical())


class AllNode(_Node):
    """``all()``: matches every label set (also what the empty selector parses to)."""

    __slots__ = ()

    def canonical(self):
        return "all()"

    def compile(self):
        return _always_true


class GlobalNode(_Node):
    """``global()``: matches every label set; where it is allowed is the caller's decision."""

    __slots__ = ()

    def canonical(self):
        return "global()"

    def compile(self):
        return _always_true


class HasNode(_Node):
    """``has(key)``: the label is present, whatever its value."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def canonical(self):
        return "has(" + self.key + ")"

    def compile(self):
        key = self.key

        def has_key(labels):
            return key in labels
        return has_key


def _compile_equals(key, value):
    def equals(labels):
        return labels.get(key) == value
    return equals


def _compile_not_equals(key, value):
    def not_equals(labels):
        return labels.get(key) != value
    return not_equals


def _compile_contains(key, value):
    def contains(labels):
        found = labels.get(key)
        return found is not None and value in found
    return contains


def _compile_starts_with(key, value):
    def starts_with(labels):
        found = labels.get(key)
        return found is not None and found.startswith(value)
    return starts_with


def _compile_ends_with(key, value):
    def ends_with(labels):
        found = labels.get(key)
        return found is not None and found.endswith(value)
    return ends_with


class CompareNode(_Node):
    """``key <op> "value"`` where ``op`` is one of ``CompareNode.OPERATORS``."""

    __slots__ = ("key", "op", "value")
    OPERATORS = ("==", "!=", "contains", "starts with", "ends with")
    _COMPILERS = {
        "==": _compile_equals,
        "!=": _compile_not_equals,
        "contains": _compile_contains,
        "starts with": _compile_starts_with,
        "ends with": _compile_ends_with,
    }

    def __init__(self, key, op, value):
        if op not in self._COMPILERS:
            raise ValueError("unknown comparison operator %r; expected one of %s" % (op, ", ".join(self.OPERATORS)))
        self.key = key
        self.op = op
        self.value = value

    def canonical(self):
        return self.key + " " + self.op + " " + _quote(self.value)

    def compile(self):
        return self._COMPILERS[self.op](self.key, self.value)


class SetNode(_Node):
    """``key in {...}`` or ``key not in {...}``; ``values`` is a frozenset of strings."""

    __slots__ = ("key", "op", "values")
    OPERATORS = ("in", "not in")

    def __init__(self, key, op, values):
        if op not in self.OPERATORS:
            raise ValueError("unknown set operator %r; expected 'in' or 'not in'" % (op,))
        self.key = key
        self.op = op
        self.values = frozenset(values)

    def canonical(self):
        # Calico sorts and de-duplicates the members (byte order, which is code point order for UTF-8).
        members = ", ".join(_quote(value) for value in sorted(self.values))
        return self.key + " " + self.op + " {" + members + "}"

    def compile(self):
        key, values = self.key, self.values
        if self.op == "in":
            def in_set(labels):
                return labels.get(key) in values
            return in_set

        def not_in_set(labels):
            return labels.get(key) not in values
        return not_in_set


class NotNode(_Node):
    """``!operand``."""

    __slots__ = ("operand",)

    def __init__(self, operand):
        self.operand = operand

    def canonical(self):
        return "!" + self.operand.canonical()

    def children(self):
        return (self.operand,)

    def compile(self):
        inner = self.operand.compile()

        def negated(labels):
            return not inner(labels)
        return negated


class _BooleanNode(_Node):
    __slots__ = ("operands",)
    _JOINER = ""

    def __init__(self, operands):
        self.operands = tuple(operands)
        if len(self.operands) < 2:
            raise ValueError("%s needs at least two operands" % type(self).__name__)

    def canonical(self):
        # Calico wraps every && and || group in parentheses, even at the top level.
        return "(" + self._JOINER.join(operand.canonical() for operand in self.operands) + ")"

    def children(self):
        return self.operands


class AndNode(_BooleanNode):
    """``a && b && ...``: every operand matches."""

    __slots__ = ()
    _JOINER = " && "

    def compile(self):
        matchers = tuple(operand.compile() for operand in self.operands)
        if len(matchers) == 2:
            first, second = matchers

            def both(labels):
                return first(labels) and second(labels)
            return both

        def every(labels):
            for matcher in matchers:
                if not matcher(labels):
                    return False
            return True
        return every


class OrNode(_BooleanNode):
    """``a || b || ...``: at least one operand matches."""

    __slots__ = ()
    _JOINER = " || "

    def compile(self):
        matchers = tuple(operand.compile() for operand in self.operands)
        if len(matchers) == 2:
            first, second = matchers

            def either(labels):
                return first(labels) or second(labels)
            return either

        def any_of(labels):
            for matcher in matchers:
                if matcher(labels):
                    return True
            return False
        return any_of


# ---------------------------------------------------------------------------------------------------------
# What a selector demands of every label set it matches, for indexing. Each function returns
# (required_keys, required_values) and must stay sound: it may say too little, never too much.

_NOTHING_REQUIRED = (frozenset(), {})


def _requirements(node):
    if isinstance(node, HasNode):
        return frozenset((node.key,)), {}
    if isinstance(node, CompareNode):
        return _comparison_requirements(node.key, node.op, node.value)
    if isinstance(node, SetNode):
        if node.op == "in":
            return frozenset((node.key,)), {node.key: node.values}
        return _NOTHING_REQUIRED
    if isinstance(node, NotNode):
        return _negated_requirements(node.operand)
    if isinstance(node, AndNode):
        return _all_of_requirements([_requirements(operand) for operand in node.operands])
    if isinstance(node, OrNode):
        return _any_of_requirements([_requirements(operand) for operand in node.operands])
    return _NOTHING_REQUIRED


def _comparison_requirements(key, op, value):
    if op == "!=":
        return _NOTHING_REQUIRED
    if op == "==":
        return frozenset((key,)), {key: frozenset((value,))}
    return frozenset((key,)), {}


def _negated_requirements(operand):
    # Only negations that turn into positive tests are understood; the rest demand nothing.
    if isinstance(operand, NotNode):
        return _requirements(operand.operand)
    if isinstance(operand, OrNode):
        return _all_of_requirements([_negated_requirements(inner) for inner in operand.operands])
    if isinstance(operand, AndNode):
        return _any_of_requirements([_negated_requirements(inner) for inner in operand.operands])
    if isinstance(operand, CompareNode) and operand.op == "!=":
        return _comparison_requirements(operand.key, "==", operand.value)
    if isinstance(operand, SetNode) and operand.op == "not in":
        return frozenset((operand.key,)), {operand.key: operand.values}
    return _NOTHING_REQUIRED


def _all_of_requirements(parts):
    """Every part holds: all their keys are required, and each key's allowed values intersect."""
    keys = frozenset().union(*(part_keys for part_keys, part_values in parts))
    values = {}
    for part_keys, part_values in parts:
        for key, allowed in part_values.items():
            values[key] = values[key] & allowed if key in values else allowed
    return keys, values


def _any_of_requirements(parts):
    """Some part holds: only keys every part requires, with values limited only where every part limits them."""
    keys = frozenset.intersection(*(part_keys for part_keys, part_values in parts))
    values_per_part = [part_values for part_keys, part_values in parts]
    values = {}
    for key in keys:
        if all(key in part_values for part_values in values_per_part):
            values[key] = frozenset().union(*(part_values[key] for part_values in values_per_part))
    return keys, values


def _walk(node):
    yield node
    for child in node.children():
        yield from _walk(child)


# ---------------------------------------------------------------------------------------------------------
# The public selector object.


class Selector(object):
    """A parsed selector, equal (and hashed) by its canonical form.

    ``matches(labels)`` takes a mapping of label key to string value (Kubernetes label values are always
    strings; other types are not converted). ``matcher`` is the same test as a plain function, for hot loops
    that want to skip the method call. ``parse_selector`` shares one Selector per text, so treat it and its
    ``root`` tree as read-only: build new nodes and ``Selector(text, root)`` instead of editing them.
    """

    __slots__ = ("text", "root", "matcher", "_canonical", "_requirements")

    def __init__(self, text, root):
        self.text = text
        self.root = root
        self.matcher = root.compile()
        self._canonical = root.canonical()
        self._requirements = None

    def matches(self, labels):
        return self.matcher(labels)

    def canonical(self):
        return self._canonical

    def is_all(self):
        return isinstance(self.root, AllNode)

    def uses_global(self):
        return any(isinstance(node, GlobalNode) for node in _walk(self.root))

    def required_keys(self):
        """Label keys that every matching label set has."""
        return self._cached_requirements()[0]

    def required_values(self):
        """For some label keys, the values one of which every matching label set has for that key.

        An empty frozenset means no label set can match. A fresh dict is returned each time.
        """
        return dict(self._cached_requirements()[1])

    def _cached_requirements(self):
        if self._requirements is None:
            self._requirements = _requirements(self.root)
        return self._requirements

    def __eq__(self, other):
        if not isinstance(other, Selector):
            return NotImplemented
        return self._canonical == other._canonical

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self):
        return hash(self._canonical)

    def __repr__(self):
        return "Selector(%r)" % (self._canonical,)

    def __str__(self):
        return self._canonical


# ---------------------------------------------------------------------------------------------------------
# The parser: recursive descent straight over the text, so every error knows its position.


def _describe(text, position):
    if position >= len(text):
        return "end of selector"
    char = text[position]
    if char in "\"'":
        return "a quoted string"
    match = _KEY_RUN.match(text, position)
    if match:
        return "bare word %r" % (match.group(),)
    return "%r" % (char,)


class _Parser(object):
    def __init__(self, text):
        self.text = text
        self.length = len(text)
        self.pos = 0

    # -- helpers -------------------------------------------------------------------------------------------

    def fail(self, expected, position=None, hint="", say_found=True):
        position = self.pos if position is None else position
        message = "selector %r at position %d: %s" % (self.text, position, expected)
        if say_found and position < self.length:
            message += ", found %s" % _describe(self.text, position)
        if hint:
            message += " (%s)" % hint
        raise SelectorError(message, position)

    def skip_whitespace(self):
        text, pos, length = self.text, self.pos, self.length
        while pos < length and text[pos] in _WHITESPACE:
            pos += 1
        self.pos = pos

    def at(self, literal):
        return self.text.startswith(literal, self.pos)

    def take(self, literal):
        if self.text.startswith(literal, self.pos):
            self.pos += len(literal)
            return True
        return False

    def take_spaced_words(self, first, second):
        """Take ``first`` then, after optional whitespace, ``second`` (Calico allows ``startswith``)."""
        if not self.take(first):
            return False
        self.skip_whitespace()
        if self.take(second):
            return True
        self.fail("expected %r after %r" % (second, first))
        return False

    # -- grammar -------------------------------------------------------------------------------------------

    def parse(self):
        self.skip_whitespace()
        if self.pos == self.length:
            return AllNode()
        node = self.parse_or()
        if self.pos < self.length:
            if self.text[self.pos] == ")":
                self.fail("expected '&&', '||' or end of selector", hint="')' without a matching '('")
            self.fail("expected '&&', '||' or end of selector")
        return node

    def parse_or(self):
        operands = [self.parse_and()]
        while self.take_operator("||"):
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else OrNode(operands)

    def parse_and(self):
        operands = [self.parse_term()]
        while self.take_operator("&&"):
            operands.append(self.parse_term())
        return operands[0] if len(operands) == 1 else AndNode(operands)

    def take_operator(self, operator):
        self.skip_whitespace()
        if self.take(operator):
            return True
        if self.at(operator[0]):
            self.fail("expected %r" % (operator,))
        return False

    def parse_term(self):
        negated = self.skip_negations()
        node = self.parse_positive_term()
        # Calico collapses a run of '!' to its parity, so '!!x' is just x.
        return NotNode(node) if negated else node

    def skip_negations(self):
        negated = False
        while True:
            self.skip_whitespace()
            if not self.at("!") or self.at("!="):
                return negated
            self.pos += 1
            negated = not negated

    def parse_positive_term(self):
        self.skip_whitespace()
        start = self.pos
        if start == self.length:
            self.fail(_TERM_EXPECTATION)
        char = self.text[start]
        if char == "(":
            return self.parse_group()
        if self.take("has("):
            return HasNode(self.parse_has_key(start))
        if self.take("all("):
            self.close_call("all(", start)
            return AllNode()
        if self.take("global("):
            self.close_call("global(", start)
            return GlobalNode()
        if _KEY_RUN.match(self.text, start):
            return self.parse_label_test()
        if char in "\"'":
            self.fail(_TERM_EXPECTATION, hint="a quoted literal may only appear on the right of an operator")
        self.fail(_TERM_EXPECTATION)
        return None

    def parse_group(self):
        opened_at = self.pos
        self.pos += 1
        node = self.parse_or()
        self.skip_whitespace()
        if not self.take(")"):
            self.fail("expected ')' to close the '(' at position %d" % opened_at)
        return node

    def close_call(self, opener, start):
        self.skip_whitespace()
        if not self.take(")"):
            self.fail("expected ')' after %r at position %d" % (opener, start))

    def parse_has_key(self, start):
        self.skip_whitespace()
        key = self.parse_key("expected a label key inside has(...)")
        key_end = self.pos
        self.skip_whitespace()
        if not self.take(")"):
            self.fail("expected ')' to close the 'has(' at position %d" % start, hint=self.key_char_hint(key_end))
        return key

    def parse_key(self, expected):
        match = _KEY_RUN.match(self.text, self.pos)
        if not match:
            self.fail(expected)
        key = match.group()
        if len(key) > MAX_KEY_LENGTH:
            self.fail("label key longer than %d characters" % MAX_KEY_LENGTH, position=self.pos + MAX_KEY_LENGTH,
                      hint="the key starts at position %d" % self.pos)
        self.pos = match.end()
        return key

    def key_char_hint(self, key_end):
        """Explain a character stuck to the end of a key that cannot be part of one."""
        if self.pos == key_end < self.length and self.text[key_end] not in "=!()":
            return "label keys may only contain letters, digits and _ . / -"
        return ""

    def parse_label_test(self):
        key = self.parse_key(_TERM_EXPECTATION)
        key_end = self.pos
        self.skip_whitespace()
        op = self.parse_label_operator(key, key_end)
        self.skip_whitespace()
        if op in SetNode.OPERATORS:
            return SetNode(key, op, self.parse_set())
        return CompareNode(key, op, self.parse_string())

    def parse_label_operator(self, key, key_end):
        if self.take("=="):
            return "=="
        if self.take("!="):
            return "!="
        # Keywords after a label are matched by prefix, as Calico's tokenizer does.
        if self.take("contains"):
            return "contains"
        if self.take_spaced_words("starts", "with"):
            return "starts with"
        if self.take_spaced_words("ends", "with"):
            return "ends with"
        if self.take_spaced_words("not", "in"):
            return "not in"
        if self.take("in"):
            return "in"
        expected = "expected an operator after label %r: ==, !=, in, not in, contains, starts with or ends with" % key
        hint = self.key_char_hint(key_end)
        if key in ("has", "all", "global") and self.at("("):
            hint = "write %s( with no space before '('" % key
        elif self.at("="):
            hint = "equality is written '=='"
        self.fail(expected, hint=hint)
        return None

    def parse_string(self):
        quote = self.text[self.pos] if self.pos < self.length else ""
        if quote not in ("\"", "'"):
            self.fail("expected a quoted string", hint=self.bare_word_hint())
        end = self.text.find(quote, self.pos + 1)
        if end < 0:
            self.fail("unterminated string: expected a closing %s before the end of the selector" % quote,
                      say_found=False, hint="strings have no escape characters")
        value = self.text[self.pos + 1:end]
        self.pos = end + 1
        return value

    def bare_word_hint(self):
        if _KEY_RUN.match(self.text, self.pos):
            return "the right side must be a quoted literal, e.g. \"value\""
        return ""

    def parse_set(self):
        if not self.take("{"):
            self.fail("expected a set literal such as {\"a\", \"b\"}")
        values = []
        while True:
            self.skip_whitespace()
            if self.take("}"):
                return values
            if self.pos < self.length and self.text[self.pos] in "\"'":
                values.append(self.parse_string())
            else:
                self.fail("expected a quoted string or '}'", hint=self.bare_word_hint())
            self.skip_whitespace()
            if self.take("}"):
                return values
            if not self.take(","):
                self.fail("expected ',' or '}'")


@functools.lru_cache(maxsize=4096)
def _parse_cached(text):
    return Selector(text, _Parser(text).parse())


def parse_selector(text):
    """Parse Calico selector ``text`` into a ``Selector``; raise ``SelectorError`` if Calico would reject it."""
    if not isinstance(text, str):
        raise SelectorError("selector must be a string, got %s" % type(text).__name__, 0)
    return _parse_cached(text)


ALL = parse_selector("all()")
