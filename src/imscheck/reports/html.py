"""The HTML report for managers and auditors: one self-contained page.

Everything is inline (style, charts as SVG, a small script for filtering), so
the file works from ``file://`` and as a CI artefact without any network; the
Content-Security-Policy forbids every load and admits only this page's own
style and script, by hash. Every string from the IMS is escaped. The page
carries no timestamp beyond the check's as-of date, so the same input gives
the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Iterable

from ..knowledge.catalogue import Catalogue, load_catalogue
from ..verdicts.decision import MET, NOT_APPLICABLE, STATUS_LABELS, UNMET, WAIVED, Result, Verdict
from ..verdicts.findings import Finding
from ..text import noun, plural
from ..verdicts.soa import SoaLine, Statement

HS_CLAUSES = ("4", "5", "6", "7", "8", "9", "10")
HS_TITLES = {"4": "Context", "5": "Leadership", "6": "Planning", "7": "Support", "8": "Operation",
             "9": "Performance", "10": "Improvement"}
COLOURS = {MET: "#2e7d32", UNMET: "#c62828", NOT_APPLICABLE: "#8d8d8d", WAIVED: "#b26a00", "shared": "#1565c0"}

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d232a;background:#f5f6f8}
header{background:#1f3a5f;color:#fff;padding:1.2rem 2rem}
header h1{margin:0 0 .3rem;font-size:1.6rem}
header p{margin:0;opacity:.9}
nav a{color:#cfe3ff;margin-right:1rem}
main{padding:1rem 2rem 3rem;max-width:1400px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:1rem 1.4rem;margin:1.2rem 0}
h2{margin-top:.2rem;color:#1f3a5f}
.cards{display:flex;flex-wrap:wrap;gap:1rem}
.card{border:1px solid #dde1e6;border-radius:6px;padding:.6rem 1rem;min-width:300px;flex:1}
.card h3{margin:.2rem 0 .5rem}
.counts{display:grid;grid-template-columns:repeat(5,1fr);gap:.3rem;margin:0}
.counts div{text-align:center}
.counts dt{font-size:.75rem;text-transform:uppercase;color:#5b6570}
.counts dd{margin:0;font-size:1.5rem;font-weight:600}
.met{color:#2e7d32}.unmet{color:#c62828}.not_applicable{color:#6b6b6b}.shared{color:#1565c0}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #e4e7eb;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f5;position:sticky;top:0}
td.id,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem;white-space:nowrap}
.badge{display:inline-block;border-radius:3px;padding:0 .4rem;color:#fff;font-size:.8rem;white-space:nowrap}
.badge.met{background:#2e7d32}.badge.unmet{background:#c62828}.badge.not_applicable{background:#8d8d8d}
.badge.shared{background:#1565c0}.badge.waived{background:#b26a00}.badge.none{background:#b26a00}
ul.plain{margin:0;padding-left:1.1rem}
.where{color:#5b6570;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.8rem}
.filters{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:center;margin:.4rem 0}
.filters button{border:1px solid #9aa5b1;background:#fff;border-radius:4px;padding:.2rem .6rem;cursor:pointer;font:inherit}
.filters button[aria-pressed=true]{background:#1f3a5f;color:#fff;border-color:#1f3a5f}
.muted{color:#5b6570}
svg text{font:12px system-ui,sans-serif}
"""

