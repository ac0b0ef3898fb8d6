"""Benchmark imscheck on synthetic IMS descriptions of growing size.

    python benchmarks/bench.py --sizes 1000 10000 100000 --repeat 3 [--engine python]

For each size N, a synthetic IMS (tests/synthetic.py) is written into a
temporary folder (not timed). Then:

* parse: ``yaml.load(text, Loader=CSafeLoader)`` of the same files with the
  garbage collector off, in this process (median of --repeat): the floor that
  ``check`` is compared with, measured in the same run so that the ratio holds
  on a busy machine where absolute times do not.
* end to end, as subprocesses: ``imscheck validate DIR`` and
  ``imscheck check DIR --as-of 2025-06-30 --json REPORT``, the latter cold
  (``--no-cache``) and warm (the parse cache filled by an earlier run; the
  cache lives in the benchmark's temporary folder) — wall time (median of
  --repeat) and peak RSS (from ``os.wait4``, which on Linux also covers the
  children the run waited for, e.g. the durable engine's processes; each run
  is started by a small launcher process, see :class:`Launcher`). ``check``
  exits 1 when a requirement is unmet; only exit 2 or worse is a failure.
* start-up: ``imscheck --version`` (``imscheck version`` when the flag is
  missing) and a cold and a warm ``check`` of a 300-entity IMS, medians of 5.
* in process, the phases of ``check`` by calling the library: read YAML,
  schema validation, merge + references, facts, evaluate, decide, report.

The JSON report goes to a file in the temporary folder rather than /dev/null,
so that writing it is measured and so that versions of imscheck that renamed
a temporary file over the target (replacing /dev/null itself when run as
root) are safe to benchmark.

Prints one Markdown table. ``--profile DIR`` also writes a cProfile of the
in-process pipeline per size (``DIR/check-N.prof``) and prints its top
functions.

``--side-by-side`` compares, on the same facts, the evaluation of imscheck's
own evaluator with that of regorus running the rules compiled to Rego
(``--engine rego``), and prints a second table instead. Each measurement runs
in a fresh child process that first reads the IMS and builds the facts (not
measured), then measures one thing:

* python: ``PythonEngine().evaluate`` — answers, findings and evidence;
* regorus: one ``evaluate_parsed`` call on the module already loaded, with the
  input document already serialised to JSON: regorus reading that input and
  computing every answer of every query (findings are then built in Python,
  which is not counted here, so the comparison favours regorus);
* rego engine: ``RegoEngine().evaluate`` whole (compiling the rules to Rego,
  serialising the facts, loading the module, regorus, building the outcomes).

Memory: the peak resident set of the child *during* the measured call minus
its resident set just before it. Just before the call, memory freed so far is
handed back to the system (``malloc_trim``) and the kernel's high-water mark
is reset (``/proc/self/clear_refs``), so what the child allocated while
reading YAML neither hides the evaluation's own peak nor is quietly reused by
it; this covers Python and Rust allocations alike, which tracemalloc would
not. Python keeps partly used small-object arenas, which the evaluator can
still reuse, so for it the table also gives the peak of its own allocations
traced by tracemalloc during a second, identical call (not timed).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

# The synthetic IMS generator is test data, kept with the tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

AS_OF = "2025-06-30"
# Keep each file well under imscheck's per-file limit (32 MiB): about 300 bytes per entity.
ENTITIES_PER_FILE = 50_000


def imscheck_command() -> list[str]:
    script = Path(sys.executable).parent / "imscheck"
    if script.is_file():
        return [str(script)]
    found = shutil.which("imscheck")
    return [found] if found else [sys.executable, "-m", "imscheck"]


def run_child(argv: list[str]) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS (MB) and exit code of one run, started by the launcher."""
    return _launcher().run(argv)


