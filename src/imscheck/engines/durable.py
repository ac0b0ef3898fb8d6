"""durable-rules as a second engine, driven only the way it is known to be correct.

See ``../shared/docs/engine-notes.md``. The compiler turns each expectation's
query (and, for ``for_each``, the query extended by ``require``) into one
*positive* durable-rules rule whose action only records the answer; findings
are computed afterwards in Python by :func:`evaluator.build_outcome`, the same
function the default engine uses. So the engine never negates, never chains,
and never decides a verdict on its own. Further precautions from the notes:

- a host without timer threads, in a child process per evaluation, so that
  nothing the engine keeps in C outlives it and a crash is an error, not an exit;
- every pattern starts with the ``t`` type discriminator; facts carry their own
  unique ``id`` (checked against the engine's 32-bit identity hash); entity
  ids are stored as ``key`` and joins never reference ``id`` or ``sid``;
- one condition per dict, inside ``$and``, joins before any ``$or``;
- list attributes become link facts, ``exists`` becomes a precomputed flag;
- rules are spread over several rulesets so that no fact type meets more than
  16 patterns: the engine's hard limit of 64 counts
  alpha tests a fact passes through, which grow faster than the patterns;
- an exception inside an action, or a fact the engine refuses, is an error.

Anything the compiler cannot express exactly is a :class:`UsageError` naming
the rule, never an approximation.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import multiprocessing
import warnings
from dataclasses import dataclass, replace
from typing import Any

from ..errors import UsageError
from .evaluator import Env, Outcome, build_outcome, parameter_values, resolve_date
from .facts import Facts
from ..knowledge.rulebook import PER_REQUIREMENT_BUILTIN, Binding, Const, DateExpr, Expectation, Param, Ref, Rule

INSTALL_HINT = ("--engine durable needs the durable-rules extra: pip install 'imscheck[durable]' "
                "(on Python 3.13 build it with CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject)")
MAX_PATTERNS_PER_TYPE = 16
MAX_STRING = 1 << 20
_COMPARE = {"gte": "$gte", "gt": "$gt", "lte": "$lte", "lt": "$lt",
            "on_or_after": "$gte", "after": "$gt", "on_or_before": "$lte", "before": "$lt"}
_counter = itertools.count(1)


def _load() -> tuple[Any, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from durable import engine
            import durable_rules_engine
    except Exception as error:  # ImportError, or the C extension failing to load
        raise UsageError(f"{INSTALL_HINT} ({type(error).__name__}: {error})") from None
    return engine, durable_rules_engine


def fnv1a_32(text: str) -> int:
    """The identity hash durable-rules keeps for a fact id (FNV-1a over signed chars)."""
    value = 2166136261
    for byte in text.encode("utf-8"):
        signed = byte - 256 if byte > 127 else byte
        value = ((value ^ (signed & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
    return value


@dataclass
class _Query:
    """One durable rule: an ordered list of (alias, pattern), and which aliases are ours."""

    name: str
    patterns: list[tuple[str, dict[str, Any]]]
    variables: dict[str, str]  # our variable -> its alias
    types: list[str]


@dataclass
class _Unit:
    rule: Rule
    standard: str
    requirements: list[str]  # per-requirement rules: those this unit answers for
    queries: dict[str, tuple[_Query, _Query | None]]  # expectation id -> (query, extended query)


class _Compiler:
    def __init__(self, as_of: dt.date, declared: dict[str, dict[str, Any]]):
        self.as_of = as_of
        self.declared = declared  # standard -> intervals its management system declares
        self.links: set[tuple[str, str]] = set()  # (type, list attribute) that need link facts
        self.flags: set[tuple[str, str]] = set()  # (type, attribute) that need an exists flag
        self.values: dict[str, list[Any]] = {}  # value set name -> values

    def query(self, name: str, rule: Rule, bindings: tuple[Binding, ...], params: dict[str, Any]) -> _Query:
        aliases: dict[str, tuple[str, str | None]] = {}  # variable -> (alias, type)
        patterns: list[tuple[str, dict[str, Any]]] = []
        for binding in bindings:
            if binding.check:
                self.check(rule, binding, params, aliases, patterns)
                continue
            alias = f"v{len(aliases)}"
            if binding.values is not None:
                values = self.constant(rule, binding.values, params)
                if not isinstance(values, list):
                    raise UsageError(f"rule {rule.id}: 'value_in' needs a list for the durable engine")
                set_name = f"{name}.{binding.variable}"
                self.values[set_name] = values
                patterns.append((alias, {"$and": [{"t": "value"}, {"set": set_name}]}))
                aliases[binding.variable] = (alias, None)
                continue
            conditions, links = self.conditions(rule, binding, params, aliases, alias)
            patterns.extend(links)
            patterns.append((alias, {"$and": [{"t": binding.type}] + conditions}))
            aliases[binding.variable] = (alias, binding.type)
        _refuse_one_fact_twice(rule, name, patterns)
        variables = {v: a for v, (a, _) in aliases.items()}
        return _Query(name, patterns, variables, [p[1]["$and"][0]["t"] for p in patterns])

    def unit(self, rule: Rule, standard: str, requirements: list[str], base: str) -> _Unit:
        """A rule's expectations for one standard (and, in a per-requirement rule, some of its requirements)."""
        per_requirement = rule.per_requirement
        # Values of its own only when the unit is for a single requirement (its parameters differ per requirement).
        own = requirements[0] if per_requirement and rule.parameters_vary_by_requirement() else None
        params = parameter_values(rule, standard, self.as_of, own, self.declared.get(standard))
        queries = {}
        # Expectations limited to some requirements are compiled for the whole unit; build_outcome
        # reads them only for the requirements they are limited to.
        wanted = {e.id for rid in requirements or [None] for e in rule.expectations_for(standard, rid)}
        for expectation in rule.expectations:
            if expectation.id not in wanted:
                continue
            query, require = expectation.query, expectation.require
            if per_requirement:
                # One query for all the rule's requirements rather than one per
                # requirement: $requirement becomes a variable over their ids,
                # and the answers are split by it afterwards.
                query, require = _over_requirements(rule, query, requirements), _over_requirements(rule, require)
            compiled = self.query(f"{base}.{expectation.id}.q", rule, query, params)
            extended = None
            if expectation.kind == "for_each":
                # for_each followed by require, as one positive query; findings are
                # the answers of the first that none of the second extends.
                extended = self.query(f"{base}.{expectation.id}.r", rule, query + require, params)
            queries[expectation.id] = (compiled, extended)
        return _Unit(rule, standard, requirements, queries)

    def check(self, rule: Rule, binding: Binding, params: dict[str, Any],
              aliases: dict[str, tuple[str, str | None]], patterns: list[tuple[str, dict[str, Any]]]) -> None:
        """Extra conditions on a fact already matched (``require`` narrowing a ``for_each`` variable).

        The engine joins only with earlier aliases and will not match one fact twice
        in a rule, so each condition goes where it can be written: on the fact's own
        pattern when it needs nothing later, otherwise on the later side of the join.
        """
        alias, type_name = aliases[binding.variable]
        position = next(i for i, (a, _) in enumerate(patterns) if a == alias)
        order = {a: i for i, (a, _) in enumerate(patterns)}
        for n, condition in enumerate(binding.conditions):
            later = isinstance(condition.operand, Ref) and order[aliases[condition.operand.variable][0]] > position
            if not later:
                extra, links = self.conditions(rule, Binding(binding.variable, type_name, (condition,)), params, aliases, f"{alias}c{n}")
                for link in links:
                    patterns.insert(position, link)
                    position += 1
                patterns[position] = (alias, {"$and": patterns[position][1]["$and"] + extra})
                order = {a: i for i, (a, _) in enumerate(patterns)}
                continue
            ref = condition.operand
            other_alias, other_type = aliases[ref.variable]
            other_value = "v" if other_type is None else ("key" if (ref.attribute or "id") == "id" else ref.attribute)
            own = "key" if condition.attribute == "id" else condition.attribute
            if condition.operator == "contains":
                self.links.add((type_name or "", condition.attribute))
                patterns.append((f"{alias}c{n}", {"$and": [{"t": "link"}, {"owner": {alias: "key"}}, {"v": {other_alias: other_value}},
                                                           {"lt": type_name}, {"la": condition.attribute}]}))
                continue
            flipped = {"equals": None, "gte": "$lte", "gt": "$lt", "lte": "$gte", "lt": "$gt", "on_or_after": "$lte",
                       "after": "$lt", "on_or_before": "$gte", "before": "$gt"}
            if condition.operator not in flipped or other_type is None:
                raise UsageError(f"rule {rule.id}: the durable engine cannot express '{condition.operator}' against a later variable exactly")
            index = order[other_alias]
            test = {other_value: {alias: own}} if flipped[condition.operator] is None else {flipped[condition.operator]: {other_value: {alias: own}}}
            conditions = patterns[index][1]["$and"]
            patterns[index] = (other_alias, {"$and": conditions[:1] + [test] + conditions[1:]})

    def constant(self, rule: Rule, operand: Any, params: dict[str, Any]) -> Any:
        if isinstance(operand, Const):
            return operand.value
        if isinstance(operand, Param):
            return params[operand.name]
        if isinstance(operand, DateExpr):
            return resolve_date(operand, params, self.as_of)
        raise UsageError(f"rule {rule.id}: a join cannot be used here by the durable engine")

    def conditions(self, rule: Rule, binding: Binding, params: dict[str, Any],
                   aliases: dict[str, tuple[str, str | None]], alias: str) -> tuple[list[dict[str, Any]], list[tuple[str, dict[str, Any]]]]:
        joins: list[dict[str, Any]] = []
        plain: list[dict[str, Any]] = []
        ors: list[dict[str, Any]] = []
        links: list[tuple[str, dict[str, Any]]] = []
        type_name = binding.type or ""
        for n, condition in enumerate(binding.conditions):
            attribute = "key" if condition.attribute == "id" else condition.attribute
            operator = condition.operator
            joined = isinstance(condition.operand, Ref)
            if joined:
                ref = condition.operand
                other_alias, other_type = aliases[ref.variable]
                if other_type is None:
                    value: Any = {other_alias: "v"}
                else:
                    target = ref.attribute or "id"
                    if target == "id":
                        value = {other_alias: "key"}
                    else:
                        value = {other_alias: target}
            else:
                value = self.constant(rule, condition.operand, params)
            if operator == "contains":
                link_alias = f"{alias}l{n}"
                self.links.add((type_name, condition.attribute))
                links.append((link_alias, {"$and": [{"t": "link"}, {"lt": type_name}, {"la": condition.attribute}, {"v": value}]}))
                joins.append({"key": {link_alias: "owner"}})
            elif operator == "exists":
                self.flags.add((type_name, condition.attribute))
                plain.append({f"ex__{condition.attribute}": bool(value)})
            elif operator == "equals":
                (joins if joined else plain).append({attribute: value})
            elif operator == "not_equals":
                (joins if joined else plain).append({"$neq": {attribute: value}})
            elif operator in _COMPARE:
                (joins if joined else plain).append({_COMPARE[operator]: {attribute: value}})
            elif operator == "in" and joined and other_type is not None and ref.attribute not in (None, "id"):
                # Membership in an earlier fact's list: through that list's link facts.
                link_alias = f"{alias}l{n}"
                self.links.add((other_type, ref.attribute))
                links.append((link_alias, {"$and": [{"t": "link"}, {"owner": {other_alias: "key"}}, {"lt": other_type},
                                                    {"la": ref.attribute}]}))
                joins.append({attribute: {link_alias: "v"}})
            elif operator == "in" and not joined and isinstance(value, list):
                ors.append({"$or": [{attribute: v} for v in value]} if value else {"$nex": {"t": 1}})
            elif operator == "not_in" and not joined and isinstance(value, list):
                plain.extend({"$neq": {attribute: v}} for v in value)
                plain.append({"$ex": {attribute: 1}})
            else:
                raise UsageError(f"rule {rule.id}: the durable engine cannot express '{operator}' on {condition.attribute} exactly; "
                                 f"use --engine python")
        # The engine ignores a join placed after an $or (notes, P13): joins first, $or last.
        return joins + plain + ors, links


