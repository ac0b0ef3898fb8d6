"""``imscheck init`` and ``imscheck add-standard``: a new IMS repository, or one more standard in it.

The scaffold is valid from the start (``validate`` exits 0) and claims nothing
it has not shown: ``check`` lists every requirement as still to do, none met.
Three choices make that hold:

- each Statement of Applicability line says the control applies and is not
  yet implemented, with a justification that says the decision is open:
  the schema accepts it, and CTL01 reports it unmet until someone either
  implements the control or excludes it with a real justification;
- attestations are written as commented-out stubs: a stub with a date would
  be an attestation nobody gave, and would count as met;
- for each kind of thing the rules judge entry by entry (roles, documents,
  suppliers, processes run by suppliers, nonconformities: CMP01, DOC01,
  SPL01, SUP01, NC01) the scaffold gives one entry marked TO DO, a starting
  point that is unmet until completed. An empty population is never met on
  its own, but a rule may accept one on a stated basis ("no internal
  supplier: nothing to judge"); the TO DO entries keep even those unmet
  until someone has looked and deleted what does not apply.

Nothing existing is ever overwritten: if one file is already there, nothing
is written.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Sequence, TextIO

from .. import resources
from ..api import check_standard_ids, guarded
from ..errors import UsageError
from ..text import noun
from ..knowledge.catalogue import STANDARD_ORDER, Catalogue, Requirement, load_catalogue
from ..load.config import CONFIG_NAME, find_config, ims_files, load_config
from ..load.ims import Ims, discover, load_ims

# The short id of each standard's management system, as auditors call it.
SYSTEM_IDS = {"ISO9001": "qms", "ISO20000-1": "sms", "ISO27001": "isms"}
SYSTEM_NAMES = {"ISO9001": "Quality management system", "ISO20000-1": "Service management system",
                "ISO27001": "Information security management system"}
TO_DO = "TO DO"


def system_id(standard: str) -> str:
    family, _, year = standard.partition(":")
    return SYSTEM_IDS.get(family, family.lower().replace("-", ""))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def management_system_yaml(standard: str, unit: str | None, scope_document: bool = False) -> str:
    family = standard.partition(":")[0]
    units = f", units: [{unit}]" if unit else ""
    return (f"# The {SYSTEM_NAMES.get(family, 'management system')} claimed against {standard}.\n"
            "# Write the scope statement in your own words; list the units, locations and services it covers\n"
            "# and any requirement you determine not applicable (exclusions, each with a justification).\n"
            "management_systems:\n"
            f"  - id: {system_id(standard)}\n"
            f"    name: {_quote(SYSTEM_NAMES.get(family, standard))}\n"
            f"    standard: {_quote(standard)}\n"
            f"    scope: {{statement: {_quote(f'{TO_DO}: what the {system_id(standard).upper()} covers')}{units}}}\n"
            + (f"    scope_document: scope-{system_id(standard)}\n" if scope_document else ""))


def soa_yaml(standard: str, catalogue: Catalogue) -> str:
    system = system_id(standard)
    controls = [r for r in catalogue.of_standard(standard) if r.annex]
    lines = [f"# Statement of Applicability of {standard}: one line per Annex A control ({len(controls)}).",
             "# Every line starts as 'applies, not implemented' with an open justification, so that check",
             "# reports each control unmet until you decide it: either implement it (implemented: true, with",
             "# the documents that show it) or exclude it (applicable: false) with your justification.",
             "soa:"]
    for control in controls:
        lines += [f"  - id: soa-{control.clause.lower().replace('.', '-')}",
                  f"    control: {_quote(control.id)}  # {control.title}",
                  f"    management_systems: [{system}]",
                  "    applicable: true",
                  "    implemented: false",
                  f"    justification: {_quote(f'{TO_DO}: decide whether {control.clause} applies and why')}"]
    return "\n".join(lines) + "\n"


def attestation_requirements(standards: Sequence[str], catalogue: Catalogue) -> list[Requirement]:
    return [r for s in standards for r in catalogue.of_standard(s) if r.attestation]


def attestations_yaml(standards: Sequence[str], catalogue: Catalogue) -> str:
    wanted = attestation_requirements(standards, catalogue)
    lines = ["# Attestations: a person's statement, on named evidence, for requirements no rule can decide",
             "# from the IMS. Each stub below is commented out on purpose: an attestation counts as met for",
             "# 12 months from its date, so only uncomment one when someone has looked at the evidence named.",
             "# Fill in the role that attests (a role of that management system), the date and what was seen.",
             "attestations: []" if wanted else "attestations: []  # none of the chosen standards needs one"]
    for requirement in wanted:
        system = system_id(requirement.standard)
        lines += ["",
                  f"# - id: att-{system}-{requirement.clause.lower().replace('.', '-')}",
                  f"#   requirement: {_quote(requirement.id)}  # {requirement.title}",
                  f"#   management_systems: [{system}]",
                  "#   attested_by: ROLE-ID",
                  "#   date: \"YYYY-MM-DD\"",
                  f"#   evidence: >-  # look at: {requirement.attestation}",
                  "#     What you looked at and what you saw, in your own words."]
    if wanted:
        lines[4] = "attestations: []  # replace [] by the entries below as they are given"
    return "\n".join(lines) + "\n"


CONFIG_TEXT = """\
# imscheck's configuration for this repository (see 'imscheck check --help').
# Paths and globs are relative to this file's folder; command-line options win.
ims: ["ims/**/*.yaml"]
evidence_root: "."
# standards: ["ISO9001:2015"]   # check only these of the claimed standards
# rules: ["rules"]              # folders of your own rule files
# engine: python
# reports:                      # report files written by every 'imscheck check'
#   junit: imscheck-junit.xml
#   json: imscheck-report.json
"""

EVIDENCE_README = """\
# Evidence

