"""imscheck's own engine: evaluates compiled rules over facts, in pure Python.

Each binding of a query is looked up through a hash index when one of its
conditions can use one (equality or list membership against a constant or an
earlier variable), so joins cost about one dictionary lookup per answer and
a whole evaluation stays close to linear in the number of facts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Protocol

from .facts import Facts, add_months
from ..load.model import REQUIREMENT_TYPE, STRUCTURAL_TYPES
from ..knowledge.operators import OPERATORS
from ..knowledge.rulebook import Binding, Const, DateExpr, Expectation, Param, Ref, Rule, render_message

Env = dict[str, Any]


@dataclass(frozen=True, order=True)
class Violation:
    """One expectation not met. The location is an entity and an attribute path, never a line:
    lines are added by whoever reports it."""

    rule: str
    expectation: str
    message: str
    entity: str | None
    attribute: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """What one rule found for one standard."""

    rule: str
    standard: str
    violations: tuple[Violation, ...]
    evidence: tuple[str, ...]
    requirement: str | None = None  # set by a per-requirement rule: the outcome is for this one only
    basis: tuple[str, ...] = ()  # the rule's stated words for each empty population it accepted
    # Found nothing wrong, but nothing to show either: a finding only if no other rule deciding the
    # same requirement brings evidence or a basis (decided in verdicts/decision.py).
    unevidenced: Violation | None = None


class Engine(Protocol):
    name: str

    def evaluate(self, rules: list[Rule], facts: Facts, standards: list[str], as_of: dt.date) -> list[Outcome]:
        ...


class PythonEngine:
    name = "python"

    def evaluate(self, rules: list[Rule], facts: Facts, standards: list[str], as_of: dt.date) -> list[Outcome]:
        indexes = _Indexes(facts)
        outcomes = []
        for rule in rules:
            for standard in rule.standards():
                if standard not in standards:
                    continue
                if rule.per_requirement:
                    outcomes.extend(_evaluate_rule(rule, standard, facts, indexes, as_of, rid) for rid in rule.requirements_of(standard))
                else:
                    outcomes.append(_evaluate_rule(rule, standard, facts, indexes, as_of))
        return outcomes


def parameter_values(rule: Rule, standard: str, as_of: dt.date, requirement: str | None = None,
                     declared: dict[str, Any] | None = None) -> dict[str, Any]:
    """The rule's values for one standard; an interval the IMS declares for it wins over the rule's default."""
    values = rule.parameters_for(standard, requirement)
    for name, value in (declared or {}).items():
        if name in values:
            values[name] = value
    values["standard"] = standard
    values["as_of"] = as_of.isoformat()
    if requirement is not None:
        values["requirement"] = requirement
    return values


def resolve_date(expr: DateExpr, params: dict[str, Any], as_of: dt.date) -> str:
    amount = params[expr.amount.name] if isinstance(expr.amount, Param) else expr.amount
    amount = expr.sign * int(amount)
    if expr.unit == "days":
        return (as_of + dt.timedelta(days=amount)).isoformat()
    return add_months(as_of, amount * (12 if expr.unit == "years" else 1)).isoformat()


class Answers(Protocol):
    """What an engine found for one expectation: the answers of its query, and
    for ``for_each`` the answers of ``require`` that extend a given one.

    build_outcome reads an answer, and its witnesses, before it asks for the
    next answer: an engine may hand out one dict that it then updates."""

    def query(self, expectation: Expectation) -> Iterable[Env]:
        ...

    def witnesses(self, expectation: Expectation, env: Env) -> list[Env]:
        ...


def build_outcome(rule: Rule, standard: str, params: dict[str, Any], answers: Answers, requirement: str | None = None) -> Outcome:
    """The one place where answers become findings and evidence, for every engine."""
    violations: list[Violation] = []
    evidence: set[str] = set()
    # The values answers reached: evidence counts only when nothing is violated, so it is taken
    # from them at the end, each fact once (and in batches, so the list stays short).
    reached: list[Any] = []
    taken: dict[int, Any] = {}
    failed: set[str] = set()
    bases: list[str] = []
    for expectation in rule.expectations_for(standard, requirement):
        if failed.intersection(expectation.only_if):
            continue
        before = len(violations)

        def lookup(name: str, attribute: str | None, env: Env) -> Any:
            if name in env:
                value = env[name]
                if isinstance(value, dict):
                    return _get(value, attribute) if attribute else value["id"]
                return value
            return params[name]

        def violation(env: Env | None) -> Violation:
            message = render_message(expectation.message, lambda n, a: lookup(n, a, env or {}))
            entity, attribute = _anchor(expectation, env)
            return Violation(rule.id, expectation.id, message, entity, attribute)

        # Answers are consumed as they come, never kept: an 'exists' over many facts
        # costs their evidence ids, not a list of every answer.
        found = answers.query(expectation)
        if expectation.kind == "exists":
            any_answer = False
            for env in found:
                any_answer = True
                if not violations:
                    reached += env.values()
                    if len(reached) > _BATCH:
                        _take_evidence(reached, taken, evidence, standard)
            if not any_answer:
                violations.append(violation(None))
        elif expectation.kind == "none":
            violations.extend(violation(env) for env in found)
        else:
            any_answer = False
            for env in found:
                any_answer = True
                witnesses = answers.witnesses(expectation, env)
                if not witnesses:
                    violations.append(violation(env))
                elif not violations:
                    for witness in witnesses:
                        reached += witness.values()
                    if len(reached) > _BATCH:
                        _take_evidence(reached, taken, evidence, standard)
            if not any_answer and expectation.basis is not None:
                # A basis filled from a parameter left empty for this standard states nothing.
                stated = render_message(expectation.basis, lambda n, a: lookup(n, a, {})).strip()
                if stated and stated != "(none)":
                    bases.append(stated)
        if len(violations) > before:
            failed.add(expectation.id)
    if not violations:
        _take_evidence(reached, taken, evidence, standard)
    unevidenced = None
    if not violations and not evidence and not bases:
        # "For every X ..." holds when there is no X: that alone is not evidence.
        message = render_message(NO_EVIDENCE_MESSAGE, lambda n, a: {"rule": rule.id, "title": rule.title,
                                                                    "looked_for": _looked_for(rule, standard, requirement)}.get(n, params.get(n)))
        unevidenced = Violation(rule.id, NO_EVIDENCE, message, None, ())
    return Outcome(rule.id, standard, tuple(sorted(set(violations))), tuple(sorted(evidence)) if not violations else (), requirement,
                   tuple(dict.fromkeys(bases)) if not violations else (), unevidenced)


NO_EVIDENCE = "no-evidence"
NO_EVIDENCE_MESSAGE = ("Nothing in the IMS evidences this for {standard}: rule {rule} ({title}) found no {looked_for} "
                       "of {standard} to judge, and an empty list shows nothing. Record them for this management system")


def _looked_for(rule: Rule, standard: str, requirement: str | None) -> str:
    """The entity types the rule's populations are made of, for the no-evidence message."""
    names: list[str] = []
    for expectation in rule.expectations_for(standard, requirement):
        if expectation.kind == "none":
            continue
        for binding in expectation.query:
            if binding.type and binding.type != REQUIREMENT_TYPE:
                names.append(binding.type.replace("_", " "))
                break
    return " or ".join(dict.fromkeys(names)) or "entity"


