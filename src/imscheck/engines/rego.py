"""Rego as a third engine: imscheck's rules compiled to one Rego v1 module.

The compiler follows the durable engine's architecture: each expectation's
query (and, for ``for_each``, the query extended by ``require``) becomes one
*positive* Rego set rule whose elements are the answers, as arrays of the ids
(or values) bound to each variable in binding order. The Python side runs one
evaluation through regorus (the ``opa-eval`` wheel), rebuilds the answers from
the ids and hands them to :func:`evaluator.build_outcome`, the one place where
answers become findings and evidence, so verdicts, messages, locations and
evidence are those of the other engines by construction.

The same module also derives findings on its own, with negation (``violation``
and, for conftest, ``deny``), so that an exported bundle stands alone in OPA or
conftest.

Units are (rule, standard[, requirement]); their parameters are data
(``data.imscheck.params``), the date to judge by, the standards to check and
the intervals a management system declares are input, so one bundle serves any
``as_of``. Date expressions are computed in Rego by calendar arithmetic of our
own (31 January plus one month is the last day of February, as in Python):
``time.add_date`` normalises differently in OPA (3 March) and in regorus.

Exactness. The operators of :mod:`knowledge.operators` are written as Rego
functions with Python's meaning (a missing attribute is ``null``, never
undefined; ``in`` on text is a substring test; ``True == 1`` inside
membership; comparisons that would raise ``TypeError`` are false). What Rego
cannot tell apart is refused with a :class:`UsageError`, never approximated:

- a whole number written as a decimal (``1.0``): Rego has one number type,
  Python's ``equals`` tells ``1`` from ``1.0``; NaN and infinities;
- ``true``/``false`` inside a list or mapping that a rule compares whole
  (equality, membership): Python's ``==`` equates them with ``1``/``0`` deep
  inside containers, Rego does not;
- mapping keys that are not text (JSON has only text keys);
- a numeric comparison (``gt``...) on an attribute that holds a list
  (Python compares lists element by element).

Facts are checked when a check runs; rule constants and parameters when the
rules are compiled (the error names the rule).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from .evaluator import Env, Outcome, build_outcome, parameter_values
from .facts import Facts
from ..knowledge.rulebook import Binding, Const, DateExpr, Expectation, Param, Ref, Rule, _PLACEHOLDER

INSTALL_HINT = "--engine rego needs the rego extra: pip install 'imscheck[rego]'"
PACKAGE = "imscheck.rules"
QUERY = f"data.{PACKAGE}.answers"
_NUMERIC = frozenset({"gte", "gt", "lte", "lt"})
_WHOLE = frozenset({"equals", "not_equals", "in", "not_in", "contains", "not_contains"})

# Python's meaning of each operator, in Rego. A missing attribute is passed as null.
PRELUDE = r'''
# Python's == as used by 'in' and 'contains': true equals 1, false equals 0.
py_eq(a, b) if a == b

py_eq(a, b) if {
	is_boolean(a)
	is_number(b)
	to_number(a) == b
}

py_eq(a, b) if {
	is_number(a)
	is_boolean(b)
	a == to_number(b)
}

py_truthy(x) if {
	x != null
	x != false
	x != 0
	x != ""
	x != []
	x != {}
}

py_present(v) if {
	v != null
	v != []
	v != ""
}

py_member(v, o) if {
	is_array(o)
	some x in o
	py_eq(v, x)
}

py_member(v, o) if {
	is_string(o)
	is_string(v)
	contains(o, v)
}

py_member(v, o) if {
	is_object(o)
	is_string(v)
	v in object.keys(o)
}

# 'v in o' does not raise in Python
py_in_ok(v, o) if is_array(o)

py_in_ok(v, o) if {
	is_string(o)
	is_string(v)
}

py_in_ok(v, o) if {
	is_object(o)
	not is_array(v)
	not is_object(v)
}

py_num(o) := o if is_number(o)

py_num(o) := to_number(o) if is_boolean(o)

op_equals(v, o) if {
	v != null
	o != null
	v == o
}

op_not_equals(v, o) if {
	v != null
	o != null
	v != o
}

op_in(v, o) if {
	v != null
	o != null
	py_member(v, o)
}

op_not_in(v, o) if {
	v != null
	o != null
	py_in_ok(v, o)
	not py_member(v, o)
}

op_contains(v, o) if {
	o != null
	is_array(v)
	some x in v
	py_eq(o, x)
}

op_not_contains(v, o) if {
	o != null
	is_array(v)
	not op_contains(v, o)
}

op_exists(v, o) if {
	py_present(v)
	py_truthy(o)
}

op_exists(v, o) if {
	not py_present(v)
	not py_truthy(o)
}

op_gte(v, o) if {
	is_number(v)
	v >= py_num(o)
}

op_gt(v, o) if {
	is_number(v)
	v > py_num(o)
}

op_lte(v, o) if {
	is_number(v)
	v <= py_num(o)
}

op_lt(v, o) if {
	is_number(v)
	v < py_num(o)
}

op_on_or_after(v, o) if {
	is_string(v)
	is_string(o)
	v >= o
}

op_after(v, o) if {
	is_string(v)
	is_string(o)
	v > o
}

op_on_or_before(v, o) if {
	is_string(v)
	is_string(o)
	v <= o
}

op_before(v, o) if {
	is_string(v)
	is_string(o)
	v < o
}

# Keys under which a membership index may hold a value Python's == matches.
member_keys(o) := [o, to_number(o)] if is_boolean(o)

member_keys(o) := [o] if not is_boolean(o)

# Index look-ups: the positions of facts under a key; the keys Python's == matches for
# an item of a list; for 'in', every fact when the operand is not a list (text, mapping).
lookup(ix, k) := s if {
	s := ix[k]
} else := set()

lookup_any(ix, keys) := union({found |
	some k in keys
	found := lookup(ix, k)
})

eq_keys(x) := [x, to_number(x)] if is_boolean(x)

eq_keys(x) := [x, true] if {
	is_number(x)
	x == 1
}

eq_keys(x) := [x, false] if {
	is_number(x)
	x == 0
}

eq_keys(x) := [x] if {
	not is_boolean(x)
	not x in {0, 1}
}

lookup_in(ix, o, facts) := positions if {
	is_array(o)
	positions := union({found | some x in o; keys := eq_keys(x); found := lookup_any(ix, keys)})
}

lookup_in(ix, o, facts) := positions if {
	not is_array(o)
	positions := {i | some i, _ in facts}
}

smallest(sets) := fewest if {
	sizes := [count(x) | some x in sets]
	m := min(sizes)
	fewest := [y | some y in sets; count(y) == m][0]
}

# Calendar arithmetic as imscheck does it: the day is kept, or the month's last day.
leap(y) if {
	y % 4 == 0
	y % 100 != 0
}

leap(y) if y % 400 == 0

month_days(y, m) := 29 if {
	m == 2
	leap(y)
}

month_days(y, m) := 28 if {
	m == 2
	not leap(y)
}

month_days(y, m) := 30 if m in {4, 6, 9, 11}

month_days(y, m) := 31 if m in {1, 3, 5, 7, 8, 10, 12}

iso_date(y, m, d) := sprintf("%04d-%02d-%02d", [y, m, d])

add_months(date, n) := iso_date(y, m, min([d, month_days(y, m)])) if {
	parts := time.date(time.parse_ns("2006-01-02", date))
	index := ((parts[0] * 12) + parts[1]) - 1 + n
	y := floor(index / 12)
	m := (index - (y * 12)) + 1
	d := parts[2]
}

add_days(date, n) := iso_date(t[0], t[1], t[2]) if {
	t := time.date(time.parse_ns("2006-01-02", date) + ((n * 24) * 3600000000000))
}

# str() of a value in a message, as Python writes it; undefined when we cannot be exact.
# (Not recursive: OPA refuses recursion, so list items have a function of their own.)
py_scalar(x) := x if is_string(x)

py_scalar(x) := "True" if x == true

py_scalar(x) := "False" if x == false

py_scalar(x) := format_int(x, 10) if {
	is_number(x)
	x == floor(x)
}

py_str(x) := "(none)" if x == null

py_str(x) := "(none)" if x == []

py_str(x) := py_scalar(x) if x != null

py_str(x) := concat(", ", [py_item(e) | some e in x]) if {
	is_array(x)
	count(x) > 0
	count([e | some e in x; py_item(e)]) == count(x)
}

py_item(x) := "None" if x == null

py_item(x) := py_scalar(x) if x != null

unit_params(u) := object.union(data.imscheck.params[u], {k: v |
	some k, v in object.get(input, ["declared", data.imscheck.units[u].standard], {})
	k in object.keys(data.imscheck.params[u])
})

unit_on(standard) if standard in input.standards
'''


@dataclass
class _Query:
    name: str  # the Rego rule holding its answers: [unit, value of each variable...]
    variables: list[tuple[str, str | None]]  # (variable, type or None for a value), in binding order


@dataclass
class _Unit:
    key: str
    rule: Rule
    standard: str
    requirement: str | None


@dataclass
class Bundle:
    """A compiled rule set: the module, its data, the units and the queries it answers."""

    module: str
    data: dict[str, Any]
    units: list[_Unit]
    queries: dict[tuple[str, str], tuple[_Query, _Query | None]]  # (rule, expectation) -> (query, extended)
    compared: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    numeric: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)


def _name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def unsupported(value: Any, nested: bool = False) -> str | None:
    """Why Rego could not hold this value with Python's meaning, or None."""
    if isinstance(value, bool):
        return "true or false inside a list or mapping" if nested else None
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"the number {value}"
        if value.is_integer():
            return f"the whole number {value} written as a decimal"
        return None
    if isinstance(value, list):
        for item in value:
            why = unsupported(item, True)
            if why:
                return why
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"the mapping key {key!r}, which is not text"
            why = unsupported(item, True)
            if why:
                return why
    return None


