"""Loading an IMS description: one file or a folder of files, merged and checked.

Checks, all reported together: YAML problems, schema violations, duplicate
ids, references to ids that do not exist, unknown requirement ids, one
management system per standard, unit hierarchies without cycles, and evidence
paths that stay inside the repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from itertools import chain
import stat
from pathlib import Path
from typing import Any, Callable, Iterable

from ..containment import Refusal, check_inside, check_named, display_name, inside, kind_of, locate_evidence, name_problem, real_root, shown_path, walk_files
from ..errors import InputError, Problem, pointer_of
from ..suggest import Budget, Suggester
from .model import IMS_SCHEMA, collection_types, values_at
from .schemacheck import schema_problems
from .yamlsource import YamlSource
from .parallel import read_yaml_files

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Entity:
    """One entry of the IMS and the place it was written."""

    type: str
    id: str
    data: dict[str, Any]
    source: YamlSource
    parts: tuple[Any, ...]  # pointer parts inside ``source``

    def problem(self, attribute: tuple[Any, ...], message: str) -> Problem:
        return self.source.problem(self.parts + attribute, message)


@dataclass
class Ims:
    """A merged IMS description. Entities keep their origin for locations."""

    root: Path
    entities: dict[str, list[Entity]] = field(default_factory=dict)  # by type, sorted by id
    by_id: dict[str, Entity] = field(default_factory=dict)
    sources: list[YamlSource] = field(default_factory=list)
    # evidence path -> what locate_evidence found (or its Refusal): loading, the facts and git's
    # on-disk test each ask about every document's file, and the disk answers once per run
    located: dict[str, tuple[str, os.stat_result | None] | Refusal] = field(default_factory=dict, repr=False, compare=False)
    folders: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False, compare=False)  # locate_evidence's memo

    def of_type(self, name: str) -> list[Entity]:
        return self.entities.get(name, [])

    def claimed_standards(self) -> dict[str, Entity]:
        return {e.data["standard"]: e for e in self.of_type("management_system")}

    def locate_evidence(self, relative: str) -> tuple[str, os.stat_result | None]:
        """:func:`containment.locate_evidence` below the root, looked up once per path."""
        found = self.located.get(relative)
        if found is None:
            try:
                found = locate_evidence(str(self.root), relative, self.folders)
            except Refusal as refusal:
                found = refusal
            self.located[relative] = found
        if isinstance(found, Refusal):
            raise Refusal(found.kind, found.reason)
        return found

    def location(self, entity_id: str | None, attribute: tuple[Any, ...] = ()) -> tuple[str, int, int, str]:
        """(file, line, column, pointer) of an entity's attribute."""
        entity = self.by_id[entity_id] if entity_id else None
        if entity is None:
            return ("", 1, 1, "")
        parts = entity.parts + tuple(attribute)
        line, column = entity.source.locate(parts)
        return entity.source.file, line, column, pointer_of(parts)


def discover(path: Path, root: str | None = None) -> list[Path]:
    """The YAML files of an IMS: the file itself, or a folder's files, recursively.

    Hidden folders (``.git``, ``.github``) are skipped: their YAML is not the IMS.
    Linked sub-folders inside ``root`` (a real path) are followed; anything
    the walk refuses (a link leaving the root, a loop, an unreadable folder,
    a pipe named ``*.yaml``) is a located problem, never a silent skip.
    """
    root = root or real_root(default_root(path))
    display = display_name(path)
    if path.is_symlink() or path.exists():
        leaving = ("is a symbolic link that leaves the repository: point imscheck at a folder inside it" if path.is_symlink() or
                   inside(root, os.path.realpath(os.path.dirname(os.path.abspath(path)))) else
                   "is outside the repository root (--root): the IMS must be inside the repository it describes")
        try:
            check_inside(path, root, leaving)
        except Refusal as refusal:
            raise InputError(Problem(display, 1, 1, "", f"this path {refusal}")) from None
    if path.is_file():
        return [path]
    if not path.is_dir():
        what = f"no such file or folder ({Path(os.path.abspath(path))}): give the IMS file or the folder that holds it"
        if path.is_symlink() or path.exists():
            try:
                what = f"is {kind_of(os.stat(path).st_mode)}, not a file or folder: give the IMS file or the folder that holds it"
            except OSError as error:
                what = f"cannot be read ({error.strerror or error}): give the IMS file or the folder that holds it"
        raise InputError(Problem(display, 1, 1, "", what))
    walked = walk_files(path, root, YAML_SUFFIXES)
    if walked.refused:
        raise InputError([Problem(shown_path(p, root), 1, 1, "", why) for p, why in walked.refused])
    found = walked.files
    if not found:
        raise InputError(Problem(display, 1, 1, "", "the folder holds no .yaml or .yml file: point imscheck at the IMS description"))
    return found


def default_root(path: Path) -> Path:
    return path if path.is_dir() else path.parent