Keep the evidence files of the IMS here (procedures, records, minutes,
reports). A document in `ims/` points at its file with `path`, relative to the
repository root, e.g. `path: evidence/management-review-2025.pdf`.
"""


def to_do_yaml(standards: Sequence[str], today: str) -> str:
    """One entry for each kind of thing a rule judges entry by entry (see the module's docstring)."""
    systems = ", ".join(system_id(s) for s in standards)
    docs = "\n".join(
        f"  - {{id: scope-{system_id(s)}, title: {_quote(f'Scope of the {system_id(s).upper()}')}, kind: document, "
        f"management_systems: [{system_id(s)}], status: draft}}  # {TO_DO}: version, owner, approval, path of the file"
        for s in standards)
    internal = ""
    if any(s.startswith("ISO20000-1:2018") for s in standards):  # 8.3.4.2 judges internal suppliers on their own
        internal = (f"  - id: internal-supplier\n    name: {_quote(f'{TO_DO}: an internal supplier or a customer acting as a supplier (delete if none)')}\n"
                    f"    kind: internal\n    management_systems: [{systems}]\n")
    return f"""\
# Entries to complete or replace. Each is marked {TO_DO} and is unmet until it is completed.
# Delete what does not apply to you: a rule that accepts an empty population says so in the
# report ("no internal supplier: nothing to judge"), once someone has looked.
roles:
  - id: ims-manager
    name: {_quote(f"{TO_DO}: the person who runs the IMS day to day")}
    management_systems: [{systems}]
documents:
{docs}
suppliers:
  - id: first-supplier
    name: {_quote(f"{TO_DO}: an external provider (list each; delete this entry if you have none)")}
    kind: external
    management_systems: [{systems}]
{internal}processes:
  - id: outsourced-process
    name: {_quote(f"{TO_DO}: a process an external provider runs for you (delete if none)")}
    management_systems: [{systems}]
    operated_by: first-supplier
nonconformities:
  - id: nc-register
    raised_on: "{today}"
    description: {_quote(f"{TO_DO}: record each nonconformity here with its root cause and corrective action, then delete this entry")}
    management_systems: [{systems}]
    status: closed
"""


def scaffold_files(standards: Sequence[str], catalogue: Catalogue, today: str | None = None) -> dict[str, str]:
    """Relative path -> content of every file ``init`` writes."""
    files = {
        CONFIG_NAME: CONFIG_TEXT,
        "ims/organisation.yaml": ("# Who runs the IMS. Replace the names; add units, locations and services as you describe them.\n"
                                  f"organisation: {{id: organisation, name: {_quote(f'{TO_DO}: the legal name of the organisation')}}}\n"
                                  f"units:\n  - {{id: whole-organisation, name: {_quote(f'{TO_DO}: the unit in scope')}}}\n"),
        "ims/attestations.yaml": attestations_yaml(standards, catalogue),
        "ims/to-do.yaml": to_do_yaml(standards, today or dt.date.today().isoformat()),
        "evidence/README.md": EVIDENCE_README,
    }
    for standard in standards:
        family = standard.partition(":")[0]
        files[f"ims/management-system-{family.lower()}.yaml"] = management_system_yaml(standard, "whole-organisation", scope_document=True)
        if any(r.annex for r in catalogue.of_standard(standard)):
            files[f"ims/soa-{family.lower()}.yaml"] = soa_yaml(standard, catalogue)
    ci = resources.data_dir("ci")
    files[".pre-commit-config.yaml"] = (ci / "pre-commit-config.yaml").read_text(encoding="utf-8")
    files[".github/workflows/imscheck.yml"] = (ci / "github" / "imscheck.yml").read_text(encoding="utf-8")
    files[".gitlab-ci.yml"] = (ci / "gitlab" / "imscheck.gitlab-ci.yml").read_text(encoding="utf-8")
    return files


def _check_standards(standards: Sequence[str]) -> list[str]:
    if not standards:
        raise UsageError(f"name at least one standard with --standard, e.g. --standard ISO27001:2022 (known: {', '.join(STANDARD_ORDER)})")
    check_standard_ids(list(standards))
    families = [s.partition(":")[0] for s in standards]
    for family in set(families):
        if families.count(family) > 1:
            raise UsageError(f"--standard: choose one edition of {family}: an IMS claims one management system per standard")
    return [s for s in STANDARD_ORDER if s in standards]


def _write_all(folder: Path, files: dict[str, str]) -> None:
    existing = sorted(name for name in files if (folder / name).exists())
    if existing:
        raise UsageError(f"{folder}: {', '.join(existing)} already {noun(len(existing), 'exists', 'exist')}; "
                         "imscheck never overwrites files: choose an empty folder or move them away")
    for name, text in sorted(files.items()):
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8", newline="\n") as stream:
            stream.write(text)


def run_init(directory: Path, standards: Sequence[str], out: TextIO, err: TextIO) -> int:
    def run() -> int:
        chosen = _check_standards(standards)
        if directory.exists() and not directory.is_dir():
            raise UsageError(f"{directory} is a file: give a folder for the new IMS repository")
        files = scaffold_files(chosen, load_catalogue())
        _write_all(directory, files)
        soa = [name for name in files if name.startswith("ims/soa-")]
        where = "" if Path(os.path.abspath(directory)) == Path.cwd() else f"cd {directory}\n  "
        out.write(f"imscheck: wrote {len(files)} files for {', '.join(chosen)} in {directory}\n\n"
                  "Next steps:\n"
                  f"  {where}git init   # if it is not a repository yet\n"
                  f"  1. Replace every '{TO_DO}' in ims/ (organisation, units, scope statements).\n"
                  + (f"  2. Decide each line of {', '.join(soa)}: implement the control or exclude it with a justification.\n" if soa else "")
                  + "  3. Describe roles, policies, processes, documents and records in ims/, with evidence files in evidence/;\n"
                    "     uncomment an attestation in ims/attestations.yaml once someone has looked at its evidence.\n"
                    "  4. imscheck validate   # every problem with file and line\n"
                    "     imscheck check      # what is still to do, requirement by requirement\n"
                    "  5. pre-commit install  # validate on every commit (.pre-commit-config.yaml); CI files: .github/, .gitlab-ci.yml\n")
        return 0

    return guarded(run, err)


# Collections whose entries name the management systems they belong to, and that a new
# standard usually shares: the entries a person should look at when adding one.
SHARED_COLLECTIONS = ("roles", "policies", "processes", "documents", "objectives", "risks", "interested_parties",
                      "context_issues", "context_reviews", "internal_audits", "management_reviews", "suppliers",
                      "competence_records", "nonconformities")


def run_add_standard(standard: str, path: Path | None, out: TextIO, err: TextIO) -> int:
    def run() -> int:
        chosen = _check_standards([standard])[0]
        catalogue = load_catalogue()
        folder, ims = _existing_ims(path, catalogue)
        family = chosen.partition(":")[0]
        claimed = ims.claimed_standards()
        for other, system in claimed.items():
            if other.partition(":")[0] == family:
                raise UsageError(f"the IMS already claims {other} (management system {system.id!r}): "
                                 "one management system per standard; change its 'standard' to move to another edition")
        new_id = system_id(chosen)
        if new_id in ims.by_id:
            raise UsageError(f"id {new_id!r} is already used in the IMS: rename that entry first")
        units = [u.id for u in ims.of_type("unit") if u.data.get("parent") is None][:1]
        files = {f"management-system-{family.lower()}.yaml": management_system_yaml(chosen, units[0] if units else None)}
        if any(r.annex for r in catalogue.of_standard(chosen)):
            files[f"soa-{family.lower()}.yaml"] = soa_yaml(chosen, catalogue)
        if attestation_requirements([chosen], catalogue):
            files[f"attestations-{family.lower()}.yaml"] = attestations_yaml([chosen], catalogue)
        _write_all(folder, files)
        out.write(f"imscheck: added {chosen} as management system {new_id!r}: wrote "
                  + ", ".join(str(folder / name) for name in sorted(files)) + "\n")
        extend = _entities_to_extend(ims)
        if extend:
            out.write(f"\nThese entries belong to the other management systems; add {new_id} to the 'management_systems' "
                      f"of each that serves {chosen} too:\n")
            for collection, entries in extend:
                out.write(f"  {collection}: " + ", ".join(f"{e.id} ({e.source.file}:{e.source.locate(e.parts)[0]})" for e in entries) + "\n")
        out.write(f"\nThen write the scope of {new_id}, run 'imscheck validate' and 'imscheck check --standard {chosen}'.\n")
        return 0

    return guarded(run, err)


def _existing_ims(path: Path | None, catalogue: Catalogue) -> tuple[Path, Ims]:
    """The folder new files go to, and the IMS as it is (it must be valid)."""
    known = lambda rid: rid in catalogue.requirements  # noqa: E731
    if path is None:
        found = find_config(Path.cwd())
        if found is None:
            raise UsageError(f"give the IMS PATH, or run inside a repository with a {CONFIG_NAME}")
        config = load_config(found)
        files = ims_files(config)
        ims = load_ims(config.folder, known, config.evidence_root or config.folder, files)
        return files[0].parent, ims
    ims = load_ims(path, known)
    if path.is_dir():
        first = discover(path)[0]
        return first.parent if first.parent != path and path / "ims" == first.parent else path, ims
    return path.parent, ims


def _entities_to_extend(ims: Ims) -> list[tuple[str, list]]:
    from ..load.model import collection_types

    types = collection_types()
    out = []
    for collection in SHARED_COLLECTIONS:
        etype = types.get(collection)
        if etype is None:
            continue
        entries = [e for e in ims.of_type(etype.name) if e.data.get("management_systems")]
        if entries:
            out.append((collection, entries))
    return out
