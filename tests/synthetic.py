"""A deterministic generator of synthetic, valid IMS descriptions, for benchmarks and tests.

``generate(n, seed)`` returns an IMS document (a dict matching
``schemas/ims.schema.json``) of about ``n`` entities with a realistic shape:
one organisation, three management systems (ISO 9001:2015, ISO/IEC
20000-1:2018, ISO/IEC 27001:2022) whose scopes differ (the ISMS leaves out
some units and a location), and collections in these proportions of ``n``:

==================  ======  ==================  ======
units               2 %     documents           35 %
locations           0.5 %   internal audits     3 %
services            1 %     nonconformities     8 %
roles               3 %     competence records  5 %
risks               8 %     processes           10 %
suppliers           2 %
==================  ======  ==================  ======

plus a fixed part of about 130 entities whatever ``n`` (a few policies,
context reviews and management reviews, one Statement of Applicability entry
per Annex A control, one attestation per requirement that only a person can
judge), and the rest of ``n`` shared between objectives, context issues and
interested parties. The total is exactly ``n`` from about 270 entities up;
below about 700 the shares above shrink alike to leave room for the fixed
part. Every reference points at an entity that exists, every date is relative
to :data:`AS_OF` (recent enough that reviews are fresh), and every document
has an evidence path.

The organisation is a well-run one: it meets every requirement the built-in
rules and attestations decide for the three standards. The first process of
each name answers the operational requirements of clause 8 (PX01); a few
documents and records, spread over the collection, are the documented
information each requirement asks for (DI01, titled after it); the SoA marks
each applicable control implemented, with approved documents (CTL01); there is
a supplier of each kind, with an agreement and a recent review (SPL01); and
each requirement marked for attestation in the catalogue has a recent one by
the system's owner. One kind of gap is left in on purpose, as in real
registers: the first open nonconformity and about 5 % of the others have an
overdue corrective action (NC01), so a check exits 1 and the reporting of
findings is exercised too (with the headings above those requirements, unmet
through their sub-clauses).

``write(n, folder, seed, files)`` writes the IMS as YAML under ``folder/ims/``
and one small evidence file per document under ``folder/evidence/``, so that
``imscheck check folder`` works. The same ``n`` and ``seed`` always give
byte-identical output (for the same requirement catalogue).
"""

from __future__ import annotations

import datetime as dt
import random
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from imscheck import resources
from imscheck.knowledge.catalogue import Requirement, load_catalogue
from imscheck.knowledge.rulebook import load_rules
from imscheck.load.yamlsource import MAX_FILE_BYTES

AS_OF = dt.date(2025, 6, 30)

QMS, SMS, ISMS = "qms", "sms", "isms"
SYSTEMS = ((QMS, "ISO9001:2015", "Quality management system"),
           (SMS, "ISO20000-1:2018", "Service management system"),
           (ISMS, "ISO27001:2022", "Information security management system"))
STANDARD_OF = {ms: standard for ms, standard, _ in SYSTEMS}

# Collections in schema order: the order of the YAML and of the files.
COLLECTIONS = ("organisation", "units", "locations", "services", "management_systems", "context_issues",
               "context_reviews", "interested_parties", "policies", "roles", "objectives", "risks", "processes",
               "suppliers", "supplier_reviews", "documents", "internal_audits", "management_reviews", "nonconformities",
               "competence_records", "soa", "attestations")

SHARES = {"units": 0.02, "locations": 0.005, "services": 0.01, "roles": 0.03, "risks": 0.08, "processes": 0.10,
          "suppliers": 0.02, "supplier_reviews": 0.02, "documents": 0.35, "internal_audits": 0.03, "nonconformities": 0.08,
          "competence_records": 0.05}
# The least of each, so that every rule can be met: a process for each of the named processes below
# (PX01), a supplier of each kind (SPL01), a competence record for each of the first roles (CMP01).
MINIMUM = {"units": 4, "locations": 3, "services": 2, "roles": 6, "risks": 4, "processes": 27, "suppliers": 3, "supplier_reviews": 3,
           "documents": 40, "internal_audits": 3, "nonconformities": 3, "competence_records": 6}
# What is left of n after the collections above goes to these, in these parts.
REMAINDER = (("objectives", 0.45), ("context_issues", 0.30), ("interested_parties", 0.25))

REVIEW_INPUTS = ["previous_actions", "context_changes", "interested_party_changes", "interested_party_feedback",
                 "customer_satisfaction", "objectives_fulfilment", "process_performance", "service_performance",
                 "nonconformities_and_actions", "monitoring_results", "audit_results", "supplier_performance",
                 "resource_adequacy", "risk_actions_effectiveness", "risk_assessment_results",
                 "improvement_opportunities", "information_security_performance", "service_management_changes"]
REVIEW_OUTPUTS = ["improvement_decisions", "change_decisions", "resource_needs", "service_decisions"]

_DEPARTMENTS = ["Service Desk", "Infrastructure", "Network Operations", "Application Support", "Cloud Platform",
                "Security Operations", "Finance", "Human Resources", "Procurement", "Sales", "Marketing", "Legal",
                "Quality", "Facilities", "Customer Success", "Software Development", "Data Centre Operations",
                "Project Office", "Training", "Internal Audit"]
_CITIES = ["London", "Manchester", "Leeds", "Bristol", "Glasgow", "Cardiff", "Belfast", "Dublin", "Amsterdam",
           "Frankfurt", "Paris", "Madrid", "Milan", "Vienna", "Prague", "Warsaw", "Stockholm", "Copenhagen"]
_SERVICES = ["Managed hosting", "Service desk", "Backup and recovery", "Managed network", "Cloud migration",
             "Managed database", "Endpoint management", "Security monitoring", "Application hosting",
             "Email and collaboration", "Identity management", "Disaster recovery"]
_CUSTOMERS = ["Retail customers", "Public sector bodies", "Financial services firms", "Healthcare providers",
              "Manufacturing companies", "Universities", "Logistics companies", "Internal business units"]
_PROCESSES = ["Incident management", "Service request management", "Problem management", "Change management",
              "Release and deployment", "Configuration management", "Capacity management",
              "Availability management", "Service continuity", "Supplier management", "Service level management",
              "Budgeting and accounting", "Business relationship management", "Access management",
              "Vulnerability management", "Backup management", "Purchasing", "Recruitment", "Training",
              "Customer complaints", "Document control", "Internal audit", "Corrective action", "Design and build",
              "Service portfolio management", "Asset management", "Information security management"]
