"""The HTML report as text: self-contained, escaped, locked down by its policy, byte-identical.

What it does in a browser is in test_html_browser.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from imscheck.api import CheckOptions, check_result
from imscheck.reports import html

from .conftest import write
from .golden import AS_OF, EXAMPLES

HOSTILE = '<script>alert("x")</script>'
HOSTILE_ATTRIBUTE = '"><img src=x onerror=alert(1)>'

HOSTILE_IMS = f"""\
organisation: {{id: acme, name: '{HOSTILE}'}}
management_systems:
  - id: isms
    name: '{HOSTILE_ATTRIBUTE}'
    standard: "ISO27001:2022"
    scope: {{statement: '{HOSTILE} & more'}}
documents:
  - id: soa-release
    title: 'Statement of Applicability {HOSTILE_ATTRIBUTE}'
    kind: document
    management_systems: [isms]
    path: 'evidence/a&b <c>.md'
soa:
  - id: soa-a-5-1
    control: "ISO27001:2022/A.5.1"
    management_systems: [isms]
    applicable: false
    justification: '{HOSTILE_ATTRIBUTE} {HOSTILE}'
    documents: [soa-release]
"""


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._inside: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._inside = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag):
        self._inside = None

    def handle_data(self, data):
        if self._inside == "script":
            self.scripts.append(data)
        elif self._inside == "style":
            self.styles.append(data)


def parsed(text: str) -> Tags:
    tags = Tags()
    tags.feed(text)
    return tags


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("hostile")
    write(folder, "ims.yaml", HOSTILE_IMS)
    return html.render(check_result(CheckOptions(path=folder, as_of=dt.date(2025, 6, 30))))


@pytest.fixture(scope="module")
def northwind_page() -> str:
    return html.render(check_result(CheckOptions(path=EXAMPLES / "northwind-services", as_of=AS_OF)))


def test_strings_from_the_yaml_cannot_add_markup_or_script(hostile_page):
    tags = parsed(hostile_page)
    assert [t for t, _ in tags.tags].count("script") == 1  # the page's own, nothing injected
    assert not [t for t, _ in tags.tags if t == "img"]
    assert not any(name.startswith("on") for _, attrs in tags.tags for name in attrs)
    assert HOSTILE not in hostile_page and HOSTILE_ATTRIBUTE not in hostile_page
    # ...and the text is still there for the reader, escaped
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in hostile_page
    assert "evidence/a&amp;b &lt;c&gt;.md" in hostile_page


def test_the_policy_forbids_every_load_and_admits_only_the_pages_own_style_and_script(northwind_page):
    tags = parsed(northwind_page)
    policy = next(a["content"] for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["connect-src"] == directives["img-src"] == "'none'"

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert [digest(s) for s in tags.scripts] == [directives["script-src"]]
    assert [digest(s) for s in tags.styles] == [directives["style-src"]]


def test_nothing_points_outside_the_page(northwind_page):
    tags = parsed(northwind_page)
    for tag, attrs in tags.tags:
        assert "src" not in attrs, tag
        assert attrs.get("href", "#").startswith("#"), (tag, attrs)
    assert not re.search(r"https?://|//[a-z]", northwind_page.split("</style>", 1)[1])


def test_the_statement_of_applicability_lists_every_annex_a_control(hostile_page):
    rows = re.findall(r'<tr data-control="(ISO27001:2022/A\.[0-9.]+)">(.*?)</tr>', hostile_page)
    assert len(rows) == 93  # the 2022 edition's Annex A
    first, rest = rows[0], rows[1:]
    assert first[0] == "ISO27001:2022/A.5.1" and ">no<" in first[1] and "evidence/a&amp;b &lt;c&gt;.md" in first[1]
    assert all("no line" in cells for _, cells in rest)
    assert "93 controls: 0 applicable, 1 not applicable, 92 with no line in the SoA." in hostile_page


def test_the_same_input_gives_the_same_bytes(northwind_page):
    again = html.render(check_result(CheckOptions(path=EXAMPLES / "northwind-services", as_of=AS_OF)))
    assert again == northwind_page


def test_the_heat_map_follows_the_harmonized_structure(northwind_page):
    cells = re.findall(r'<g data-standard="([^"]+)" data-clause="(\d+)" data-met="(\d+)" data-decided="(\d+)">', northwind_page)
    assert [c for s, c, _, _ in cells if s == "ISO9001:2015"] == ["4", "5", "6", "7", "8", "9", "10"]
    by_cell = {(s, c): (int(m), int(d)) for s, c, m, d in cells}
    # Northwind's audit gap leaves 9.2.1, 9.2.2 and their headings 9.2 and 9 unmet in ISO 9001 ...
    met, decided = by_cell[("ISO9001:2015", "9")]
    assert decided - met == 4
    # ... and the overdue review 7.5.2, 7.5.3, 7.5 and 7 in ISO/IEC 27001, whose clause 10 is all met.
    met, decided = by_cell[("ISO27001:2022", "7")]
    assert decided - met == 4
    assert by_cell[("ISO27001:2022", "10")][0] == by_cell[("ISO27001:2022", "10")][1] > 0


def test_the_html_report_is_written_by_check(tmp_path: Path):
    from .conftest import run_cli

    target = tmp_path / "report.html"
    result = run_cli("check", str(EXAMPLES / "northwind-services"), "--as-of", AS_OF.isoformat(), "--html", str(target))
    assert result.exit_code == 1
    assert target.read_text(encoding="utf-8") == (EXAMPLES / "northwind-services" / "expected" / "report.html").read_text(encoding="utf-8")


def test_a_waived_requirement_has_its_own_badge_and_filter(tmp_path):
    from imscheck.reports import html

    from .test_lapsing import NOT_APPROVED, checked, waiver

    result = checked(tmp_path, waiver(f"finding: {NOT_APPROVED}"))
    waived = [v.requirement for v in result.verdicts if v.status == "waived"]
    assert waived
    page = html.render(result)
    assert f'data-requirement="{waived[0]}"' in page and '<span class="badge waived">waived</span>' in page
    assert 'data-filter="status" data-value="waived"' in page
