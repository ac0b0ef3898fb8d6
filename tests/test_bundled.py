"""The snapshot of imscheck's own rule files: current, equal to reading the YAML, never trusted over an edit."""

from __future__ import annotations

import shutil

import pytest

from imscheck import resources
from imscheck.errors import InputError
from imscheck.knowledge import bundled
from imscheck.knowledge.catalogue import load_catalogue
from imscheck.knowledge.rulebook import compile_rules, load_rules, read_rule_sources
from imscheck.load.yamlsource import read_yaml_file


def test_the_shipped_snapshot_is_current():
    shipped = (resources.data_dir("rules") / bundled.SNAPSHOT).read_text(encoding="utf-8")
    assert shipped == bundled.render_snapshot(), "rules/bundled.json is stale: run 'python -m tests.golden'"


def test_the_snapshot_gives_the_data_a_fresh_read_gives():
    base = resources.data_dir("rules")
    checks = read_rule_sources(base / "checks", base.parent, bundled.read)
    fresh = read_rule_sources(base / "checks", base.parent)
    assert [s.file for s in checks] == [s.file for s in fresh]
    assert [s.data for s in checks] == [s.data for s in fresh]
    assert all(s.marks is None for s in checks)  # they did come from the snapshot, not from parsing


def test_catalogue_and_rules_are_the_same_with_and_without_the_snapshot(tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(resources.data_dir("rules"), copy)
    (copy / bundled.SNAPSHOT).unlink()
    assert load_catalogue(copy) == load_catalogue()
    catalogue = load_catalogue()
    own, _ = load_rules(catalogue, resources.data_dir("rules") / "checks")
    plain = compile_rules(read_rule_sources(copy / "checks"), catalogue)
    assert [(r.id, r.source.data) for r in own] == [(r.id, r.source.data) for r in plain]


def test_a_source_from_the_snapshot_still_knows_its_lines():
    base = resources.data_dir("rules")
    path = next((base / "checks").glob("*.yaml"))
    from_snapshot = bundled.read(path, "x.yaml", str(base.resolve()))
    fresh = read_yaml_file(path, "x.yaml")
    assert from_snapshot.node is None
    for parts in (("id",), ("decides", 0), ("message",)):
        assert from_snapshot.locate(parts) == fresh.locate(parts)


@pytest.fixture
def edited_rules(tmp_path, monkeypatch):
    """imscheck's rules folder, copied with its snapshot, as the installation's own."""
    copy = tmp_path / "rules"
    shutil.copytree(resources.data_dir("rules"), copy)
    real = resources.data_dir
    monkeypatch.setattr(resources, "data_dir", lambda name: copy if name == "rules" else real(name))
    load_catalogue.cache_clear()
    bundled._snapshot.cache_clear()
    yield copy
    load_catalogue.cache_clear()
    bundled._snapshot.cache_clear()


def test_an_edited_rule_file_is_read_from_its_yaml(edited_rules):
    path = sorted((edited_rules / "checks").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    original = read_yaml_file(path, "x").data["title"]
    path.write_text(text.replace(f"title: {original}", "title: Edited after the snapshot", 1), encoding="utf-8")
    rules, _ = load_rules(load_catalogue(), edited_rules / "checks")
    assert any(r.source.data["title"] == "Edited after the snapshot" for r in rules)


def test_an_edit_that_breaks_the_schema_is_caught_despite_the_snapshot(edited_rules):
    path = sorted((edited_rules / "checks").glob("*.yaml"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "unexpected_field: 1\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_rules(load_catalogue(), edited_rules / "checks")
    assert any("unexpected_field" in p.message and p.file.endswith(path.name) for p in error.value.problems)


def test_a_damaged_snapshot_only_costs_time(edited_rules, monkeypatch):
    from imscheck.load import parsecache

    monkeypatch.setitem(parsecache._state, "enabled", False)
    parsed = []
    monkeypatch.setattr(bundled, "read_yaml_file", lambda path, *rest: parsed.append(path) or read_yaml_file(path, *rest))
    (edited_rules / bundled.SNAPSHOT).write_text('{"format": 1, "files": {"checks/', encoding="utf-8")
    catalogue = load_catalogue()
    rules, _ = load_rules(catalogue, edited_rules / "checks")
    assert rules and {r.source.marks is not None for r in rules} == {True}
    assert set(sorted((edited_rules / "checks").glob("*.yaml"))) <= set(parsed)  # every file was parsed again
    assert catalogue == load_catalogue(resources.data_dir("rules"))