SCRIPT = """
window.imscheckErrors = [];
window.addEventListener("error", function (e) { window.imscheckErrors.push(String(e.message)); });
document.addEventListener("securitypolicyviolation", function (e) {
  window.imscheckErrors.push("blocked by the page's policy: " + e.violatedDirective + " " + e.blockedURI);
});
document.addEventListener("DOMContentLoaded", function () {
  var chosen = {standard: "all", status: "all"};
  function matches(row) {
    var standards = (row.getAttribute("data-standards") || row.getAttribute("data-standard") || "").split(" ");
    var byStandard = chosen.standard === "all" || standards.indexOf(chosen.standard) >= 0;
    if (!row.hasAttribute("data-status")) { return byStandard; }
    var status = row.getAttribute("data-status");
    var byStatus = chosen.status === "all" || status === chosen.status ||
      (chosen.status === "shared" && row.getAttribute("data-shared") === "yes");
    return byStandard && byStatus;
  }
  function apply() {
    var rows = document.querySelectorAll("tr[data-filtered]");
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var visible = matches(rows[i]);
      rows[i].hidden = !visible;
      if (visible && rows[i].hasAttribute("data-status")) { shown++; }
    }
    document.getElementById("shown-count").textContent = String(shown);
    var buttons = document.querySelectorAll("button[data-filter]");
    for (var j = 0; j < buttons.length; j++) {
      var b = buttons[j];
      b.setAttribute("aria-pressed", String(chosen[b.getAttribute("data-filter")] === b.getAttribute("data-value")));
    }
  }
  var all = document.querySelectorAll("button[data-filter]");
  for (var k = 0; k < all.length; k++) {
    all[k].addEventListener("click", function (event) {
      var b = event.currentTarget;
      chosen[b.getAttribute("data-filter")] = b.getAttribute("data-value");
      apply();
    });
  }
  apply();
});
"""


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def policy(script: bool) -> str:
    """Nothing may be fetched: no network, no other file. Only this page's own style and script run."""
    scripts = f"'{_hash(SCRIPT)}'" if script else "'none'"
    return (f"default-src 'none'; style-src '{_hash(STYLE)}'; script-src {scripts}; "
            "img-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'")


def e(value: object) -> str:
    return escape(str(value), quote=True)


def render(result: Result) -> str:
    catalogue = load_catalogue()
    standards = list(result.standards)
    title = f"imscheck conformity report{': ' + result.organisation if result.organisation else ''}, as of {result.as_of.isoformat()}"
    parts = head(title, script=True) + [
        "<header>",
        f"<h1>Conformity report{': ' + e(result.organisation) if result.organisation else ''}</h1>",
        f'<p>As of <time datetime="{e(result.as_of.isoformat())}">{e(result.as_of.isoformat())}</time>; '
        f"standards: {e(', '.join(standards))}. Written by imscheck.</p>",
        '<nav><a href="#overview">Overview</a><a href="#findings">Findings</a><a href="#requirements">Requirements</a>'
        '<a href="#shared">Shared</a><a href="#soa">Statement of Applicability</a></nav>',
        "</header>",
        "<main>",
    ]
    parts += _overview(result, catalogue)
    parts += _findings(result)
    parts += _requirements(result)
    parts += _shared(result)
    parts += _soa(result)
    parts += _not_evaluated(result)
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def head(title: str, script: bool) -> list[str]:
    """The start of a page, up to and including ``<body>``: the policy, the style, and the filtering script if wanted."""
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(policy(script))}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{e(title)}</title>",
        f"<style>{STYLE}</style>",
    ] + ([f"<script>{SCRIPT}</script>"] if script else []) + ["</head>", "<body>"]


def _overview(result: Result, catalogue: Catalogue) -> list[str]:
    summary = result.summary()
    out = ['<section id="overview">', "<h2>Overview per standard</h2>", '<div class="cards">']
    for standard in result.standards:
        counts = summary[standard]
        out.append(f'<div class="card" data-standard="{e(standard)}">')
        out.append(f"<h3>{e(standard)}</h3>")
        out.append('<dl class="counts">')
        # The same counts as every other report: headings that only roll up their sub-clauses are groups.
        for key, label in ((MET, "met"), (UNMET, "unmet"), (NOT_APPLICABLE, "not applicable"), ("shared", "shared"),
                           ("groups", "headings (groups)"), ("waived", "waived"), ("not_evaluated", "not evaluated")):
            out.append(f'<div><dt>{label}</dt><dd class="{key}" data-count="{key}">{counts[key]}</dd></div>')
        out.append("</dl>")
        out.append(_bar(standard, counts))
        out.append("</div>")
    out.append("</div>")
    out.append("<h3>Harmonized structure: clauses 4 to 10 by standard</h3>")
    out.append('<p class="muted">Each cell: requirements met out of those decided (not applicable left out), '
               "including sub-clauses. Annex A controls are outside the harmonized structure.</p>")
    out.append(_heat_map(result, catalogue))
    out.append("</section>")
    return out


