"""Time pmledger commands beside their references, in fresh processes, and write a table.

    .venv/bin/python benchmarks/run.py --sizes 1000,10000 --out benchmarks/results.md
    .venv/bin/python benchmarks/run.py --sizes 1000 --runs 3 --only add,rank   # a quick look

For each size, the ledger (and the Taskwarrior database of the same records)
comes from ``generate.py``. Every case is a command line run in a fresh
process, stdout to a file, stdin from /dev/null (or a file of titles). One
untimed warm-up pass fills the caches, then ``--runs`` rounds each run every
case once, so a noisy moment of the machine spreads over all cases instead of
landing on one. Reported per case: the median and the spread of the wall
time, the peak resident memory of the process (``wait4``'s ``ru_maxrss``),
and, beside it, the median of its reference measured in the same rounds:
the minimal Typer app, ``task add``, ``task next``, ``task next limit:0``.

Cases for commands that are not there yet (``pmledger CMD --help`` fails) are
skipped and listed, as are cases whose command fails during the warm-up
(with its exit code), so the table never reports the time of an error.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate

from pmledger.ledger.cache import RACY_SECONDS, cache_path

HERE = Path(__file__).resolve().parent
PYTHON = Path(sys.executable)
PMLEDGER = PYTHON.with_name("pmledger")
ADD_TITLE = "基准测试 benchmark probe"
TYPER_LABEL = "minimal Typer app"
TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None

MINIMAL_TYPER_APP = '''\
"""The smallest Typer app: one command, one str argument (benchmark reference)."""
import typer

app = typer.Typer(add_completion=False)


@app.command()
def main(title: str) -> None:
    print(title)


if __name__ == "__main__":
    app()
'''


@dataclass
class Case:
    """One command line to time at one size."""

    label: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    reference: str | None = None  # the label of the case it is compared with
    stdin: Path | None = None
    slow: bool = False  # timed once, no warm-up
    before: Callable[[], None] | None = None
    after: Callable[[str], None] | None = None  # gets stdout
    watched: bool = False  # run while the ledger's watcher (`pmledger watch`) runs
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system seconds of the command
    peak_kb: list[int] = field(default_factory=list)
    skipped: str = ""


def run_once(case: Case, out: Path) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds, peak RSS in KB and exit status of one run.

    Setup and cleanup are untimed. CPU time (user + system of the command)
    is the steadier figure on a shared machine.
    """
    _watcher(case)
    if case.before is not None:
        case.before()
    stdin = case.stdin.open("rb") if case.stdin else open(os.devnull, "rb")  # noqa: SIM115
    rss = out.with_name("rss")
    # A child's ru_maxrss counts the memory of the (large) process it was forked
    # from; /usr/bin/time is a small parent, so its %M is the command's own peak.
    argv = [TIME, "-f", "%M %U %S", "-o", str(rss), *case.argv] if TIME else case.argv
    with stdin, out.open("w+b") as stdout:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=case.cwd, env=case.env, stdin=stdin, stdout=stdout,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        stdout.seek(0)
        text = stdout.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    peak = usage.ru_maxrss
    cpu = usage.ru_utime + usage.ru_stime
    if TIME:
        fields = rss.read_text().split()[-3:]
        try:
            peak, cpu = int(fields[0]), float(fields[1]) + float(fields[2])
        except (ValueError, IndexError):
            peak = 0
    if case.after is not None:
        case.after(text)
    return elapsed, cpu, peak, code


# The ledger whose watcher runs now (cases are ordered so that it starts
# and stops once a round, untimed).
_WATCHING: list[Path] = []