def ims_root(path: Path, root: Path | None) -> str:
    """The real repository root. Without ``--root`` it is PATH (or its folder); the
    link PATH itself may not lead outside the folder that holds it."""
    if root is not None:
        return real_root(root)
    try:
        check_named(path)
    except Refusal as refusal:
        raise InputError(Problem(display_name(path), 1, 1, "", f"this path {refusal}")) from None
    return real_root(default_root(path))


def load_ims(path: Path, known_requirement: Callable[[str], bool], root: Path | None = None,
             files: list[Path] | None = None, progress: Callable[[int, int], None] | None = None) -> Ims:
    """Read, validate and merge the IMS at ``path``; raise InputError on any problem.

    ``files``: the IMS files when a configuration chose them (default: found under ``path``);
    each is still checked against the root when it is read. ``progress(done, total)`` is told
    after each file is read.
    """
    real = ims_root(path, root)
    problems: list[Problem] = []
    sources = []
    files = discover(path, real) if files is None else files
    for read in read_yaml_files([(file, shown_path(file, real)) for file in files], real, progress):
        if isinstance(read, InputError):
            problems.extend(read.problems)
        else:
            sources.append(read)
    ims = build_ims(sources, known_requirement, Path(real), problems)
    return ims


def build_ims(sources: Iterable[YamlSource], known_requirement: Callable[[str], bool], root: Path,
              problems: list[Problem] | None = None) -> Ims:
    """Merge parsed sources into one IMS (also used for rule examples)."""
    problems = list(problems or [])
    ims = Ims(root=root)
    collections = collection_types()
    for source in sources:
        ims.sources.append(source)
        if source.data is None:
            problems.append(Problem(source.file, 1, 1, "", "the file is empty: describe part of the IMS or delete the file"))
            continue
        problems.extend(schema_problems(source, IMS_SCHEMA))
        if not isinstance(source.data, dict):
            continue
        # Entries are merged even when the file has schema problems, so that duplicate
        # ids and dangling references are reported in the same run; anything too
        # malformed to have an id is left to the schema's message.
        for collection, value in source.data.items():
            etype = collections.get(collection)
            if etype is None:
                continue
            items = [value] if collection == "organisation" else value
            if not isinstance(items, list):
                continue
            for index, data in enumerate(items):
                if not isinstance(data, dict) or not isinstance(data.get("id"), str):
                    continue
                parts = (collection,) if collection == "organisation" else (collection, index)
                entity = Entity(etype.name, data["id"], data, source, parts)
                earlier = ims.by_id.get(entity.id)
                if earlier is not None:
                    where = f"{earlier.source.file}:{earlier.source.locate(earlier.parts)[0]}"
                    what = "the organisation is described twice" if collection == "organisation" and earlier.type == "organisation" else f"id {entity.id!r} is already used by a {earlier.type} at {where}"
                    problems.append(entity.problem(("id",), f"{what}: ids must be unique across the IMS"))
                    continue
                ims.by_id[entity.id] = entity
                ims.entities.setdefault(etype.name, []).append(entity)
    organisations = ims.of_type("organisation")
    for extra in organisations[1:]:
        first = organisations[0]
        problems.append(extra.problem(("id",), f"the organisation is described twice (first at {first.source.file}:{first.source.locate(first.parts)[0]}): describe it in one file only"))
    for entities in ims.entities.values():
        entities.sort(key=lambda e: e.id)
    problems.extend(_reference_problems(ims, known_requirement))
    problems.extend(_path_problems(ims))
    if not problems:  # the model checks below rely on well-formed entries
        problems.extend(_model_problems(ims))
    if problems:
        raise InputError(problems)
    return ims


def _reference_problems(ims: Ims, known_requirement: Callable[[str], bool]) -> list[Problem]:
    if _references_resolve(ims, known_requirement):
        return []  # the usual case, found by set operations; the walk below locates what does not resolve
    problems = []
    collections = collection_types()
    types = {t.name: t for t in collections.values()}
    budget = Budget()
    suggesters: dict[str, tuple[list[str], Suggester]] = {}  # per type, built once: a problem costs no scan
    for type_name, entities in ims.entities.items():
        etype = types[type_name]
        for entity in entities:
            for ref in etype.references:
                for parts, value in values_at(entity.data, ref.path):
                    if not isinstance(value, str):
                        continue  # a wrong type is the schema's finding
                    if ref.target == "requirements":
                        if not known_requirement(value):
                            problems.append(entity.problem(parts, f"{value} is not a requirement imscheck knows: check the standard id and clause (see 'imscheck catalogue')"))
                        continue
                    target = ims.by_id.get(value)
                    wanted = collections[ref.target].name
                    if target is None or target.type != wanted:
                        if wanted not in suggesters:
                            ids = [e.id for e in ims.of_type(wanted)]
                            suggesters[wanted] = (ids, Suggester(ids, budget))
                        candidates, suggester = suggesters[wanted]
                        hint = suggester.closest(value)
                        advice = f"did you mean {hint!r}?" if hint else (f"declare it under '{ref.target}'" if not candidates else "known: " + ", ".join(candidates[:8]) + (" ..." if len(candidates) > 8 else ""))
                        found = f" (it is a {target.type})" if target is not None else ""
                        problems.append(entity.problem(parts, f"no {wanted.replace('_', ' ')} has id {value!r}{found}: {advice}"))
    return problems


