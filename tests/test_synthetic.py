"""The synthetic IMS the benchmark uses: valid, deterministic, and checked end to end."""

from __future__ import annotations

import pytest

from imscheck import resources
from tests import synthetic
from imscheck.api import CheckOptions, check_result
from imscheck.knowledge.catalogue import load_catalogue
from imscheck.knowledge.rulebook import load_rules

from .conftest import run_cli

STANDARDS = [standard for _, standard, _ in synthetic.SYSTEMS]


def test_generation_is_deterministic_and_sized():
    first, second = synthetic.generate(600, seed=3), synthetic.generate(600, seed=3)
    assert synthetic.dump(first) == synthetic.dump(second)
    assert synthetic.entity_count(first) == 600
    assert synthetic.dump(synthetic.generate(600, seed=4)) != synthetic.dump(first)


@pytest.mark.parametrize("n", [300, 1500, 10_000, 100_000])
def test_the_fixed_part_fits_and_the_bulk_is_the_repeated_registers(n):
    counts = synthetic.counts(n)
    assert sum(counts.values()) == n  # exact from the smallest size the tests use
    fixed = sum(counts[c] for c in ("organisation", "management_systems", "policies", "context_reviews",
                                    "management_reviews", "soa", "attestations"))
    assert fixed < n // 2
    if n >= 10_000:
        # Fixed entities are noise; the repeated registers are what a benchmark measures.
        assert fixed < n * 0.02
        bulk = sum(counts[c] for c in ("documents", "risks", "processes", "nonconformities", "competence_records",
                                       "internal_audits", "objectives", "context_issues", "interested_parties"))
        assert bulk > n * 0.85
        assert counts["documents"] == round(n * synthetic.SHARES["documents"])


def test_a_generated_ims_validates_and_is_checked(tmp_path):
    folder = tmp_path / "ims"
    synthetic.write(800, folder, seed=1, files=3)
    assert run_cli("validate", str(folder)).exit_code == 0
    result = check_result(CheckOptions(path=folder, as_of=synthetic.AS_OF))
    assert set(result.standards) == set(STANDARDS)
    assert not any(result.not_evaluated.values()), result.not_evaluated  # every requirement has a verdict
    by_id = {v.requirement: v for v in result.verdicts}

    # The generator leaves one kind of gap in on purpose: overdue corrective actions, and the
    # headings above them are unmet through their sub-clauses. Nothing else is unmet.
    unmet = {rid: {r.code for r in v.reasons} for rid, v in by_id.items() if v.status == "unmet"}
    gaps = {rid for rid, codes in unmet.items() if codes == {"NC01.action-overdue"}}
    assert gaps, unmet
    for rid, codes in unmet.items():
        if rid not in gaps:
            assert codes == {"subclauses.unmet"}, (rid, codes)
            assert any(gap.startswith(rid + ".") for gap in gaps), rid
    # Not applicable only where the QMS scope excludes calibration (7.1.5.2) or the SoA excludes a control.
    for v in result.verdicts:
        if v.status == "not_applicable":
            assert v.requirement.startswith(synthetic.QMS_EXCLUSION) or "/A." in v.requirement, v.requirement

    ims = synthetic.generate(800, seed=1)
    documents = {d["id"]: d for d in ims["documents"]}
    catalogue = load_catalogue()
    rules = {r.id: r for r in load_rules(catalogue, resources.data_dir("rules") / "checks")[0]}

    def met_by(rid, rule=None):
        verdict = by_id[rid]
        assert verdict.status == "met", (rid, verdict.reasons)
        assert verdict.evidence, rid
        if rule:
            assert rule in verdict.rules, (rid, verdict.rules)
        return set(verdict.evidence)

    # CTL01: every applicable control is met on its SoA line and approved documents with files.
    for line in ims["soa"]:
        if line["applicable"]:
            evidence = met_by(line["control"], "CTL01")
            assert line["id"] in evidence and set(line["documents"]) <= evidence
            assert all(documents[d]["status"] == "approved" and (folder / documents[d]["path"]).stat().st_size
                       for d in line["documents"])
    assert by_id["ISO27001:2022/6.1.3"].status == "met"  # one SoA entry per Annex A control

    # DI01: each requirement it decides is met on a current document marked for it, file on disk.
    for standard in STANDARDS:
        for rid in rules["DI01"].requirements_of(standard):
            if by_id[rid].status == "not_applicable":
                continue
            marked = {d for d in met_by(rid, "DI01") if d in documents and rid in documents[d].get("requirements", [])}
            assert marked, rid
            assert all((folder / documents[d]["path"]).stat().st_size for d in marked)
    assert any(documents[d]["title"] == "Service catalogue" for d in met_by("ISO20000-1:2018/8.2.4") if d in documents)

    # PX01: each operational requirement is answered by a process; for 20000-1 it names its services.
    processes = {p["id"]: p for p in ims["processes"]}
    for standard in ("ISO9001:2015", "ISO20000-1:2018"):
        for rid in rules["PX01"].requirements_of(standard):
            if by_id[rid].status == "not_applicable":
                continue
            answering = [processes[p] for p in met_by(rid, "PX01") if p in processes]
            assert answering and all(rid in p["requirements"] for p in answering), rid
            if standard == "ISO20000-1:2018":
                assert all(p.get("services") for p in answering), rid
    assert any(p["name"] == "Change management" for p in (processes[e] for e in met_by("ISO20000-1:2018/8.5.1.3")
                                                           if e in processes))

    # SPL01: both kinds of 20000-1 supplier requirements look at real suppliers.
    suppliers = {s["id"]: s for s in ims["suppliers"]}
    for rid, kinds in (("ISO20000-1:2018/8.3.4.1", {"external"}), ("ISO20000-1:2018/8.3.4.2", {"internal", "customer"})):
        looked_at = {suppliers[s]["kind"] for s in met_by(rid, "SPL01") if s in suppliers}
        assert looked_at == kinds, (rid, looked_at)

    # Attestations: every requirement marked for one is met on a valid attestation.
    attestations = {a["id"]: a for a in ims["attestations"]}
    marked = [r.id for standard in STANDARDS for r in catalogue.of_standard(standard) if r.attestation]
    assert marked and len(marked) == len(attestations)
    for rid in marked:
        by = [a for a in met_by(rid) if a in attestations]
        assert len(by) == 1 and attestations[by[0]]["requirement"] == rid, rid