class _Compiler:
    """One query rule per (rule, expectation), ranging over the units it applies to:
    a unit's parameters are data, so the module stays the size of the rule files."""

    def __init__(self) -> None:
        self.indexes: dict[str, str] = {}  # Rego rule name -> definition
        self.id_tables: set[str] = set()  # types whose facts are looked up by id
        self.lines: list[str] = []
        # (type, attribute) -> (rule, expectation): values compared whole by equality or membership,
        # and values compared as numbers; checked against the facts before a run.
        self.compared: dict[tuple[str, str], tuple[str, str]] = {}
        self.numeric: dict[tuple[str, str], tuple[str, str]] = {}

    # -- values --------------------------------------------------------------
    def attribute(self, fact: str, attribute: str) -> str:
        path = attribute.split(".")
        return f"object.get({fact}, {_literal(path if len(path) > 1 else path[0])}, null)"

    def operand(self, rule: Rule, where: str, operand: Any, units: list[dict[str, Any]], scope: dict[str, str | None]) -> str:
        if isinstance(operand, Const):
            why = unsupported(operand.value)
            if why:
                raise UsageError(f"rule {rule.id}, {where}: the Rego engine cannot hold {why} with imscheck's meaning; use --engine python")
            return _literal(operand.value)
        if isinstance(operand, Param):
            if operand.name == "as_of":
                return "input.as_of"
            return f"p[{_literal(operand.name)}]"
        if isinstance(operand, DateExpr):
            amount = f"p[{_literal(operand.amount.name)}]" if isinstance(operand.amount, Param) else str(operand.amount)
            if isinstance(operand.amount, Param):
                for params in units:
                    value = params.get(operand.amount.name)
                    if not isinstance(value, int) or isinstance(value, bool):
                        raise UsageError(f"rule {rule.id}, {where}: the Rego engine needs a whole number of {operand.unit} in ${operand.amount.name}")
            signed = amount if operand.sign > 0 else f"(0 - {amount})"
            function = "add_days" if operand.unit == "days" else "add_months"
            if operand.unit == "years":
                signed = f"({signed} * 12)"
            return f"{function}(input.as_of, {signed})"
        assert isinstance(operand, Ref)
        kind = scope[operand.variable]
        if kind is None:
            return f"e_{operand.variable}"
        return self.attribute(f"e_{operand.variable}", operand.attribute or "id")

    # -- indexes -------------------------------------------------------------
    def index(self, kind: str, type_name: str, attribute: str) -> str:
        name = f"ix_{kind}_{_name(type_name)}_{_name(attribute)}"
        if name not in self.indexes:
            get = self.attribute("f", attribute)
            if kind == "eq":
                body = f"\tsome i, f in object.get(input.facts, {_literal(type_name)}, [])\n\tk := {get}\n\tk != null"
            else:
                body = (f"\tsome i, f in object.get(input.facts, {_literal(type_name)}, [])\n\tv := {get}\n\tis_array(v)\n"
                        f"\tsome k in v")
            self.indexes[name] = f"{name}[k] contains i if {{\n{body}\n}}\n"
        return name

    # -- queries -------------------------------------------------------------
    def query(self, rule: Rule, expectation: Expectation, name: str, bindings: tuple[Binding, ...], units: list[dict[str, Any]],
              unit_set: str) -> _Query:
        scope: dict[str, str | None] = {}
        body = [f"some u in {unit_set}", "unit_on(data.imscheck.units[u].standard)", "p := unit_params(u)"]
        self.hoisted: list[str] = []
        variables: list[tuple[str, str | None]] = []
        where = f"expectation {expectation.id}"
        for binding in bindings:
            if binding.check:
                for condition in binding.conditions:
                    self.note(scope[binding.variable] or "", condition, scope, rule, expectation)
                    body.append(self.condition(rule, where, binding.variable, condition, units, scope))
                continue
            var = f"e_{binding.variable}"
            if binding.values is not None:
                values = self.operand(rule, where, binding.values, units, scope)
                self.note_ref(binding.values, scope, rule, expectation)
                body += [f"vs_{binding.variable} := {values}", f"is_array(vs_{binding.variable})", f"some {var} in vs_{binding.variable}"]
                scope[binding.variable] = None
                variables.append((binding.variable, None))
                continue
            type_name = binding.type or ""
            body += self.candidates(rule, where, binding, units, scope)
            for condition in binding.conditions:
                self.note(type_name, condition, scope, rule, expectation)
                body.append(self.condition(rule, where, binding.variable, condition, units, {**scope, binding.variable: type_name}))
            scope[binding.variable] = type_name
            variables.append((binding.variable, type_name))
        body[3:3] = self.hoisted  # values that do not change per fact: once per unit
        output = ", ".join(["u"] + [f"e_{v}" if t is None else f"e_{v}.id" for v, t in variables])
        self.lines.append(f"{name} contains [{output}] if {{\n" + "".join(f"\t{line}\n" for line in body) + "}\n")
        return _Query(name, variables)

    def hoist(self, expression: str) -> str:
        if expression.startswith(("add_months(", "add_days(")):
            name = f"c{len(self.hoisted)}"
            self.hoisted.append(f"{name} := {expression}")
            return name
        return expression

    def candidates(self, rule: Rule, where: str, binding: Binding, units: list[dict[str, Any]], scope: dict[str, str | None]) -> list[str]:
        """How to enumerate a binding's facts: through an index when a condition allows it.

        As in the Python engine: a join on an earlier variable first (equality, then
        list membership either way); otherwise, among the constant keys, the one that
        selects the fewest facts, chosen when the query runs. The index only narrows:
        every condition is still tested with Python's meaning."""
        type_name = binding.type or ""
        var = binding.variable
        facts = f"object.get(input.facts, {_literal(type_name)}, [])"
        joins: dict[str, list[Any]] = {"equals": [], "contains": [], "in": []}
        constants = []
        for condition in binding.conditions:
            if isinstance(condition.operand, Ref):
                if condition.operator in joins:
                    joins[condition.operator].append(condition)
            elif condition.operator in ("equals", "contains"):
                constants.append(condition)
        for operator in ("equals", "contains", "in"):
            if joins[operator]:
                return [f"some i_{var} in {self.lookup(rule, where, joins[operator][0], units, scope, type_name)}", f"e_{var} := {facts}[i_{var}]"]
        if not constants:
            return [f"some e_{var} in {facts}"]
        sets = [self.lookup(rule, where, c, units, scope, type_name) for c in constants]
        chosen = sets[0] if len(sets) == 1 else f"smallest([{', '.join(sets)}])"
        return [f"some i_{var} in {chosen}", f"e_{var} := {facts}[i_{var}]"]

    def lookup(self, rule: Rule, where: str, condition: Any, units: list[dict[str, Any]], scope: dict[str, str | None], type_name: str) -> str:
        """A Rego expression for the positions of the facts a condition can hold for (a superset)."""
        key = self.operand(rule, where, condition.operand, units, scope)
        if condition.operator == "equals":
            return f"lookup({self.index('eq', type_name, condition.attribute)}, {key})"
        if condition.operator == "contains":
            return f"lookup_any({self.index('member', type_name, condition.attribute)}, member_keys({key}))"
        facts = f"object.get(input.facts, {_literal(type_name)}, [])"
        return f"lookup_in({self.index('eq', type_name, condition.attribute)}, {key}, {facts})"

    def note(self, type_name: str, condition: Any, scope: dict[str, str | None], rule: Rule, expectation: Expectation) -> None:
        where = (rule.id, expectation.id)
        if condition.operator in _NUMERIC:
            self.numeric.setdefault((type_name, condition.attribute), where)
        elif condition.operator in _WHOLE:
            self.compared.setdefault((type_name, condition.attribute), where)
            self.note_ref(condition.operand, scope, rule, expectation)

    def note_ref(self, operand: Any, scope: dict[str, str | None], rule: Rule, expectation: Expectation) -> None:
        if isinstance(operand, Ref) and scope.get(operand.variable) is not None:
            self.compared.setdefault((scope[operand.variable] or "", operand.attribute or "id"), (rule.id, expectation.id))

    def condition(self, rule: Rule, where: str, variable: str, condition: Any, units: list[dict[str, Any]], scope: dict[str, str | None]) -> str:
        value = self.attribute(f"e_{variable}", condition.attribute)
        operand = self.hoist(self.operand(rule, where, condition.operand, units, scope))
        return f"op_{condition.operator}({value}, {operand})"