# The operational requirements (PX01) each named process answers, by management system and clause.
# ISO 9001 8.3 (design and development) is answered by design and build, as the SMS's service
# design (20000-1 8.5.2) would contradict excluding it; only calibration (7.1.5.2) is excluded.
_PROCESS_CLAUSES: dict[str, dict[str, list[str]]] = {
    "Incident management": {QMS: ["8.5.5", "8.7.1"], SMS: ["8.6.1"]},
    "Service request management": {QMS: ["8.2.1"], SMS: ["8.6.2"]},
    "Problem management": {QMS: ["8.7.2"], SMS: ["8.6.3"]},
    "Change management": {QMS: ["8.5.6"], SMS: ["8.5.1.1", "8.5.1.2", "8.5.1.3"]},
    "Release and deployment": {QMS: ["8.6"], SMS: ["8.5.3"]},
    "Configuration management": {QMS: ["8.5.2"], SMS: ["8.2.6"]},
    "Capacity management": {SMS: ["8.4.2", "8.4.3"]},
    "Availability management": {SMS: ["8.7.1"]},
    "Service continuity": {SMS: ["8.7.2"]},
    "Service level management": {QMS: ["8.2.2", "8.2.3.1", "8.2.3.2", "8.2.4"], SMS: ["8.3.1", "8.3.3"]},
    "Budgeting and accounting": {SMS: ["8.4.1"]},
    "Business relationship management": {QMS: ["8.2.1"], SMS: ["8.3.2"]},
    "Access management": {SMS: ["8.7.3.2"]},
    "Vulnerability management": {SMS: ["8.7.3.2"]},
    "Backup management": {QMS: ["8.5.4"]},
    "Customer complaints": {QMS: ["8.2.1", "8.7.1"], SMS: ["8.3.2"]},
    "Corrective action": {QMS: ["8.7.2"]},
    "Design and build": {SMS: ["8.5.2.1", "8.5.2.2", "8.5.2.3"]},
    "Service portfolio management": {QMS: ["8.1", "8.5.1"], SMS: ["8.1", "8.2.1", "8.2.2", "8.2.4"]},
    "Asset management": {QMS: ["8.5.3"], SMS: ["8.2.5"]},
    "Information security management": {SMS: ["8.7.3.1", "8.7.3.2", "8.7.3.3"]},
}
_ROLES = ["Service owner", "Process manager", "Team lead", "Security analyst", "Quality coordinator",
          "Supplier manager", "Change manager", "Incident coordinator", "System administrator", "Network engineer",
          "Database administrator", "Auditor", "Document controller", "Risk coordinator", "Service desk agent"]
_TOP_ROLES = [("Chief Executive Officer", "Sets direction and approves the policies"),
              ("Chief Information Officer", "Owns the service management system"),
              ("Chief Information Security Officer", "Owns the information security management system"),
              ("Head of Quality", "Owns the quality management system")]
_FIRST = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Robin", "Jamie", "Chris", "Pat", "Lee", "Kim",
          "Dana", "Avery", "Riley", "Quinn", "Drew", "Elliot", "Harper", "Rowan"]
_LAST = ["Smith", "Jones", "Patel", "Nowak", "Garcia", "Müller", "Rossi", "Dubois", "Jansen", "Murphy", "Kowalski",
         "Silva", "Novak", "Larsen", "Brown", "Wilson", "Okafor", "Tanaka", "Khan", "Lopez"]
_ISSUES = ["Customers move workloads to public cloud", "Shortage of skilled engineers", "New data protection rules",
           "Rising energy prices", "Ageing on-premises hardware", "Growth of ransomware attacks",
           "Dependence on a few large suppliers", "Hybrid working", "Customer demand for 24x7 support",
           "Extreme weather affecting data centres", "Carbon reporting demanded by customers",
           "Consolidation of tooling", "Budget pressure in the public sector", "Open source licence changes"]
_PARTIES = ["Customers", "Employees", "Shareholders", "Regulator", "Data protection authority", "Cloud provider",
            "Telecom carrier", "Insurance company", "Local community", "Trade union", "Certification body",
            "Software vendor", "Hardware vendor", "Auditors", "Banks"]
_RISKS = ["Loss of a data centre", "Unpatched vulnerability exploited", "Key supplier fails", "Loss of key staff",
          "Customer data disclosed", "SLA breach with a major customer", "Backup cannot be restored",
          "Phishing leads to account takeover", "Change causes outage", "Licence non-compliance",
          "Capacity shortfall at peak", "Misconfigured cloud storage"]
_OPPORTUNITIES = ["Automate service requests", "Offer a green hosting option", "Reuse monitoring across services",
                  "Certify a new site", "Consolidate suppliers"]
_DOCS = ["Procedure", "Work instruction", "Policy", "Plan", "Standard", "Guideline", "Form", "Template"]
_RECORDS = ["Meeting minutes", "Audit report", "Training record", "Review record", "Test report", "Change record",
            "Incident report", "Supplier evaluation", "Access review", "Restore test"]
_NC = ["Procedure not followed", "Record missing", "Review overdue", "Access not revoked on leaving",
       "SLA report not sent", "Change without approval", "Training not completed", "Supplier not evaluated"]
_SOA_NOT_APPLICABLE = "Not applicable: the organisation does not carry out this activity within the ISMS scope."
# What the QMS scope excludes: the organisation owns no measuring equipment that needs calibration.
QMS_EXCLUSION = "ISO9001:2015/7.1.5.2"


