"""Random damage to valid inputs ends in verdicts or one located error, never a crash.

The number of cases is bounded for CI; set IMSCHECK_FUZZ_EXAMPLES for a longer run:

    IMSCHECK_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imscheck import resources

from .conftest import run_cli

EXAMPLES = int(os.environ.get("IMSCHECK_FUZZ_EXAMPLES", "60"))
EXAMPLE = Path(__file__).resolve().parents[1] / "evidence-examples" / "northwind-services"
IMS_FILES = sorted((EXAMPLE / "ims").glob("*.yaml"))
RULE_FILES = sorted((resources.data_dir("rules") / "checks").glob("*.yaml"))
LOCATED = re.compile(r"^[^\n:]+:\d+:\d+: /[^\n]*: .+", re.M)
FRAGMENTS = ["", " ", "\t", ":", "- ", "{", "}", "[", "]", "&a", "*a", "<<: *a", "!!python/object:os.system", "'", '"',
             "\x00", "\ufeff", "é", "#", "|", ">", "? ", "2025-02-30", "null", "~", "yes", "0x1F", "1e3", "---", "...",
             "id: x", "management_systems: []", "\n", "\n  ", "    "]


def damage(text: str, data: st.DataObject) -> str:
    for _ in range(data.draw(st.integers(1, 3))):
        kind = data.draw(st.sampled_from(["insert", "delete", "replace_line", "swap_lines"]))
        lines = text.split("\n")
        if kind == "insert":
            at = data.draw(st.integers(0, len(text)))
            text = text[:at] + data.draw(st.sampled_from(FRAGMENTS)) + text[at:]
        elif kind == "delete" and text:
            at = data.draw(st.integers(0, len(text) - 1))
            text = text[:at] + text[at + data.draw(st.integers(1, 40)):]
        elif kind == "replace_line":
            lines[data.draw(st.integers(0, len(lines) - 1))] = data.draw(st.sampled_from(FRAGMENTS))
            text = "\n".join(lines)
        elif len(lines) > 1:
            i, j = data.draw(st.integers(0, len(lines) - 1)), data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


def assert_verdicts_or_located_error(result) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stderr, result.stderr
    if result.exit_code == 2:
        assert LOCATED.search(result.stderr), result.stderr
    else:
        assert result.exit_code in (0, 1)
        assert "imscheck: conformity as of" in result.stdout


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_ims_files(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("ims")
    for file in IMS_FILES:
        (folder / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    victim = folder / data.draw(st.sampled_from([f.name for f in IMS_FILES]))
    victim.write_text(damage(victim.read_text(encoding="utf-8"), data), encoding="utf-8")
    assert_verdicts_or_located_error(run_cli("check", str(folder), "--as-of", "2025-11-30"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_rule_files(tmp_path_factory, data):
    pack = tmp_path_factory.mktemp("rules")
    rule = data.draw(st.sampled_from(RULE_FILES))
    (pack / rule.name).write_text(damage(rule.read_text(encoding="utf-8"), data), encoding="utf-8")
    result = run_cli("check", str(EXAMPLE), "--as-of", "2025-11-30", "--rules", str(pack))
    assert_verdicts_or_located_error(result)