def _message(compiler: _Compiler, rule: Rule, expectation: Expectation, query: _Query | None, units: list[dict[str, Any]], ename: str) -> str:
    """A Rego function rendering the finding's message from the answer ``t`` (unit first):
    exactly as Python does, or, where a value would not print the same, the message key."""
    key = f"{rule.id}.{expectation.id}"
    positions = {v: (i + 1, t) for i, (v, t) in enumerate(query.variables)} if query else {}
    pieces: list[str] = []
    setup: list[str] = []
    last = 0
    for match in _PLACEHOLDER.finditer(expectation.message):
        if match.start() > last:
            pieces.append(_literal(expectation.message[last:match.start()]))
        last = match.end()
        name, attribute = match.group(1), match.group(2)
        if name in positions:
            index, type_name = positions[name]
            if type_name is not None and attribute:
                compiler.id_tables.add(type_name)
                line = f"f_{index} := object.get(input.facts, {_literal(type_name)}, [])[ids_{_name(type_name)}[t[{index}]]]"
                if line not in setup:
                    setup.append(line)
                value = compiler.attribute(f"f_{index}", attribute)
            else:
                value = f"t[{index}]"
        elif name == "as_of":
            value = "input.as_of"
        elif all(name in params for params in units):
            value = f"p[{_literal(name)}]"
        else:  # a variable named in an 'exists' message: nothing to fill it with
            return f"msg_{ename}(t, p) := {_literal(key)}\n"
        pieces.append(f"py_str({value})")
    if last < len(expectation.message):
        pieces.append(_literal(expectation.message[last:]))
    body = setup + [f"m := concat(\"\", [{', '.join(pieces)}])"]
    return f"msg_{ename}(t, p) := m if {{\n" + "".join(f"\t{line}\n" for line in body) + f"}} else := {_literal(key)}\n"