def _population(pattern: dict[str, Any]) -> tuple[Any, ...]:
    """Which facts a pattern can match, as far as its constant discriminators tell."""
    tests = pattern["$and"]
    kind = tests[0]["t"]
    if kind == "link":
        return (kind,) + tuple(sorted((k, v) for test in tests[1:] for k, v in test.items() if k in ("lt", "la") and isinstance(v, str)))
    if kind == "value":
        return (kind,) + tuple(test["set"] for test in tests[1:] if "set" in test)
    return (kind,)


def _refuse_one_fact_twice(rule: Rule, name: str, patterns: list[tuple[str, dict[str, Any]]]) -> None:
    """durable-rules never matches one fact to two patterns of a rule, where the rule
    language lets two variables be the same entity: such a query would silently lose
    answers (issue 11), so it is refused rather than approximated."""
    seen: dict[tuple[Any, ...], str] = {}
    for alias, pattern in patterns:
        population = _population(pattern)
        if population in seen:
            expectation = name.split(".")[1]
            what = f"{population[0]} facts of {dict(population[1:]).get('lt', '')}.{dict(population[1:]).get('la', '')}" \
                if population[0] == "link" else f"the entity type {population[0]!r}"
            raise UsageError(f"rule {rule.id}, expectation {expectation}: two variables range over {what}, and durable-rules "
                             f"never lets one fact match both, where imscheck's rule language does; the durable engine cannot "
                             f"evaluate it exactly: use --engine python")
        seen[population] = alias


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else key, inner, out)
    elif isinstance(value, (str, int, float, bool)):
        out[prefix] = value


