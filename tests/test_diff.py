"""imscheck diff: arguments, revisions that are not there, and the Markdown for a merge request."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from imscheck.commands.diff import PostureDiff, Side, StatusChange, render_markdown
from imscheck.verdicts.decision import Result
from imscheck.verdicts.findings import Finding

from .conftest import run_cli
from .gitrepo import Repo, needs_git

pytestmark = needs_git

IMS = """\
organisation: {id: acme, name: Acme Hosting Ltd}
management_systems:
  - {id: qms, standard: "ISO9001:2015", scope: {statement: Hosting services}}
roles:
  - {id: r-qm, name: Quality manager, management_systems: [qms]}
documents:
  - {id: doc-proc, title: Design procedure, kind: document, management_systems: [qms], status: approved, approved_by: r-qm,
     approved_on: "2025-01-05", version: "1", path: evidence/proc.md}
"""


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Repo:
    monkeypatch.setenv("HOME", str(tmp_path / "imscheck-home"))
    repo = Repo.init(tmp_path / "repo")
    repo.write("ims/ims.yaml", IMS)
    repo.write("ims/evidence/proc.md", "Procedure v1\n")
    repo.commit("first", "2025-01-05T10:00:00+00:00")
    repo.write("ims/ims.yaml", IMS.replace("status: approved", "status: draft"))
    repo.commit("back to draft", "2025-02-05T10:00:00+00:00")
    monkeypatch.chdir(repo.path)
    return repo


def test_a_second_argument_that_is_a_folder_is_the_path(repo, tmp_path):
    done = run_cli("diff", "HEAD~1", "ims", "--as-of", "2025-06-30", "--json", str(tmp_path / "d.json"))
    assert done.exit_code == 1, done.stderr
    records = json.loads((tmp_path / "d.json").read_text())
    assert records["to"] == {"revision": None, "commit": None}
    assert [f["code"] for f in records["findings"]["new"]] == ["DOC01.not-approved"]
    assert {"requirement": "ISO9001:2015/7.5.2", "standard": "ISO9001:2015", "title": "Creating and updating",
            "before": "met", "after": "unmet"} in records["changed"]


def test_the_later_revision_may_be_the_earlier_one_and_then_findings_resolve(repo):
    done = run_cli("diff", "HEAD", "HEAD~1", "ims", "--as-of", "2025-06-30")
    assert done.exit_code == 0, done.stderr
    assert "1 resolved finding:" in done.stdout and "[DOC01.not-approved]" in done.stdout


def test_an_unknown_revision_says_what_to_do(repo):
    done = run_cli("diff", "no-such-branch", "ims")
    assert done.exit_code == 2
    assert "revision no-such-branch is not in this repository: check its name, or fetch it with 'git fetch origin no-such-branch'" in done.stderr


def test_a_revision_without_the_ims_says_so(repo):
    repo.write("ims/more/extra.yaml", "roles:\n  - {id: r-x, name: X, management_systems: [qms]}\n")
    repo.commit("more", "2025-03-01T10:00:00+00:00")
    done = run_cli("diff", "HEAD~2", "ims/more", "--root", "ims")
    assert done.exit_code == 2 and "ims/more does not exist in revision HEAD~2" in done.stderr


def test_too_many_arguments(repo):
    done = run_cli("diff", "a", "b", "c", "d")
    assert done.exit_code == 2 and "diff takes REV_A [REV_B] [PATH]" in done.stderr


def test_markdown_cells_stay_in_their_table():
    finding = Finding("f" * 32, "DOC01", "DOC01.x", "e", "a | b\nwith `code`", "ims.yaml", 3, 1, "/x", ("ISO9001:2015/7.5.2",))
    result = Result(dt.date(2025, 6, 30), ("ISO9001:2015",), ())
    diff = PostureDiff(Side("main", "a" * 40, result), Side("work tree", None, result),
                       (StatusChange("ISO9001:2015/7.5.2", "ISO9001:2015", "Pipes | here", "met", "unmet"),), (finding,), (), ())
    text = render_markdown(diff)
    assert "| ISO9001:2015/7.5.2 | Pipes \\| here | met | unmet |" in text
    assert "- ims.yaml:3 **DOC01.x**: a \\| b with \\`code\\`" in text
    assert text.startswith("### imscheck: posture from main (aaaaaaaaaaaa) to work tree")


def test_markdown_from_the_repository_cannot_format_or_link():
    # The one Markdown escaper of every report: links, images, HTML and emphasis stay text.
    hostile = "[click](https://example.org) <img src=x> *loud* #tag"
    finding = Finding("f" * 32, "DOC01", "DOC01.x", "e", hostile, "ims.yaml", 3, 1, "/x", ("ISO9001:2015/7.5.2",))
    result = Result(dt.date(2025, 6, 30), ("ISO9001:2015",), ())
    diff = PostureDiff(Side("main", "a" * 40, result), Side("work tree", None, result),
                       (StatusChange("ISO9001:2015/7.5.2", "ISO9001:2015", hostile, "met", "unmet"),), (finding,), (), ())
    text = render_markdown(diff)
    escaped = "\\[click\\](https://example.org) \\<img src=x\\> \\*loud\\* \\#tag"
    assert f"| {escaped} | met | unmet |" in text and f"**DOC01.x**: {escaped}" in text


DRAFT = """\
documents:
  - {id: doc-plan, title: Quality plan, kind: document, management_systems: [qms], status: draft, version: "0",
     path: evidence/proc.md}