class Launcher:
    """A small process, started before this one grows, that starts each measured run.

    Linux gives an exec'd child's ``ru_maxrss`` a floor: the resident set of the
    process it was forked from. Started from this process, which by then holds
    the parsed YAML of the largest IMS, every run would seem at least as large as
    the benchmark itself. The launcher stays at the size of a bare interpreter.
    wait4's rusage on Linux holds the larger of the child's own peak and the peak
    of any process the child waited for, so engines that work in child processes
    are measured at their largest process.
    """

    def __init__(self) -> None:
        self._process = subprocess.Popen([sys.executable, __file__, "--launch"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)

    def run(self, argv: list[str]) -> tuple[float, float, int, str]:
        import json

        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps({"argv": argv, "env": dict(os.environ)}) + "\n")
        self._process.stdin.flush()
        found = json.loads(self._process.stdout.readline())
        return found["wall"], found["rss_mb"], found["code"], found["err"]

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait()


_launchers: list[Launcher] = []


def _launcher() -> Launcher:
    if not _launchers:
        _launchers.append(Launcher())
    return _launchers[0]


def launch() -> int:
    """The launcher's side: one JSON request per line in, one result per line out."""
    import json

    for line in sys.stdin:
        request = json.loads(line)
        start = time.perf_counter()
        child = subprocess.Popen(request["argv"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=request["env"])
        assert child.stderr is not None
        err = child.stderr.read()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.stderr.close()
        rss_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
        print(json.dumps({"wall": wall, "rss_mb": rss_mb, "code": os.waitstatus_to_exitcode(status),
                          "err": err.decode("utf-8", "replace")}), flush=True)
    return 0


def time_command(argv: list[str], repeat: int, ok: Callable[[int], bool]) -> tuple[float, float]:
    walls, peak = [], 0.0
    for _ in range(repeat):
        wall, rss, code, err = run_child(argv)
        if not ok(code):
            raise SystemExit(f"bench: {' '.join(argv)} exited {code}:\n{err}")
        walls.append(wall)
        peak = max(peak, rss)
    return statistics.median(walls), peak


@contextmanager
def timer(into: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        into[name] = into.get(name, 0.0) + time.perf_counter() - start


PHASES = ("load rules", "read YAML", "schema", "merge+refs", "facts", "evaluate", "decide", "report")


def check_phases(folder: Path, engine: str) -> dict[str, float]:
    """One in-process run of what ``imscheck check`` does, timed phase by phase.

    It runs inside ``api.guarded``, as the command does, so that it runs under the same
    conditions (e.g. the garbage collector policy of a run).
    """
    from imscheck import api

    timings: dict[str, float] = {}

    def run() -> int:
        timings.update(_phases(folder, engine))
        return 0

    if api.guarded(run, sys.stderr) != 0:
        raise SystemExit("bench: the in-process check failed (see above)")
    return timings


def _phases(folder: Path, engine: str) -> dict[str, float]:
    from imscheck import api, resources
    from imscheck.load import ims as ims_module, schemacheck
    from imscheck.knowledge.catalogue import load_catalogue
    from imscheck.engines.facts import build_facts
    from imscheck.load.model import IMS_SCHEMA
    from imscheck.reports import REPORTERS, console
    from imscheck.knowledge.rulebook import load_rules
    from imscheck.verdicts.decision import decide
    from imscheck.load.yamlsource import read_yaml_file
    from imscheck.load import parsecache
    from imscheck.containment import shown_path
    from imscheck.knowledge import bundled

    parsecache.configure(False)  # the phases of a cold run
    # Start cold, as a fresh process would.
    for name in ("validator", "quick_check"):
        cached = getattr(schemacheck, name, None)
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()
    load_catalogue.cache_clear()
    bundled._snapshot.cache_clear()
    resources.schema.cache_clear()
    t: dict[str, float] = {}
    with timer(t, "load rules"):
        catalogue = load_catalogue()
        rules, notes = load_rules(catalogue, resources.data_dir("rules") / "checks", [])
    root = folder.resolve()
    with timer(t, "read YAML"):
        sources = [read_yaml_file(f, shown_path(f, root)) for f in ims_module.discover(folder)]
    with timer(t, "schema"):  # compiling the schema counts here
        problems = [p for s in sources for p in schemacheck.schema_problems(s, IMS_SCHEMA)]
    if problems:
        raise SystemExit(f"bench: the synthetic IMS is not valid: {problems[0].render()}")
    # build_ims validates against the schema again; that was timed above, so leave it out here.
    original = ims_module.schema_problems
    ims_module.schema_problems = lambda *args, **kwargs: []
    try:
        with timer(t, "merge+refs"):
            ims = ims_module.build_ims(sources, lambda rid: rid in catalogue.requirements, root)
    finally:
        ims_module.schema_problems = original
    as_of = dt.date.fromisoformat(AS_OF)
    standards = api.select_standards([], ims)
    with timer(t, "facts"):
        facts = build_facts(ims, catalogue)
    with timer(t, "evaluate"):
        outcomes = api.ENGINES[engine]().evaluate(rules, facts, standards, as_of)
    with timer(t, "decide"):
        result = decide(ims, catalogue, rules, outcomes, standards, as_of, tuple(notes))
    with timer(t, "report"):
        REPORTERS["json"](result)
        console.render(result)
    return t


def parse_seconds(folder: Path, repeat: int) -> float:
    """Median seconds for plain ``yaml.load`` with CSafeLoader over the IMS files, gc off."""
    import gc

    import yaml

    from imscheck.load import ims as ims_module

    texts = [f.read_text(encoding="utf-8") for f in ims_module.discover(folder)]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    walls = []
    for _ in range(repeat):
        gc.disable()
        try:
            start = time.perf_counter()
            for text in texts:
                yaml.load(text, Loader=loader)
            walls.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return statistics.median(walls)


def startup(command: list[str], base: Path, repeat: int = 5) -> tuple[float, float, float]:
    """Median wall seconds of ``--version`` and of a cold and a warm check of a 300-entity IMS."""
    from tests import synthetic

    flag = ["--version"]
    if run_child(command + flag)[2] != 0:
        flag = ["version"]
    version_s, _ = time_command(command + flag, repeat, lambda c: c == 0)
    folder = base / "ims-300"
    synthetic.write(300, folder, seed=0, files=1)
    check = command + ["check", str(folder), "--as-of", AS_OF, "--json", str(base / "report-300.json")]
    check_s, _ = time_command(check + ["--no-cache"], repeat, lambda c: c in (0, 1))
    run_child(check)  # fills the parse cache
    warm_s, _ = time_command(check, repeat, lambda c: c in (0, 1))
    return version_s, check_s, warm_s


def median_phases(runs: list[dict[str, float]]) -> dict[str, float]:
    return {p: statistics.median(r.get(p, 0.0) for r in runs) for p in PHASES}


def profile_check(folder: Path, engine: str, out: Path, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    check_phases(folder, engine)
    profiler.disable()
    profiler.dump_stats(str(out))
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return text.getvalue()


ENGINES_SIDE_BY_SIDE = ("python", "regorus", "rego engine")


def _rss_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise SystemExit(f"bench: no {field} in /proc/self/status (side by side needs Linux)")


def measure(what: str, folder: Path) -> dict[str, float]:
    """In a child process: build the facts, then time one evaluation and its peak memory."""
    import gc
    import json

    from imscheck import api, resources
    from imscheck.engines.evaluator import PythonEngine
    from imscheck.engines.facts import build_facts
    from imscheck.knowledge.catalogue import load_catalogue
    from imscheck.knowledge.rulebook import load_rules
    from imscheck.load.ims import load_ims

    gc.disable()  # as in a check (api.guarded)
    catalogue = load_catalogue()
    rules, _ = load_rules(catalogue, resources.data_dir("rules") / "checks", [])
    ims = load_ims(folder, lambda rid: rid in catalogue.requirements)
    standards = api.select_standards([], ims)
    facts = build_facts(ims, catalogue)
    as_of = dt.date.fromisoformat(AS_OF)
    if what == "python":
        call = lambda: PythonEngine().evaluate(rules, facts, standards, as_of)  # noqa: E731
    elif what == "regorus":
        import opa_eval
        from imscheck.engines import rego

        bundle = rego.compile_rules(rules, standards)
        document = json.dumps(rego.facts_document(facts, standards, as_of), ensure_ascii=False)
        policy = folder.parent / f"bench-{os.getpid()}.rego"
        policy.write_text(bundle.module, encoding="utf-8")
        evaluator = opa_eval.OpaEval(str(policy), json.dumps(bundle.data), rego.QUERY)
        call = lambda: evaluator.evaluate_parsed(document)  # noqa: E731
    else:
        from imscheck.engines.rego import RegoEngine

        call = lambda: RegoEngine().evaluate(rules, facts, standards, as_of)  # noqa: E731
    import ctypes

    # Hand memory freed so far back to the system, so the call cannot quietly reuse it.
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
        refs.write("5")  # reset the high-water mark of the resident set
    before = _rss_kb("VmRSS")
    start = time.perf_counter()
    call()
    seconds = time.perf_counter() - start
    found = {"seconds": seconds, "peak_mb": (_rss_kb("VmHWM") - before) / 1024}
    if what == "python":
        # The resident-set rise misses memory the evaluator reuses from what reading YAML freed;
        # the peak of Python's own allocations during a second, identical call does not.
        import tracemalloc

        tracemalloc.start()
        call()
        found["traced_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return found


def side_by_side(folder: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """Median seconds and largest peak (MB) of each, every run in a fresh child."""
    import json

    out = {}
    for what in ENGINES_SIDE_BY_SIDE:
        runs = []
        for _ in range(repeat):
            child = subprocess.run([sys.executable, __file__, "--measure", what, str(folder)], capture_output=True, text=True)
            if child.returncode != 0:
                raise SystemExit(f"bench: measuring {what} failed:\n{child.stderr}")
            runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
        out[what] = (statistics.median(r["seconds"] for r in runs), max(r["peak_mb"] for r in runs))
        print(f"  {what}: {out[what][0]:.2f} s, {out[what][1]:.0f} MB", file=sys.stderr)
        if what == "python":
            out["python traced"] = (0.0, max(r["traced_mb"] for r in runs))
    return out


def fmt(seconds: float) -> str:
    return f"{seconds:.2f}" if seconds >= 0.1 else f"{seconds:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine", default="python", help="passed to 'imscheck check --engine'")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--files", type=int, default=0, help=f"YAML files per IMS (default: one per {ENTITIES_PER_FILE:,} entities)")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="write a cProfile of the in-process check per size here")
    parser.add_argument("--top", type=int, default=25, help="functions shown per profile")
    parser.add_argument("--side-by-side", action="store_true", help="evaluation only: imscheck's evaluator against regorus, same facts")
    parser.add_argument("--measure", nargs=2, metavar=("WHAT", "DIR"), help=argparse.SUPPRESS)  # the child of --side-by-side
    parser.add_argument("--launch", action="store_true", help=argparse.SUPPRESS)  # the launcher of measured runs
    args = parser.parse_args(argv)
    if args.launch:
        return launch()
    if args.measure:
        import json

        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return 0

    from tests import synthetic

    command = imscheck_command()
    base = args.keep or Path(tempfile.mkdtemp(prefix="imscheck-bench-"))
    # The children's parse cache: inside the benchmark's folder, never the user's own.
    os.environ["IMSCHECK_CACHE_DIR"] = str(base / "cache")
    rows, profiles = [], []
    _launcher()  # while this process is still small
    try:
        version_s, small_s, small_warm_s = startup(command, base)
        print(f"start-up: --version {version_s:.3f} s, check of 300 entities {small_s:.3f} s cold, {small_warm_s:.3f} s warm",
              file=sys.stderr)
        for n in args.sizes:
            folder = base / f"ims-{n}"
            if folder.exists():
                shutil.rmtree(folder)
            files = args.files or max(1, -(-n // ENTITIES_PER_FILE))
            start = time.perf_counter()
            info = synthetic.write(n, folder, seed=args.seed, files=files)
            print(f"generated N={n}: {info['entities']} entities, {len(info['files'])} file(s), "
                  f"{info['yaml_bytes'] / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s", file=sys.stderr)
            if args.side_by_side:
                rows.append((n, info["entities"], side_by_side(folder, args.repeat)))
                continue
            report = base / f"report-{n}.json"
            parse_s = parse_seconds(folder, args.repeat)
            validate_s, validate_rss = time_command(command + ["validate", str(folder), "--no-cache"], args.repeat, lambda c: c == 0)
            check = command + ["check", str(folder), "--as-of", AS_OF, "--json", str(report), "--engine", args.engine]
            check_s, check_rss = time_command(check + ["--no-cache"], args.repeat, lambda c: c in (0, 1))
            run_child(check)  # fills the parse cache with data and marks
            warm_s, warm_rss = time_command(check, args.repeat, lambda c: c in (0, 1))
            parse_s = statistics.median([parse_s, parse_seconds(folder, args.repeat)])  # before and after the children
            phases = median_phases([check_phases(folder, args.engine) for _ in range(args.repeat)])
            rows.append((n, info["entities"], info["yaml_bytes"] / 1e6, parse_s, validate_s, check_s, warm_s,
                         check_rss, warm_rss, phases))
            print(f"  parse {parse_s:.2f} s, validate {validate_s:.2f} s, check {check_s:.2f} s (x{check_s / parse_s:.2f}), "
                  f"warm {warm_s:.2f} s (x{warm_s / parse_s:.2f}), peak RSS {check_rss:.0f} MB cold, {warm_rss:.0f} MB warm", file=sys.stderr)
            if args.profile:
                args.profile.mkdir(parents=True, exist_ok=True)
                profiles.append((n, profile_check(folder, args.engine, args.profile / f"check-{n}.prof", args.top)))
    finally:
        if _launchers:
            _launchers.pop().close()
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)

    if args.side_by_side:
        print(f"\nevaluation only, same facts: median of {args.repeat}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
        print("| entities | python s | python MB (RSS; traced) | regorus s | regorus MB | regorus / python | rego engine s | rego engine MB |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for n, entities, found in rows:
            (ps, pm), (rs, rm), (es, em) = (found[w] for w in ENGINES_SIDE_BY_SIDE)
            traced = found["python traced"][1]
            print(f"| {entities:,} | {fmt(ps)} | {pm:.1f}; {traced:.1f} | {fmt(rs)} | {rm:.1f} | {rs / ps:.1f}x | {fmt(es)} | {em:.1f} |")
        return 0
    print(f"\nimscheck benchmark: engine {args.engine}, median of {args.repeat}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end\n")
    print(f"start-up: `imscheck --version` {version_s:.3f} s; `check` of a 300-entity IMS {small_s:.3f} s cold (--no-cache), "
          f"{small_warm_s:.3f} s warm\n")
    head = ["N", "entities", "YAML MB", "parse s", "validate s", "check s", "check / parse", "warm check s", "warm / parse",
            "check µs/entity", "peak RSS MB", "warm peak RSS MB"] + [f"{p} s" for p in PHASES]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---:" for _ in head) + "|")
    for n, entities, mb, parse_s, validate_s, check_s, warm_s, rss, warm_rss, phases in rows:
        cells = [f"{n:,}", f"{entities:,}", f"{mb:.1f}", fmt(parse_s), fmt(validate_s), fmt(check_s), f"{check_s / parse_s:.2f}",
                 fmt(warm_s), f"{warm_s / parse_s:.2f}", f"{check_s / entities * 1e6:.0f}", f"{rss:.0f}", f"{warm_rss:.0f}"]
        cells += [fmt(phases[p]) for p in PHASES]
        print("| " + " | ".join(cells) + " |")
    print("\nparse: yaml.load with CSafeLoader, gc off, in this process; validate/check: subprocess wall time, end to end "
          "(interpreter start and imports included), --no-cache; warm check: the same with the parse cache filled; "
          "phases: in process, one cold run of each (catalogue, rules and schema caches cleared, parse cache off).")
    for n, text in profiles:
        print(f"\n## cProfile, in-process check, N={n:,}\n\n```\n{text.strip()}\n```")
    return 0


if __name__ == "__main__":
    sys.exit(main())