def _refuse_long_strings(row: dict[str, Any], what: str) -> None:
    """durable-rules crashes on 16 MiB values; rather than truncate (two different long
    values would then compare equal), a value beyond MAX_STRING bytes stops the evaluation."""
    for attribute, value in row.items():
        if isinstance(value, str) and len(value) * 4 > MAX_STRING and len(value.encode("utf-8", "surrogatepass")) > MAX_STRING:
            raise UsageError(f"{what}: {attribute} holds {len(value.encode('utf-8', 'surrogatepass')):,} bytes, more than the "
                             f"{MAX_STRING:,} the durable engine compares exactly: use --engine python")


def _present(value: Any) -> bool:
    return value is not None and value != [] and value != ""


def _facts_for_engine(facts: Facts, compiler: _Compiler) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Flat facts with unique ids, link facts for list attributes, exists flags."""
    rows: list[dict[str, Any]] = []
    by_key: dict[str, dict[str, Any]] = {}
    for type_name, entries in facts.by_type.items():
        for fact in entries:
            row: dict[str, Any] = {}
            for attribute, value in fact.items():
                if attribute in ("id", "type"):
                    continue
                _flatten(attribute, value, row)
            row = {k: v for k, v in row.items() if k not in ("sid", "t", "key")}
            row["t"] = type_name
            row["key"] = fact["id"]
            for flag_type, attribute in compiler.flags:
                if flag_type == type_name:
                    value: Any = fact
                    for part in attribute.split("."):
                        value = value.get(part) if isinstance(value, dict) else None
                    row[f"ex__{attribute}"] = _present(value)
            if len(row) > 250:
                raise UsageError(f"{type_name} {fact['id']} has more than 250 attributes, beyond what durable-rules can hold")
            _refuse_long_strings(row, f"{type_name} {fact['id']}")
            rows.append(row)
            by_key[fact["id"]] = fact
            for link_type, attribute in compiler.links:
                if link_type != type_name:
                    continue
                value = fact
                for part in attribute.split("."):
                    value = value.get(part) if isinstance(value, dict) else None
                if isinstance(value, list):
                    for item in dict.fromkeys(v for v in value if isinstance(v, (str, int, float, bool))):
                        _refuse_long_strings({attribute: item}, f"{type_name} {fact['id']}")
                        rows.append({"t": "link", "lt": type_name, "la": attribute, "owner": fact["id"], "v": item})
    for set_name, values in compiler.values.items():
        for value in dict.fromkeys(values):
            rows.append({"t": "value", "set": set_name, "v": value})
    seen: set[int] = set()
    for number, row in enumerate(rows):
        identity, salt = f"f{number}", 0
        while fnv1a_32(identity) in seen:  # a collision would make the engine drop the fact silently
            salt += 1
            identity = f"f{number}.{salt}"
        seen.add(fnv1a_32(identity))
        row["id"] = identity
    return rows, by_key


class DurableEngine:
    name = "durable"

    def evaluate(self, rules: list[Rule], facts: Facts, standards: list[str], as_of: dt.date) -> list[Outcome]:
        engine, native = _load()
        compiler = _Compiler(as_of, facts.declared)
        units: list[_Unit] = []
        for rule in rules:
            for standard in rule.standards():
                if standard not in standards:
                    continue
                if rule.per_requirement and rule.parameters_vary_by_requirement():
                    groups = [[rid] for rid in rule.requirements_of(standard)]  # each with values of its own
                else:
                    groups = [rule.requirements_of(standard) if rule.per_requirement else []]
                for requirements in groups:
                    units.append(compiler.unit(rule, standard, requirements, f"u{len(units)}"))
        all_queries = [q for unit in units for pair in unit.queries.values() for q in pair if q is not None]
        rows, by_key = _facts_for_engine(facts, compiler)
        found = _run(engine, native, all_queries, rows)
        outcomes = []
        for unit in units:
            rule, standard = unit.rule, unit.standard
            if not rule.per_requirement:
                outcomes.append(build_outcome(rule, standard, parameter_values(rule, standard, as_of, None, facts.declared.get(standard)),
                                              _DurableAnswers(unit.queries, found, by_key)))
                continue
            for requirement, (mine, answered) in _split_by_requirement(unit.queries, found, unit.requirements).items():
                outcomes.append(build_outcome(rule, standard, parameter_values(rule, standard, as_of, requirement, facts.declared.get(standard)),
                                              _DurableAnswers(mine, answered, by_key), requirement))
        return outcomes


_REQUIREMENT = "__requirement"  # cannot clash with a rule's variables, which start with a letter


def _over_requirements(rule: Rule, bindings: tuple[Binding, ...], requirements: list[str] | None = None) -> tuple[Binding, ...]:
    """The bindings with $requirement turned into a join with a value variable over ``requirements``."""
    def operand(value: Any) -> Any:
        return Ref(_REQUIREMENT, None) if value == Param(PER_REQUIREMENT_BUILTIN) else value

    out = [Binding(_REQUIREMENT, None, (), values=Const(requirements))] if requirements is not None else []
    for binding in bindings:
        if operand(binding.values) != binding.values:
            raise UsageError(f"rule {rule.id}: the durable engine cannot use $requirement in value_in; use --engine python")
        out.append(replace(binding, conditions=tuple(replace(c, operand=operand(c.operand)) for c in binding.conditions)))
    return tuple(out)


def _split_by_requirement(queries: dict[str, tuple[_Query, _Query | None]], found: dict[str, list[dict[str, Any]]],
                          requirements: list[str]) -> dict[str, tuple[dict[str, tuple[_Query, _Query | None]], dict[str, list[dict[str, Any]]]]]:
    """Per requirement: the queries without the requirement variable, and the answers that were for it."""
    def strip(query: _Query | None) -> _Query | None:
        if query is None:
            return None
        return replace(query, variables={v: a for v, a in query.variables.items() if v != _REQUIREMENT})

    split: dict[str, dict[str, list[dict[str, Any]]]] = {rid: {} for rid in requirements}
    for pair in queries.values():
        for query in pair:
            if query is None:
                continue
            for answers in split.values():
                answers[query.name] = []
            for raw in found[query.name]:
                rid = raw[_REQUIREMENT][1]
                split[rid][query.name].append({v: x for v, x in raw.items() if v != _REQUIREMENT})
    stripped = {eid: (strip(q), strip(r)) for eid, (q, r) in queries.items()}
    return {rid: (stripped, answers) for rid, answers in split.items()}  # type: ignore[misc]


def _run(engine: Any, native: Any, queries: list[_Query], rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    # Each ruleset runs in a child process of its own, one after the other, and is
    # given only the facts its patterns can match: the engine keeps every fact and
    # partial match in C until the process ends (rulesets cannot be deleted safely),
    # so the peak is one ruleset's share rather than every ruleset times every fact.
    # A child also isolates crashes: the engine has crashed processes that ran many
    # evaluations (the notes recommend processes), and a crash becomes a clear error.
    found: dict[str, list[dict[str, Any]]] = {q.name: [] for q in queries}
    for part in _partition(queries):
        mine = _rows_for(part, rows)
        if mine:  # every pattern needs a fact, so no facts is no answers (and the engine crashes on an empty batch)
            found.update(_run_child(engine, native, part, mine))
    return found


def _rows_for(part: list[_Query], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The facts a ruleset's patterns can match: every pattern tests the type first, value facts their set too."""
    types = {t for query in part for t in query.types}
    sets = {condition["set"] for query in part for _, pattern in query.patterns
            for condition in pattern["$and"][1:2] if pattern["$and"][0] == {"t": "value"} and isinstance(condition.get("set"), str)}
    return [row for row in rows if row["t"] in types and (row["t"] != "value" or row["set"] in sets)]


