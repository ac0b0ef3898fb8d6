"""The configuration file: found up to the repository's top, checked with located errors, overridden by options."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from imscheck.errors import InputError
from imscheck.load.config import find_config, glob_regex, load_config

from .conftest import run_cli, write
from .test_reports import DATA, IMS


@pytest.fixture
def repository(tmp_path: Path, monkeypatch) -> Path:
    """A compliance team's repository: mkdocs, a rule folder, YAML evidence beside the IMS."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo, "mkdocs.yml", "site_name: Our IMS\nnav: [{Home: index.md}]\n")
    write(repo, "ims/ims.yaml", IMS.replace("path: minutes.md", "path: evidence/minutes.yaml"))
    write(repo, "evidence/minutes.yaml", "attendees: [ceo, ims-manager]\ndecisions: [budget approved]\n")
    shutil.copytree(DATA, repo / "our-rules")
    write(repo, ".imscheck.yaml", """\
        ims: ["ims/**/*.yaml"]
        exclude: ["ims/drafts/**"]
        evidence_root: "."
        rules: [our-rules]
        standards: ["ISO9001:2015"]
        reports: {json: out/report.json}
        """)
    (repo / "out").mkdir()
    monkeypatch.chdir(repo)
    return repo


def test_check_dot_works_through_the_configuration(repository):
    write(repository, "ims/drafts/wip.yaml", "this: is not an IMS file\n")
    result = run_cli("check", ".", "--as-of", "2025-06-30", "--no-builtin")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "configuration: .imscheck.yaml; evidence root: ." in result.stdout
    report = json.loads((repository / "out" / "report.json").read_text())
    assert report["configuration"] == ".imscheck.yaml" and report["evidence_root"] == "."
    assert report["standards"] == ["ISO9001:2015"]
    met = {r["requirement"]: r["evidence"] for r in report["results"] if r["status"] == "met"}
    assert met["ISO9001:2015/9.3.1"] == ["minutes", "mr"]


def test_check_without_path_uses_the_globs_from_a_sub_folder(repository, monkeypatch):
    monkeypatch.chdir(repository / "ims")
    result = run_cli("check", "--as-of", "2025-06-30", "--no-builtin")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "evidence root: .." not in result.stdout  # shown absolute when outside the current folder
    assert f"evidence root: {repository.as_posix()}" in result.stdout


def test_command_line_options_win(repository, tmp_path):
    result = run_cli("check", ".", "--as-of", "2025-06-30", "--no-builtin", "--standard", "ISO27001:2022",
                     "--json", str(tmp_path / "cli.json"))
    assert result.exit_code == 1, result.stdout + result.stderr  # its review does not cover the ISMS
    assert json.loads((tmp_path / "cli.json").read_text())["standards"] == ["ISO27001:2022"]
    assert not (repository / "out" / "report.json").exists()


def test_no_config_behaves_as_before(repository):
    result = run_cli("check", ".", "--as-of", "2025-06-30", "--no-config", "--no-builtin", "--rules", "our-rules")
    assert result.exit_code == 2
    assert "mkdocs.yml" in result.stderr  # without the globs, the whole folder is read as the IMS


def test_missing_evidence_file_names_the_resolved_path(repository):
    (repository / "evidence" / "minutes.yaml").unlink()
    result = run_cli("validate")
    assert result.exit_code == 0
    assert f"(looked for {repository / 'evidence' / 'minutes.yaml'})" in result.stderr


def test_configuration_errors_are_located(repository):
    write(repository, ".imscheck.yaml", 'ims: ["ims/*.yaml"]\nengin: python\nrules: [nowhere]\n')
    result = run_cli("check", ".")
    assert result.exit_code == 2
    assert ".imscheck.yaml:2:1: /engin: unknown field 'engin': did you mean 'engine'?" in result.stderr


def test_a_missing_rule_folder_is_named_with_its_resolved_path(repository):
    write(repository, ".imscheck.yaml", 'ims: ["ims/*.yaml"]\nrules: [nowhere]\n')
    result = run_cli("check", ".")
    assert result.exit_code == 2
    assert f".imscheck.yaml:2:9: /rules/0: no such folder: {repository / 'nowhere'}" in result.stderr


def test_unknown_report_format_and_engine_are_located(repository):
    write(repository, ".imscheck.yaml", 'ims: ["ims/*.yaml"]\nengine: prolog\nreports: {pdf: x.pdf}\nstandards: ["ISO9001:2016"]\n')
    result = run_cli("check", ".")
    assert result.exit_code == 2
    assert ".imscheck.yaml:4:13: /standards/0: unknown standard id 'ISO9001:2016'" in result.stderr
    assert ".imscheck.yaml:2:9: /engine: unknown engine 'prolog'" in result.stderr
    assert ".imscheck.yaml:3:11: /reports/pdf: unknown report format 'pdf'" in result.stderr


def test_a_glob_that_matches_nothing_is_an_error(repository):
    write(repository, ".imscheck.yaml", 'ims: ["imss/*.yaml"]\n')
    result = run_cli("validate")
    assert result.exit_code == 2
    assert ".imscheck.yaml:1:7: /ims/0: the glob 'imss/*.yaml' matches no file" in result.stderr


def test_search_stops_at_the_repository_top(tmp_path):
    write(tmp_path, ".imscheck.yaml", "ims: ['*.yaml']\n")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "ims").mkdir()
    assert find_config(tmp_path / "repo" / "ims") is None
    assert find_config(tmp_path / "other") == tmp_path / ".imscheck.yaml"


def test_an_empty_configuration_takes_every_default(tmp_path):
    write(tmp_path, ".imscheck.yaml", "")
    config = load_config(tmp_path / ".imscheck.yaml")
    assert config.ims == () and config.rules == () and config.reports == {}


def test_yaml_problems_in_the_configuration_are_located(tmp_path):
    write(tmp_path, ".imscheck.yaml", "ims: [a\n")
    with pytest.raises(InputError) as caught:
        load_config(tmp_path / ".imscheck.yaml")
    assert caught.value.problems[0].file.endswith(".imscheck.yaml")


@pytest.mark.parametrize("pattern, path, matches", [
    ("ims/**/*.yaml", "ims/a.yaml", True),
    ("ims/**/*.yaml", "ims/x/y/a.yaml", True),
    ("ims/*.yaml", "ims/x/a.yaml", False),
    ("docs", "docs/index.yaml", True),
    ("**/draft-*.yaml", "ims/q/draft-1.yaml", True),
    ("a?.yaml", "ab.yaml", True),
])
def test_globs(pattern, path, matches):
    assert bool(glob_regex(pattern).fullmatch(path)) is matches


def test_the_evidence_root_in_reports_does_not_depend_on_where_the_repository_is(repository, tmp_path):
    result = run_cli("check", "ims", "--no-config", "--root", ".", "--as-of", "2025-06-30", "--no-builtin",
                     "--rules", "our-rules", "--json", str(tmp_path / "r.json"))
    assert result.exit_code == 1, result.stderr
    assert json.loads((tmp_path / "r.json").read_text())["evidence_root"] == ".."  # relative to PATH
    assert "configuration: none; evidence root: ." in result.stdout  # for people: from the current folder
