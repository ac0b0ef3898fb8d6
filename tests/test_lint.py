"""validate checks everything that needs no evaluation in one pass, with warnings that keep exit 0."""

from __future__ import annotations

from pathlib import Path

from .conftest import run_cli, with_minimal, write


def test_path_escapes_are_reported_with_schema_and_reference_problems(tmp_path: Path):
    write(tmp_path, "ims.yaml", with_minimal("""\
        documents:
          - {id: d1, title: D, kind: record, management_systems: [qms], path: ../outside.md}
          - {id: d2, title: D, kind: rekord, management_systems: [qms], path: /etc/passwd}
          - {id: d3, title: D, kind: record, management_systems: [qmz], path: ok.md}
        """))
    result = run_cli("validate", str(tmp_path))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert any("/documents/0/path: evidence path '../outside.md' leaves the repository" in l for l in lines)
    assert any("/documents/1/kind: 'rekord' is not allowed" in l for l in lines)
    assert any("/documents/1/path: evidence path '/etc/passwd' is absolute" in l for l in lines)
    assert any("/documents/2/management_systems/0: no management system has id 'qmz'" in l for l in lines)
    assert lines[-1] == "imscheck: 4 problems found; nothing was checked and no report was written"


def test_warnings_for_missing_files_forbidden_exclusions_and_yaml_versions(tmp_path: Path):
    write(tmp_path, "ims.yaml", with_minimal("""\
        documents:
          - {id: d1, title: D, kind: record, management_systems: [qms], path: missing.md}
          - {id: d2, title: D, kind: record, management_systems: [qms], path: empty.md, retention: 1e3}
        policies:
          - {id: pol, title: P, management_systems: [qms], communicated: yes}
        """).replace("scope: {statement: Hosting platform, units: [ops]}",
                     'scope: {statement: Hosting platform, units: [ops], exclusions: [{requirement: "ISO27001:2022/6.1.2", justification: No.}]}'))
    (tmp_path / "empty.md").write_text("")
    result = run_cli("validate", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert "valid (8 entities in 1 file, 5 warnings)" in result.stdout
    warnings = result.stderr.splitlines()
    assert len(warnings) == 5 and all(": warning: " in w for w in warnings)
    text = "\n".join(warnings)
    assert f"the evidence file of document d1 is missing (looked for {tmp_path.resolve() / 'missing.md'})" in text
    assert "the evidence file of document d2 is empty" in text
    assert "ISO27001:2022/6.1.2 (Information security risk assessment) may not be excluded under ISO27001:2022" in text
    assert "'1e3' is text to imscheck (YAML 1.1) but a number to YAML 1.2 tools" in text
    assert "'yes' is true or false to imscheck (YAML 1.1) but text to YAML 1.2 tools" in text
    # The second run reads the file from the parse cache: the same warnings, found on the cached data.
    again = run_cli("validate", str(tmp_path))
    assert again.stderr == result.stderr and again.stdout == result.stdout


def test_yaml_1_1_values_where_text_is_expected_say_how_to_quote(tmp_path: Path):
    write(tmp_path, "ims.yaml", with_minimal("""\
        documents:
          - {id: d1, title: on, kind: record, management_systems: [qms], version: 1.2}
        """))
    result = run_cli("validate", str(tmp_path))
    assert result.exit_code == 2
    assert "/documents/0/title: expected text, found true or false: 'on' was read as true (YAML 1.1); write \"on\" in quotes" in result.stderr
    assert "/documents/0/version: expected text, found a number: '1.2' was read as the number 1.2 (YAML 1.1); write \"1.2\" in quotes" in result.stderr


def test_quoted_values_raise_no_warning(tmp_path: Path):
    write(tmp_path, "ims.yaml", with_minimal("""\
        documents:
          - {id: d1, title: "on", kind: record, management_systems: [qms], version: "1.2", retention: "1e3", last_reviewed: 2025-01-01}
        """))
    result = run_cli("validate", str(tmp_path))
    assert result.exit_code == 0 and result.stderr == ""


YAML_1_1_TEXTS = [
    "a: yes\nb: [on, 1:30, '1e3', 1e3, ~, null, Null, 0o17, 0x1F, 012, .5, 1_000, !!str on, ! off]\nc: {d: [{e: no}]}\n",
    "- [yes, {a: on}]\n- - no\n  - n\n- 2025-01-01\n",
    "base: &b {x: on, y: [off, 'on']}\nlist: &l\n  - *b\n  - {z: *b, w: &s yes}\nagain: *l\nmore: [*s, *s]\n",
    "on\n", "",
]


def test_yaml_1_1_warnings_from_events_are_those_of_the_composed_nodes():
    # validate reads them from the parser's events; the node walk they replace is the reference.
    from imscheck.load import yaml11
    from imscheck.load.yamlsource import read_yaml_text
    from tests.test_parsecache import CORPUS

    found = 0
    for name, text in [*CORPUS, *((f"text{i}", t) for i, t in enumerate(YAML_1_1_TEXTS))]:
        try:
            source = read_yaml_text(text, name)
        except Exception:
            continue
        from_events = yaml11._from_events(source)
        assert from_events is not None
        composed = list(yaml11._walk(source, source._root(), []))
        assert [p.render() for p in from_events] == [p.render() for p in composed], name
        found += len(composed)
    assert found > 20