class _PythonAnswers:
    def __init__(self, params: dict[str, Any], as_of: dt.date, facts: Facts, indexes: _Indexes):
        self.params, self.as_of, self.facts, self.indexes = params, as_of, facts, indexes
        self.requires: dict[str, tuple[_Query, bool]] = {}  # expectation id -> (require, whether it uses the for_each variables)

        self.independent: dict[str, list[Env]] = {}

    def query(self, expectation: Expectation) -> Iterator[Env]:
        # build_outcome reads each answer before asking for the next: one dict serves them all.
        return _compiled(expectation.query, (), self.params, self.as_of, self.facts, self.indexes).answers({}, copies=False)

    def witnesses(self, expectation: Expectation, env: Env) -> list[Env]:
        compiled = self.requires.get(expectation.id)
        if compiled is None:
            compiled = (_compiled(expectation.require, expectation.query, self.params, self.as_of, self.facts, self.indexes),
                        _uses_outer(expectation))
            self.requires[expectation.id] = compiled
        require, uses_outer = compiled
        holds = require.holds
        if holds is not None:
            # Only extra tests on the answer itself: it is its own witness, or there is none
            # (read before the next answer, like the answer itself).
            return [env] if holds(env) else []
        known = self.independent.get(expectation.id)
        if known is not None:
            # Every witness's evidence was taken at the first answer; one witness says "there is one".
            return [dict(env, **known[0])] if known else []
        found = list(require.answers(dict(env)))
        if not uses_outer:
            # The same witnesses for every answer of for_each: found once, not once per answer.
            self.independent[expectation.id] = [{k: v for k, v in w.items() if k not in env} for w in found]
        return found


