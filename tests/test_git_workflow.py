"""The git workflow of a compliance team, end to end, on the northwind example committed to a fresh repository.

The IMS sits in a sub-folder (``compliance/``) of a repository that also holds
other work, as in a monorepo. Dates are fixed, and the check judges as of
2025-11-30 like the example's README.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import run_cli
from .golden import EXAMPLES
from .gitrepo import Repo, needs_git

pytestmark = needs_git

AS_OF = "2025-11-30"
POLICY = "evidence/policies/integrated-ims-policy.md"
UNTRACKED = "evidence/context/context-review-2025-06-24.md"
CHANGED = ("The file evidence/policies/integrated-ims-policy.md of integrated-ims-policy-doc (Integrated quality, service "
           "management and information security policy) for {standard} changed on 2025-11-10 in {commit} after approval "
           "on 2025-03-03: re-approve or revert.")


@pytest.fixture
def team(tmp_path, monkeypatch):
    """The repository after two commits: the IMS moved into git (one file forgotten), then the policy edited."""
    monkeypatch.setenv("HOME", str(tmp_path / "imscheck-home"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    repo = Repo.init(tmp_path / "team")
    ims = repo.path / "compliance"
    for part in ("ims", "evidence"):
        shutil.copytree(EXAMPLES / "northwind-services" / part, ims / part)
    repo.write("app/README.md", "Other work in the same repository.\n")
    repo.git("add", "-A")
    repo.git("rm", "-q", "--cached", "compliance/" + UNTRACKED)  # the file someone forgot to add
    repo.git("commit", "-q", "-m", "Move the IMS into git", date="2025-10-01T09:00:00+02:00")
    repo.before = repo.path.parent / "before.json"
    assert check(ims, "--json", str(repo.before)).exit_code == 1
    with open(ims / POLICY, "a", encoding="utf-8") as policy:
        policy.write("\nAn edit nobody approved.\n")
    repo.changed = repo.commit("Edit the policy", "2025-11-10T16:00:00+01:00", "compliance/" + POLICY)
    repo.ims = ims
    monkeypatch.chdir(repo.path)
    return repo


def check(ims: Path, *options: str):
    return run_cli("check", str(ims), "--as-of", AS_OF, *options)


def report(ims: Path, *options: str) -> dict:
    done = check(ims, "--json", "-", *options)
    assert done.exit_code in (0, 1), done.stderr
    return json.loads(done.stdout)


def changed_findings(records: dict) -> list[dict]:
    return [f for f in records["findings"] if f["code"] == "DOC01.changed-after-approval"]


def test_an_untracked_evidence_file_is_flagged_and_missing_when_commits_are_required(team):
    done = check(team.ims)
    assert "1 evidence file is not committed" in done.stdout
    assert f"  untracked {UNTRACKED} (context-review-2025-record)" in done.stdout
    assert done.stdout.count(UNTRACKED) == 1  # listed once
    records = report(team.ims)
    assert [(e["path"], e["state"]) for e in records["git"]["uncommitted"]] == [(UNTRACKED, "untracked")]
    assert records["git"]["branch"] == "main" and records["git"]["shallow"] is False
    # Without --require-committed the file is there, so nothing about it fails.
    assert not [f for f in records["findings"] if f["entity"] == "context-review-2025-record"]
    strict = report(team.ims, "--require-committed")
    missing = [f for f in strict["findings"] if f["entity"] == "context-review-2025-record"]
    # What a fresh clone would report: the record is missing for document control and for the control it evidences.
    assert sorted((f["code"], f["requirements"][0]) for f in missing) == [
        ("CTL01.evidence-file-missing", "ISO27001:2022/A.5.31"), ("DOC01.file-missing", "ISO9001:2015/7.5.2")]


def test_modified_evidence_counts_as_missing_only_when_commits_are_required(team):
    record = "evidence/audits/audit-report-2025-03-hosting.md"
    with open(team.ims / record, "a", encoding="utf-8") as file:
        file.write("\nA note added after the audit, not committed.\n")
    records = report(team.ims)
    uncommitted = {e["path"]: (e["state"], e["entity"]) for e in records["git"]["uncommitted"]}
    assert uncommitted[record][0] == "modified" and uncommitted[UNTRACKED][0] == "untracked"
    entity = uncommitted[record][1]
    assert not [f for f in records["findings"] if f["entity"] == entity]
    strict = report(team.ims, "--require-committed")
    assert "DOC01.file-missing" in {f["code"] for f in strict["findings"] if f["entity"] == entity}


def test_each_evidence_item_carries_its_git_state(team):
    records = report(team.ims)
    policy = next(r for r in records["results"] if r["requirement"] == "ISO9001:2015/5.2")
    state = next(e for e in policy["evidence_state"] if e["entity"] == "integrated-ims-policy-doc")
    assert state == {"entity": "integrated-ims-policy-doc", "path": POLICY, "state": "committed", "commit": team.changed,
                     "date": "2025-11-10", "author": "Ada Auditor", "shallow": False, "change": "modified"}
    assert policy["evidence"] == sorted(policy["evidence"]) and "integrated-ims-policy-doc" in policy["evidence"]


def test_editing_an_approved_document_in_a_new_commit_is_a_finding(team):
    records = report(team.ims)
    [finding] = changed_findings(records)
    # One finding for the three standards; its message is the first of theirs.
    assert finding["message"] == CHANGED.format(standard="ISO20000-1:2018", commit=team.changed[:12])
    assert finding["requirements"] == ["ISO9001:2015/7.5.2", "ISO9001:2015/7.5.3", "ISO9001:2015/7.5.3.1", "ISO9001:2015/7.5.3.2",
                                       "ISO20000-1:2018/7.5.2", "ISO20000-1:2018/7.5.3", "ISO27001:2022/7.5.2", "ISO27001:2022/7.5.3"]
    assert finding["location"]["file"] == "ims/documents.yaml" and finding["location"]["pointer"] == "/documents/1/approved_on"


def test_the_durable_engine_sees_the_change_too(team):
    pytest.importorskip("durable")
    assert changed_findings(report(team.ims, "--engine", "durable")) == changed_findings(report(team.ims))


def test_an_edit_of_the_yaml_alone_is_no_change_of_the_evidence(team):
    documents = team.ims / "ims" / "documents.yaml"
    documents.write_text(documents.read_text(encoding="utf-8").replace('version: "3.0"', 'version: "3.0" # reviewed wording', 1),
                         encoding="utf-8")
    team.commit("Comment in the YAML", "2025-11-20T10:00:00+00:00")
    assert len(changed_findings(report(team.ims))) == 1  # still only the policy file's own edit


def test_diff_shows_the_new_finding_and_exits_1(team, tmp_path):
    done = run_cli("diff", "HEAD~1", "compliance", "--as-of", AS_OF, "--json", str(tmp_path / "diff.json"),
                   "--markdown", str(tmp_path / "diff.md"))
    assert done.exit_code == 1, done.stderr
    assert "imscheck diff: HEAD~1 (" in done.stdout and ") -> work tree, as of 2025-11-30" in done.stdout
    assert "1 new finding:" in done.stdout and "[DOC01.changed-after-approval]" in done.stdout
    records = json.loads((tmp_path / "diff.json").read_text())
    assert [f["code"] for f in records["findings"]["new"]] == ["DOC01.changed-after-approval"]
    # HEAD~1 as committed never had the forgotten record; the work tree has it.
    assert sorted((f["code"], f["entity"]) for f in records["findings"]["resolved"]) == [
        ("CTL01.evidence-file-missing", "context-review-2025-record"), ("DOC01.file-missing", "context-review-2025-record")]
    assert records["from"]["commit"] == team.git("rev-parse", "HEAD~1").strip() and records["to"] == {"revision": None, "commit": None}
    # The document control requirements were already unmet in HEAD~1 (the forgotten record was missing there):
    # the edit is a new cause, not a new unmet requirement; the record's control is met in the work tree.
    assert [(c["requirement"], c["before"], c["after"]) for c in records["changed"]] == [("ISO27001:2022/A.5.31", "unmet", "met")]
    markdown = (tmp_path / "diff.md").read_text()
    assert markdown.startswith("### imscheck: posture from HEAD\\~1 (")
    assert "| ISO27001:2022/A.5.31 | Legal, statutory, regulatory and contractual requirements | unmet | met |" in markdown
    assert "#### New findings" in markdown and "**DOC01.changed-after-approval**" in markdown
    # Between the same two commits, named explicitly: the same answer, and the work tree is not touched.
    status = team.git("status", "--porcelain")
    explicit = run_cli("diff", "HEAD~1", "HEAD", "compliance", "--as-of", AS_OF)
    assert explicit.exit_code == 1 and "1 new finding:" in explicit.stdout
    assert team.git("status", "--porcelain") == status
    assert run_cli("diff", "HEAD", "compliance", "--as-of", AS_OF).exit_code == 0  # nothing new since HEAD


def test_diff_head_1_from_the_ims_folder(team, monkeypatch):
    monkeypatch.chdir(team.ims)
    done = run_cli("diff", "HEAD~1", "--as-of", AS_OF)
    assert done.exit_code == 1 and "1 new finding:" in done.stdout


def test_a_baseline_fails_only_on_new_findings(team, tmp_path):
    done = check(team.ims, "--baseline", str(team.before))
    assert done.exit_code == 1
    assert "Baseline " in done.stdout and ": 1 new, 3 accepted, 0 resolved" in done.stdout
    new_lines = [line for line in done.stdout.splitlines() if line.startswith("  NEW ")]
    assert len(new_lines) == 1 and "[DOC01.changed-after-approval]" in new_lines[0]
    assert done.stdout.rstrip().endswith("Result: 1 new finding.")
    after = tmp_path / "after.json"
    check(team.ims, "--json", str(after))
    accepted = check(team.ims, "--baseline", str(after))
    assert accepted.exit_code == 0 and accepted.stdout.rstrip().endswith("Result: no new findings.")
    # Revert the edit: the baseline's finding is listed as resolved.
    team.git("revert", "--no-edit", "HEAD", date="2025-11-12T09:00:00+00:00")
    resolved = check(team.ims, "--baseline", str(after))
    assert resolved.exit_code == 0 and "  RESOLVED [DOC01.changed-after-approval]" in resolved.stdout


@pytest.mark.parametrize("content, where", [
    ("{not json", ":1:2: /: not valid JSON"),
    ('{"results": []}', ":1:1: /: not an imscheck JSON report"),
    ('{"findings": [\n {"fingerprint": "abc"}]}', ":2:1: /findings/0/fingerprint: this finding has no valid fingerprint")])
def test_a_bad_baseline_is_a_located_error(team, tmp_path, content, where):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    done = check(team.ims, "--baseline", str(bad))
    assert done.exit_code == 2 and f"{bad}{where}" in done.stderr and "Traceback" not in done.stderr


def test_an_expired_waiver_fails_and_a_valid_one_waives(team):
    fingerprint = changed_findings(report(team.ims))[0]["fingerprint"]

    def waive(expires: str) -> None:
        (team.ims / "ims" / "waivers.yaml").write_text(f"""\