def compile_rules(rules: list[Rule], standards: list[str] | None = None) -> Bundle:
    """Every rule for every standard it decides (or only ``standards``), as one module."""
    compiler = _Compiler()
    units: list[_Unit] = []
    params_data: dict[str, Any] = {}
    unit_data: dict[str, Any] = {}
    unit_sets: dict[str, list[str]] = {}
    queries: dict[tuple[str, str], tuple[_Query, _Query | None]] = {}
    findings: list[str] = []
    for rule in rules:
        mine: dict[str, list[_Unit]] = {}  # expectation id -> the units it applies to
        for standard in rule.standards():
            if standards is not None and standard not in standards:
                continue
            for requirement in (rule.requirements_of(standard) if rule.per_requirement else [None]):
                unit = _Unit(f"u{len(units)}", rule, standard, requirement)
                params = parameter_values(rule, standard, dt.date(2000, 1, 1), requirement)
                del params["as_of"]  # input: the bundle serves any date
                for pname, value in params.items():
                    why = unsupported(value)
                    if why:
                        raise UsageError(f"rule {rule.id}, parameter {pname}: the Rego engine cannot hold {why} with imscheck's meaning; use --engine python")
                params_data[unit.key] = params
                unit_data[unit.key] = {"rule": rule.id, "standard": standard, "requirement": requirement}
                units.append(unit)
                # As in build_outcome: in a per-requirement rule, an expectation limited to
                # some of its requirements applies to those requirements' units only.
                for expectation in rule.expectations_for(standard, requirement):
                    mine.setdefault(expectation.id, []).append(unit)
        for expectation in rule.expectations:
            if expectation.id not in mine:
                continue
            ename = f"{_name(rule.id)}_{_name(expectation.id)}"
            unit_sets[f"{rule.id}/{expectation.id}"] = [u.key for u in mine[expectation.id]]
            unit_set = f"data.imscheck.applies[{_literal(f'{rule.id}/{expectation.id}')}]"
            unit_params = [params_data[u.key] for u in mine[expectation.id]]
            query = compiler.query(rule, expectation, f"q_{ename}", expectation.query, unit_params, unit_set)
            extended = None
            if expectation.kind == "for_each":
                extended = compiler.query(rule, expectation, f"r_{ename}", expectation.query + expectation.require, unit_params, unit_set)
            queries[(rule.id, expectation.id)] = (query, extended)
            findings.append(_findings(compiler, rule, expectation, query, unit_params, unit_set, ename, set(mine)))
    answers = ",\n".join(f"\t{_literal(f'{rid}/{eid}')}: {{\"q\": {q.name}" + (f", \"r\": {r.name}" if r else "") + "}"
                         for (rid, eid), (q, r) in queries.items())
    id_tables = "".join(
        f"ids_{_name(t)} := {{f.id: i | some i, f in object.get(input.facts, {_literal(t)}, [])}}\n\n" for t in sorted(compiler.id_tables))
    module = (
        "# Generated by imscheck from its rules: do not edit; run 'imscheck export rego' again.\n"
        f"package {PACKAGE}\n\nimport rego.v1\n{PRELUDE}\n"
        + "".join(f"{definition}\n" for _, definition in sorted(compiler.indexes.items()))
        + id_tables
        + "\n".join(compiler.lines)
        + "\n" + "\n".join(findings)
        + "\n# For conftest: the same findings under the name it looks for.\n"
        + "deny contains v if some v in violation\n\n"
        + "# Every answer of every query, for imscheck's own outcome builder.\n"
        + f"answers := {{\n{answers}\n}}\n"
    )
    data = {"imscheck": {"params": params_data, "units": unit_data, "applies": unit_sets}}
    return Bundle(module, data, units, queries, compiler.compared, compiler.numeric)