def _references_resolve(ims: Ims, known_requirement: Callable[[str], bool]) -> bool:
    """Whether every reference names an entity of its type (or a known requirement), as the walk
    in :func:`_reference_problems` would find, tested per reference field over all entities at once."""
    collections = collection_types()
    types = {t.name: t for t in collections.values()}
    ids = {type_name: {e.id for e in entities} for type_name, entities in ims.entities.items()}
    nothing: set[str] = set()
    for type_name, entities in ims.entities.items():
        records = [e.data for e in entities]
        for ref in types[type_name].references:
            named = _text_values(_values_of_all(records, ref.path))
            if ref.target == "requirements":
                if not all(known_requirement(value) for value in named):
                    return False
            elif not named <= ids.get(collections[ref.target].name, nothing):
                return False
    return True


def _text_values(values: list[Any]) -> set[str]:
    """The distinct text among ``values`` (the rest is the schema's business)."""
    try:
        distinct = set(values)
    except TypeError:  # a list or mapping where an id belongs
        return {value for value in values if isinstance(value, str)}
    if all(type(value) is str for value in distinct):
        return distinct
    return {value for value in distinct if isinstance(value, str)}


def _values_of_all(records: list[dict[str, Any]], path: tuple[str, ...]) -> list[Any]:
    """What :func:`values_at` reaches in each record, without pointers (None left out or harmless)."""
    head = path[0] if path else "[]"
    if head != "[]" and len(path) == 1:
        return [record.get(head) for record in records]
    if head != "[]" and len(path) == 2 and path[1] == "[]":
        return list(chain.from_iterable([items for items in [record.get(head) for record in records] if isinstance(items, list)]))
    return [value for record in records for _, value in values_at(record, path)]


def _model_problems(ims: Ims) -> list[Problem]:
    problems = []
    systems = ims.of_type("management_system")
    if not systems:
        where = ims.sources[0] if ims.sources else None
        if where is not None:
            problems.append(where.problem((), "no management system is claimed: add 'management_systems' with at least one standard"))
    seen: dict[str, Entity] = {}
    for ms in systems:
        standard = ms.data["standard"]
        if standard in seen:
            problems.append(ms.problem(("standard",), f"{standard} is already claimed by management system {seen[standard].id!r}: one management system per standard"))
        seen.setdefault(standard, ms)
        for i, exclusion in enumerate(ms.data["scope"].get("exclusions", [])):
            if not exclusion["requirement"].startswith(standard + "/"):
                problems.append(ms.problem(("scope", "exclusions", i, "requirement"),
                                           f"{exclusion['requirement']} is not a requirement of {standard}: exclude it in the scope of the management system that claims its standard"))
    for unit in ims.of_type("unit"):
        chain, current = [unit.id], unit.data.get("parent")
        while current is not None:
            if current in chain:
                problems.append(unit.problem(("parent",), f"units form a cycle ({' -> '.join(chain + [current])}): a unit cannot be inside itself"))
                break
            chain.append(current)
            current = ims.by_id[current].data.get("parent")
    return problems


def _path_problems(ims: Ims) -> list[Problem]:
    """Evidence paths that leave the repository: checked with the schema and references, in the same pass."""
    problems = []
    for doc in ims.of_type("document"):
        if isinstance(doc.data.get("path"), str) and doc.data["path"]:
            message = evidence_path_problem(ims.root, doc.data["path"], ims.locate_evidence)
            if message:
                problems.append(doc.problem(("path",), message))
    return problems


def evidence_path_problem(root: Path, relative: str,
                          locate: Callable[[str], tuple[str, os.stat_result | None]] | None = None) -> str | None:
    """Why an evidence path may not be used, or None. It must stay inside ``root``
    and name a regular file (or nothing yet: a missing file is a finding, not an error)."""
    problem = name_problem(relative, "evidence path")
    if problem:
        return problem
    try:
        real, info = locate(relative) if locate is not None else locate_evidence(str(root), relative)
    except Refusal as refusal:
        return f"evidence path {relative!r} {refusal}"
    if info is not None and not stat.S_ISREG(info.st_mode):
        return f"evidence path {relative!r} is {kind_of(info.st_mode)}, not a file: name the file that holds the evidence"
    if info is not None and not os.access(real, os.R_OK):
        return f"evidence path {relative!r} cannot be read: permission denied; make the file readable"
    return None