def _bar(standard: str, counts: dict[str, int]) -> str:
    total = counts[MET] + counts[UNMET] + counts[NOT_APPLICABLE]
    width = 300.0
    out = [f'<svg class="bar" width="320" height="44" viewBox="0 0 320 44" role="img" '
           f'aria-label="{e(standard)}: {counts[MET]} met, {counts[UNMET]} unmet, {counts[NOT_APPLICABLE]} not applicable, '
           f'{counts["shared"]} shared">']
    x = 0.0
    for status in (MET, UNMET, NOT_APPLICABLE):
        part = width * counts[status] / total if total else 0.0
        if part:
            out.append(f'<rect x="{x:.1f}" y="2" width="{part:.1f}" height="18" fill="{COLOURS[status]}">'
                       f"<title>{STATUS_LABELS[status]}: {counts[status]}</title></rect>")
        x += part
    shared = width * counts["shared"] / total if total else 0.0
    out.append(f'<rect x="0" y="26" width="{shared:.1f}" height="10" fill="{COLOURS["shared"]}">'
               f'<title>shared: {counts["shared"]}</title></rect>')
    out.append(f'<rect x="0" y="26" width="{width:.1f}" height="10" fill="none" stroke="#9aa5b1"/>')
    out.append("</svg>")
    return "".join(out)


def hs_clause(requirement_id: str, catalogue: Catalogue) -> str | None:
    """The top clause of the harmonized structure a requirement falls under, through its parents."""
    standard, _, clause = requirement_id.partition("/")
    while clause:
        requirement = catalogue.requirements.get(f"{standard}/{clause}")
        if requirement is not None and requirement.hs:
            return requirement.hs.split(".", 1)[0]
        clause = clause.rpartition(".")[0]
    return None


def _heat_colour(met: int, decided: int) -> str:
    if not decided:
        return "#e4e7eb"
    share = met / decided
    for floor, colour in ((1.0, "#1b7837"), (0.9, "#7fbf7b"), (0.75, "#fee08b"), (0.5, "#fc8d59")):
        if share >= floor:
            return colour
    return "#d73027"


