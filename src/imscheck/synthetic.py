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

plus a few policies, context reviews and management reviews, one Statement of
Applicability entry per Annex A control, and the rest of ``n`` shared between
objectives, context issues and interested parties (so the total is ``n`` once
``n`` is above a few hundred). Every reference points at an entity that
exists, every date is relative to :data:`AS_OF` (recent enough that reviews
are fresh), and every document has an evidence path.

The organisation is a well-run one: it meets what the built-in rules ask,
with one kind of gap left in on purpose, as in real registers: about 5 % of
the open nonconformities have an overdue corrective action (NC01), so a check
exits 1 and the reporting of findings is exercised too.

``write(n, folder, seed, files)`` writes the IMS as YAML under ``folder/ims/``
and one small evidence file per document under ``folder/evidence/``, so that
``imscheck check folder`` works. The same ``n`` and ``seed`` always give
byte-identical output (for the same requirement catalogue).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import yaml

from .catalogue import load_catalogue
from .yamlsource import MAX_FILE_BYTES

AS_OF = dt.date(2025, 6, 30)

QMS, SMS, ISMS = "qms", "sms", "isms"
SYSTEMS = ((QMS, "ISO9001:2015", "Quality management system"),
           (SMS, "ISO20000-1:2018", "Service management system"),
           (ISMS, "ISO27001:2022", "Information security management system"))
STANDARD_OF = {ms: standard for ms, standard, _ in SYSTEMS}

# Collections in schema order: the order of the YAML and of the files.
COLLECTIONS = ("organisation", "units", "locations", "services", "management_systems", "context_issues",
               "context_reviews", "interested_parties", "policies", "roles", "objectives", "risks", "processes",
               "suppliers", "documents", "internal_audits", "management_reviews", "nonconformities",
               "competence_records", "soa")

SHARES = {"units": 0.02, "locations": 0.005, "services": 0.01, "roles": 0.03, "risks": 0.08, "processes": 0.10,
          "suppliers": 0.02, "documents": 0.35, "internal_audits": 0.03, "nonconformities": 0.08,
          "competence_records": 0.05}
MINIMUM = {"units": 4, "locations": 3, "services": 2, "roles": 6, "risks": 4, "processes": 4, "suppliers": 2,
           "documents": 30, "internal_audits": 3, "nonconformities": 3, "competence_records": 3}
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
              "Customer complaints", "Document control", "Internal audit", "Corrective action", "Design and build"]
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