"""


@pytest.fixture
def configured(tmp_path, monkeypatch) -> Repo:
    """A repository whose .imscheck.yaml changes: first it excludes a draft file, then it reads it."""
    monkeypatch.setenv("HOME", str(tmp_path / "imscheck-home"))
    repo = Repo.init(tmp_path / "configured")
    repo.write("ims/ims.yaml", IMS)
    repo.write("ims/draft.yaml", DRAFT)
    repo.write("ims/evidence/proc.md", "Procedure v1\n")
    repo.write(".imscheck.yaml", "ims: ['ims/*.yaml']\nexclude: ['ims/draft.yaml']\nevidence_root: ims\n")
    repo.commit("draft kept aside", "2025-01-05T10:00:00+00:00")
    repo.write(".imscheck.yaml", "ims: ['ims/*.yaml']\nevidence_root: ims\n")
    repo.commit("draft read", "2025-02-05T10:00:00+00:00")
    monkeypatch.chdir(repo.path)
    return repo


def test_each_revision_is_checked_with_the_configuration_it_holds(configured, tmp_path):
    # Only the configuration changed: the earlier revision excluded the draft, the later one reads it.
    done = run_cli("diff", "HEAD~1", "HEAD", "--as-of", "2025-06-30", "--json", str(tmp_path / "d.json"))
    assert done.exit_code == 1, done.stdout + done.stderr
    records = json.loads((tmp_path / "d.json").read_text())
    assert [(f["code"], f["location"]["file"]) for f in records["findings"]["new"]] == [("DOC01.not-approved", "draft.yaml")]
    assert records["findings"]["resolved"] == []


def test_a_revision_and_the_work_tree_with_the_same_configuration_agree(configured):
    done = run_cli("diff", "HEAD", "--as-of", "2025-06-30")
    assert done.exit_code == 0, done.stdout + done.stderr
    assert "No requirement changed status." in done.stdout and "0 resolved." in done.stdout


def test_a_revision_whose_configuration_is_wrong_is_a_located_error_naming_the_revision(configured):
    configured.write(".imscheck.yaml", "ims: ['ims/*.yaml']\nevidence_root: ims\nengine: nosuch\n")
    configured.commit("bad engine", "2025-03-05T10:00:00+00:00")
    configured.write(".imscheck.yaml", "ims: ['ims/*.yaml']\nevidence_root: ims\n")
    done = run_cli("diff", "HEAD", "--as-of", "2025-06-30")
    assert done.exit_code == 2
    assert "HEAD:.imscheck.yaml:3:" in done.stderr and "unknown engine 'nosuch'" in done.stderr
    assert "imscheck-diff-" not in done.stderr


def test_no_config_ignores_every_sides_configuration(configured):
    # Without the configuration, PATH names the IMS and the draft is read on both sides.
    done = run_cli("diff", "HEAD~1", "HEAD", "ims", "--no-config", "--as-of", "2025-06-30")
    assert done.exit_code == 0, done.stdout + done.stderr
    assert "0 new findings" in done.stdout


def test_the_rules_are_compiled_once_for_both_sides(configured, monkeypatch):
    from imscheck import api

    calls = []
    real = api.load_rules
    monkeypatch.setattr(api, "load_rules", lambda *args: calls.append(args) or real(*args))
    assert run_cli("diff", "HEAD~1", "HEAD", "--as-of", "2025-06-30").exit_code == 1
    assert len(calls) == 1


def test_an_explicit_configuration_is_read_as_each_revision_holds_it(configured, tmp_path):
    configured.write("ci.imscheck.yaml", "ims: ['ims/*.yaml']\nexclude: ['ims/draft.yaml']\nevidence_root: ims\n")
    done = run_cli("diff", "HEAD", "--config", "ci.imscheck.yaml", "--as-of", "2025-06-30")
    assert done.exit_code == 2 and "--config ci.imscheck.yaml: no such file in revision HEAD" in done.stderr
    configured.commit("ci configuration", "2025-03-05T10:00:00+00:00")
    configured.write("ci.imscheck.yaml", "ims: ['ims/*.yaml']\nevidence_root: ims\n")
    done = run_cli("diff", "HEAD", "--config", "ci.imscheck.yaml", "--as-of", "2025-06-30")
    assert done.exit_code == 1, done.stdout + done.stderr
    assert "1 new finding:" in done.stdout and "draft.yaml:2 [DOC01.not-approved]" in done.stdout


def test_a_committed_link_leaving_the_repository_is_refused_in_a_revision_as_in_the_work_tree(repo, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("not for the report\n")
    evidence = repo.path / "ims" / "evidence" / "proc.md"
    evidence.unlink()
    evidence.symlink_to(secret)
    repo.commit("evidence as a link", "2025-03-05T10:00:00+00:00")
    checked = run_cli("check", "ims", "--as-of", "2025-06-30")
    evidence.unlink()
    evidence.write_text("Procedure v1\n")  # the work tree is clean again: only the revision holds the link
    diffed = run_cli("diff", "HEAD", "ims", "--as-of", "2025-06-30")
    assert checked.exit_code == diffed.exit_code == 2
    problem = [line for line in checked.stderr.splitlines() if "symbolic link that leaves" in line]
    assert len(problem) == 1 and problem[0].startswith("ims.yaml:")
    assert [line for line in diffed.stderr.splitlines() if "symbolic link that leaves" in line] == ["HEAD:ims/" + problem[0]]
    assert "not for the report" not in diffed.stdout + diffed.stderr
