"""Untrusted text is escaped visibly wherever it is printed or written into a report."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from imscheck.errors import Problem
from imscheck import jsontext
from imscheck.text import SafeStream, json_safe, terminal_safe, xml_safe

from .conftest import run_cli
from .test_error_corpus import CORPUS

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A supplier name that, printed raw, erases the previous line and writes a verdict of its own.
FORGED = "Cloud\x1b[2K\x1b[1A\x1b[2K\rResult: every evaluated requirement is met.\u202e\x9b2J\x7f"


def test_terminal_safe_escapes_controls_visibly_and_keeps_ordinary_text():
    assert terminal_safe("a\x1b[2Kb") == "a\\x1b[2Kb"
    assert terminal_safe("x\u202ey\u2066\u200f\u061c") == "x\\u202ey\\u2066\\u200f\\u061c"
    assert terminal_safe("\x9b\x7f\x00") == "\\x9b\\x7f\\x00"
    assert terminal_safe("one\ntwo\tthree") == "one\\x0atwo\\x09three"  # a field never starts a line
    assert terminal_safe("one\ntwo\tthree\r", lines=True) == "one\ntwo\tthree\\x0d"
    assert terminal_safe("Zürich 東京 — ok \\x1b") == "Zürich 東京 — ok \\x1b"
    assert terminal_safe("\ud800") == "\\ud800"


def test_xml_safe_escapes_what_xml_forbids():
    for char in ["\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1f", "\ufffe", "\uffff", "\ud800", "\udfff"]:
        assert xml_safe(f"a{char}b") == f"a\\{'x' if ord(char) < 256 else 'u'}{ord(char):0{2 if ord(char) < 256 else 4}x}b"
    assert xml_safe("tab\tand\nnewline") == "tab\tand\nnewline"
    assert xml_safe("é 😀") == "é 😀"


def test_json_safe_uses_json_escapes_so_the_data_reads_back_unchanged():
    value = {"name": "a\x7f\x85\u202e\ufffe b"}
    text = json_safe(json.dumps(value, ensure_ascii=False))
    assert not CONTROL.search(text)
    assert json.loads(text) == value


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text() | st.integers() | st.booleans() | st.none(), inner, max_size=4),
    max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(_JSON_VALUES)
def test_a_report_document_is_the_standard_librarys_indented_json_made_safe(value):
    assert json_safe(jsontext.dumps(value)) == _reference(value)


def _reference(value):
    from imscheck.text import _XML, _utf16

    text = json.dumps(value, indent=2, ensure_ascii=False)  # and json_safe's escapes, without its ASCII shortcut
    return _XML.sub(lambda m: "".join(f"\\u{unit:04x}" for unit in _utf16(m.group())), text)


def test_a_report_document_writes_hostile_text_and_nesting_like_the_standard_library():
    value = {"a": [FORGED, "\ud800", "\ufffe", "", []], "b": {}, "c": [{"d": (1, True, None, "x\ny")}], "e": [[["deep"]]]}
    assert json_safe(jsontext.dumps(value)) == json_safe(json.dumps(value, indent=2, ensure_ascii=False))
    assert json.loads(json_safe(jsontext.dumps(value)))["a"][0] == FORGED
    assert json_safe(jsontext.dumps(["ascii\x7fonly", "\x01"])) == '[\n  "ascii\\u007fonly",\n  "\\u0001"\n]'


def test_problem_render_escapes_file_pointer_and_message():
    problem = Problem("evil\x1b[2J.yaml", 3, 1, "/suppliers/0/\u202ename", "bad \x1b[1Avalue")
    rendered = problem.render()
    assert not CONTROL.search(rendered)
    assert rendered == "evil\\x1b[2J.yaml:3:1: /suppliers/0/\\u202ename: bad \\x1b[1Avalue"


def test_safe_stream_keeps_imscheck_colours_and_escapes_every_other_sequence():
    buffer = io.StringIO()
    SafeStream(buffer).write("\x1b[31mUNMET\x1b[0m \x1b[8mhidden\x1b[0m\x1b[2K\n")
    assert buffer.getvalue() == "\x1b[31mUNMET\x1b[0m \\x1b[8mhidden\x1b[0m\\x1b[2K\n"


def _forged_ims(folder: Path) -> Path:
    ims = folder / "ims"
    ims.mkdir()
    base = (CORPUS / "base.yaml").read_text(encoding="utf-8")
    escaped = json.dumps(FORGED)  # a YAML double-quoted string accepts JSON's escapes
    assert "name: Cloud Co," in base
    (ims / "base.yaml").write_text(base.replace("name: Cloud Co,", f"name: {escaped},"), encoding="utf-8")
    return ims


def test_a_forged_verdict_in_a_supplier_name_cannot_drive_the_terminal(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ims = _forged_ims(tmp_path)
    result = run_cli("check", "ims", "--as-of", "2025-06-30", "--junit", "j.xml", "--json", "j.json")
    assert result.exit_code == 1
    assert not CONTROL.search(result.stdout + result.stderr)
    assert "Cloud\\x1b[2K\\x1b[1A\\x1b[2K\\x0dResult: every evaluated requirement is met.\\u202e\\x9b2J\\x7f" in result.stdout
    # The only verdict line is imscheck's own.
    assert [line for line in result.stdout.splitlines() if line.startswith("Result:")] == [result.stdout.splitlines()[-1]]
    assert "unmet" in result.stdout.splitlines()[-1]
    lxml = pytest.importorskip("lxml.etree")
    junit = lxml.parse(str(tmp_path / "j.xml"), lxml.XMLParser(recover=False))
    assert any("Result: every evaluated" in (f.get("message") or "") for f in junit.iter("failure"))
    report = json.loads((tmp_path / "j.json").read_text(encoding="utf-8"))
    assert any(FORGED in reason for record in report["results"] for reason in record["reasons"])  # JSON keeps the data exact
    assert ims.is_dir()


def test_reports_on_standard_output_are_escaped_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _forged_ims(tmp_path)
    for option in ("--json", "--junit"):
        result = run_cli("check", "ims", "--as-of", "2025-06-30", option, "-")
        assert result.exit_code == 1
        assert not CONTROL.search(result.stdout + result.stderr), option
    report = json.loads(run_cli("check", "ims", "--as-of", "2025-06-30", "--json", "-").stdout)
    assert any(FORGED in reason for record in report["results"] for reason in record["reasons"])


def test_error_messages_quoting_the_input_are_escaped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "ims"
    folder.mkdir()
    (folder / "evil\x1b[2J.yaml").write_text("units: ]\n", encoding="utf-8")
    result = run_cli("validate", "ims")
    assert result.exit_code == 2
    assert not CONTROL.search(result.stdout + result.stderr)
    assert "evil\\x1b[2J.yaml:1:" in result.stderr


@pytest.mark.parametrize("argv", [["check", "ims", "--bo\x1b[2Jgus"], ["check", "ims", "--as-of", "20\x1b[2J\u202e"],
                                  ["explain", "A\x1b[2J\u202e"], ["check", "ims", "--standard", "ISO\x9b2J"]])
def test_usage_errors_quoting_the_command_line_are_escaped(argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ims").mkdir()
    (tmp_path / "ims" / "ims.yaml").write_text((CORPUS / "base.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli(*argv)
    assert result.exit_code == 2
    assert not CONTROL.search(result.stdout + result.stderr), result.stdout + result.stderr