def _compiled(bindings: tuple[Binding, ...], outer: tuple[Binding, ...], params: dict[str, Any], as_of: dt.date,
              facts: Facts, indexes: _Indexes) -> _Query:
    """The query for these bindings, compiled once for every rule evaluation (standard,
    requirement) that gives its constants the same values: a per-requirement rule asks the
    same of hundreds of requirements, most of its queries not depending on which."""
    constants = tuple(_constants(binding, params, as_of) for binding in bindings)
    key = (id(bindings), id(outer), constants)
    found = indexes.queries.get(key)
    if found is None:
        # the bindings are kept with the query: their ids stay theirs while the cache lives
        found = indexes.queries[key] = (bindings, outer, _Query(bindings, params, as_of, facts, indexes, outer, constants))
    return found[2]


def _constants(binding: Binding, params: dict[str, Any], as_of: dt.date) -> tuple[str, ...]:
    """The values a binding's conditions (then its value list) compare with, as text; "" for a variable."""
    operands = [c.operand for c in binding.conditions] + ([binding.values] if binding.values is not None else [])
    return tuple(repr(_resolver(o, params, as_of)({})) if not isinstance(o, Ref) else "" for o in operands)


def _uses_outer(expectation: Expectation) -> bool:
    """Whether 'require' refers to a variable of the for_each query (otherwise its answers are the same for all)."""
    outer = {b.variable for b in expectation.query}
    for binding in expectation.require:
        if binding.check or (isinstance(binding.values, Ref) and binding.values.variable in outer):
            return True
        if any(isinstance(c.operand, Ref) and c.operand.variable in outer for c in binding.conditions):
            return True
    return False


def _evaluate_rule(rule: Rule, standard: str, facts: Facts, indexes: _Indexes, as_of: dt.date,
                   requirement: str | None = None) -> Outcome:
    params = parameter_values(rule, standard, as_of, requirement, facts.declared.get(standard))
    return build_outcome(rule, standard, params, _PythonAnswers(params, as_of, facts, indexes), requirement)


def _anchor(expectation: Expectation, env: Env | None) -> tuple[str | None, tuple[str, ...]]:
    if env is None:
        return None, ()
    if expectation.at is not None:
        fact = env[expectation.at.variable]
        return fact["id"], tuple(expectation.at.attribute.split(".")) if expectation.at.attribute else ()
    for value in env.values():
        # A catalogue requirement is not written in the IMS: point at what is.
        if isinstance(value, dict) and value["type"] != REQUIREMENT_TYPE:
            return value["id"], ()
    return None, ()


_BATCH = 1 << 14