def _heat_map(result: Result, catalogue: Catalogue) -> str:
    label_width, cell, row_height = 150, 86, 34
    width = label_width + cell * len(HS_CLAUSES)
    height = 40 + row_height * len(result.standards) + 30
    out = [f'<svg id="heat-map" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
           'aria-label="Requirements met per harmonized-structure clause and standard">']
    for i, clause in enumerate(HS_CLAUSES):
        x = label_width + i * cell + cell / 2
        out.append(f'<text x="{x:.0f}" y="16" text-anchor="middle" font-weight="bold">{clause}</text>')
        out.append(f'<text x="{x:.0f}" y="32" text-anchor="middle" fill="#5b6570">{e(HS_TITLES[clause])}</text>')
    for row, standard in enumerate(result.standards):
        y = 40 + row * row_height
        out.append(f'<text x="4" y="{y + 21}">{e(standard)}</text>')
        for i, clause in enumerate(HS_CLAUSES):
            mine = [v for v in result.of_standard(standard) if hs_clause(v.requirement, catalogue) == clause]
            met = sum(1 for v in mine if v.status == MET)
            decided = sum(1 for v in mine if v.status in (MET, UNMET))
            x = label_width + i * cell
            label = f"{met}/{decided}" if decided else "–"
            tip = f"{standard} clause {clause}: {met} of {decided} met" if decided else f"{standard} clause {clause}: nothing decided"
            out.append(f'<g data-standard="{e(standard)}" data-clause="{clause}" data-met="{met}" data-decided="{decided}">'
                       f'<rect x="{x + 2}" y="{y}" width="{cell - 4}" height="{row_height - 4}" rx="3" '
                       f'fill="{_heat_colour(met, decided)}"><title>{e(tip)}</title></rect>'
                       f'<text x="{x + cell / 2:.0f}" y="{y + 20}" text-anchor="middle">{label}</text></g>')
    legend_y = 40 + row_height * len(result.standards) + 8
    x = label_width
    for text, colour in (("all met", "#1b7837"), ("90 % or more", "#7fbf7b"), ("75 % or more", "#fee08b"),
                         ("50 % or more", "#fc8d59"), ("less", "#d73027"), ("nothing decided", "#e4e7eb")):
        out.append(f'<rect x="{x}" y="{legend_y}" width="12" height="12" fill="{colour}"/>'
                   f'<text x="{x + 16}" y="{legend_y + 11}">{text}</text>')
        x += 16 + 7 * len(text) + 14
    out.append("</svg>")
    return "".join(out)


def _where(file: str, line: int) -> str:
    return f'<span class="where">{e(file)}:{line}</span>' if file else '<span class="where">(no location)</span>'


def _ids(values: Iterable[str], fold: int = 8) -> str:
    """A list of ids; a long one (a heading's evidence is all of its sub-clauses') folds away."""
    items = [f"<li><code>{e(v)}</code></li>" for v in values]
    if not items:
        return ""
    listed = f'<ul class="plain">{"".join(items)}</ul>'
    return f"<details><summary>{len(items)} items</summary>{listed}</details>" if len(items) > fold else listed


def _findings(result: Result) -> list[str]:
    findings = result.findings
    affected = {r for f in findings for r in f.requirements}
    standards = {s for f in findings for s in f.standards}
    out = ['<section id="findings">', "<h2>Findings</h2>"]
    if not findings:
        out += ["<p>No findings: every decided requirement is met or not applicable.</p>", "</section>"]
        return out
    out.append(f'<p id="findings-summary"><strong>{len(findings)}</strong> {noun(len(findings), "finding")} affecting '
               f"<strong>{len(affected)}</strong> {noun(len(affected), 'requirement')} in "
               f"<strong>{len(standards)}</strong> {noun(len(standards), 'standard')}. Each cause is listed once, "
               "with every requirement it leaves unmet.</p>")
    out.append("<table><thead><tr><th>#</th><th>what to fix</th><th>where</th><th>requirements affected</th></tr></thead><tbody>")
    for number, finding in enumerate(findings, 1):
        out.append(_finding_row(number, finding))
    out += ["</tbody></table>", "</section>"]
    return out


def _finding_row(number: int, finding: Finding) -> str:
    return (f'<tr data-filtered data-standards="{e(" ".join(finding.standards))}" data-fingerprint="{e(finding.fingerprint)}">'
            f"<td>{number}</td><td>{e(finding.message)}<br><code>{e(finding.code)}</code></td>"
            f"<td>{_where(finding.file, finding.line)}</td><td>{_ids(finding.requirements)}</td></tr>")


