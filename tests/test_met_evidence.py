"""A met verdict rests on evidence or on a basis a rule states, never on an empty population."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from imscheck.api import evaluate
from imscheck.engines.evaluator import PythonEngine
from imscheck.engines.facts import build_facts
from imscheck.knowledge.catalogue import load_catalogue
from imscheck.knowledge.rulebook import load_rules
from imscheck import resources
from imscheck.load.ims import load_ims
from imscheck.reports import REPORTERS, console
from imscheck.verdicts.decision import MET

CATALOGUE = load_catalogue()
RULES, _ = load_rules(CATALOGUE, resources.data_dir("rules") / "checks")
AS_OF = dt.date(2025, 6, 30)
STANDARDS = ["ISO9001:2015", "ISO20000-1:2018", "ISO27001:2022", "ISO27001:2013"]


def near_empty(tmp_path: Path, standard: str):
    path = tmp_path / "ims.yaml"
    path.write_text("organisation: {id: org, name: Example Ltd}\n"
                    f"management_systems:\n  - {{id: ms, standard: \"{standard}\", scope: {{statement: Everything we do}}}}\n")
    ims = load_ims(path, lambda rid: rid in CATALOGUE.requirements, tmp_path)
    return evaluate(ims, CATALOGUE, RULES, [standard], AS_OF)


@pytest.mark.parametrize("standard", STANDARDS)
def test_a_near_empty_ims_has_no_met_without_evidence_or_a_stated_basis(tmp_path, standard):
    result = near_empty(tmp_path, standard)
    vacuous = [v.requirement for v in result.verdicts if v.status == MET and not v.evidence and not v.basis]
    assert vacuous == []


@pytest.mark.parametrize("standard, requirement, code", [
    ("ISO9001:2015", "ISO9001:2015/7.2", "CMP01.no-roles"),
    ("ISO9001:2015", "ISO9001:2015/7.5.3", "DOC01.none-held"),
    ("ISO9001:2015", "ISO9001:2015/10.2.1", "NC01.no-register"),
    ("ISO27001:2022", "ISO27001:2022/10.2", "NC01.no-register"),
    # SUP01 states "no outsourced process", but SPL01 finds no external provider at all: each
    # rule deciding a requirement must show something.
    ("ISO9001:2015", "ISO9001:2015/8.4.2", "SPL01.no-evidence"),
    ("ISO27001:2022", "ISO27001:2022/8.1", "PX01.no-process"),
])
def test_empty_populations_an_auditor_would_not_accept_are_unmet(tmp_path, standard, requirement, code):
    verdict = next(v for v in near_empty(tmp_path, standard).verdicts if v.requirement == requirement)
    assert verdict.status == "unmet"
    assert code in {r.code for r in verdict.reasons}


def test_a_stated_basis_is_shown_in_every_report(tmp_path):
    result = near_empty(tmp_path, "ISO20000-1:2018")
    verdict = next(v for v in result.verdicts if v.requirement == "ISO20000-1:2018/8.3.4.2")
    assert verdict.status == MET and verdict.evidence == ()
    assert "no internal supplier" in verdict.basis
    records = {r["requirement"]: r for r in json.loads(REPORTERS["json"](result))["results"]}
    assert records["ISO20000-1:2018/8.3.4.2"]["basis"] == verdict.basis
    assert all("basis" in r for r in records.values())
    assert records["ISO20000-1:2018/7.2"]["basis"] is None
    assert f"basis: {verdict.basis}" in REPORTERS["junit"](result)
    assert f"ISO20000-1:2018/8.3.4.2 {verdict.title}: {verdict.basis}" in console.render(result)


def test_evidence_lists_only_what_belongs_to_the_standards_system(tmp_path):
    """The colocation contract was filed for the QMS only: it is evidence for ISO 9001, not for the ISMS."""
    (tmp_path / "dc.pdf").write_text("Colocation contract")
    path = tmp_path / "ims.yaml"
    path.write_text("""\
management_systems:
  - {id: qms, standard: "ISO9001:2015", scope: {statement: Hosting}}
  - {id: isms, standard: "ISO27001:2022", scope: {statement: Hosting}}
suppliers:
  - {id: sup-dc, name: Colocation provider, kind: external, management_systems: [qms, isms], agreement: doc-dc}
supplier_reviews:
  - {id: rev-dc, supplier: sup-dc, date: "2025-01-15", kind: performance-review, management_systems: [qms, isms]}
processes:
  - {id: p-dc, name: Facilities, management_systems: [qms, isms], operated_by: sup-dc}
documents:
  - {id: doc-dc, title: Colocation contract, kind: document, management_systems: [qms], status: approved, path: dc.pdf}
""")
    ims = load_ims(path, lambda rid: rid in CATALOGUE.requirements, tmp_path)
    facts = build_facts(ims, CATALOGUE)
    outcomes = {(o.rule, o.standard): o for o in PythonEngine().evaluate([r for r in RULES if r.id == "SUP01"], facts,
                                                                          ["ISO9001:2015", "ISO27001:2022"], AS_OF)}
    assert "doc-dc" in outcomes[("SUP01", "ISO9001:2015")].evidence
    isms = outcomes[("SUP01", "ISO27001:2022")]
    assert not isms.violations and "doc-dc" not in isms.evidence and {"p-dc", "sup-dc"} <= set(isms.evidence)