def _take_evidence(reached: list[Any], taken: dict[int, Any], evidence: set[str], standard: str) -> None:
    """The evidence among ``reached`` into ``evidence``; ``taken``: the facts already judged, by
    identity (each kept there, so that no other object can take its id while this runs)."""
    # Evidence for a standard is only what belongs to that standard's management system:
    # an answer that reaches a QMS-only document shows nothing for the ISMS.
    for value in reached:
        if isinstance(value, dict) and id(value) not in taken:
            taken[id(value)] = value
            if value["type"] not in STRUCTURAL_TYPES and standard in value.get("standards", ()):
                evidence.add(value["id"])
    reached.clear()


def _get(fact: dict[str, Any], attribute: str) -> Any:
    value: Any = fact
    for part in attribute.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class _Indexes:
    """Hash indexes built on first use: (type, attribute) -> value -> facts."""

    def __init__(self, facts: Facts):
        self.facts = facts
        self.equal: dict[tuple[str, str], dict[Any, list[dict[str, Any]]]] = {}
        self.member: dict[tuple[str, str], dict[Any, list[dict[str, Any]]]] = {}
        self.fixed: dict[tuple[Any, ...], list[dict[str, Any]]] = {}  # see _Step.fixed
        self.queries: dict[tuple[Any, ...], tuple[Any, Any, _Query]] = {}  # see _compiled

    def by_value(self, type_name: str, attribute: str) -> dict[Any, list[dict[str, Any]]]:
        key = (type_name, attribute)
        index = self.equal.get(key)
        if index is None:
            index = {}
            get = _getter(attribute)
            for fact in self.facts.of_type(type_name):
                value = get(fact)
                if value is not None and not isinstance(value, (list, dict)):
                    value_key = (type(value), value)
                    bucket = index.get(value_key)
                    if bucket is None:
                        index[value_key] = [fact]
                    else:
                        bucket.append(fact)
            self.equal[key] = index
        return index

    def by_member(self, type_name: str, attribute: str) -> dict[Any, list[dict[str, Any]]]:
        key = (type_name, attribute)
        index = self.member.get(key)
        if index is None:
            index = {}
            get = _getter(attribute)
            for fact in self.facts.of_type(type_name):
                value = get(fact)
                if isinstance(value, list):
                    try:
                        items = dict.fromkeys(value)
                    except TypeError:  # lists and mappings inside: not keys
                        items = dict.fromkeys(v for v in value if not isinstance(v, (list, dict)))
                    for item in items:
                        value_key = (type(item), item)
                        bucket = index.get(value_key)
                        if bucket is None:
                            index[value_key] = [fact]
                        else:
                            bucket.append(fact)
            self.member[key] = index
        return index


class _Query:
    """An ordered conjunction of bindings, compiled for one rule and standard."""

    def __init__(self, bindings: tuple[Binding, ...], params: dict[str, Any], as_of: dt.date, facts: Facts, indexes: _Indexes,
                 outer: tuple[Binding, ...] = (), constants: tuple[tuple[str, ...], ...] | None = None):
        self.steps = []
        bound: set[str] = {b.variable for b in outer}  # already bound when this query runs: usable as join keys
        for i, binding in enumerate(bindings):
            self.steps.append(_Step(binding, params, as_of, facts, indexes, bound,
                                    constants[i] if constants is not None else _constants(binding, params, as_of)))
            bound.add(binding.variable)
        # Every step re-tests a variable the outer query bound: at most one answer, the outer one,
        # and holds(env) says whether there is one.
        self.holds: Callable[[Env], Any] | None = None
        if self.steps and all(step.check for step in self.steps):
            self.holds = self._checks()

    def answers(self, env: Env, copies: bool = True) -> Iterator[Env]:
        """Every extension of ``env``. ``copies`` False: each answer is ``env`` itself, valid
        until the next one is asked for (for callers that read an answer and move on)."""
        if not self.steps:
            return iter((dict(env),))
        return self._extend(env, 0, copies)

    def _extend(self, env: Env, position: int, copies: bool) -> Iterator[Env]:
        step = self.steps[position]
        variable = step.variable
        if position + 1 == len(self.steps):
            for value in step.candidates(env):
                env[variable] = value
                yield dict(env) if copies else env
        else:
            for value in step.candidates(env):
                env[variable] = value
                yield from self._extend(env, position + 1, copies)
        if not step.check:
            env.pop(variable, None)

    def _checks(self) -> Callable[[Env], Any]:
        if len(self.steps) == 1 and self.steps[0].joined_pass is None:
            variable, constant = self.steps[0].variable, self.steps[0].constant_pass
            if constant is None:
                return lambda env: True
            return lambda env: constant(env[variable])

        def every(env: Env) -> bool:
            for step in self.steps:
                if not step.candidates(env):
                    return False
            return True

        return every