def _findings(compiler: _Compiler, rule: Rule, expectation: Expectation, query: _Query, units: list[dict[str, Any]],
              unit_set: str, ename: str, compiled: set[str]) -> str:
    """Rego rules deriving this expectation's findings on their own, with negation."""
    # An earlier expectation that applies to none of the checked units has no found_ set
    # (Rego would refuse the reference); it can fail nowhere, so it gates nothing, as in
    # build_outcome, where only expectations that ran can be among the failed ones.
    gate = [f"not found_{_name(rule.id)}_{_name(o)}[u]" for o in expectation.only_if if o in compiled]
    header = {"rule": _literal(rule.id), "expectation": _literal(expectation.id), "code": _literal(f"{rule.id}.{expectation.id}"),
              "standard": "data.imscheck.units[u].standard", "requirement": "data.imscheck.units[u].requirement"}
    message = _message(compiler, rule, expectation, None if expectation.kind == "exists" else query, units, ename)

    def anchor() -> tuple[str, str]:
        if expectation.at is not None:
            index = next(i for i, (v, _) in enumerate(query.variables) if v == expectation.at.variable)
            path = expectation.at.attribute.split(".") if expectation.at.attribute else []
            return f"t[{index + 1}]", _literal(path)
        for index, (_, type_name) in enumerate(query.variables):
            if type_name is not None and type_name != "requirement":
                return f"t[{index + 1}]", "[]"
        return "null", "[]"

    def block(name: str, lines: list[str]) -> str:
        return f"{name} if {{\n" + "".join(f"\t{line}\n" for line in lines) + "}\n"

    active = [f"some u in {unit_set}", "unit_on(data.imscheck.units[u].standard)"] + gate
    if expectation.kind == "exists":
        found = (f"answered_{ename} := {{t[0] | some t in q_{ename}}}\n\n"
                 + block(f"found_{ename} contains u", active + [f"not answered_{ename}[u]"]))
        fields = {**header, "entity": "null", "attribute": "[]", "msg": f"msg_{ename}([u], p)"}
        return message + "\n" + found + "\n" + block("violation contains " + _object(fields), [f"some u in found_{ename}", "p := unit_params(u)"])
    if expectation.kind == "none":
        missing = block(f"missing_{ename} contains t", [f"some t in q_{ename}", "u := t[0]"] + gate)
    else:
        width = len(query.variables) + 1
        missing = (f"ext_{ename} := {{array.slice(w, 0, {width}) | some w in r_{ename}}}\n\n"
                   + block(f"missing_{ename} contains t", [f"some t in q_{ename}", "u := t[0]"] + gate + [f"not ext_{ename}[t]"]))
    entity, attribute = anchor()
    fields = {**header, "entity": entity, "attribute": attribute, "msg": f"msg_{ename}(t, p)"}
    found = f"found_{ename} := {{t[0] | some t in missing_{ename}}}\n"
    return message + "\n" + missing + "\n" + found + "\n" + block(
        "violation contains " + _object(fields), [f"some t in missing_{ename}", "u := t[0]", "p := unit_params(u)"])


