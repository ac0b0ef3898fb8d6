"""validate checks everything that needs no evaluation in one pass, with warnings that keep exit 0."""

from __future__ import annotations

import os
import re
import subprocess
import sys
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


def test_every_warning_is_one_located_value_printed_one_way(tmp_path: Path):
    # A YAML 1.1 value (lint) and a tag outside its system (tagcheck) print alike, in imscheck's one warning form.
    write(tmp_path, "ims.yaml", with_minimal("""\
        documents:
          - {id: d1, title: D, kind: record, management_systems: [qms], retention: 1e3, requirements: ["ISO27001:2022/8.3"]}
        """))
    result = run_cli("validate", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert all(re.fullmatch(r"ims\.yaml:13:\d+: warning: [^/].*", line) for line in lines), lines


def test_yaml_1_1_warnings_are_found_when_the_file_comes_from_the_parse_cache(tmp_path: Path):
    # Fresh processes sharing only the cache folder: the first parses and fills the cache, the later ones
    # read the data from it. The file has no other warning, so nothing else composes its nodes first.
    write(tmp_path / "ims", "ims.yaml", with_minimal("""\
        policies:
          - {id: pol, title: P, management_systems: [qms], communicated: yes}
        """))
    env = dict(os.environ, IMSCHECK_CACHE_DIR=str(tmp_path / "cache"))
    runs = [subprocess.run([sys.executable, "-m", "imscheck", "validate", str(tmp_path / "ims")], env=env,
                           capture_output=True, text=True) for _ in range(3)]
    assert any((tmp_path / "cache").iterdir()), "the first run fills the cache"
    assert "'yes' is true or false to imscheck (YAML 1.1)" in runs[0].stderr
    for later in runs[1:]:
        assert (later.returncode, later.stdout, later.stderr) == (0, runs[0].stdout, runs[0].stderr)


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
        composed = list(yaml11._walk(source, source._root(), set()))
        assert sorted(set(from_events)) == sorted(set(composed)), name
        found += len(composed)
    assert found > 15
