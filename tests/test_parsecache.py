"""The parse cache: an unchanged file is not parsed again, and nothing a run decides changes."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from imscheck import api
from imscheck.errors import InputError
from imscheck.load import parsecache
from imscheck.load.yamlsource import YamlSource, _Loader, read_yaml_file, read_yaml_text

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2025-06-30"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("IMSCHECK_CACHE_DIR", str(folder))
    parsecache.configure(True)
    yield folder
    parsecache.configure(True)


def typed(value: Any) -> Any:
    """The value with every scalar's type made visible: 1, 1.0 and True compare equal in Python."""
    if isinstance(value, dict):
        return ("map", [(k, typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("seq", [typed(v) for v in value])
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    return (type(value).__name__, value)


def corpus_texts() -> list[tuple[str, str]]:
    """Every YAML text of the error corpus (its cases' files too), the evidence examples and the rules."""
    texts = []
    for path in sorted([*REPO.glob("tests/error_corpus/*.yaml"), *REPO.glob("evidence-examples/**/*.y*ml"), *REPO.glob("rules/**/*.y*ml")]):
        texts.append((path.relative_to(REPO).as_posix(), path.read_text(encoding="utf-8")))
    cases = yaml.safe_load((REPO / "tests/error_corpus/cases.yaml").read_text(encoding="utf-8"))
    for case in cases["cases"] if isinstance(cases, dict) else cases:
        for group in ("files", "rules"):
            for name, text in (case.get(group) or {}).items():
                if isinstance(text, str) and name.endswith((".yaml", ".yml")):
                    texts.append((f"{case['name']}/{group}/{name}", text))
    return texts


CORPUS = corpus_texts()


def test_the_corpus_is_all_there():
    assert len(CORPUS) > 100
    assert any(name.startswith("rules/") for name, _ in CORPUS) and any(name.startswith("evidence-examples/") for name, _ in CORPUS)


@pytest.mark.parametrize("name,text", CORPUS, ids=[name for name, _ in CORPUS])
def test_cached_data_is_the_parsed_data_exactly(name, text, cache, tmp_path):
    path = tmp_path / "file.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        parsed = read_yaml_text(path.read_bytes(), name)
    except InputError as error:
        # A file with a problem is never stored: every run reports it again, the same way.
        expected = [p.render() for p in error.problems]
        for _ in range(2):
            with pytest.raises(InputError) as caught:
                read_yaml_file(path, name)
            assert [p.render() for p in caught.value.problems] == expected
        assert not list(cache.glob("parsed/*.json"))
        return
    first = read_yaml_file(path, name)  # parses and stores data and marks
    assert not first.from_cache
    assert len(list(cache.glob("parsed/*.json"))) == 1
    second = read_yaml_file(path, name)  # read from the cache
    assert second.from_cache, "the second read did not come from the cache"
    assert typed(first.data) == typed(second.data) == typed(parsed.data)
    # Locations from the cached marks are those of the composed nodes, which the parse never keeps.
    composed = YamlSource(name, parsed.data, yaml.compose(text, Loader=_Loader))
    paths = _paths(parsed.data)
    for parts in paths:
        assert second.locate(parts) == parsed.locate(parts) == composed.locate(parts)
        assert second.locate(parts, key=True) == parsed.locate(parts, key=True) == composed.locate(parts, key=True)
    assert parsed.node is None and second.node is None, "locating composed the nodes again"
    # An entry already holds the marks: reading it again changes nothing.
    entries = {p: p.read_bytes() for p in cache.glob("parsed/*.json")}
    assert read_yaml_file(path, name).from_cache
    assert {p: p.read_bytes() for p in cache.glob("parsed/*.json")} == entries


def _paths(data: Any, prefix: tuple[Any, ...] = (), limit: int = 400) -> list[tuple[Any, ...]]:
    """Paths breadth first, the missing ones locate must stop short on too."""
    found = [prefix, (0,), ("no such key", "x"), (None,)]
    stack = [(prefix, data)]
    while stack and len(found) < limit:
        parts, value = stack.pop(0)
        children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, child in children:
            found.extend([parts + (key,), parts + (key, "no such key"), parts + (key, 10**6), parts + (key, 0, "deeper")])
            stack.append((parts + (key,), child))
    return found


def test_a_corrupt_or_edited_entry_is_ignored_and_written_again(cache, tmp_path):
    path = tmp_path / "ims.yaml"
    path.write_text("a: [1, 2.5, true, null, '2025-01-01']\nb: {c: x}\n", encoding="utf-8")
    expected = typed(read_yaml_file(path, "ims.yaml").data)
    [entry] = cache.glob("parsed/*.json")
    good = entry.read_bytes()
    checksum, _, payload = good.partition(b"\n")
    for bad in (b"", b"garbage", good[: len(good) // 2], checksum + b"\n" + payload.replace(b"2.5", b"3.5"),
                checksum + b"\n" + payload + b" ", b"\xff\xfe" + good):
        entry.write_bytes(bad)
        source = read_yaml_file(path, "ims.yaml")
        assert not source.from_cache, f"a damaged entry was used: {bad[:40]!r}"
        assert typed(source.data) == expected
        assert entry.read_bytes() == good  # written again
    assert read_yaml_file(path, "ims.yaml").from_cache


def test_a_new_version_does_not_read_old_entries(cache, tmp_path, monkeypatch):
    path = tmp_path / "ims.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    read_yaml_file(path, "ims.yaml")
    monkeypatch.setattr(parsecache, "_VERSION", parsecache._VERSION + " next")
    assert not read_yaml_file(path, "ims.yaml").from_cache
    assert len(list(cache.glob("parsed/*.json"))) == 2


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("IMSCHECK_CACHE_DIR", str(blocker / "cache"))
    path = tmp_path / "ims.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert read_yaml_file(path, "ims.yaml").data == {"a": 1}
    assert read_yaml_file(path, "ims.yaml").data == {"a": 1}


def _check(example: Path, cache_on: bool, report: Path) -> tuple[int, str, str, bytes]:
    out, err = io.StringIO(), io.StringIO()
    options = api.CheckOptions(path=example, as_of=api.dt.date.fromisoformat(AS_OF), reports={"json": str(report)}, cache=cache_on)
    code = api.run_check(options, out, err)
    return code, out.getvalue(), err.getvalue(), report.read_bytes()


@pytest.mark.parametrize("example", sorted(p.name for p in (REPO / "evidence-examples").iterdir() if p.is_dir()))
def test_the_cache_never_changes_a_report(example, cache, tmp_path):
    folder = REPO / "evidence-examples" / example
    cold = _check(folder, False, tmp_path / "cold.json")
    assert not cache.exists(), "--no-cache wrote to the cache"
    filling = _check(folder, True, tmp_path / "filling.json")
    entries = sorted(p.name for p in cache.glob("parsed/*.json"))
    assert entries
    warm = _check(folder, True, tmp_path / "warm.json")
    assert cold == filling == warm
    assert sorted(p.name for p in cache.glob("parsed/*.json")) == entries
    # Nothing but entries (and no temporary files) is left in the folder.
    assert {p.relative_to(cache).parts[0] for p in cache.rglob("*")} == {"parsed"}
    assert all(p.suffix in (".json", ".valid") and not p.name.startswith(".tmp") for p in cache.rglob("*") if p.is_file())
    assert any(p.suffix == ".valid" for p in cache.rglob("*"))


def test_a_file_found_valid_is_not_validated_again_and_an_invalid_one_always_is(cache, tmp_path, monkeypatch):
    from imscheck.load import schemacheck

    calls: list[str] = []
    original = schemacheck.is_valid
    monkeypatch.setattr(schemacheck, "is_valid", lambda instance, name: calls.append(name) or original(instance, name))
    good = tmp_path / "rule.yaml"
    good.write_text((REPO / "tests/error_corpus/rule.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: X\nunknown_field: 1\n", encoding="utf-8")
    for _ in range(2):
        assert schemacheck.schema_problems(read_yaml_file(good, "rule.yaml"), "rule.schema.json") == []
        assert schemacheck.schema_problems(read_yaml_file(bad, "bad.yaml"), "rule.schema.json")
    assert calls == ["rule.schema.json"] * 3  # the valid file once, the invalid one every time
    parsecache.configure(False)
    assert schemacheck.schema_problems(read_yaml_file(good, "rule.yaml"), "rule.schema.json") == []
    assert len(calls) == 4  # --no-cache trusts no marker


def test_no_cache_on_the_command_line(cache, tmp_path):
    from typer.testing import CliRunner

    from imscheck.cli import app

    folder = REPO / "evidence-examples" / sorted(p.name for p in (REPO / "evidence-examples").iterdir() if p.is_dir())[0]
    result = CliRunner().invoke(app, ["validate", str(folder), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert not cache.exists()
    result = CliRunner().invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert list(cache.glob("parsed/*.json"))


def test_default_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("IMSCHECK_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert parsecache.cache_dir() == tmp_path / "imscheck"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert parsecache.cache_dir() == Path(os.path.expanduser("~")) / ".cache" / "imscheck"


def test_a_file_read_from_the_cache_gets_the_same_yaml_1_1_advice(cache, tmp_path):
    # The advice needs the node of the value, composed from the file's text only then.
    from imscheck.load import schemacheck
    from imscheck.load.model import IMS_SCHEMA

    path = tmp_path / "ims.yaml"
    path.write_text("organisation:\n  id: org\n  name: yes\n", encoding="utf-8")
    expected = [p.render() for p in schemacheck.schema_problems(read_yaml_text(path.read_bytes(), "ims.yaml"), IMS_SCHEMA)]
    assert any("in quotes" in line for line in expected)
    read_yaml_file(path, "ims.yaml")
    cached = read_yaml_file(path, "ims.yaml")
    assert cached.from_cache and cached.node is None
    assert [p.render() for p in schemacheck.schema_problems(cached, IMS_SCHEMA)] == expected