def _object(fields: dict[str, str]) -> str:
    return "{" + ", ".join(f"{_literal(k)}: {v}" for k, v in fields.items()) + "}"


def facts_document(facts: Facts, standards: list[str], as_of: dt.date) -> dict[str, Any]:
    """The input document the module reads: facts by type, the date, the standards, declared intervals."""
    for type_name, rows in facts.by_type.items():
        for fact in rows:
            for attribute, value in fact.items():
                why = _number_or_key(value)
                if why:
                    raise UsageError(f"{type_name} {fact.get('id')}: '{attribute}' holds {why}, which Rego cannot tell apart "
                                     "the way imscheck does; use --engine python")
    for standard, intervals in facts.declared.items():
        why = unsupported(intervals)
        if why:
            raise UsageError(f"the intervals declared for {standard} hold {why}; use --engine python")
    return {"as_of": as_of.isoformat(), "standards": list(standards), "declared": facts.declared,
            "facts": {t: rows for t, rows in sorted(facts.by_type.items())}}


def _number_or_key(value: Any) -> str | None:
    """Like :func:`unsupported`, but true and false may sit anywhere: they matter only where compared whole."""
    if isinstance(value, float):
        return unsupported(value)
    if isinstance(value, list):
        return next((why for item in value if (why := _number_or_key(item))), None)
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"the mapping key {key!r}, which is not text"
            why = _number_or_key(item)
            if why:
                return why
    return None