_NOTHING: tuple[Any, ...] = ()


class _Step:
    def __init__(self, binding: Binding, params: dict[str, Any], as_of: dt.date, facts: Facts, indexes: _Indexes, bound: set[str],
                 constants: tuple[str, ...]):
        """``constants``: what :func:`_constants` gives for the binding."""
        self.variable = binding.variable
        self.check = binding.check
        self.type = binding.type
        self.facts = facts
        self.indexes = indexes
        self.values = _resolver(binding.values, params, as_of) if binding.values is not None else None
        constant_tests: list[Callable[[dict[str, Any]], Any]] = []
        joined_tests: list[Callable[[dict[str, Any], Env], Any]] = []
        lookups: list[tuple[str, str, Callable[[Env], Any], Any]] = []  # (kind, attribute, resolve, its test if constant)
        for condition in sorted(binding.conditions, key=_selectivity):
            resolve = _resolver(condition.operand, params, as_of)
            constant = not isinstance(condition.operand, Ref)
            usable = constant or condition.operand.variable in bound
            kind = _LOOKUPS.get(condition.operator)
            test = _constant_test(condition.attribute, condition.operator, resolve({})) if constant else None
            if kind and usable and not self.check and not (kind == "any" and constant):
                lookups.append((kind, condition.attribute, resolve, test))
            if test is not None:
                constant_tests.append(test)
            else:
                joined_tests.append(_joined_test(condition.attribute, condition.operator, condition.operand))
        # Tests have no side effects and never raise, so their order does not change an answer:
        # the constant ones first, then those that read earlier variables.
        self.constant_pass = _all_of(constant_tests)
        self.joined_pass = _all_joined(joined_tests)
        self._prefiltered: list[dict[str, Any]] | None = None
        chosen = self._choose_index(lookups)
        self.index = chosen[:3] if chosen is not None else None
        # The facts filed under a text key already pass the condition that key answers
        # (an equal value of the same type, or a list holding one): it is not tested again.
        self.bucket_pass = self.constant_pass
        if chosen is not None and chosen[3] is not None and type(chosen[2]({})) is str:
            self.bucket_pass = _all_of([t for t in constant_tests if t is not chosen[3]])
        # A step that reads no earlier variable has the same candidates whenever it runs, and
        # every rule (per standard, per requirement) asking the same of the same type shares them.
        self.fixed: tuple[Any, ...] | None = None
        self._fixed_found: list[dict[str, Any]] | None = None
        if not self.check and self.values is None and not joined_tests:
            self.fixed = (self.type, tuple((c.attribute, c.operator, shown) for c, shown in zip(binding.conditions, constants)))

    def _choose_index(self, lookups: list[tuple[str, str, Callable[[Env], Any], Any]]) -> tuple[str, str, Callable[[Env], Any], Any] | None:
        """A join on an earlier variable first (lookups come in order of selectivity);
        otherwise the constant key that selects the fewest facts."""
        for kind, attribute, resolve, test in lookups:
            if test is None:
                return kind, attribute, resolve, None
        sized = []
        for kind, attribute, resolve, test in lookups:
            key = resolve({})
            if not isinstance(key, (list, dict)) and key is not None:
                sized.append((len(self._table(kind, attribute).get((type(key), key), ())), kind, attribute, resolve, test))
        if not sized:
            return None
        _, kind, attribute, resolve, test = min(sized, key=lambda item: item[0])
        return kind, attribute, resolve, test

    def _table(self, kind: str, attribute: str) -> dict[Any, list[dict[str, Any]]]:
        # "any" (one of a list) looks each item up like an equality.
        return self.indexes.by_member(self.type or "", attribute) if kind == "member" else self.indexes.by_value(self.type or "", attribute)

    def _passing(self, facts: Iterable[dict[str, Any]], env: Env,
                 constant: Callable[[dict[str, Any]], Any] | None) -> list[dict[str, Any]] | Iterable[dict[str, Any]]:
        joined = self.joined_pass
        if constant is None:
            return facts if joined is None else [f for f in facts if joined(f, env)]
        if joined is None:
            return [f for f in facts if constant(f)]
        return [f for f in facts if constant(f) and joined(f, env)]

    def candidates(self, env: Env) -> Iterable[Any]:
        """The values this step can take with ``env`` bound (read before the step binds anything)."""
        if self.values is not None:
            values = self.values(env)
            return values if isinstance(values, list) else _NOTHING
        if self.check:
            fact = env[self.variable]
            constant, joined = self.constant_pass, self.joined_pass
            if (constant is None or constant(fact)) and (joined is None or joined(fact, env)):
                return (fact,)
            return _NOTHING
        if self.fixed is not None:
            found = self._fixed_found
            if found is None:
                found = self.indexes.fixed.get(self.fixed)
                if found is None:
                    found = self.indexes.fixed[self.fixed] = list(self._find(env))
                self._fixed_found = found
            return found
        return self._find(env)

    def _find(self, env: Env) -> Iterable[dict[str, Any]]:
        if self.index is not None:
            kind, attribute, resolve = self.index
            key = resolve(env)
            if kind == "any":  # the attribute is one of a list an earlier variable holds
                if not isinstance(key, list):
                    return _NOTHING
                table = self._table(kind, attribute)
                seen: set[int] = set()
                found = []
                for item in key:
                    if isinstance(item, (list, dict)) or item is None:
                        continue
                    for fact in self._passing(table.get((type(item), item), _NOTHING), env, self.constant_pass):
                        if id(fact) not in seen:
                            seen.add(id(fact))
                            found.append(fact)
                return found
            if isinstance(key, (list, dict)) or key is None:
                return _NOTHING
            return self._passing(self._table(kind, attribute).get((type(key), key), _NOTHING), env, self.bucket_pass)
        if self._prefiltered is None:
            constant = self.constant_pass
            facts = self.facts.of_type(self.type or "")
            self._prefiltered = facts if constant is None else [f for f in facts if constant(f)]
        joined = self.joined_pass
        return self._prefiltered if joined is None else [f for f in self._prefiltered if joined(f, env)]