def _run_child(engine: Any, native: Any, queries: list[_Query], rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(engine, native, queries, rows, sender))
    child.start()
    sender.close()
    try:
        outcome = receiver.recv()
    except EOFError:
        outcome = None
    child.join()
    receiver.close()
    if outcome is None or child.exitcode != 0:
        raise UsageError(f"durable-rules stopped abnormally (exit {child.exitcode}) while evaluating; use --engine python")
    if isinstance(outcome, str):
        raise UsageError(outcome)
    return outcome


def _child(engine: Any, native: Any, queries: list[_Query], rows: list[dict[str, Any]], sender: Any) -> None:
    class BatchHost(engine.Host):  # type: ignore[misc, name-defined]
        def _run(self) -> None:  # no timer threads: actions run only inside do_actions
            pass

    try:
        sender.send(_in_process(engine, native, queries, rows, BatchHost()))
    except UsageError as error:
        sender.send(str(error))
    finally:
        sender.close()


def _in_process(engine: Any, native: Any, queries: list[_Query], rows: list[dict[str, Any]], host: Any) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {q.name: [] for q in queries}
    with warnings.catch_warnings():
        # durable-rules calls datetime.utcfromtimestamp for every action (deprecated since 3.12)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        _run_partitions(engine, native, queries, rows, host, found)
    return found