def check_facts(bundle: Bundle, facts: Facts) -> None:
    """Refuse facts whose compared values Rego would judge differently from Python."""
    def value_at(fact: dict[str, Any], attribute: str) -> Any:
        value: Any = fact
        for part in attribute.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    for (type_name, attribute), (rule, expectation) in sorted(bundle.compared.items()):
        for fact in facts.of_type(type_name):
            value = value_at(fact, attribute)
            why = unsupported(value) if isinstance(value, (list, dict)) else None
            if why:
                raise UsageError(f"rule {rule}, expectation {expectation}: {type_name} {fact['id']} holds {why} in '{attribute}', "
                                 "which Python compares as numbers and Rego does not; use --engine python")
    for (type_name, attribute), (rule, expectation) in sorted(bundle.numeric.items()):
        for fact in facts.of_type(type_name):
            if isinstance(value_at(fact, attribute), list):
                raise UsageError(f"rule {rule}, expectation {expectation}: {type_name} {fact['id']} holds a list in '{attribute}', "
                                 "which Python compares element by element and Rego differently; use --engine python")


def load() -> Any:
    try:
        import opa_eval
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    return opa_eval


def evaluate_answers(bundle: Bundle, document: dict[str, Any]) -> dict[str, Any]:
    """One evaluation of the whole module in regorus: every answer of every unit."""
    opa_eval = load()
    handle, path = tempfile.mkstemp(prefix="imscheck-", suffix=".rego")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(bundle.module)
        try:
            evaluator = opa_eval.OpaEval(path, json.dumps(bundle.data), QUERY)
            result = evaluator.evaluate_parsed(json.dumps(document, ensure_ascii=False))
        except Exception as error:  # regorus reports compile and evaluation errors as exceptions
            raise UsageError(f"regorus failed to evaluate the compiled rules: {error}") from None
    finally:
        os.unlink(path)
    return result if isinstance(result, dict) else {}


