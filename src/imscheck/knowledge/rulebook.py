"""Rule files: reading, validating and compiling them into a small, well-defined form.

A rule file (see ``rules/checks/`` and ``schemas/rule.schema.json``) names the
requirements it decides and lists *expectations*. Each expectation is one of:

``exists``
    the query has at least one answer; otherwise one finding.
``for_each`` ... ``require``
    every answer of the first query extends to an answer of the second;
    every answer that does not is a finding.
``none``
    the query has no answer; every answer is a finding.

A query is an ordered conjunction of bindings: a variable bound to an entity
type with attribute conditions (which may refer to earlier variables: a join),
or to each value of a list parameter. That is non-recursive Datalog with one
level of stratified negation (``require`` and ``exists`` are the negated
parts), small enough for a second engine to compile the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence, Union

from .. import resources
from . import bundled
from .catalogue import Catalogue
from ..containment import Refusal, check_named, display_name, shown_path, walk_files
from ..errors import InputError, Problem
from ..suggest import closest as closest_name
from ..load.model import REQUIREMENT_TYPE, derived_attributes, rule_types
from .operators import DATE_OPERATORS, LIST_OPERANDS, OPERATORS
from ..load.schemacheck import schema_problems
from ..load.yamlsource import YamlSource, read_yaml_file

RULE_SCHEMA = "rule.schema.json"
BUILTINS = ("standard", "as_of")
PER_REQUIREMENT_BUILTIN = "requirement"
_DATE_EXPR = re.compile(r"^as_of(?:\s*([+-])\s*(\$[a-z][a-z0-9_]*|\d+)\s+(day|days|month|months|year|years))?$")
# Populations whose size does not grow with the IMS: one organisation, one
# management system per standard, the catalogue's requirements.
BOUNDED_TYPES = frozenset({"organisation", "management_system", REQUIREMENT_TYPE})
JOIN_OPERATORS = frozenset({"equals", "contains", "in"})  # the ones a hash index answers
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)(?:\.([a-z][a-z0-9_.]*))?\}")


@dataclass(frozen=True)
class Const:
    value: Any


@dataclass(frozen=True)
class Param:
    name: str  # a rule parameter or a builtin (standard, as_of)


@dataclass(frozen=True)
class Ref:
    variable: str
    attribute: str | None  # None: the entity's id, or the value of a value variable


@dataclass(frozen=True)
class DateExpr:
    """as_of plus or minus an amount of days, months or years."""

    sign: int
    amount: Union[int, Param]
    unit: str  # days | months | years


Operand = Union[Const, Param, Ref, DateExpr]


@dataclass(frozen=True)
class Condition:
    attribute: str  # dotted path into the fact
    operator: str
    operand: Operand


@dataclass(frozen=True)
class Binding:
    variable: str
    type: str | None  # entity type; None for a value binding or a check
    conditions: tuple[Condition, ...]
    values: Operand | None = None  # value binding: each value of this list
    check: bool = False  # re-tests a variable already bound


@dataclass(frozen=True)
class Expectation:
    id: str
    kind: str  # exists | for_each | none
    query: tuple[Binding, ...]
    require: tuple[Binding, ...]
    message: str
    at: Ref | None
    applies_to: frozenset[str] | None
    parts: tuple[Any, ...]  # where it is written in the rule file
    only_if: tuple[str, ...] = ()  # checked only when these expectations found nothing
    # for_each only: the words that make an empty population acceptable ("no internal
    # suppliers: nothing to judge"); without them an empty population is no evidence.
    basis: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    title: str
    why: str
    decides: tuple[str, ...]
    parameters: dict[str, dict[str, Any]]  # "default" and per-standard overrides
    expectations: tuple[Expectation, ...]
    source: YamlSource
    aliases: tuple[str, ...] = ()
    custom: bool = False
    per_requirement: bool = False

    def requirements_of(self, standard: str) -> list[str]:
        return [rid for rid in self.decides if rid.startswith(standard + "/")]

    def standards(self) -> list[str]:
        return sorted({r.split("/", 1)[0] for r in self.decides})

    def parameters_for(self, standard: str, requirement: str | None = None) -> dict[str, Any]:
        merged = dict(self.parameters.get("default", {}))
        merged.update(self.parameters.get(standard, {}))
        if requirement is not None:
            merged.update(self.parameters.get(requirement, {}))
        return merged

    def parameters_vary_by_requirement(self) -> bool:
        return any("/" in key for key in self.parameters)

    def expectations_for(self, standard: str, requirement: str | None = None) -> list[Expectation]:
        """``requirement``: in a per-requirement rule, also those limited to that requirement."""
        return [e for e in self.expectations
                if e.applies_to is None or standard in e.applies_to or (requirement is not None and requirement in e.applies_to)]


def read_rule_sources(directory: Path, display_base: Path | None = None,
                      read: Callable[[Path, str, str], YamlSource] = read_yaml_file) -> list[YamlSource]:
    """Read a rule pack: its files stay inside the pack's folder (a link leaving it
    is refused, never read), hidden folders such as ``.git`` are skipped, and a
    folder that cannot be read is a located problem."""
    if not directory.is_dir():
        raise InputError(Problem(display_name(directory), 1, 1, "", "a rule pack must be a folder of rule files"))
    try:
        root = check_named(directory)
    except Refusal as refusal:
        raise InputError(Problem(display_name(directory), 1, 1, "", f"this rule pack {refusal}")) from None
    walked = walk_files(directory, root, (".yaml", ".yml"))

    # the built-in rules relative to their base; a custom pack's files as the walk named them
    sources, problems = [], [Problem(shown_path(p, display_base) if display_base else display_name(p), 1, 1, "", why)
                             for p, why in walked.refused]
    for path in walked.files:
        try:
            sources.append(read(path, shown_path(path, display_base) if display_base else display_name(path), root))
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    return sources


def compile_rules(sources: list[YamlSource], catalogue: Catalogue, custom: bool = False, validated: bool = False) -> list[Rule]:
    """``validated``: the sources are known to be valid rule files (imscheck's own, read through their snapshot)."""
    problems: list[Problem] = []
    rules = []
    for source in sources:
        if source.data is None:
            found = [source.problem((), "the rule file is empty")]
        else:
            found = [] if validated else schema_problems(source, RULE_SCHEMA)
        if found:
            problems.extend(found)
            continue
        compiler = _Compiler(source, catalogue)
        rule = compiler.rule(custom)
        problems.extend(compiler.problems)
        if not compiler.problems:
            rules.append(rule)
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in seen:
            problems.append(rule.source.problem(("id",), f"rule id {rule.id} is already used by {seen[rule.id].source.file}: rule ids are unique"))
        seen[rule.id] = rule
    if problems:
        raise InputError(problems)
    return sorted(rules, key=lambda r: r.id)


class _Compiler:
    """Checks one rule file's meaning and builds its :class:`Rule`."""

    def __init__(self, source: YamlSource, catalogue: Catalogue):
        self.source = source
        self.catalogue = catalogue
        self.problems: list[Problem] = []
        self.types = rule_types()
        self.defines: dict[str, Binding] = {}

    def fail(self, parts: tuple[Any, ...], message: str, key: bool = False) -> None:
        self.problems.append(self.source.problem(parts, message, key=key))

    def rule(self, custom: bool) -> Rule:
        data = self.source.data
        decides = tuple(data["decides"])
        for i, rid in enumerate(decides):
            if rid not in self.catalogue.requirements:
                self.fail(("decides", i), f"{rid} is not in any catalogue: check the standard id and clause (see 'imscheck catalogue')")
        standards = {r.split("/", 1)[0] for r in decides}
        for kind in ("pass", "fail"):
            for i, example in enumerate(data["examples"][kind]):
                for j, rid in enumerate(example.get("only", [])):
                    if rid not in decides:
                        self.fail(("examples", kind, i, "only", j), f"{rid} is not one of the requirements this rule decides: list only those under 'only'")
        parameters = data.get("parameters", {})
        for key in parameters:
            if "/" in key and not (data.get("per_requirement") and key in decides):
                self.fail(("parameters", key), f"parameters for {key}, but only a per-requirement rule that decides it can have them", key=True)
            elif "/" not in key and key != "default" and key not in standards:
                self.fail(("parameters", key), f"parameters for {key}, but the rule decides no requirement of that standard", key=True)
        self.param_names = {name for values in parameters.values() for name in values}
        self.per_requirement = bool(data.get("per_requirement"))
        self.builtins = BUILTINS + ((PER_REQUIREMENT_BUILTIN,) if self.per_requirement else ())
        self.param_standards = standards
        self.decides = decides
        self.parameters = parameters
        for name, pattern in data.get("define", {}).items():
            if name in self.types:
                self.fail(("define", name), f"{name!r} is already an entity type: choose another name", key=True)
                continue
            binding = self.binding(name, pattern, {}, ("define", name), allow_check=False)
            if binding is not None:
                self.defines[name] = binding
        expectations = []
        ids: set[str] = set()
        self.earlier_ids = ids
        for i, item in enumerate(data["expect"]):
            expectation = self.expectation(item, ("expect", i), standards)
            if expectation is not None:
                if expectation.id in ids:
                    self.fail(("expect", i, "id"), f"expectation id {expectation.id!r} is used twice in this rule")
                ids.add(expectation.id)
                expectations.append(expectation)
        return Rule(id=data["id"], name=data["name"], title=data["title"], why=data["why"], decides=decides,
                    parameters=parameters, expectations=tuple(expectations), source=self.source,
                    aliases=tuple(data.get("aliases", [])), custom=custom, per_requirement=self.per_requirement)

    def expectation(self, item: dict[str, Any], parts: tuple[Any, ...], standards: set[str]) -> Expectation | None:
        kind = next(k for k in ("exists", "for_each", "none") if k in item)
        scope: dict[str, str | None] = {}  # variable -> entity type (None for values)
        query = self.bindings(item[kind], scope, parts + (kind,), allow_check=False)
        message_scope = dict(scope)
        require: tuple[Binding, ...] = ()
        if kind == "for_each":
            require = self.bindings(item["require"], scope, parts + ("require",), allow_check=True)
        elif "require" in item:
            self.fail(parts + ("require",), "'require' only goes with 'for_each'", key=True)
        for name, attribute in _placeholders(item["message"]):
            self.check_name(name, attribute, message_scope, parts + ("message",), "the message")
        at = None
        if "at" in item:
            variable, _, attribute = item["at"].partition(".")
            if kind == "exists":
                self.fail(parts + ("at",), "'at' needs a variable of the query; an 'exists' finding has none")
            elif message_scope.get(variable, "") is None or variable not in message_scope or message_scope[variable] == REQUIREMENT_TYPE:
                written = [v for v, t in message_scope.items() if t and t != REQUIREMENT_TYPE]
                self.fail(parts + ("at",), f"'at' must name a variable bound to an entity of the IMS ({', '.join(written) or 'none'})")
            else:
                self.check_attribute(message_scope[variable] or "", attribute, parts + ("at",))
                at = Ref(variable, attribute or None)
        applies = item.get("applies_to")
        if applies:
            for j, standard in enumerate(applies):
                if "/" in standard:
                    if not (self.per_requirement and standard in self.decides):
                        self.fail(parts + ("applies_to", j), f"{standard}: only a per-requirement rule can limit an expectation "
                                                             "to one of the requirements it decides")
                elif standard not in standards:
                    self.fail(parts + ("applies_to", j), f"{standard} is not a standard this rule decides")
        # A query is checked on its own; 'require' is a sub-query run with the for_each variables fixed.
        self.check_product(item["id"], query, parts + (kind,))
        self.check_product(item["id"], require, parts + ("require",))
        basis = item.get("basis")
        if basis is not None:
            if kind != "for_each":
                self.fail(parts + ("basis",), "'basis' only goes with 'for_each': it states why an empty population is acceptable", key=True)
            for name, attribute in _placeholders(basis):
                self.check_name(name, attribute, {}, parts + ("basis",), "the basis")
        only_if = tuple(item.get("only_if", []))
        for j, other in enumerate(only_if):
            if other not in self.earlier_ids:
                self.fail(parts + ("only_if", j), f"{other!r} is not an earlier expectation of this rule")
        return Expectation(id=item["id"], kind=kind, query=query, require=require, message=item["message"],
                           at=at, applies_to=frozenset(applies) if applies else None, parts=parts, only_if=only_if,
                           basis=basis)

    def check_product(self, expectation: str, bindings: tuple[Binding, ...], parts: tuple[Any, ...]) -> None:
        """Refuse a cartesian product: a binding over a population that grows with the IMS
        that is joined to none of the earlier such bindings would pair every answer so far
        with every one of its facts (2,000 documents twice over: 4 million answers)."""
        growing: list[str] = []  # earlier variables whose population grows with the IMS
        for binding in bindings:
            if binding.check:
                continue
            if binding.values is not None:
                if isinstance(binding.values, Ref):  # each value of an earlier entity's list: joined to it
                    growing.append(binding.variable)
                continue
            if binding.type in BOUNDED_TYPES or any(c.attribute == "id" and c.operator == "equals" and not isinstance(c.operand, Ref)
                                                    for c in binding.conditions):
                continue
            joined = any(c.operator in JOIN_OPERATORS and isinstance(c.operand, Ref) and c.operand.variable in growing
                         for c in binding.conditions)
            if growing and not joined:
                earlier = ", ".join(growing)
                self.fail(parts + (binding.variable,),
                          f"rule {self.source.data['id']}, expectation {expectation!r}: {binding.variable!r} is joined to none of "
                          f"the earlier variables ({earlier}), so every combination of them would be built (a cartesian product, "
                          f"quadratic in the size of the IMS); relate it to one of them with equals, contains or in "
                          f"(for example owner: ${growing[-1]}.owner), or split the expectation", key=True)
                return
            growing.append(binding.variable)

    def bindings(self, spec: dict[str, Any], scope: dict[str, str | None], parts: tuple[Any, ...], allow_check: bool) -> tuple[Binding, ...]:
        out = []
        for variable, pattern in spec.items():
            if variable in self.builtins or variable in self.param_names:
                self.fail(parts + (variable,), f"{variable!r} is a parameter name: choose another variable name", key=True)
                continue
            binding = self.binding(variable, pattern, scope, parts + (variable,), allow_check)
            if binding is not None:
                out.append(binding)
                if not binding.check:
                    scope[variable] = binding.type
        return tuple(out)

    def binding(self, variable: str, pattern: Any, scope: dict[str, str | None], parts: tuple[Any, ...], allow_check: bool) -> Binding | None:
        if isinstance(pattern, str):
            pattern = {"type": pattern}
        pattern = dict(pattern)
        if variable in scope:
            if not allow_check:
                self.fail(parts, f"variable {variable!r} is bound twice", key=True)
                return None
            if "type" in pattern or "value_in" in pattern:
                self.fail(parts, f"{variable!r} is already bound: here, list only extra conditions on it", key=True)
                return None
            etype = scope[variable]
            if etype is None:
                self.fail(parts, f"{variable!r} is a value, not an entity: it has no attributes to test", key=True)
                return None
            return Binding(variable, etype, self.conditions(pattern, etype, scope, parts), check=True)
        if "value_in" in pattern:
            if len(pattern) != 1:
                self.fail(parts, "a 'value_in' binding takes no other conditions")
                return None
            values = self.operand(pattern["value_in"], scope, parts + ("value_in",), None, list_operand=True)
            return Binding(variable, None, (), values=values)
        type_name = pattern.pop("type", None)
        if type_name is None:
            self.fail(parts, f"{variable!r} needs a 'type' (an entity type such as process, or a name from 'define')")
            return None
        base: tuple[Condition, ...] = ()
        if type_name in self.defines:
            defined = self.defines[type_name]
            type_name, base = defined.type, defined.conditions
        elif type_name not in self.types:
            close = closest_name(type_name, list(self.types) + list(self.defines))
            self.fail(parts + ("type",), f"unknown entity type {type_name!r}" + (f": did you mean {close!r}?" if close else ""))
            return None
        return Binding(variable, type_name, base + self.conditions(pattern, type_name, scope, parts))

    def conditions(self, pattern: dict[str, Any], type_name: str, scope: dict[str, str | None], parts: tuple[Any, ...]) -> tuple[Condition, ...]:
        out = []
        for attribute, test in pattern.items():
            if not self.check_attribute(type_name, attribute, parts + (attribute,)):
                continue
            tests = test if isinstance(test, dict) else {"equals": test}
            for operator, raw in tests.items():
                where = parts + (attribute,) + ((operator,) if isinstance(test, dict) else ())
                operand = self.operand(raw, scope, where, operator, list_operand=operator in LIST_OPERANDS)
                if operand is not None:
                    out.append(Condition(attribute, operator, operand))
        return tuple(out)

    def check_attribute(self, type_name: str, attribute: str, parts: tuple[Any, ...]) -> bool:
        if not attribute or type_name not in self.types:
            return True
        head = attribute.split(".", 1)[0]
        known = self.types[type_name] | derived_attributes(type_name)
        if head not in known:
            close = closest_name(head, known)
            self.fail(parts, f"a {type_name} has no attribute {head!r}" + (f": did you mean {close!r}?" if close else ""), key=True)
            return False
        return True

    def operand(self, raw: Any, scope: dict[str, str | None], parts: tuple[Any, ...], operator: str | None, list_operand: bool) -> Operand | None:
        if operator is not None and operator not in OPERATORS:
            self.fail(parts, f"unknown operator {operator!r}", key=True)
            return None
        if isinstance(raw, str) and raw.startswith("$"):
            name, _, attribute = raw[1:].partition(".")
            if not self.check_name(name, attribute or None, scope, parts, "this condition"):
                return None
            if name in self.builtins or (name in self.param_names and name not in scope):
                if attribute:
                    self.fail(parts, f"{raw}: a parameter has no attributes")
                    return None
                return Param(name)
            return Ref(name, attribute or None)
        if operator in DATE_OPERATORS and isinstance(raw, str) and raw.startswith("as_of"):
            match = _DATE_EXPR.match(raw.strip())
            if not match:
                self.fail(parts, f"{raw!r} is not a date expression: write 'as_of', 'as_of - 12 months' or 'as_of - $interval months'")
                return None
            if match.group(1) is None:
                return Param("as_of")
            amount_text = match.group(2)
            amount: Union[int, Param]
            if amount_text.startswith("$"):
                if not self.check_name(amount_text[1:], None, {}, parts, "this date"):
                    return None
                amount = Param(amount_text[1:])
            else:
                amount = int(amount_text)
            unit = match.group(3).rstrip("s") + "s"
            return DateExpr(-1 if match.group(1) == "-" else 1, amount, unit)
        if operator in DATE_OPERATORS and not (isinstance(raw, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", raw)):
            self.fail(parts, f"{raw!r} is not a date: write YYYY-MM-DD, 'as_of', or 'as_of - 12 months'")
            return None
        if list_operand and not isinstance(raw, list):
            self.fail(parts, "this operator takes a list")
            return None
        return Const(raw)

    def check_name(self, name: str, attribute: str | None, scope: dict[str, str | None], parts: tuple[Any, ...], what: str) -> bool:
        if name in self.builtins:
            return True
        if name in scope:
            etype = scope[name]
            if attribute and etype is None:
                self.fail(parts, f"{name!r} is a value, not an entity: {name}.{attribute} does not exist")
                return False
            return self.check_attribute(etype, attribute, parts) if attribute and etype else True
        if name in self.param_names:
            missing = [s for s in sorted(self.param_standards) if all(name not in self.parameters.get(h, {}) for h in ("default", s))
                       and any(name not in self.parameters.get(r, {}) for r in self.decides if r.startswith(s + "/"))]
            if missing:
                self.fail(parts, f"parameter {name!r} has no value for {', '.join(missing)}: add it under 'default', that standard or each of its requirements")
                return False
            return True
        known = ", ".join(sorted(set(self.builtins) | self.param_names | set(scope)))
        if name == PER_REQUIREMENT_BUILTIN:
            self.fail(parts, "$requirement is only bound in a rule with 'per_requirement: true'")
            return False
        self.fail(parts, f"{what} uses {name!r}, which is not a parameter or an earlier variable (known here: {known})")
        return False


def _placeholders(message: str) -> list[tuple[str, str | None]]:
    return [(m.group(1), m.group(2)) for m in _PLACEHOLDER.finditer(message)]


def render_message(template: str, lookup: Any) -> str:
    """Fill ``{name}`` and ``{variable.attribute}`` placeholders."""
    def fill(match: re.Match[str]) -> str:
        value = lookup(match.group(1), match.group(2))
        if isinstance(value, list):
            return ", ".join(str(v) for v in value) if value else "(none)"
        return "(none)" if value is None else str(value)
    return _PLACEHOLDER.sub(fill, template)


def load_rules(catalogue: Catalogue, builtin_dir: Path | None, custom_dirs: Sequence[Path] = ()) -> tuple[list[Rule], list[str]]:
    """Built-in rules, then custom packs; a custom rule with a built-in id replaces it.

    Returns the rules and one note per replacement, for the report.
    """
    rules: dict[str, Rule] = {}
    if builtin_dir:
        # imscheck's own rules come through their snapshot (already valid) unless they were moved elsewhere
        own = builtin_dir.resolve() == (resources.data_dir("rules") / "checks").resolve()
        sources = read_rule_sources(builtin_dir, builtin_dir.parent.parent, bundled.read if own else read_yaml_file)
        rules = {r.id: r for r in compile_rules(sources, catalogue, validated=own)}
    notes = []
    for directory in custom_dirs:
        if not directory.is_dir():
            raise InputError(Problem(str(directory), 1, 1, "", "--rules must name a folder of rule files"))
        for rule in compile_rules(read_rule_sources(directory), catalogue, custom=True):
            replaced = rules.get(rule.id) or next((r for r in rules.values() if rule.id in r.aliases), None)
            if replaced is not None:
                notes.append(f"custom rule {rule.id} from {rule.source.file} replaces the built-in rule {replaced.id}")
                del rules[replaced.id]
            rules[rule.id] = rule
    return sorted(rules.values(), key=lambda r: r.id), sorted(notes)
