"""Loading an IMS: merging files, and every problem reported at once, located."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from imscheck.knowledge.catalogue import load_catalogue
from imscheck.errors import InputError
from imscheck.load.ims import load_ims

from .conftest import MINIMAL_IMS, run_cli, with_minimal, write


def load(path: Path, root: Path | None = None):
    catalogue = load_catalogue()
    return load_ims(path, lambda rid: rid in catalogue.requirements, root)


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load(path)
    return [p.render() for p in caught.value.problems]


def test_folder_of_files_is_merged(tmp_path):
    write(tmp_path, "ims/org.yaml", MINIMAL_IMS)
    write(tmp_path, "ims/more/processes.yaml", """\
        processes:
          - {id: p-incident, name: Incident management, management_systems: [qms], units: [ops]}
        """)
    write(tmp_path, ".github/workflows/ci.yml", "on: push\n")  # hidden folders are not the IMS
    ims = load(tmp_path)
    assert [e.id for e in ims.of_type("process")] == ["p-incident"]
    assert ims.by_id["p-incident"].source.file == "ims/more/processes.yaml"
    assert sorted(ims.claimed_standards()) == ["ISO27001:2022", "ISO9001:2015"]


def test_every_problem_is_reported_at_once_with_file_line_and_pointer(tmp_path):
    write(tmp_path, "a.yaml", with_minimal("""\
        processes:
          - {id: p1, name: One, management_systems: [qms], ownr: x}
          - {id: p2, name: Two, management_systems: [qms], units: [opps]}
        """))
    write(tmp_path, "b.yaml", """\
        documents:
          - {id: p1, title: Dup, kind: record, management_systems: [qms]}
          - {id: d2, title: Bad date, kind: record, management_systems: [qms], approved_on: 2025-02-30}
        """)
    found = problems(tmp_path)
    assert "a.yaml:13:52: /processes/0/ownr: unknown field 'ownr': did you mean 'owner'?" in found
    assert "b.yaml:3:85: /documents/1/approved_on: '2025-02-30' is not a date: write it as YYYY-MM-DD" in found
    assert "b.yaml:2:10: /documents/0/id: id 'p1' is already used by a process at a.yaml:13: ids must be unique across the IMS" in found
    assert "a.yaml:14:60: /processes/1/units/0: no unit has id 'opps': did you mean 'ops'?" in found
    assert len(found) == 4


def test_duplicate_ids_across_files_name_both_places(tmp_path):
    write(tmp_path, "a.yaml", MINIMAL_IMS)
    write(tmp_path, "b.yaml", "units:\n  - {id: ops, name: Ops again}\n")
    [found] = problems(tmp_path)
    assert found.startswith("b.yaml:2:10: /units/0/id: id 'ops' is already used by a unit at a.yaml:3")


def test_dangling_references_suggest_the_right_id(tmp_path):
    write(tmp_path, "ims.yaml", with_minimal("""\
        processes:
          - {id: p2, name: Two, management_systems: [qms, isms], units: [opps]}
        documents:
          - {id: d1, title: Scope, kind: document, management_systems: [qsm]}
        """))
    found = problems(tmp_path / "ims.yaml")
    assert any("/processes/0/units/0: no unit has id 'opps': did you mean 'ops'?" in f for f in found)
    assert any("/documents/0/management_systems/0: no management system has id 'qsm': did you mean 'qms'?" in f for f in found)


def test_reference_to_an_entity_of_the_wrong_type_says_what_it_is(tmp_path):
    write(tmp_path, "ims.yaml", MINIMAL_IMS + "processes:\n  - {id: p1, name: P, management_systems: [qms], units: [qms]}\n")
    [found] = problems(tmp_path / "ims.yaml")
    assert "no unit has id 'qms' (it is a management_system)" in found


def test_unknown_requirement_ids_are_errors(tmp_path):
    text = MINIMAL_IMS.replace("units: [ops, dev]}", "units: [ops, dev], exclusions: [{requirement: 'ISO9001:2015/8.9', justification: No design}]}")
    write(tmp_path, "ims.yaml", text)
    [found] = problems(tmp_path / "ims.yaml")
    assert "ISO9001:2015/8.9 is not a requirement imscheck knows" in found


def test_two_management_systems_for_one_standard(tmp_path):
    write(tmp_path, "ims.yaml", MINIMAL_IMS + '  - {id: qms2, standard: "ISO9001:2015", scope: {statement: Again}}\n')
    [found] = problems(tmp_path / "ims.yaml")
    assert "ISO9001:2015 is already claimed by management system 'qms'" in found


def test_no_management_system_is_an_error(tmp_path):
    write(tmp_path, "ims.yaml", "organisation: {id: acme, name: Acme}\n")
    [found] = problems(tmp_path / "ims.yaml")
    assert "no management system is claimed" in found


def test_unit_cycles_are_refused(tmp_path):
    write(tmp_path, "ims.yaml", MINIMAL_IMS.replace("{id: ops, name: Operations}", "{id: ops, name: Operations, parent: dev}")
          .replace("{id: dev, name: Development}", "{id: dev, name: Development, parent: ops}"))
    found = problems(tmp_path / "ims.yaml")
    assert any("units form a cycle (dev -> ops -> dev)" in f for f in found)


def test_empty_file_and_empty_folder(tmp_path):
    write(tmp_path, "a/ims.yaml", "")
    assert problems(tmp_path / "a") == ["ims.yaml:1:1: /: the file is empty: describe part of the IMS or delete the file"]
    (tmp_path / "b").mkdir()
    assert "holds no .yaml or .yml file" in problems(tmp_path / "b")[0]


@pytest.mark.parametrize("path, expected", [
    ("/etc/passwd", "is absolute"),
    ("../outside.md", "leaves the repository through '..'"),
    ("evidence/../../outside.md", "leaves the repository through '..'"),
])
def test_evidence_paths_must_stay_inside_the_repository(tmp_path, path, expected):
    write(tmp_path, "ims.yaml", MINIMAL_IMS + f"documents:\n  - {{id: d1, title: T, kind: record, management_systems: [qms], path: '{path}'}}\n")
    [found] = problems(tmp_path)
    assert "/documents/0/path" in found and expected in found


def test_evidence_symlink_out_of_the_repository_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("x")
    repo = tmp_path / "repo"
    write(repo, "ims.yaml", MINIMAL_IMS + "documents:\n  - {id: d1, title: T, kind: record, management_systems: [qms], path: link/secret.md}\n")
    os.symlink(outside, repo / "link")
    [found] = problems(repo)
    assert "symbolic link that leaves the repository" in found


def test_validate_command_prints_every_problem_and_exits_2(tmp_path):
    write(tmp_path, "ims.yaml", MINIMAL_IMS + "objectives:\n  - {id: o1, description: D, management_systems: [qms], due: soon}\n")
    result = run_cli("validate", str(tmp_path))
    assert result.exit_code == 2
    assert "ims.yaml:13:62: /objectives/0/due: 'soon' is not a date: write it as YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_validate_command_accepts_a_valid_ims(tmp_path):
    write(tmp_path, "ims.yaml", MINIMAL_IMS)
    result = run_cli("validate", str(tmp_path / "ims.yaml"))
    assert result.exit_code == 0 and "valid (5 entities in 1 file)" in result.stdout


def test_an_ims_file_linked_from_outside_the_repository_is_not_read(tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(MINIMAL_IMS)
    repo = tmp_path / "repo"
    repo.mkdir()
    os.symlink(outside, repo / "ims.yaml")
    [found] = problems(repo)
    assert found == "ims.yaml:1:1: /: this file is a symbolic link that leaves the repository: copy the file into it"