def _all_of(tests: list[Callable[[dict[str, Any]], Any]]) -> Callable[[dict[str, Any]], Any] | None:
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda fact: first(fact) and second(fact)

    def every(fact: dict[str, Any]) -> bool:
        for test in tests:
            if not test(fact):
                return False
        return True

    return every


def _all_joined(tests: list[Callable[[dict[str, Any], Env], Any]]) -> Callable[[dict[str, Any], Env], Any] | None:
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]

    def every(fact: dict[str, Any], env: Env) -> bool:
        for test in tests:
            if not test(fact, env):
                return False
        return True

    return every


def _getter(attribute: str) -> Callable[[dict[str, Any]], Any]:
    if "." in attribute:
        return lambda fact: _get(fact, attribute)
    return lambda fact: fact.get(attribute)


def _constant_test(attribute: str, operator: str, operand: Any) -> Callable[[dict[str, Any]], Any]:
    """One condition against a constant, as a function of the fact.

    The common operators are written out (what OPERATORS computes, without the
    calls); the others, and dotted attributes, go through OPERATORS itself.
    """
    test = OPERATORS[operator]
    if "." in attribute:
        return lambda fact: test(_get(fact, attribute), operand)
    if operator == "exists":
        wanted = bool(operand)

        def exists(fact: dict[str, Any]) -> bool:
            value = fact.get(attribute)
            return (value is not None and value != [] and value != "") == wanted

        return exists
    if operand is None and operator != "exists":
        return lambda fact: False  # every other operator is false against a missing operand
    if operator == "equals":
        kind = type(operand)

        def equals(fact: dict[str, Any]) -> bool:
            value = fact.get(attribute)
            return value == operand and type(value) is kind

        return equals
    if operator == "contains":
        def contains(fact: dict[str, Any]) -> bool:
            value = fact.get(attribute)
            return isinstance(value, list) and operand in value

        return contains
    if operator == "in" and type(operand) is list:
        def among(fact: dict[str, Any]) -> bool:
            value = fact.get(attribute)
            return value is not None and value in operand

        return among
    if operator in _DATE_TESTS and type(operand) is str:
        compare = _DATE_TESTS[operator]

        def date(fact: dict[str, Any]) -> bool:
            value = fact.get(attribute)
            return isinstance(value, str) and compare(value, operand)

        return date
    return lambda fact: test(fact.get(attribute), operand)