def _requirements(result: Result) -> list[str]:
    out = ['<section id="requirements">', "<h2>Every requirement</h2>", '<div class="filters" role="group" aria-label="filters">',
           "<span>Standard:</span>"]
    for value, label in [("all", "all")] + [(s, s) for s in result.standards]:
        out.append(f'<button type="button" data-filter="standard" data-value="{e(value)}" aria-pressed="{str(value == "all").lower()}">'
                   f"{e(label)}</button>")
    out.append("<span>Status:</span>")
    for value, label in (("all", "all"), (MET, "met"), (UNMET, "unmet"), (NOT_APPLICABLE, "not applicable"), (WAIVED, "waived"), ("shared", "shared")):
        out.append(f'<button type="button" data-filter="status" data-value="{value}" aria-pressed="{str(value == "all").lower()}">'
                   f"{label}</button>")
    out.append(f'<span class="muted"><span id="shown-count">{len(result.verdicts)}</span> of {len(result.verdicts)} shown</span>')
    out.append("</div>")
    out.append('<table id="requirement-table"><thead><tr><th>requirement</th><th>title</th><th>status</th><th>evidence</th>'
               "<th>shared with</th><th>why</th></tr></thead><tbody>")
    for verdict in result.verdicts:
        out.append(_requirement_row(verdict))
    out += ["</tbody></table>", "</section>"]
    return out


def _requirement_row(verdict: Verdict) -> str:
    shared = "yes" if verdict.shared_with else "no"
    badge = f'<span class="badge {verdict.status}">{STATUS_LABELS[verdict.status]}</span>'
    if verdict.shared_with:
        badge += ' <span class="badge shared">shared</span>'
    reasons = "".join(f"<li>{_where(r.file, r.line)} {e(r.message)}</li>" for r in verdict.reasons)
    return (f'<tr data-filtered data-requirement="{e(verdict.requirement)}" data-standard="{e(verdict.standard)}" '
            f'data-status="{verdict.status}" data-shared="{shared}">'
            f'<td class="id">{e(verdict.requirement)}</td><td>{e(verdict.title)}</td><td>{badge}</td>'
            f"<td>{_ids(verdict.evidence)}</td><td>{_ids(verdict.shared_with)}</td>"
            f'<td>{f"<ul class=plain>{reasons}</ul>" if reasons else ""}</td></tr>')


def _shared(result: Result) -> list[str]:
    out = ['<section id="shared">', "<h2>What is shared between standards</h2>",
           '<p class="muted">A met requirement is shared when the evidence that meets it also meets a correlated '
           "requirement of another claimed standard.</p>"]
    standards = list(result.standards)
    by_id = {v.requirement: v for v in result.verdicts}
    if len(standards) > 1:
        out.append('<table id="shared-pairs"><thead><tr><th></th>' + "".join(f"<th>{e(s)}</th>" for s in standards) + "</tr></thead><tbody>")
        for mine in standards:
            cells = []
            for theirs in standards:
                if mine == theirs:
                    cells.append('<td class="muted">–</td>')
                    continue
                count = sum(1 for v in result.of_standard(mine) if any(by_id[o].standard == theirs for o in v.shared_with if o in by_id))
                cells.append(f'<td data-from="{e(mine)}" data-to="{e(theirs)}">{count}</td>')
            out.append(f"<tr><th>{e(mine)}</th>{''.join(cells)}</tr>")
        out.append("</tbody></table>")
        out.append('<p class="muted">Each cell: requirements of the row\'s standard whose evidence also meets a '
                   "correlated requirement of the column's standard.</p>")
    shared = [v for v in result.verdicts if v.shared_with]
    if not shared:
        out += ["<p>Nothing is shared.</p>", "</section>"]
        return out
    out.append("<table><thead><tr><th>requirement</th><th>title</th><th>shared with</th><th>common evidence</th></tr></thead><tbody>")
    for verdict in shared:
        common = sorted({x for o in verdict.shared_with if o in by_id for x in set(verdict.evidence) & set(by_id[o].evidence)})
        out.append(f'<tr data-filtered data-standard="{e(verdict.standard)}"><td class="id">{e(verdict.requirement)}</td>'
                   f"<td>{e(verdict.title)}</td><td>{_ids(verdict.shared_with)}</td><td>{_ids(common)}</td></tr>")
    out += ["</tbody></table>", "</section>"]
    return out


def yes_no(value: bool | None) -> str:
    return "yes" if value is True else "no" if value is False else "not stated"