def counts(n: int) -> dict[str, int]:
    """How many entities of each collection an IMS of ``n`` entities gets (exactly ``n`` from about 270 up)."""
    out = {"organisation": 1, "management_systems": len(SYSTEMS), "policies": 4 + min(26, n // 2000),
           "context_reviews": 3, "management_reviews": 3 + min(9, n // 20000), "soa": len(_annex_a_controls()),
           "attestations": len(_attested())}
    # The collections that grow with n take their share of n; when n is small, the fixed part above
    # leaves less room, and the shares shrink alike so that the total stays n.
    floor = 4 * len(REMAINDER)
    room = n - sum(out.values()) - floor
    scale = min(1.0, max(0.0, room / (n * sum(SHARES.values()))))
    for collection, share in SHARES.items():
        out[collection] = max(MINIMUM[collection], round(n * share * scale))
    over = sum(out.values()) + floor - n
    if over > 0:  # the minimums took more than their share: documents, the largest, give way
        out["documents"] = max(MINIMUM["documents"], out["documents"] - over)
    left = max(0, n - sum(out.values()))
    for collection, part in REMAINDER[1:]:
        out[collection] = max(4, round(left * part))
    first = REMAINDER[0][0]  # takes the rounding, so that the total is n whenever n is large enough
    out[first] = max(4, left - sum(out[c] for c, _ in REMAINDER[1:]))
    return {c: out[c] for c in COLLECTIONS}


def _annex_a_controls() -> list[str]:
    catalogue = load_catalogue()
    return [r.id for r in catalogue.of_standard("ISO27001:2022") if r.annex]


def _requirements(standard: str) -> list[str]:
    # An excluded requirement is never claimed by a tag: that would contradict the exclusion.
    return [r.id for r in load_catalogue().of_standard(standard) if not _excluded(r.id)]


def _excluded(requirement_id: str) -> bool:
    return requirement_id == QMS_EXCLUSION or requirement_id.startswith(QMS_EXCLUSION + ".")


@cache
def _decided_by(rule_id: str, standard: str) -> tuple[str, ...]:
    """The requirements of ``standard`` a built-in rule decides, in catalogue order (none if no such rule)."""
    rules, _ = load_rules(load_catalogue(), resources.data_dir("rules") / "checks")
    return tuple(rid for rule in rules if rule.id == rule_id for rid in rule.requirements_of(standard))


def _attested() -> list[tuple[str, Requirement]]:
    """(management system, requirement) for each requirement only a person's attestation can meet:
    marked for attestation in the catalogue, and in scope."""
    catalogue = load_catalogue()
    return [(ms, r) for ms, standard, _ in SYSTEMS for r in catalogue.of_standard(standard)
            if r.attestation and not _excluded(r.id)]


# Documented information other rules look for by requirement: RSK02 wants an approved risk
# assessment method marked for 27001 6.1.2.
_MARKED_DOCUMENTS = [(ISMS, "ISO27001:2022/6.1.2", "maintained",
                      "risk assessment method, with the rating scales and the levels of risk the organisation accepts"),
                     # SPL01: the supplier management procedure with its evaluation criteria
                     (QMS, "ISO9001:2015/8.4.1", "maintained", "supplier evaluation, selection and re-evaluation criteria"),
                     (SMS, "ISO20000-1:2018/8.3.4.1", "maintained", "supplier management procedure"),
                     # NC01: the register nonconformities are recorded in
                     (QMS, "ISO9001:2015/10.2.2", "retained", "nonconformity and corrective action register"),
                     (SMS, "ISO20000-1:2018/10.1", "retained", "nonconformity and corrective action register"),
                     (ISMS, "ISO27001:2022/10.2", "retained", "nonconformity and corrective action register")]


def _documented_information() -> list[tuple[str, str, str, str]]:
    """(management system, requirement, maintained | retained, subject) for each item of documented
    information DI01 asks for, in scope, and the few that other rules look for."""
    catalogue = load_catalogue()
    out = list(_MARKED_DOCUMENTS)
    for ms, standard, _ in SYSTEMS:
        for rid in _decided_by("DI01", standard):
            if _excluded(rid):
                continue
            items = catalogue.requirements[rid].documented_information
            for item in items or ():
                out.append((ms, rid, item.kind, item.subject))
            if not items:
                out.append((ms, rid, "maintained", "documented information for " + catalogue.requirements[rid].title.lower()))
    return out


def _title(subject: str) -> str:
    return subject[:1].upper() + subject[1:]


def _union(systems: list[str], more: set[str] | list[str]) -> list[str]:
    """The management systems of both, in the usual order."""
    return [ms for ms, _, _ in SYSTEMS if ms in systems or ms in more]


def _day(days_ago: int) -> str:
    return (AS_OF - dt.timedelta(days=days_ago)).isoformat()


def _ids(prefix: str, count: int) -> list[str]:
    width = max(4, len(str(count)))
    return [f"{prefix}-{i:0{width}d}" for i in range(1, count + 1)]


# Entity fields that name the documented information evidencing them: evidence counts for a
# standard only when it belongs to that standard's management system.
_EVIDENCE_LINKS = (("suppliers", "agreement"), ("internal_audits", "report"), ("management_reviews", "record"),
                   ("competence_records", "evidence"), ("soa", "documents"), ("policies", "document"),
                   ("context_reviews", "record"), ("nonconformities", "record"), ("supplier_reviews", "record"))


def _file_evidence_with_its_systems(ims: dict[str, Any]) -> None:
    documents = {d["id"]: d for d in ims.get("documents", [])}
    for collection, field in _EVIDENCE_LINKS:
        for entity in ims.get(collection, []):
            linked = entity.get(field)
            for did in linked if isinstance(linked, list) else [linked] if linked else []:
                doc = documents[did]
                doc["management_systems"] = _union(doc["management_systems"], entity.get("management_systems", []))


def _treat_only_applicable_controls(ims: dict[str, Any]) -> None:
    """A treatment never selects a control the SoA marks not applicable (SOA01 cross-check)."""
    excluded = {line["control"] for line in ims.get("soa", []) if not line["applicable"]}
    for risk in ims.get("risks", []):
        treatment = risk.get("treatment", {})
        if "controls" in treatment:
            kept = [c for c in treatment["controls"] if c not in excluded]
            if kept:
                treatment["controls"] = kept
            else:
                del treatment["controls"]


class _Generator:
    def __init__(self, n: int, seed: int):
        self.rng = random.Random(seed)
        self.n = n
        self.count = counts(n)
        self.ids = {c: _ids(p, self.count[c]) for c, p in (
            ("units", "UNIT"), ("locations", "LOC"), ("services", "SVC"), ("context_issues", "ISSUE"),
            ("context_reviews", "CTXREV"), ("interested_parties", "PARTY"), ("policies", "POL"), ("roles", "ROLE"),
            ("objectives", "OBJ"), ("risks", "RISK"), ("processes", "PROC"), ("suppliers", "SUP"), ("supplier_reviews", "SREV"),
            ("documents", "DOC"), ("internal_audits", "AUDIT"), ("management_reviews", "MREV"),
            ("nonconformities", "NC"), ("competence_records", "COMP"), ("attestations", "ATT"))}
        docs = self.ids["documents"]
        # About 40 % maintained documents, 60 % retained records.
        split = max(10, len(docs) * 2 // 5)
        self.doc_ids, self.record_ids = docs[:split], docs[split:]
        # A few superseded documents are kept as obsolete; nothing current points at them.
        reserved = 3 + self.count["policies"]
        self.obsolete = {d for i, d in enumerate(self.doc_ids) if i >= reserved and i % 37 == 36}
        self.current_doc_ids = [d for d in self.doc_ids if d not in self.obsolete]
        self.top_roles = self.ids["roles"][:len(_TOP_ROLES)]
        self.evidence = self._evidence_documents(reserved)
        self.answers = self._process_answers()
        self._services: list[dict[str, Any]] = []
        self._role_systems: dict[str, list[str]] = {}
        self._suppliers: list[dict[str, Any]] = []

    def _evidence_documents(self, reserved: int) -> dict[str, list[tuple[str, str, str]]]:
        """Document id -> (management system, requirement, subject) of the documented information it is (DI01).

        Maintained items go to current documents after the scope and policy documents, retained items
        to records; each kind is spread evenly over the whole collection, so that at large sizes these
        are a few among many, and at small sizes one entry may serve a few requirements.
        """
        out: dict[str, list[tuple[str, str, str]]] = {}
        items = _documented_information()
        for kind, pool in (("maintained", self.current_doc_ids[reserved:] or self.current_doc_ids),
                           ("retained", self.record_ids)):
            mine = [item for item in items if item[2] == kind]
            for j, (ms, rid, _, subject) in enumerate(mine):
                out.setdefault(pool[j * len(pool) // len(mine)], []).append((ms, rid, subject))
        return out

    def _process_answers(self) -> dict[int, dict[str, list[str]]]:
        """Process index -> management system -> the operational requirements (PX01) it answers.

        The first process of each name answers what its name says (_PROCESS_CLAUSES); a requirement no
        name answers (a rule that grew) goes to the first processes in turn.
        """
        count = len(self.ids["processes"])
        out: dict[int, dict[str, list[str]]] = {}
        for k, name in enumerate(_PROCESSES):
            for ms, clauses in _PROCESS_CLAUSES.get(name, {}).items():
                mine = out.setdefault(k % count, {}).setdefault(ms, [])
                mine.extend(f"{STANDARD_OF[ms]}/{c}" for c in clauses if f"{STANDARD_OF[ms]}/{c}" not in mine)
        answered = {(ms, rid) for answers in out.values() for ms, rids in answers.items() for rid in rids}
        left = [(ms, rid) for ms, standard, _ in SYSTEMS for rid in _decided_by("PX01", standard)
                if not _excluded(rid) and (ms, rid) not in answered]
        for j, (ms, rid) in enumerate(left):
            out.setdefault(j % count, {}).setdefault(ms, []).append(rid)
        return out

    # -- helpers ---------------------------------------------------------

    def pick(self, items: list[str], low: int, high: int) -> list[str]:
        """Between low and high distinct items, in their original order."""
        k = min(len(items), self.rng.randint(low, high))
        chosen = self.rng.sample(range(len(items)), k)
        return [items[i] for i in sorted(chosen)]

    def systems(self) -> list[str]:
        r = self.rng.random()
        if r < 0.45:
            return [QMS, SMS, ISMS]
        if r < 0.60:
            return [QMS]
        if r < 0.75:
            return [SMS]
        if r < 0.88:
            return [ISMS]
        return [SMS, ISMS]

    def person(self) -> str:
        return f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}"

    def role(self) -> str:
        return self.rng.choice(self.ids["roles"])

    def document(self) -> str:
        return self.rng.choice(self.current_doc_ids)

    def record(self) -> str:
        return self.rng.choice(self.record_ids)

    # -- collections -----------------------------------------------------

    def generate(self) -> dict[str, Any]:
        # Services are made first because the scopes are derived from them.
        self._services = self.services()
        ims: dict[str, Any] = {"organisation": {
            "id": "org", "name": "Example Managed Services Ltd",
            "description": "Provides managed IT, hosting and service desk services to business customers."}}
        for collection in COLLECTIONS[1:]:
            ims[collection] = self._services if collection == "services" else getattr(self, collection)()
        _file_evidence_with_its_systems(ims)
        _treat_only_applicable_controls(ims)
        return ims

    def locations(self) -> list[dict[str, Any]]:
        out = []
        for i, lid in enumerate(self.ids["locations"]):
            if i == 0:
                out.append({"id": lid, "name": "Head office", "address": "1 Example Street, London"})
            elif i == 1:
                out.append({"id": lid, "name": "Primary data centre", "address": "Unit 4, Park Royal, London"})
            elif i == 2:
                out.append({"id": lid, "name": "Remote working"})
            else:
                city = _CITIES[i % len(_CITIES)]
                out.append({"id": lid, "name": f"{city} office {i // len(_CITIES) + 1}",
                            "address": f"{self.rng.randint(1, 200)} High Street, {city}"})
        return out

    def units(self) -> list[dict[str, Any]]:
        out = []
        locations = self.ids["locations"]
        for i, uid in enumerate(self.ids["units"]):
            unit: dict[str, Any] = {"id": uid, "name": "Executive board" if i == 0 else
                                    f"{_DEPARTMENTS[i % len(_DEPARTMENTS)]} {i // len(_DEPARTMENTS) + 1}"}
            if i > 0:
                # A parent earlier in the list: a tree, never a cycle; mostly shallow.
                unit["parent"] = self.ids["units"][self.rng.randint(0, min(i - 1, max(0, i // 4)))]
            unit["locations"] = [locations[0]] if i == 0 else self.pick(locations, 1, 2)
            out.append(unit)
        return out

    def services(self) -> list[dict[str, Any]]:
        out = []
        for i, sid in enumerate(self.ids["services"]):
            name = f"{_SERVICES[i % len(_SERVICES)]}" + (f" {i // len(_SERVICES) + 1}" if i >= len(_SERVICES) else "")
            out.append({"id": sid, "name": name, "description": f"{name} for business customers, with agreed service levels.",
                        "units": self.pick(self.ids["units"][1:], 1, 3), "customers": self.pick(_CUSTOMERS, 1, 3)})
        return out

    def management_systems(self) -> list[dict[str, Any]]:
        units, locations, services = self.ids["units"], self.ids["locations"], self.ids["services"]
        # The ISMS leaves out about a fifth of the units (facilities, marketing...) and the remote location.
        isms_units = [u for i, u in enumerate(units) if i == 0 or i % 5 != 3]
        isms_locations = [loc for i, loc in enumerate(locations) if i != 2]
        # The SMS covers the units that deliver services, at every location.
        delivering: set[str] = set()
        for service in self._services:
            delivering.update(service["units"])
        sms_units = [u for u in units if u in delivering or u == units[0]]
        scope_docs = self.doc_ids[:3]
        return [
            {"id": QMS, "name": SYSTEMS[0][2], "standard": SYSTEMS[0][1],
             "scope": {"statement": "Design, delivery and support of managed IT services from all sites.",
                       "products_and_services": [s["name"] for s in self._services],
                       "units": list(units), "locations": list(locations), "services": list(services),
                       "exclusions": [{"requirement": QMS_EXCLUSION,
                                       "justification": "No measuring equipment is used whose results need calibration to be valid."}]},
             "scope_document": scope_docs[0]},
            {"id": SMS, "name": SYSTEMS[1][2], "standard": SYSTEMS[1][1],
             "scope": {"statement": "The SMS of the organisation supporting the delivery of its catalogue of managed services to external customers.",
                       "units": sms_units, "locations": list(locations), "services": list(services)},
             "scope_document": scope_docs[1]},
            {"id": ISMS, "name": SYSTEMS[2][2], "standard": SYSTEMS[2][1],
             "scope": {"statement": "Information security of the hosting and service operations, excluding facilities and marketing.",
                       "units": isms_units, "locations": isms_locations, "services": list(services)},
             "scope_document": scope_docs[2]},
        ]

    def context_issues(self) -> list[dict[str, Any]]:
        out = []
        for i, cid in enumerate(self.ids["context_issues"]):
            text = _ISSUES[i % len(_ISSUES)]
            kind = "external" if self.rng.random() < 0.6 else "internal"
            if i < 2:  # at least one internal and one external issue for every system
                kind = ("external", "internal")[i]
            issue: dict[str, Any] = {"id": cid, "description": f"{text} (register entry {i + 1})", "kind": kind}
            issue["climate_related"] = "weather" in text or "energy" in text or "Carbon" in text
            issue["management_systems"] = [QMS, SMS, ISMS] if i < 4 else self.systems()
            out.append(issue)
        return out

    def context_reviews(self) -> list[dict[str, Any]]:
        out = []
        issues = self.ids["context_issues"]
        for i, rid in enumerate(self.ids["context_reviews"]):
            years_ago = len(self.ids["context_reviews"]) - 1 - i
            out.append({"id": rid, "date": _day(130 + 365 * years_ago), "management_systems": [QMS, SMS, ISMS],
                        "issues": self.pick(issues, min(10, len(issues)), min(60, len(issues))),
                        "climate_change_relevant": True,
                        "climate_change_rationale": "Extreme weather can interrupt the data centres and customers ask for carbon reporting.",
                        "interested_parties_reviewed": True, "record": self.record()})
        return out

    def interested_parties(self) -> list[dict[str, Any]]:
        out = []
        for i, pid in enumerate(self.ids["interested_parties"]):
            # The first (the customers) matter to every system, so each system names at least one (IP01).
            party: dict[str, Any] = {"id": pid, "name": f"{_PARTIES[i % len(_PARTIES)]} {i // len(_PARTIES) + 1}",
                                     "management_systems": [QMS, SMS, ISMS] if i == 0 else self.systems(),
                                     "requirements": self.rng.sample(["Agreed service levels", "Protection of personal data",
                                                                      "Timely invoicing", "Safe working conditions",
                                                                      "Compliance with contracts", "Transparent reporting"], 2)}
            party["addressed_through_ims"] = list(party["requirements"])
            if self.rng.random() < 0.2:
                party["climate_related_requirements"] = ["Report the carbon footprint of hosted services"]
            out.append(party)
        return out

    def policies(self) -> list[dict[str, Any]]:
        base = [("Quality policy", [QMS], ["satisfy_requirements", "continual_improvement", "objectives_framework", "customer_focus"]),
                ("Service management policy", [SMS], ["satisfy_requirements", "continual_improvement", "objectives_framework", "service_management"]),
                ("Information security policy", [ISMS], ["satisfy_requirements", "continual_improvement", "objectives_framework", "information_security"]),
                ("Integrated management system policy", [QMS, SMS, ISMS],
                 ["satisfy_requirements", "continual_improvement", "objectives_framework", "information_security",
                  "service_management", "customer_focus"])]
        topics = ["Access control", "Acceptable use", "Cryptography", "Backup", "Supplier security", "Remote working",
                  "Clean desk", "Incident response", "Asset management", "Secure development", "Logging and monitoring",
                  "Data classification", "Mobile devices", "Physical security", "Change control", "Vulnerability management"]
        out = []
        for i, pid in enumerate(self.ids["policies"]):
            if i < len(base):
                title, systems, commitments = base[i]
            else:
                topic = topics[(i - len(base)) % len(topics)]
                title, systems, commitments = f"{topic} policy {(i - len(base)) // len(topics) + 1}", [ISMS], ["information_security"]
            out.append({"id": pid, "title": title, "management_systems": systems, "document": self.doc_ids[3 + i],
                        "approved_by": self.top_roles[0], "commitments": commitments, "communicated": True,
                        "covers_services": SMS in systems})
        return out

    def roles(self) -> list[dict[str, Any]]:
        out = []
        for i, rid in enumerate(self.ids["roles"]):
            if i < len(_TOP_ROLES):
                name, duty = _TOP_ROLES[i]
                out.append({"id": rid, "name": name, "holder": self.person(), "management_systems": [QMS, SMS, ISMS],
                            "responsibilities": [duty, "Takes part in management reviews"], "top_management": True})
                continue
            name = f"{_ROLES[i % len(_ROLES)]} {i // len(_ROLES) + 1}"
            self._role_systems[rid] = self.systems()
            out.append({"id": rid, "name": name, "holder": self.person(), "management_systems": self._role_systems[rid],
                        "responsibilities": [f"Carries out the duties of the {name.lower()}", "Reports issues to the process owner"],
                        "top_management": False})
        return out

    def objectives(self) -> list[dict[str, Any]]:
        out = []
        measures = [("First-time fix rate", "85 %"), ("Customer satisfaction score", "4.5 of 5"),
                    ("Availability of hosting services", "99.95 %"), ("Patching within 14 days", "98 %"),
                    ("Overdue corrective actions", "0"), ("Staff trained in security awareness", "100 %")]
        for i, oid in enumerate(self.ids["objectives"]):
            measure, target = measures[i % len(measures)]
            # The first objective is shared by every system, so each has at least one (OBJ01).
            out.append({"id": oid, "description": f"Improve {measure.lower()} (objective {i + 1})",
                        "management_systems": [QMS, SMS, ISMS] if i == 0 else self.systems(), "owner": self.role(),
                        "measure": measure, "target": target,
                        "due": (AS_OF + dt.timedelta(days=self.rng.randint(30, 540))).isoformat(),
                        "status": self.rng.choice(["planned", "on_track", "on_track", "at_risk", "achieved"])})
        return out

    def risks(self) -> list[dict[str, Any]]:
        out = []
        controls = _annex_a_controls()
        for i, rid in enumerate(self.ids["risks"]):
            opportunity = self.rng.random() < 0.15 and i > 0
            # The first entry is a risk to every system, so each has an assessed risk (RSK01, RSK02).
            systems = [QMS, SMS, ISMS] if i == 0 else self.systems()
            text = self.rng.choice(_OPPORTUNITIES if opportunity else _RISKS)
            risk: dict[str, Any] = {"id": rid, "description": f"{text} (register entry {i + 1})",
                                    "kind": "opportunity" if opportunity else "risk", "management_systems": systems,
                                    "owner": self.role(), "likelihood": self.rng.randint(1, 5),
                                    "impact": self.rng.randint(1, 5), "assessed_on": _day(self.rng.randint(10, 330))}
            treatment: dict[str, Any] = {"option": "modify" if opportunity else self.rng.choice(["modify", "modify", "retain", "share", "avoid"]),
                                         "plan": "Act on the opportunity" if opportunity else "Reduce the likelihood with the controls listed"}
            if ISMS in systems and controls:
                treatment["controls"] = self.pick(controls, 1, 4)
            treatment["due"] = (AS_OF + dt.timedelta(days=self.rng.randint(14, 365))).isoformat()
            treatment["owner"] = self.role()
            if not opportunity:
                # Evaluated against the acceptance criteria (RSK02); the owner approved the plan and
                # accepted the residual risk (SOA01, ISO/IEC 27001 6.1.3 f)); the SMS's own item (RSK01).
                risk["acceptable"] = risk["likelihood"] * risk["impact"] < 9
                treatment["approved_by_owner"] = treatment["residual_risk_accepted"] = True
                if SMS in systems:
                    risk["service_impact"] = "Customers of the affected services would see degraded or interrupted service."
            risk["treatment"] = treatment
            out.append(risk)
        return out

    def processes(self) -> list[dict[str, Any]]:
        out = []
        for i, pid in enumerate(self.ids["processes"]):
            name = _PROCESSES[i % len(_PROCESSES)] + (f" {i // len(_PROCESSES) + 1}" if i >= len(_PROCESSES) else "")
            systems = self.systems()
            if i in self.answers:
                # The first process of its name: in every system whose requirements it answers (PX01).
                answers = self.answers[i]
                systems = _union(systems, answers)
            else:
                # Another process of the same name (another team, another site) answers the same, where it can.
                answers = {ms: [f"{STANDARD_OF[ms]}/{c}" for c in clauses]
                           for ms, clauses in _PROCESS_CLAUSES.get(_PROCESSES[i % len(_PROCESSES)], {}).items()
                           if ms in systems}
            process: dict[str, Any] = {"id": pid, "name": name, "management_systems": systems, "owner": self.role(),
                                       "units": self.pick(self.ids["units"], 1, 2), "services": self.pick(self.ids["services"], 0, 2),
                                       "inputs": ["Requests from customers", "Service level targets"],
                                       "outputs": ["Resolved requests", "Monthly performance report"],
                                       "criteria": ["Handled within the agreed time", "Customer confirms the outcome"]}
            if answers.get(SMS) and not process["services"]:
                # ISO/IEC 20000-1 applies its operational requirements to the services too (PX01).
                process["services"] = self.pick(self.ids["services"], 1, 2)
            if not process["services"]:
                del process["services"]
            if self.rng.random() < 0.1:
                # Outsourced to a supplier managed under every system (SUP01).
                process["operated_by"] = self.rng.choice(self.ids["suppliers"][::2])
            process["documents"] = self.pick(self.current_doc_ids, 1, 3)
            requirements = [rid for ms in systems for rid in answers.get(ms, [])]
            if requirements:
                process["requirements"] = list(dict.fromkeys(requirements))
            out.append(process)
        return out

    def suppliers(self) -> list[dict[str, Any]]:
        out = []
        for i, sid in enumerate(self.ids["suppliers"]):
            r = self.rng.random()
            kind = "external" if r < 0.8 else ("internal" if r < 0.95 else "customer")
            if i < 3:  # one of each kind, so that both 20000-1 8.3.4.1 and 8.3.4.2 look at someone (SPL01)
                kind = ("external", "internal", "customer")[i]
            systems = [QMS, SMS, ISMS] if i % 2 == 0 else self.systems()
            out.append({"id": sid, "name": f"Supplier {i + 1} {self.rng.choice(_LAST)} {self.rng.choice(['Ltd', 'GmbH', 'BV', 'SA', 'plc'])}",
                        "kind": kind, "management_systems": systems, "services": self.pick(self.ids["services"], 1, 2),
                        "agreement": self.document(), "last_reviewed": _day(self.rng.randint(5, 300)),
                        "review_interval_months": 12})
        self._suppliers = out
        return out

    def supplier_reviews(self) -> list[dict[str, Any]]:
        """A recorded re-evaluation of every supplier within its interval (SPL01), then older ones."""
        out = []
        for i, rid in enumerate(self.ids["supplier_reviews"]):
            supplier = self._suppliers[i % len(self._suppliers)]
            recent = i < len(self._suppliers)
            out.append({"id": rid, "supplier": supplier["id"], "date": _day(self.rng.randint(5, 300) if recent else self.rng.randint(400, 900)),
                        "kind": "re-evaluation" if recent else "evaluation", "management_systems": supplier["management_systems"],
                        "outcome": "approved", "record": self.record()})
        return out

    def documents(self) -> list[dict[str, Any]]:
        out = []
        requirements = {ms: _requirements(standard) for ms, standard in STANDARD_OF.items()}
        record_start = len(self.doc_ids)
        for i, did in enumerate(self.ids["documents"]):
            record = i >= record_start
            title = f"{self.rng.choice(_RECORDS if record else _DOCS)} {i + 1}"
            systems = [QMS, SMS, ISMS] if i < 3 + len(self.ids["policies"]) else self.systems()
            evidence = self.evidence.get(did, [])
            if evidence:
                # The documented information some requirements ask for (DI01), in their systems.
                title = _title(evidence[0][2])
                systems = _union(systems, {ms for ms, _, _ in evidence})
            approved = self.rng.randint(20, 700)
            doc: dict[str, Any] = {"id": did, "title": title, "kind": "record" if record else "document",
                                   "management_systems": systems, "owner": self.role(),
                                   "version": f"{self.rng.randint(1, 5)}.{self.rng.randint(0, 9)}",
                                   "status": "obsolete" if did in self.obsolete else "approved",
                                   "approved_by": self.rng.choice(self.top_roles), "approved_on": _day(approved),
                                   "last_reviewed": _day(self.rng.randint(1, min(approved, 330))),
                                   "review_interval_months": self.rng.choice([12, 12, 24])}
            if record:
                doc["retention"] = self.rng.choice(["3 years", "5 years", "7 years"])
            doc["path"] = evidence_path(did)
            pool = [r for ms in systems for r in requirements[ms]]
            if evidence:
                doc["requirements"] = list(dict.fromkeys(rid for _, rid, _ in evidence))
            elif pool and did not in self.obsolete and self.rng.random() < 0.6:
                doc["requirements"] = self.pick(pool, 1, 3)
            doc["classification"] = self.rng.choice(["public", "internal", "internal", "confidential", "restricted"])
            out.append(doc)
        return out

    def internal_audits(self) -> list[dict[str, Any]]:
        out = []
        ncs = self.ids["nonconformities"]
        # Most nonconformities come from audits: deal them out, each to one audit.
        findings: dict[int, list[str]] = {}
        audits = len(self.ids["internal_audits"])
        for nc in ncs[: len(ncs) * 3 // 5]:
            findings.setdefault(self.rng.randrange(audits), []).append(nc)
        # Two thirds of the audits are this year's integrated programme, which covers every unit
        # (AUD01); the rest are older audits of one or two systems.
        recent = max(1, audits * 2 // 3)
        programme: dict[int, list[str]] = {}
        for j, unit in enumerate(self.ids["units"]):
            programme.setdefault(j % recent, []).append(unit)
        for i, aid in enumerate(self.ids["internal_audits"]):
            if i < recent:
                date, systems = _day(self.rng.randint(7, 350)), [QMS, SMS, ISMS]
                units = programme.get(i) or self.pick(self.ids["units"], 1, 2)
            else:
                date, systems, units = _day(self.rng.randint(380, 1000)), self.systems(), self.pick(self.ids["units"], 1, 2)
            audit: dict[str, Any] = {"id": aid, "date": date, "management_systems": systems, "units": units,
                                     "processes": self.pick(self.ids["processes"], 1, 4), "auditor": self.person(),
                                     "independent": True, "report": self.record()}
            if i in findings:
                audit["findings"] = findings[i]
            out.append(audit)
        return out

    def management_reviews(self) -> list[dict[str, Any]]:
        out = []
        count = len(self.ids["management_reviews"])
        for i, mid in enumerate(self.ids["management_reviews"]):
            # The latest first in time order: one every ~4 months back from about 3 months ago.
            days_ago = 100 + 120 * (count - 1 - i)
            out.append({"id": mid, "date": _day(days_ago), "management_systems": [QMS, SMS, ISMS],
                        "attendees": list(self.top_roles), "inputs": list(REVIEW_INPUTS), "outputs": list(REVIEW_OUTPUTS),
                        "record": self.record()})
        return out

    def nonconformities(self) -> list[dict[str, Any]]:
        out = []
        overdue = 0
        for i, nid in enumerate(self.ids["nonconformities"]):
            raised = self.rng.randint(5, 900)
            closed = raised > 60 and self.rng.random() < 0.85
            action: dict[str, Any] = {"description": "Correct the cause and brief the team"}
            if closed:
                action["due"] = _day(raised - 45)
                action["completed_on"] = _day(raised - self.rng.randint(5, 40))
                action["effective"] = True
            elif self.rng.random() < 0.05 or not overdue:
                # The one kind of gap left in: the first open action and a few more are overdue (NC01).
                action["due"] = _day(self.rng.randint(1, 30))
                overdue += 1
            else:
                action["due"] = (AS_OF + dt.timedelta(days=self.rng.randint(10, 120))).isoformat()
            out.append({"id": nid, "raised_on": _day(raised), "description": f"{self.rng.choice(_NC)} (finding {i + 1})",
                        "management_systems": self.systems(), "root_cause": "The step was not described in the procedure",
                        "corrective_action": action, "status": "closed" if closed else "open", "record": self.record()})
        return out

    def competence_records(self) -> list[dict[str, Any]]:
        out = []
        roles = self.ids["roles"]
        for i, cid in enumerate(self.ids["competence_records"]):
            assessed = self.rng.randint(10, 600)
            # One record for every role first, for all its systems (CMP01); then more holders.
            role = roles[i] if i < len(roles) else self.role()
            systems = self._role_systems.get(role, [QMS, SMS, ISMS]) if i < len(roles) else self.systems()
            out.append({"id": cid, "person": self.person(), "role": role, "management_systems": systems,
                        "assessed_on": _day(assessed),
                        "valid_until": (AS_OF + dt.timedelta(days=self.rng.randint(60, 900))).isoformat(),
                        "evidence": self.record()})
        return out

    def soa(self) -> list[dict[str, Any]]:
        out = []
        for control in _annex_a_controls():
            applicable = self.rng.random() < 0.93
            entry: dict[str, Any] = {"id": "SOA-" + control.split("/", 1)[1], "control": control, "management_systems": [ISMS],
                                     "applicable": applicable}
            if applicable:
                entry["justification"] = "Needed to treat the risks in the risk register and by customer contracts."
                # Implemented, with approved documents on file that show how (SOA01, CTL01).
                entry["implemented"] = True
                entry["documents"] = self.pick(self.current_doc_ids, 1, 2)
            else:
                entry["justification"] = _SOA_NOT_APPLICABLE
            out.append(entry)
        return out

    def attestations(self) -> list[dict[str, Any]]:
        """A recent attestation by the system's owner (top management for leadership) for each requirement
        only a person can judge."""
        out = []
        owner = {QMS: self.top_roles[3], SMS: self.top_roles[1], ISMS: self.top_roles[2]}
        names = {ms: name.lower() for ms, _, name in SYSTEMS}
        for aid, (ms, requirement) in zip(self.ids["attestations"], _attested()):
            by = self.top_roles[0] if requirement.clause.split(".")[0] == "5" else owner[ms]
            months = self.rng.choice([12, 12, 24])
            out.append({"id": aid, "requirement": requirement.id, "management_systems": [ms], "attested_by": by,
                        "date": _day(self.rng.randint(15, 300)),
                        "evidence": f"Checked for the {names[ms]}: {requirement.attestation}. The entries of the last "
                                    f"{self.rng.choice(['six', 'nine', 'twelve'])} months were complete, dated and followed "
                                    f"up; nothing was missing.",
                        "documents": self.pick(self.current_doc_ids, 1, 2), "valid_months": months})
        return out


def evidence_path(document_id: str) -> str:
    """Where a document's evidence file lives, relative to the repository root: 1,000 files a folder at most."""
    number = int(document_id.rsplit("-", 1)[1])
    return f"evidence/{number // 1000:03d}/{document_id}.md"


def generate(n: int, seed: int = 0) -> dict[str, Any]:
    """The IMS document (a dict matching the schema) of about ``n`` entities."""
    if n < 1:
        raise ValueError("n must be at least 1")
    return _Generator(n, seed).generate()


def entity_count(ims: dict[str, Any]) -> int:
    return sum(1 if c == "organisation" else len(v) for c, v in ims.items())


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Safe YAML, lists of plain values written [a, b, c] as people write them."""


def _represent_list(dumper: Any, data: list[Any]) -> Any:
    flow = len(data) <= 12 and all(not isinstance(v, (list, dict)) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def dump(data: dict[str, Any]) -> str:
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)
    return text


def _parts(ims: dict[str, Any], files: int) -> list[list[tuple[str, Any]]]:
    """The IMS cut into ``files`` documents of runs of collections in schema order, about equal in
    entities; when there are more files than collections, the largest collections are cut in pieces."""
    pieces: list[tuple[str, Any]] = [(c, v) for c, v in ims.items() if c == "organisation" or v]

    def size(piece: tuple[str, Any]) -> int:
        return len(piece[1]) if isinstance(piece[1], list) else 1

    while len(pieces) < files:
        largest = max(range(len(pieces)), key=lambda i: size(pieces[i]))
        if size(pieces[largest]) < 2:
            break
        collection, value = pieces[largest]
        half = len(value) // 2
        pieces[largest: largest + 1] = [(collection, value[:half]), (collection, value[half:])]
    files = min(files, len(pieces))
    total = sum(size(p) for p in pieces)
    cumulative, running = [], 0
    for piece in pieces:
        running += size(piece)
        cumulative.append(running)
    # Cut k (1..files-1) after the piece whose running total is closest to k/files of the whole,
    # keeping at least one piece in every file.
    cuts, start = [], 0
    for k in range(1, files):
        lowest, highest = start + 1, len(pieces) - (files - k)
        cut = min(range(lowest, highest + 1), key=lambda i: (abs(cumulative[i - 1] - total * k / files), i))
        cuts.append(cut)
        start = cut
    bounds = [0] + cuts + [len(pieces)]
    return [pieces[bounds[i]:bounds[i + 1]] for i in range(files)]


def write(n: int, folder: Path, seed: int = 0, files: int = 1) -> dict[str, Any]:
    """Write the IMS of about ``n`` entities into ``folder/ims/`` (``files`` YAML files) and its evidence under ``folder/evidence/``.

    Every document's evidence file (a few lines of text) is written at its ``path``.
    Returns a summary: entities, the YAML file names, YAML bytes.
    """
    if files < 1:
        raise ValueError("files must be at least 1")
    folder = Path(folder)
    ims = generate(n, seed)
    ims_dir = folder / "ims"
    ims_dir.mkdir(parents=True, exist_ok=True)
    written, size = [], 0
    parts = _parts(ims, files)
    for index, part in enumerate(parts, start=1):
        document: dict[str, Any] = {}
        for collection, value in part:
            if collection == "organisation":
                document[collection] = value
            else:
                document.setdefault(collection, []).extend(value)
        names = list(dict.fromkeys(c for c, _ in part))
        label = names[0] if len(names) == 1 else f"{names[0]}-to-{names[-1]}"
        name = "ims.yaml" if len(parts) == 1 else f"{index:02d}-{label.replace('_', '-')}.yaml"
        data = dump(document).encode("utf-8")
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(f"{name} would be {len(data):,} bytes, more than imscheck reads per file "
                             f"({MAX_FILE_BYTES:,}): write the IMS into more files")
        (ims_dir / name).write_bytes(data)
        written.append(name)
        size += len(data)
    made: set[str] = set()
    for doc in ims["documents"]:
        target = folder / doc["path"]
        if target.parent.as_posix() not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent.as_posix())
        target.write_text(f"# {doc['title']}\n\nid: {doc['id']}\nversion: {doc['version']}\nstatus: {doc['status']}\n"
                          f"owner: {doc['owner']}\nlast reviewed: {doc['last_reviewed']}\n", encoding="utf-8")
    return {"entities": entity_count(ims), "files": written, "yaml_bytes": size}