# Date operators between two strings: what OPERATORS computes once both are text.
_DATE_TESTS: dict[str, Callable[[str, str], bool]] = {
    "on_or_after": str.__ge__, "after": str.__gt__, "on_or_before": str.__le__, "before": str.__lt__,
}


def _joined_test(attribute: str, operator: str, operand: Ref) -> Callable[[dict[str, Any], Env], Any]:
    """One condition against an earlier variable, as a function of the fact and the answer so far."""
    test = OPERATORS[operator]
    getter = _getter(attribute)
    variable, other = operand.variable, operand.attribute
    if operator == "equals" and "." not in attribute and (other is None or "." not in other):
        def equals(fact: dict[str, Any], env: Env) -> bool:
            bound = env.get(variable)
            if isinstance(bound, dict):
                wanted = bound.get(other) if other else bound["id"]
            else:
                wanted = bound
            if wanted is None:
                return False
            value = fact.get(attribute)
            return value == wanted and type(value) is type(wanted)

        return equals
    resolve = _resolver(operand, {}, dt.date.min)
    return lambda fact, env: test(getter(fact), resolve(env))


# Operators a hash index can answer: equality, list membership of the fact's
# attribute, and the attribute being one of an earlier variable's list.
_LOOKUPS = {"equals": "value", "contains": "member", "in": "any"}


def _selectivity(condition: Any) -> int:
    """Order in which conditions are tried as the index: a join on an earlier
    variable singles out a few facts; a constant such as the standard keeps
    most of them, so using it as the index would make joins quadratic."""
    if condition.operator == "equals" and isinstance(condition.operand, Ref):
        return 0
    if condition.operator in ("contains", "in") and isinstance(condition.operand, Ref):
        return 1
    if condition.operator == "equals":
        return 2
    return 3


def _resolver(operand: Any, params: dict[str, Any], as_of: dt.date) -> Callable[[Env], Any]:
    if isinstance(operand, Const):
        value = operand.value
        return lambda env: value
    if isinstance(operand, Param):
        value = params[operand.name]
        return lambda env: value
    if isinstance(operand, DateExpr):
        value = resolve_date(operand, params, as_of)
        return lambda env: value
    assert isinstance(operand, Ref)
    variable, attribute = operand.variable, operand.attribute

    def from_env(env: Env) -> Any:
        bound = env.get(variable)
        if isinstance(bound, dict):
            return _get(bound, attribute) if attribute else bound["id"]
        return bound

    return from_env