def counts(n: int) -> dict[str, int]:
    """How many entities of each collection an IMS of about ``n`` entities gets."""
    out = {c: max(MINIMUM[c], round(n * share)) for c, share in SHARES.items()}
    out["organisation"] = 1
    out["management_systems"] = len(SYSTEMS)
    out["policies"] = 4 + min(26, n // 2000)
    out["context_reviews"] = 3
    out["management_reviews"] = 3 + min(9, n // 20000)
    out["soa"] = len(_annex_a_controls())
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
    return [r.id for r in load_catalogue().of_standard(standard)]


def _day(days_ago: int) -> str:
    return (AS_OF - dt.timedelta(days=days_ago)).isoformat()


def _ids(prefix: str, count: int) -> list[str]:
    width = max(4, len(str(count)))
    return [f"{prefix}-{i:0{width}d}" for i in range(1, count + 1)]


class _Generator:
    def __init__(self, n: int, seed: int):
        self.rng = random.Random(seed)
        self.n = n
        self.count = counts(n)
        self.ids = {c: _ids(p, self.count[c]) for c, p in (
            ("units", "UNIT"), ("locations", "LOC"), ("services", "SVC"), ("context_issues", "ISSUE"),
            ("context_reviews", "CTXREV"), ("interested_parties", "PARTY"), ("policies", "POL"), ("roles", "ROLE"),
            ("objectives", "OBJ"), ("risks", "RISK"), ("processes", "PROC"), ("suppliers", "SUP"),
            ("documents", "DOC"), ("internal_audits", "AUDIT"), ("management_reviews", "MREV"),
            ("nonconformities", "NC"), ("competence_records", "COMP"))}
        docs = self.ids["documents"]
        # About 40 % maintained documents, 60 % retained records.
        split = max(10, len(docs) * 2 // 5)
        self.doc_ids, self.record_ids = docs[:split], docs[split:]
        # A few superseded documents are kept as obsolete; nothing current points at them.
        reserved = 3 + self.count["policies"]
        self.obsolete = {d for i, d in enumerate(self.doc_ids) if i >= reserved and i % 37 == 36}
        self.current_doc_ids = [d for d in self.doc_ids if d not in self.obsolete]
        self.top_roles = self.ids["roles"][:len(_TOP_ROLES)]
        self._services: list[dict[str, Any]] = []
        self._role_systems: dict[str, list[str]] = {}
        self._treated_controls: set[str] = set()

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
                       "units": list(units), "locations": list(locations), "services": list(services),
                       "exclusions": [{"requirement": "ISO9001:2015/8.3",
                                       "justification": "The organisation delivers standard services and does not design new products."}]},
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
                        "record": self.record()})
        return out

    def interested_parties(self) -> list[dict[str, Any]]:
        out = []
        for i, pid in enumerate(self.ids["interested_parties"]):
            party: dict[str, Any] = {"id": pid, "name": f"{_PARTIES[i % len(_PARTIES)]} {i // len(_PARTIES) + 1}",
                                     "management_systems": self.systems(),
                                     "requirements": self.rng.sample(["Agreed service levels", "Protection of personal data",
                                                                      "Timely invoicing", "Safe working conditions",
                                                                      "Compliance with contracts", "Transparent reporting"], 2)}
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
            out.append({"id": oid, "description": f"Improve {measure.lower()} (objective {i + 1})",
                        "management_systems": self.systems(), "owner": self.role(), "measure": measure, "target": target,
                        "due": (AS_OF + dt.timedelta(days=self.rng.randint(30, 540))).isoformat(),
                        "status": self.rng.choice(["planned", "on_track", "on_track", "at_risk", "achieved"])})
        return out

    def risks(self) -> list[dict[str, Any]]:
        out = []
        controls = _annex_a_controls()
        for i, rid in enumerate(self.ids["risks"]):
            opportunity = self.rng.random() < 0.15
            systems = self.systems()
            text = self.rng.choice(_OPPORTUNITIES if opportunity else _RISKS)
            risk: dict[str, Any] = {"id": rid, "description": f"{text} (register entry {i + 1})",
                                    "kind": "opportunity" if opportunity else "risk", "management_systems": systems,
                                    "owner": self.role(), "likelihood": self.rng.randint(1, 5),
                                    "impact": self.rng.randint(1, 5), "assessed_on": _day(self.rng.randint(10, 330))}
            treatment: dict[str, Any] = {"option": "modify" if opportunity else self.rng.choice(["modify", "modify", "retain", "share", "avoid"]),
                                         "plan": "Act on the opportunity" if opportunity else "Reduce the likelihood with the controls listed"}
            if ISMS in systems and controls:
                treatment["controls"] = self.pick(controls, 1, 4)
                self._treated_controls.update(treatment["controls"])
            treatment["due"] = (AS_OF + dt.timedelta(days=self.rng.randint(14, 365))).isoformat()
            treatment["owner"] = self.role()
            risk["treatment"] = treatment
            out.append(risk)
        return out

    def processes(self) -> list[dict[str, Any]]:
        out = []
        for i, pid in enumerate(self.ids["processes"]):
            name = _PROCESSES[i % len(_PROCESSES)] + (f" {i // len(_PROCESSES) + 1}" if i >= len(_PROCESSES) else "")
            process: dict[str, Any] = {"id": pid, "name": name, "management_systems": self.systems(), "owner": self.role(),
                                       "units": self.pick(self.ids["units"], 1, 2), "services": self.pick(self.ids["services"], 0, 2),
                                       "inputs": ["Requests from customers", "Service level targets"],
                                       "outputs": ["Resolved requests", "Monthly performance report"],
                                       "criteria": ["Handled within the agreed time", "Customer confirms the outcome"]}
            if not process["services"]:
                del process["services"]
            if self.rng.random() < 0.1:
                # Outsourced to a supplier managed under every system (SUP01).
                process["operated_by"] = self.rng.choice(self.ids["suppliers"][::2])
            process["documents"] = self.pick(self.current_doc_ids, 1, 3)
            out.append(process)
        return out

    def suppliers(self) -> list[dict[str, Any]]:
        out = []
        for i, sid in enumerate(self.ids["suppliers"]):
            r = self.rng.random()
            kind = "external" if r < 0.8 else ("internal" if r < 0.95 else "customer")
            systems = [QMS, SMS, ISMS] if i % 2 == 0 else self.systems()
            out.append({"id": sid, "name": f"Supplier {i + 1} {self.rng.choice(_LAST)} {self.rng.choice(['Ltd', 'GmbH', 'BV', 'SA', 'plc'])}",
                        "kind": kind, "management_systems": systems, "services": self.pick(self.ids["services"], 1, 2),
                        "agreement": self.document(), "last_reviewed": _day(self.rng.randint(5, 300)),
                        "review_interval_months": 12})
        return out

    def documents(self) -> list[dict[str, Any]]:
        out = []
        requirements = {ms: _requirements(standard) for ms, standard in STANDARD_OF.items()}
        record_start = len(self.doc_ids)
        for i, did in enumerate(self.ids["documents"]):
            record = i >= record_start
            title = f"{self.rng.choice(_RECORDS if record else _DOCS)} {i + 1}"
            systems = [QMS, SMS, ISMS] if i < 3 + len(self.ids["policies"]) else self.systems()
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
            if pool and self.rng.random() < 0.6:
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
        for i, nid in enumerate(self.ids["nonconformities"]):
            raised = self.rng.randint(5, 900)
            closed = raised > 60 and self.rng.random() < 0.85
            action: dict[str, Any] = {"description": "Correct the cause and brief the team"}
            if closed:
                action["due"] = _day(raised - 45)
                action["completed_on"] = _day(raised - self.rng.randint(5, 40))
                action["effective"] = True
            elif self.rng.random() < 0.05:  # the one kind of gap left in: a few open actions are overdue (NC01)
                action["due"] = _day(self.rng.randint(1, 30))
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
                # Not implemented yet only where a risk treatment plans it (SOA01).
                entry["implemented"] = control not in self._treated_controls or self.rng.random() < 0.95
                entry["documents"] = self.pick(self.current_doc_ids, 1, 2)
            else:
                entry["justification"] = _SOA_NOT_APPLICABLE
            out.append(entry)
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
