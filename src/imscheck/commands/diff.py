"""``imscheck diff REV_A [REV_B] [PATH]``: how the posture changed between two revisions.

Each revision is read from git's objects (``git archive`` into a temporary
folder), never by checking it out, so the user's work tree is untouched; the
later side defaults to the work tree as it is. Every side goes through
``check``'s own pipeline (``api.check_ims``): options, ``.imscheck.yaml``,
engine, standards and evidence root are settled as ``check`` settles them,
and a revision reads the configuration it held itself, since a change of
configuration is part of the change. Both are judged as of the same day. The diff names the requirements whose status changed and the findings
that are new, resolved or unchanged, for a person, a script (JSON) or a
merge-request comment (Markdown).

It exits 1 when the later revision has a requirement newly unmet or a new
finding (a new cause, even of a requirement that was already unmet), so it can
gate a merge request; 0 otherwise; 2 on errors.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from .. import api
from ..errors import EXIT_MET, EXIT_UNMET, InputError, UsageError
from ..evidence.git import GitError, GitEvidence, extract_tree, git, locate, read_revision
from ..load.ims import default_root
from ..output import STDOUT, check_targets, write_reports
from ..reports.json_report import finding_record
from ..reports.markdown import escape
from ..verdicts.decision import UNMET, Result
from ..verdicts.findings import Finding
from ..text import json_safe, plural

WORK_TREE = "work tree"


@dataclass
class DiffOptions:
    revisions: list[str]  # REV_A [REV_B] [PATH], as typed: the second may be a path
    root: Path | None = None
    standards: list[str] = field(default_factory=list)
    as_of: dt.date | None = None
    rules_dirs: list[Path] = field(default_factory=list)
    builtin_rules: bool = True
    engine: str | None = None  # None: the configuration's, else python
    reports: dict[str, str] = field(default_factory=dict)  # json / markdown -> target
    config: Path | None = None  # an explicit configuration file; inside the repository, each revision reads its own version
    no_config: bool = False


@dataclass(frozen=True)
class Side:
    label: str  # as the user wrote it, or "work tree"
    commit: str | None
    result: Result


@dataclass(frozen=True)
class StatusChange:
    requirement: str
    standard: str
    title: str
    before: str | None  # None: not decided on that side
    after: str | None


@dataclass(frozen=True)
class PostureDiff:
    before: Side
    after: Side
    changed: tuple[StatusChange, ...]
    new: tuple[Finding, ...]
    resolved: tuple[Finding, ...]
    unchanged: tuple[Finding, ...]

    @property
    def newly_unmet(self) -> tuple[StatusChange, ...]:
        return tuple(c for c in self.changed if c.after == UNMET)

    def exit_code(self) -> int:
        return EXIT_UNMET if self.newly_unmet or self.new else EXIT_MET


def compare(before: Side, after: Side) -> PostureDiff:
    old = {v.requirement: v for v in before.result.verdicts}
    now = {v.requirement: v for v in after.result.verdicts}
    order = {v.requirement: i for i, v in enumerate(after.result.verdicts)}
    order.update({rid: len(order) + i for i, rid in enumerate(r for r in old if r not in now)})
    changed = []
    for rid in sorted(set(old) | set(now), key=lambda r: order[r]):
        a, b = old.get(rid), now.get(rid)
        if (a.status if a else None) != (b.status if b else None):
            verdict = b or a
            changed.append(StatusChange(rid, verdict.standard, verdict.title, a.status if a else None, b.status if b else None))  # type: ignore[union-attr]
    open_before = {f.fingerprint: f for f in before.result.findings if f.waiver is None}
    open_after = {f.fingerprint: f for f in after.result.findings if f.waiver is None}
    new = tuple(f for f in after.result.findings if f.fingerprint in open_after and f.fingerprint not in open_before)
    resolved = tuple(f for f in before.result.findings if f.fingerprint in open_before and f.fingerprint not in open_after)
    unchanged = tuple(f for f in after.result.findings if f.fingerprint in open_after and f.fingerprint in open_before)
    return PostureDiff(before, after, tuple(changed), new, resolved, unchanged)


def resolve_revision(top: Path, revision: str, shallow: bool) -> str:
    done = git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}", check=False)
    commit = done.stdout.decode("ascii", "replace").strip()
    if done.returncode == 0 and commit:
        return commit
    if shallow:
        raise UsageError(f"revision {revision} is not in this clone, which is shallow (it holds only recent history): "
                         f"fetch more with 'git fetch --deepen=50' (or all of it with 'git fetch --unshallow'), "
                         f"or fetch that revision with 'git fetch origin {revision}'")
    raise UsageError(f"revision {revision} is not in this repository: check its name, or fetch it with 'git fetch origin {revision}'")


def _is_revision(cwd: Path, text: str) -> bool:
    try:
        return git(cwd, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{text}^{{commit}}", check=False).returncode == 0
    except GitError:
        return False


def _split(arguments: list[str], cwd: Path) -> tuple[str, str | None, Path]:
    """REV_A [REV_B] [PATH]: a second argument that names no revision but an existing path is the PATH."""
    if not arguments or len(arguments) > 3:
        raise UsageError("diff takes REV_A [REV_B] [PATH]: e.g. 'imscheck diff main' or 'imscheck diff HEAD~1 HEAD ims/'")
    if len(arguments) == 3:
        return arguments[0], arguments[1], Path(arguments[2])
    if len(arguments) == 2:
        second = arguments[1]
        if not _is_revision(cwd, second) and (cwd / second).exists():
            return arguments[0], None, Path(second)
        return arguments[0], second, Path(".")
    return arguments[0], None, Path(".")


def _relocated(error: InputError, copy: Path, revision: str, root: Path | None = None) -> InputError:
    """Problems found in a revision's copy name the file as git does (``REV:path``), not the temporary folder.

    ``root``: the IMS root in the copy, which the IMS's own problems are relative to.
    """
    prefix = copy.as_posix() + "/"
    inside = "" if root is None or root == copy else root.relative_to(copy).as_posix() + "/"

    def named(file: str) -> str:
        if file.startswith(prefix):
            return f"{revision}:{file[len(prefix):]}"
        return f"{revision}:{inside}{file}" if root is not None and not Path(file).is_absolute() else file

    return InputError([replace(p, file=named(p.file)) for p in error.problems])


def _check_options(options: DiffOptions, path: Path, root: Path | None, config: Path | None, as_of: dt.date) -> api.CheckOptions:
    return api.CheckOptions(path=path, root=root, standards=list(options.standards), as_of=as_of, rules_dirs=list(options.rules_dirs),
                            builtin_rules=options.builtin_rules, engine=options.engine, config=config, no_config=options.no_config)


def _evaluate_revision(options: DiffOptions, top: Path, revision: str, commit: str, path: Path, as_of: dt.date,
                       rulebook: api.RulebookLoader, shallow: bool) -> Result:
    """Check the revision as a checkout of it would be checked: its configuration, rule folders and evidence as they were.

    The revision's whole tree is written to a temporary folder from git's objects.
    """
    with tempfile.TemporaryDirectory(prefix="imscheck-diff-") as folder:
        copy = Path(folder).resolve()
        extract_tree(top, commit, copy)

        def in_copy(p: Path) -> Path:
            return copy / p.relative_to(top)

        ims_path = in_copy(path)
        if not ims_path.exists():
            raise UsageError(f"{path.relative_to(top).as_posix()} does not exist in revision {revision}")
        root = in_copy(options.root) if options.root is not None else None
        if root is not None and not root.is_dir():
            raise UsageError(f"{options.root.relative_to(top).as_posix()} does not exist in revision {revision}")  # type: ignore[union-attr]
        config = options.config
        if config is not None and top in Path(os.path.abspath(config)).parents:
            config = in_copy(Path(os.path.abspath(config)))  # the revision's own version of the file
            if not config.is_file():
                raise UsageError(f"--config {config.relative_to(copy).as_posix()}: no such file in revision {revision}")

        def state(ims_root: Path) -> GitEvidence:
            prefix = Path(os.path.relpath(ims_root, copy)).as_posix()
            return read_revision(top, revision, commit, "" if prefix == "." else prefix + "/", shallow)

        try:
            settled, used, files = api.configure(_check_options(options, ims_path, root, config, as_of), top=copy)
        except InputError as error:
            raise _relocated(error, copy, revision) from None
        assert settled.path is not None
        ims_root = Path(os.path.realpath(settled.root or default_root(settled.path)))  # as load_ims settles it
        try:
            result, _ = api.check_configured(settled, used, files, rulebook=rulebook, read_git=state)
        except InputError as error:
            raise _relocated(error, copy, revision, ims_root if copy in (ims_root, *ims_root.parents) else None) from None
        return result


def posture_diff(options: DiffOptions, cwd: Path | None = None) -> PostureDiff:
    api.check_standard_ids(options.standards)
    if options.engine is not None and options.engine not in api.ENGINES:
        raise UsageError(f"--engine {options.engine}: unknown engine; use one of {', '.join(sorted(api.ENGINES))}")
    here = (cwd or Path.cwd()).resolve()
    rev_a, rev_b, path = _split(options.revisions, here)
    path = (here / path).resolve()
    root = (here / options.root).resolve() if options.root else None
    start = root or default_root(path).resolve()
    if not start.is_dir():
        raise UsageError(f"{start} is not a folder: give the IMS (a file or folder) inside a git work tree")
    try:
        top, _, shallow = locate(start)
    except GitError as error:
        raise UsageError(f"diff compares git revisions, and git cannot help here: {error}") from None
    top = top.resolve()
    for inner in (path, root):
        if inner is not None and top not in (inner, *inner.parents):
            raise UsageError(f"{inner} is not inside the git work tree at {top}")
    options = replace(options, root=root, config=(here / options.config) if options.config else None)
    as_of = options.as_of or dt.date.today()  # both sides judged as of the same day
    rulebook = api.shared_rulebooks()  # the same rules are compiled once for both sides
    commit_a = resolve_revision(top, rev_a, shallow)
    before = Side(rev_a, commit_a, _evaluate_revision(options, top, rev_a, commit_a, path, as_of, rulebook, shallow))
    if rev_b is None:
        _, result = api.check_ims(_check_options(options, path, root, options.config, as_of), rulebook=rulebook)
        after = Side(WORK_TREE, None, result)
    else:
        commit_b = resolve_revision(top, rev_b, shallow)
        after = Side(rev_b, commit_b, _evaluate_revision(options, top, rev_b, commit_b, path, as_of, rulebook, shallow))
    return compare(before, after)


def run_diff(options: DiffOptions, out: TextIO, err: TextIO) -> int:
    def run() -> int:
        unknown = sorted(set(options.reports) - set(RENDERERS))
        if unknown:
            raise UsageError(f"unknown report format {unknown[0]}")
        targets = list(options.reports.values())
        check_targets({f"--{fmt}": target for fmt, target in sorted(options.reports.items())})
        try:
            diff = posture_diff(options)
        except GitError as error:  # git failed half-way (a damaged repository, a vanished object): say so, exit 2
            raise UsageError(f"git could not read the revisions: {error}") from None
        write_reports([(options.reports[fmt], RENDERERS[fmt](diff)) for fmt in sorted(options.reports)], out)
        (err if STDOUT in targets else out).write(render_console(diff))
        return diff.exit_code()

    return api.guarded(run, err)


def _side(side: Side) -> str:
    return f"{side.label} ({side.commit[:12]})" if side.commit else side.label


def _status(status: str | None) -> str:
    return status or "not decided"


def _where(finding: Finding) -> str:
    return f"{finding.file}:{finding.line}" if finding.file else "(no location)"


def render_console(diff: PostureDiff) -> str:
    lines = [f"imscheck diff: {_side(diff.before)} -> {_side(diff.after)}, as of {diff.after.result.as_of.isoformat()}", ""]
    if diff.changed:
        lines.append(f"{plural(len(diff.changed), 'requirement')} changed status:")
        for change in diff.changed:
            lines.append(f"  {change.requirement} {change.title}: {_status(change.before)} -> {_status(change.after)}")
    else:
        lines.append("No requirement changed status.")
    for title, findings in (("new", diff.new), ("resolved", diff.resolved)):
        if findings:
            lines += ["", f"{plural(len(findings), title + ' finding')}:"]
            lines += [f"  {_where(f)} [{f.code}] {f.message} ({f.fingerprint})" for f in findings]
    lines += ["", f"{plural(len(diff.unchanged), 'finding')} unchanged.",
              f"Result: {len(diff.newly_unmet)} newly unmet, {plural(len(diff.new), 'new finding')}, "
              f"{len(diff.resolved)} resolved."]
    return "\n".join(lines) + "\n"


def as_record(diff: PostureDiff) -> dict[str, Any]:
    def side(s: Side) -> dict[str, Any]:
        return {"revision": None if s.commit is None else s.label, "commit": s.commit}

    return {
        "from": side(diff.before),
        "to": side(diff.after),
        "as_of": diff.after.result.as_of.isoformat(),
        "changed": [{"requirement": c.requirement, "standard": c.standard, "title": c.title, "before": c.before, "after": c.after}
                    for c in diff.changed],
        "findings": {"new": [finding_record(f) for f in diff.new], "resolved": [finding_record(f) for f in diff.resolved],
                     "unchanged": [finding_record(f) for f in diff.unchanged]},
        "summary": {"newly_unmet": len(diff.newly_unmet), "changed": len(diff.changed), "new": len(diff.new),
                    "resolved": len(diff.resolved), "unchanged": len(diff.unchanged)},
    }


def render_json(diff: PostureDiff) -> str:
    return json_safe(json.dumps(as_record(diff), indent=2, ensure_ascii=False)) + "\n"


def render_markdown(diff: PostureDiff) -> str:
    lines = [f"### imscheck: posture from {escape(_side(diff.before))} to {escape(_side(diff.after))}", "",
             f"**{len(diff.newly_unmet)} newly unmet, {plural(len(diff.new), 'new finding')}**, "
             f"{len(diff.resolved)} resolved, {len(diff.unchanged)} unchanged (as of {diff.after.result.as_of.isoformat()}).", ""]
    if diff.changed:
        lines += ["| requirement | title | before | after |", "|---|---|---|---|"]
        lines += [f"| {escape(c.requirement)} | {escape(c.title)} | {_status(c.before)} | {_status(c.after)} |" for c in diff.changed]
        lines.append("")
    for title, findings in (("New findings", diff.new), ("Resolved findings", diff.resolved)):
        if findings:
            lines += [f"#### {title}", ""]
            lines += [f"- {escape(_where(f))} **{escape(f.code)}**: {escape(f.message)}" for f in findings]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


RENDERERS = {"json": render_json, "markdown": render_markdown}