def _watcher(case: Case) -> None:
    """Start the ledger's watcher for a watched case, stop it for any other."""
    if case.watched and case.cwd not in _WATCHING:
        stop_watcher()
        subprocess.run(
            [str(PMLEDGER), "watch", "start"], cwd=case.cwd, env=case.env, check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        _WATCHING.append(case.cwd)
    elif not case.watched and case.argv[:1] == [str(PMLEDGER)]:
        stop_watcher()


def stop_watcher() -> None:
    while _WATCHING:
        root = _WATCHING.pop()
        subprocess.run(
            [str(PMLEDGER), "watch", "stop"], cwd=root, check=False, stdout=subprocess.DEVNULL
        )


def available(command: str, env: dict[str, str]) -> bool:
    """Whether this pmledger has the command (others land it later)."""
    done = subprocess.run(
        [str(PMLEDGER), command, "--help"], env=env, capture_output=True, check=False
    )
    return done.returncode == 0


def _remove_created(root: Path, files: set[str]) -> Callable[[str], None]:
    def after(_stdout: str) -> None:
        generate.drop_leftovers(root, files)

    return after


def _restore_taskwarrior(db: generate.TaskDb) -> tuple[Callable[[], None], Callable[[str], None]]:
    snapshot = db.root / "snapshot"
    data = db.root / "data"

    def before() -> None:
        if not snapshot.exists():
            shutil.copytree(data, snapshot)

    def after(_stdout: str) -> None:
        for item in snapshot.iterdir():
            shutil.copy2(item, data / item.name)

    return before, after


def cases_for(size: int, args: argparse.Namespace, work: Path, typer_app: Path) -> list[Case]:
    """Every case of one size, references first."""
    built = generate.build_ledger(size, seed=args.seed, work=work)
    root = built.root
    files = generate.ledger_files(root)
    env = dict(os.environ, PYDANTIC_DISABLE_PLUGINS="__all__")
    env.pop("PMLEDGER_NO_CACHE", None)
    cold = {**env, "PMLEDGER_NO_CACHE": "1"}
    pm = [str(PMLEDGER)]
    as_of = ["--as-of", str(generate.AS_OF)]
    sid = built.sample_id
    cleanup = _remove_created(root, files)

    caches = [cache_path(root, kind) for kind in ("cache", "index")]

    def drop_caches() -> None:
        for path in caches:
            if path.exists():
                path.replace(path.with_suffix(".saved"))

    def restore_caches(_stdout: str) -> None:
        # Only the timed command pays for the missing caches, not the next case.
        for path in caches:
            saved = path.with_suffix(".saved")
            if saved.exists():
                saved.replace(path)

    edited = root / "requirements" / f"{sid}.toml"

    def touch_one() -> None:
        # An edit as the cache sees one: a new change time (and mtime).
        os.utime(edited)

    def settle(_stdout: str) -> None:
        # Past the caches' window for files too recent to trust, then every
        # cache read once: the next case starts warm.
        time.sleep(RACY_SECONDS + 0.2)
        for args in (["list", "-f", "json"], ["show", sid]):
            subprocess.run([*pm, *args], cwd=root, env=env, stdout=subprocess.DEVNULL, check=True)

    titles = work / f"titles-{size}.txt"
    batch = min(size, args.batch_max)
    titles.write_text(generate.batch_titles(batch, args.seed), encoding="utf-8")

    def complete(line: str) -> dict[str, str]:
        return {**env, "_PMLEDGER_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line}

    typer = TYPER_LABEL
    cases = [
        Case(typer, [str(PYTHON), str(typer_app), "x"], root, env),
        Case("pmledger --version", [*pm, "--version"], root, env, typer),
        Case("add TITLE --no-input", [*pm, "add", ADD_TITLE, "--no-input"], root, env, typer,
             after=cleanup),
        Case("show ID", [*pm, "show", sid, *as_of], root, env, typer),
        Case("list --format json", [*pm, "list", "-f", "json", *as_of], root, env, "task next"),
        Case("rank --format json", [*pm, "rank", "-f", "json", *as_of], root, env, "task next"),
        Case("rank --format json, no cache", [*pm, "rank", "-f", "json", *as_of], root, cold,
             "task next"),
        Case("rank --format json, cache deleted", [*pm, "rank", "-f", "json", *as_of], root, env,
             "task next", before=drop_caches, after=restore_caches),
        Case("rank table to a file", [*pm, "rank", *as_of], root, env, "task next limit:0"),
        Case("rank --all table to a file", [*pm, "rank", "--all", *as_of], root, env,
             "task next limit:0"),
        Case("list table to a file", [*pm, "list", *as_of], root, env, "task next limit:0"),
        Case(f"add - with {batch:,} titles", [*pm, "add", "-", "--no-input"], root, env,
             stdin=titles, slow=True, after=cleanup),
        # Commands other helpers land: skipped while `--help` fails.
        Case("check", [*pm, "check"], root, env),
        Case("diff HEAD~1..HEAD", [*pm, "diff", "HEAD~1..HEAD"], root, env),
        Case("history ID", [*pm, "history", sid], root, env),
        Case("export --format csv", [*pm, "export", "--format", "csv"], root, env),
        Case("export --format json", [*pm, "export", "--format", "json"], root, env),
        Case("report", [*pm, "report", *as_of], root, env),
        Case("stats", [*pm, "stats", *as_of], root, env),
        Case("board", [*pm, "board"], root, env),
        # With the watcher (`pmledger watch start`): no `stat` per file. Its
        # own CPU (a separate process) is not in the CPU column.
        Case("show ID, watched", [*pm, "show", sid, *as_of], root, env, typer, watched=True),
        Case("add TITLE --no-input, watched", [*pm, "add", ADD_TITLE, "--no-input"], root, env,
             typer, after=cleanup, watched=True),
        Case("rank --format json, watched", [*pm, "rank", "-f", "json", *as_of], root, env,
             "task next", watched=True),
        Case("list --format json, watched", [*pm, "list", "-f", "json", *as_of], root, env,
             "task next", watched=True),
        # A PM edits one requirement, then ranks: the cache is patched, not
        # written again whole. (Then, untimed, the caches are brought up to
        # date again for the next case.)
        Case("rank --format json, one file just edited", [*pm, "rank", "-f", "json", *as_of],
             root, env, "task next", before=touch_one, after=settle),
        Case("list --format json, one file just edited", [*pm, "list", "-f", "json", *as_of],
             root, env, "task next", before=touch_one, after=settle),
        Case("completion: command names", pm, root, complete("pmledger li"), typer),
        Case("completion: IDs", pm, root, complete(f"pmledger edit {sid[:5]}"), typer),
        Case("completion: IDs with titles", pm, root, complete(f"pmledger edit {sid[:6]}"),
             typer),
        Case("completion: owners", pm, root, complete("pmledger list --owner "), typer),
    ]  # fmt: skip
    db = None if args.no_taskwarrior or size > args.taskwarrior_max else (
        generate.build_taskwarrior(size, seed=args.seed, work=work)
    )  # fmt: skip
    if db is not None:
        before, after = _restore_taskwarrior(db)
        task = [generate.TASK]
        cases[1:1] = [
            Case("task add", [*task, "add", "x"], root, db.env, before=before, after=after),
            Case("task next", [*task, "next"], root, db.env),
            Case("task next limit:0", [*task, "next", "limit:0"], root, db.env),
        ]
    if args.only:
        wanted = args.only.split(",")
        keep = {c.label for c in cases if any(w in c.label for w in wanted)}
        keep |= {c.reference for c in cases if c.label in keep and c.reference}
        cases = [c for c in cases if c.label in keep]
    helps: dict[str, bool] = {}
    for case in cases:
        if case.argv[:1] == pm and len(case.argv) > 1 and not case.argv[1].startswith("-"):
            command = case.argv[1]
            if command not in helps:
                helps[command] = available(command, env)
            if not helps[command]:
                case.skipped = f"`pmledger {command}` is not there yet"
    if args.batch_max == 0:
        for case in cases:
            if case.slow:
                case.skipped = "--batch-max 0"
    return cases


def measure(cases: list[Case], runs: int, out: Path) -> None:
    """A warm-up pass, then ``runs`` interleaved rounds."""
    for case in cases:
        if case.skipped or case.slow:
            continue
        _, _, _, code = run_once(case, out)
        if code != 0:
            case.skipped = f"exit status {code} in the warm-up"
    for round_number in range(runs):
        for case in cases:
            if case.skipped or (case.slow and round_number > 0):
                continue
            elapsed, cpu, peak, code = run_once(case, out)
            if code != 0:
                case.skipped = f"exit status {code}"
                continue
            case.seconds.append(elapsed)
            case.cpu.append(cpu)
            case.peak_kb.append(peak)
        generate.log(f"  round {round_number + 1}/{runs}")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def table(size: int, cases: list[Case]) -> str:
    """The markdown table of one size."""
    by_label = {c.label: c for c in cases}
    lines = [
        f"### {size:,} requirements",
        "",
        "| command | median ms | min–max ms | CPU ms | peak MB | reference | reference ms |"
        " difference | CPU difference |",
        "|---|--:|--:|--:|--:|---|--:|--:|--:|",
    ]
    skipped = []
    for case in cases:
        if case.skipped or not case.seconds:
            skipped.append(f"- {case.label}: {case.skipped or 'no run'}")
            continue
        median = statistics.median(case.seconds)
        spread = f"{_ms(min(case.seconds))}–{_ms(max(case.seconds))}"
        peak = f"{max(case.peak_kb) / 1024:,.0f}"
        cpu = statistics.median(case.cpu) if case.cpu else 0.0
        ref = by_label.get(case.reference or "")
        if case.reference and (ref is None or ref.skipped or not ref.seconds):
            # Without Taskwarrior, the minimal Typer app (issue 9's budgets).
            ref = by_label.get(TYPER_LABEL)
        ref_cells = ["", "", "", ""]
        if ref is not None and ref.seconds:
            ref_median = statistics.median(ref.seconds)
            difference = f"{(median - ref_median) * 1000:+,.0f} ms ({median / ref_median:.2f}×)"
            ref_cpu = statistics.median(ref.cpu) if ref.cpu else 0.0
            cpu_difference = f"{(cpu - ref_cpu) * 1000:+,.0f} ms"
            ref_cells = [f"`{ref.label}`", _ms(ref_median), difference, cpu_difference]
        runs = " (1 run)" if len(case.seconds) == 1 else ""
        row = [f"`{case.label}`{runs}", _ms(median), spread, _ms(cpu), peak, *ref_cells]
        lines.append("| " + " | ".join(row) + " |")
    if skipped:
        lines += ["", "Skipped:", *skipped]
    return "\n".join(lines) + "\n"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(runs: int) -> str:
    """Where and how the numbers were taken."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    task = "not installed"
    if Path(generate.TASK).exists():
        task = subprocess.run(
            [generate.TASK, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    versions = ", ".join(
        f"{name} {_version(name)}" for name in ("pmledger", "typer", "pydantic", "rich")
    )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {len(os.sched_getaffinity(0))} CPUs ({cpu}); "
        f"Linux {platform.release()}; Python {platform.python_version()}; {versions}; "
        f"Taskwarrior {task}; load average at start {load}; medians of {runs} runs "
        "(`add -` once), each case beside its reference in the same rounds."
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated ledger sizes")
    parser.add_argument("--runs", type=int, default=7, help="timed rounds per size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=generate.WORK)
    parser.add_argument("--out", type=Path, help="also write the markdown to this file")
    parser.add_argument("--only", help="only cases whose label contains one of these words")
    parser.add_argument("--batch-max", type=int, default=10_000, help="titles for `add -`")
    parser.add_argument("--taskwarrior-max", type=int, default=10_000)
    parser.add_argument("--no-taskwarrior", action="store_true")
    return parser.parse_args(argv)


def compile_pmledger() -> None:
    """Write the bytecode of every pmledger module, as an installed package has it.

    With PYTHONDONTWRITEBYTECODE=1 in the shell, a module edited since its
    ``.pyc`` was written is compiled again at every start (13 ms for
    cli/output.py alone), which would be timed as pmledger's cost.
    """
    import compileall

    import pmledger

    compileall.compile_dir(str(Path(pmledger.__file__).parent), quiet=1)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not PMLEDGER.exists():
        sys.exit(f"{PMLEDGER} not found: run with the venv's python (.venv/bin/python)")
    args.work.mkdir(parents=True, exist_ok=True)
    typer_app = args.work / "minimal_typer_app.py"
    typer_app.write_text(MINIMAL_TYPER_APP, encoding="utf-8")
    compile_pmledger()
    parts = ["## Results", "", machine(args.runs), ""]
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "stdout"
        for size in (int(s) for s in args.sizes.split(",")):
            generate.log(f"size {size:,}")
            cases = cases_for(size, args, args.work, typer_app)
            try:
                measure(cases, args.runs, out)
            finally:
                stop_watcher()
            parts.append(table(size, cases))
            print(parts[-1], flush=True)
    text = "\n".join(parts)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