def _run_partitions(engine: Any, native: Any, queries: list[_Query], rows: list[dict[str, Any]], host: Any,
                    found: dict[str, list[dict[str, Any]]]) -> None:
    keep_alive: list[str] = []
    for part in _partition(queries):
        name = f"imscheck{next(_counter)}"
        definition: dict[str, Any] = {}
        for index, query in enumerate(part):
            def record(c: Any, query: _Query = query) -> None:
                found[query.name].append({var: _alias_value(c, alias) for var, alias in query.variables.items()})
            definition[f"r{index}"] = {"all": [{alias: pattern} for alias, pattern in query.patterns], "run": _one_argument(record)}
        # Every fact must be handled by some rule, or the batch is refused (notes, P1).
        definition["sink"] = {"all": [{"a": {"$ex": {"t": 1}}}, {"b": {"$ex": {"__never__": 1}}}], "run": _one_argument(lambda c: None)}
        host.register_rulesets({name: definition})
        ruleset = host.get_ruleset(name)
        sid = "1"
        # Nothing is deleted afterwards: deleting rulesets in a process that creates more
        # crashes durable-rules (use after free), and this child process ends right after.
        # The engine keeps pointers into this buffer: it must outlive the session.
        payload = json.dumps([dict(r, sid=sid) for r in rows], ensure_ascii=False)
        keep_alive.append(payload)
        code, state = native.assert_facts(ruleset._handle, payload)
        if code != 0:
            raise UsageError(f"durable-rules refused the facts (code {code}); use --engine python")
        errors: list[Any] = []
        ruleset.do_actions(state, lambda error, result: errors.append(error) if error else None)
        if errors:
            raise UsageError(f"durable-rules failed while evaluating: {errors[0]}")
        if "exception" in ruleset.get_state(sid):
            raise UsageError(f"a durable-rules action failed: {ruleset.get_state(sid)['exception']}")