waivers:
  - id: waiver-policy-edit
    management_systems: [qms, sms, isms]
    finding: {fingerprint}
    justification: The edit is a typo fix; the management review of December re-approves the policy.
    owner: ims-manager
    approved_by: managing-director
    expires: "{expires}"
""", encoding="utf-8")

    waive("2025-11-15")
    records = report(team.ims)
    verdict = next(r for r in records["results"] if r["requirement"] == "ISO9001:2015/7.5.2")
    assert verdict["status"] == "unmet"
    assert [d["code"] for d in verdict["details"]] == ["DOC01.changed-after-approval", "waiver.expired"]
    waive("2025-12-31")
    records = report(team.ims)
    verdict = next(r for r in records["results"] if r["requirement"] == "ISO9001:2015/7.5.2")
    assert verdict["status"] == "waived" and verdict["waivers"][0]["id"] == "waiver-policy-edit"
    assert changed_findings(records)[0]["waiver"] == "waiver-policy-edit"
    assert "  WAIVED ISO9001:2015/7.5.2 Creating and updating: waived by waiver-policy-edit until 2025-12-31" in check(team.ims).stdout


def test_a_shallow_clone_marks_its_dates_and_diff_says_how_to_fetch(team, tmp_path):
    clone = team.clone(tmp_path / "ci", "--depth", "1")
    ims = clone.path / "compliance"
    records = report(ims)
    assert records["git"]["shallow"] is True
    assert any("shallow clone" in note for note in records["notes"])
    # Every file seems added by the one commit the clone knows: no change after approval can be told from that.
    assert changed_findings(records) == []
    done = run_cli("diff", "HEAD~1", str(ims), "--as-of", AS_OF)
    assert done.exit_code == 2
    assert "revision HEAD~1 is not in this clone, which is shallow" in done.stderr and "git fetch --deepen" in done.stderr


def test_a_detached_head_is_checked_like_a_branch(team):
    team.git("checkout", "-q", "--detach", "HEAD")
    records = report(team.ims)
    assert records["git"]["detached"] is True and records["git"]["branch"] is None
    assert len(changed_findings(records)) == 1


def test_without_git_everything_else_works_and_says_so_once(team, tmp_path):
    plain = tmp_path / "export"
    shutil.copytree(team.ims, plain)
    done = check(plain)
    assert done.exit_code == 1
    assert done.stdout.count("git features are unavailable") == 1
    strict = check(plain, "--require-committed")
    assert strict.exit_code == 2 and "--require-committed needs the IMS inside a git work tree" in strict.stderr
    outside = run_cli("diff", "HEAD~1", str(plain))
    assert outside.exit_code == 2
