"""Every report is well formed, whatever the text in the IMS (a property test).

Hostile strings (control characters, bidi controls, characters XML 1.0
forbids, any other non-NUL Unicode, very long strings) go into names, titles,
scope statements, justifications, ids and the file name, wherever the schema
lets them; ``check`` then writes JUnit and JSON. JUnit must parse with a
strict parser and be valid against the Jenkins schema (once the de-facto
``file``/``line`` attributes are removed); JSON must load; the console must
carry no control character.
"""

from __future__ import annotations

import json
import re
import tempfile
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import SHARED, run_cli

lxml = pytest.importorskip("lxml.etree", reason="lxml is the strict XML parser; it comes with the 'test' extra")

XSD_CANDIDATES = [SHARED / "reference" / "junit-10.xsd", Path("/work/shared/reference/junit-10.xsd")]
XSD = next((p for p in XSD_CANDIDATES if p.is_file()), None)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

HOSTILE_CHARS = (
    [chr(c) for c in range(1, 0x20)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xa0)]
    + list("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u2060\ufeff\ufffe\uffff\u2028\u2029")
    + ["\x1b[2K", "\x1b[1A", "\x1b]0;title\x07", "]]>", "<!--", "&amp;", "<a>", "\"'", "\\x01"]
)
# Any Unicode but NUL and lone surrogates (YAML cannot carry either).
ANY = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
hostile = st.lists(st.one_of(st.sampled_from(HOSTILE_CHARS), ANY.map(str)), min_size=1, max_size=40).map("".join)
long_hostile = st.tuples(hostile, st.integers(min_value=1_000, max_value=60_000)).map(lambda p: (p[0] * (p[1] // len(p[0]) + 1))[: p[1]])
text = st.one_of(hostile, hostile, long_hostile)
ident = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,90}", fullmatch=True)
file_name = st.lists(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00/\\"), max_size=30).map(
    lambda chars: unicodedata.normalize("NFC", "ims-" + "".join(chars))[:120] + ".yaml")


def _ims(values: dict[str, str], ids: list[str]) -> dict[str, object]:
    org, supplier, document = (f"o-{ids[0]}", f"s-{ids[1]}", f"d-{ids[2]}")
    return {
        "organisation": {"id": org, "name": values["org"]},
        "management_systems": [
            {"id": "qms", "standard": "ISO9001:2015",
             "scope": {"statement": values["statement"],
                       "exclusions": [{"requirement": "ISO9001:2015/7.1.5.2", "justification": "J" + values["justification"]}]}},
            {"id": "isms", "standard": "ISO27001:2022", "scope": {"statement": values["statement"]}},
        ],
        "suppliers": [{"id": supplier, "name": values["supplier"], "kind": "external", "management_systems": ["qms", "isms"]}],
        "documents": [{"id": document, "title": values["title"], "kind": "document", "management_systems": ["qms", "isms"]}],
        "soa": [{"id": "soa-1", "control": "ISO27001:2022/A.7.4", "management_systems": ["isms"], "applicable": False,
                 "justification": "J" + values["soa"]}],
    }


def _strip_defacto(document) -> None:  # type: ignore[no-untyped-def]
    for case in document.iter("testcase"):
        case.attrib.pop("file", None)
        case.attrib.pop("line", None)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(values=st.fixed_dictionaries({k: text for k in ("org", "statement", "justification", "supplier", "title", "soa")}),
       ids=st.lists(ident, min_size=3, max_size=3), name=file_name)
def test_reports_are_well_formed_for_any_text(values, ids, name):
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        ims = root / "ims"
        ims.mkdir()
        # PyYAML writes every character it cannot print as an escape, as a person would have to.
        (ims / name).write_text(yaml.safe_dump(_ims(values, ids), allow_unicode=False, width=1 << 20), encoding="utf-8")
        result = run_cli("check", str(ims), "--as-of", "2025-06-30", "--junit", str(root / "j.xml"), "--json", str(root / "j.json"))
        assert result.exit_code == 1, result.stdout + result.stderr
        assert not CONTROL.search(result.stdout + result.stderr)

        report = json.loads((root / "j.json").read_text(encoding="utf-8"))
        reasons = [reason for record in report["results"] for reason in record["reasons"]]
        assert any(values["supplier"] in reason for reason in reasons)  # JSON carries the text exactly
        assert "J" + values["justification"] in reasons

        document = lxml.parse(str(root / "j.xml"), lxml.XMLParser(recover=False, resolve_entities=False))
        assert document.getroot().tag == "testsuites"
        if XSD is not None:
            _strip_defacto(document)
            schema = lxml.XMLSchema(lxml.parse(str(XSD)))
            assert schema.validate(document), schema.error_log