def _one_argument(function: Any) -> Any:
    def action(c):  # type: ignore[no-untyped-def]
        function(c)
    return action


def _alias_value(c: Any, alias: str) -> Any:
    fact = getattr(c, alias)
    if fact["t"] == "value":
        return ("value", fact["v"])
    return ("fact", fact["key"])


def _partition(queries: list[_Query]) -> list[list[_Query]]:
    parts: list[list[_Query]] = []
    counts: list[dict[str, int]] = []
    for query in queries:
        needed: dict[str, int] = {}
        for type_name in query.types:
            needed[type_name] = needed.get(type_name, 0) + 1
        for part, count in zip(parts, counts):
            if all(count.get(t, 0) + n <= MAX_PATTERNS_PER_TYPE for t, n in needed.items()):
                part.append(query)
                for t, n in needed.items():
                    count[t] = count.get(t, 0) + n
                break
        else:
            parts.append([query])
            counts.append(dict(needed))
    return parts


class _DurableAnswers:
    def __init__(self, queries: dict[str, tuple[_Query, _Query | None]], found: dict[str, list[dict[str, Any]]], by_key: dict[str, dict[str, Any]]):
        self.queries, self.found, self.by_key = queries, found, by_key
        self.grouped: dict[str, dict[tuple[Any, ...], list[Env]]] = {}

    def env(self, raw: dict[str, Any]) -> Env:
        return {var: (self.by_key[v] if kind == "fact" else v) for var, (kind, v) in raw.items()}

    def query(self, expectation: Expectation) -> list[Env]:
        query, _ = self.queries[expectation.id]
        unique = {json.dumps(sorted(r.items()), default=str): r for r in self.found[query.name]}
        return [self.env(unique[k]) for k in sorted(unique)]

    def witnesses(self, expectation: Expectation, env: Env) -> list[Env]:
        query, extended = self.queries[expectation.id]
        assert extended is not None
        groups = self.grouped.get(expectation.id)
        if groups is None:
            groups = {}
            seen = set()
            for raw in self.found[extended.name]:
                marker = json.dumps(sorted(raw.items()), default=str)
                if marker in seen:
                    continue
                seen.add(marker)
                key = tuple(raw[v] for v in sorted(query.variables))
                groups.setdefault(key, []).append(self.env(raw))
            self.grouped[expectation.id] = groups
        key = tuple(("fact", env[v]["id"]) if isinstance(env[v], dict) else ("value", env[v]) for v in sorted(query.variables))
        return groups.get(key, [])