class RegoEngine:
    name = "rego"

    def evaluate(self, rules: list[Rule], facts: Facts, standards: list[str], as_of: dt.date) -> list[Outcome]:
        load()
        bundle = compile_rules(rules, standards)
        check_facts(bundle, facts)
        found = evaluate_answers(bundle, facts_document(facts, standards, as_of))
        rows: dict[tuple[str, str, str], dict[str, list[list[Any]]]] = {}  # (unit, rule, expectation) -> q/r answers
        for name, answers in found.items():
            rule_id, expectation_id = name.split("/", 1)
            for part, tuples in answers.items():
                for row in tuples:
                    rows.setdefault((row[0], rule_id, expectation_id), {}).setdefault(part, []).append(row[1:])
        by_type = {t: {f["id"]: f for f in fs} for t, fs in facts.by_type.items()}
        outcomes = []
        for unit in bundle.units:
            params = parameter_values(unit.rule, unit.standard, as_of, unit.requirement, facts.declared.get(unit.standard))
            answers = _RegoAnswers(unit, bundle.queries, rows, by_type)
            outcomes.append(build_outcome(unit.rule, unit.standard, params, answers, unit.requirement))
        return outcomes


class _RegoAnswers:
    def __init__(self, unit: _Unit, queries: dict[tuple[str, str], tuple[_Query, _Query | None]],
                 rows: dict[tuple[str, str, str], dict[str, list[list[Any]]]], by_type: dict[str, dict[str, dict[str, Any]]]):
        self.unit, self.queries, self.rows, self.by_type = unit, queries, rows, by_type
        self.grouped: dict[str, dict[tuple[Any, ...], list[Env]]] = {}

    def env(self, query: _Query, row: list[Any]) -> Env:
        return {v: (value if t is None else self.by_type[t][value]) for (v, t), value in zip(query.variables, row)}

    def found(self, expectation: Expectation, part: str) -> list[list[Any]]:
        return self.rows.get((self.unit.key, self.unit.rule.id, expectation.id), {}).get(part, [])

    def query(self, expectation: Expectation) -> list[Env]:
        query, _ = self.queries[(self.unit.rule.id, expectation.id)]
        return [self.env(query, row) for row in self.found(expectation, "q")]

    def witnesses(self, expectation: Expectation, env: Env) -> list[Env]:
        query, extended = self.queries[(self.unit.rule.id, expectation.id)]
        assert extended is not None
        groups = self.grouped.get(expectation.id)
        if groups is None:
            groups = {}
            width = len(query.variables)
            for row in self.found(expectation, "r"):
                groups.setdefault(_key(row[:width]), []).append(self.env(extended, row))
            self.grouped[expectation.id] = groups
        row = [env[v]["id"] if t is not None else env[v] for v, t in query.variables]
        return groups.get(_key(row), [])


def _key(row: list[Any]) -> tuple[Any, ...]:
    return tuple(json.dumps(v, sort_keys=True) for v in row)