def _soa(result: Result) -> list[str]:
    out = ['<section id="soa">', "<h2>Statement of Applicability</h2>"]
    if not result.soa:
        out += ["<p>No ISO/IEC 27001 edition is claimed, so there is no Statement of Applicability.</p>", "</section>"]
        return out
    by_id = {v.requirement: v for v in result.verdicts}
    for statement in result.soa:
        out += statement_section(statement, by_id)
    out.append("</section>")
    return out


def statement_section(statement: Statement, by_id: dict[str, Verdict], details: bool = True) -> list[str]:
    """One SoA: its heading, scope and release (unless ``details`` is False: the page shows them), its counts and its lines."""
    counts = statement.counts()
    out = [f'<h3 data-standard="{e(statement.standard)}">{e(statement.standard)} Annex A, management system '
           f"{e(statement.system_name)} (<code>{e(statement.system)}</code>)</h3>"]
    if details:
        out.append(f"<p><strong>Scope:</strong> {e(statement.scope)}</p>")
    if details and statement.document is not None:
        version = f", version {e(statement.document_version)}" if statement.document_version else ""
        status = f", {e(statement.document_status)}" if statement.document_status else ""
        approved = f" on {e(statement.document_approved_on)}" if statement.document_approved_on else ""
        path = f" (<code>{e(statement.document.path)}</code>)" if statement.document.path else ""
        out.append(f"<p><strong>Approved release:</strong> {e(statement.document.title)}{path}{version}{status}{approved}</p>")
    out.append(f'<p data-soa-counts="{e(statement.standard)}">{counts.controls} controls: {counts.applicable} applicable, '
               f"{counts.not_applicable} not applicable, {counts.missing} with no line in the SoA.</p>")
    out.append(f'<table class="soa" data-standard="{e(statement.standard)}"><thead><tr><th>control</th><th>title</th><th>applicable</th>'
               "<th>implemented</th><th>justification</th><th>evidence</th><th>imscheck</th></tr></thead><tbody>")
    for line in statement.lines:
        out.append(_soa_row(line, by_id.get(line.control)))
    out.append("</tbody></table>")
    return out


def _soa_row(line: SoaLine, verdict: Verdict | None) -> str:
    if line.entry is None:
        applicable = '<span class="badge none">no line</span>'
        implemented = justification = ""
    else:
        applicable = yes_no(line.applicable)
        implemented = yes_no(line.implemented) if line.applicable else ""
        justification = f"{e(line.justification)}<br>{_where(line.file, line.line)}"
    documents = "".join(f"<li>{e(d.title)}" + (f' <code>{e(d.path)}</code>' if d.path else f" <code>{e(d.id)}</code>") + "</li>"
                        for d in line.documents)
    status = (f'<span class="badge {verdict.status}">{STATUS_LABELS[verdict.status]}</span>' if verdict else
              '<span class="muted">not decided</span>')
    return (f'<tr data-control="{e(line.control)}"><td class="id">{e(line.control.split("/", 1)[1])}</td><td>{e(line.title)}</td>'
            f"<td>{applicable}</td><td>{implemented}</td><td>{justification}</td>"
            f'<td>{f"<ul class=plain>{documents}</ul>" if documents else ""}</td><td>{status}</td></tr>')


def _not_evaluated(result: Result) -> list[str]:
    missing = {s: ids for s, ids in result.not_evaluated.items() if ids}
    if not missing and not result.notes:
        return []
    out = ['<section id="not-evaluated">', "<h2>Not evaluated, and notes</h2>"]
    for standard, ids in missing.items():
        out.append(f"<p>{e(standard)}: {plural(len(ids), 'requirement')} {noun(len(ids), 'has', 'have')} no rule yet.</p>{_ids(ids)}")
    for note in result.notes:
        out.append(f"<p>note: {e(note)}</p>")
    out.append("</section>")
    return out
