"""Time the git side of pmledger (issue 8) as git and a person run it.

    .venv/bin/python benchmarks/git_bench.py --work /tmp/git-bench --rounds 7

Builds, in ``--work``, a clone of ``generate.py``'s 10k ledger and in it:

- **merge**: 100 requirements changed on two branches (status and a note on
  one, priority and a note on the other), the driver registered as
  ``pmledger git-setup`` registers it; ``git merge`` is timed (wall, and the
  CPU of git and every driver it starts), then undone, each round. One
  driver invocation is also timed on its own, with the three versions of one
  file, beside ``python -c pass`` and ``python -c 'import pydantic'``.
- **history**: 200 commits touching one requirement (and two others each);
  ``pmledger history ID`` is timed.
- **diff**: one commit changing 50 requirements; ``pmledger diff
  HEAD~1..HEAD`` is timed.

Every command runs in a fresh process; the rounds interleave all cases so a
noisy moment of the machine spreads over them. Medians of wall time and of
CPU time (user + system of the process and its children, from ``wait4``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate

PYTHON = Path(sys.executable)
PMLEDGER = PYTHON.with_name("pmledger")
MERGED = 100
HISTORY_COMMITS = 200
DIFF_CHANGED = 50
ENV = dict(
    os.environ,
    GIT_AUTHOR_NAME="bench",
    GIT_AUTHOR_EMAIL="bench@example.com",
    GIT_COMMITTER_NAME="bench",
    GIT_COMMITTER_EMAIL="bench@example.com",
    PYDANTIC_DISABLE_PLUGINS="__all__",
)


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, env=ENV, check=True, capture_output=True, text=True
    )
    return done.stdout


def timed(
    argv: list[str], cwd: Path, stdout: int | None = subprocess.DEVNULL
) -> tuple[float, float]:
    """Wall and CPU seconds (the process and its waited-for children)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=ENV, stdout=stdout, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{shlex.join(argv)} failed with {code}")
    return wall, usage.ru_utime + usage.ru_stime


@dataclass
class Case:
    label: str
    run: Callable[[], tuple[float, float]]
    per: int = 1  # also shown divided by this (the merge: per file)
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def _edit(path: Path, replace: dict[str, str], note: str | None) -> None:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        key = line.split(" = ", 1)[0]
        if key in replace:
            lines[i] = f'{key} = "{replace[key]}"\n'
    text = "".join(lines)
    if note is not None:
        text += f'\n[[notes]]\nat = 2026-11-27T10:00:00Z\nby = "bench"\ntext = "{note}"\n'
    path.write_text(text, encoding="utf-8")


def build(work: Path, source: Path | None) -> tuple[Path, str, list[str]]:
    """A clone of the generated 10k ledger (``source``: one already generated)."""
    if source is None:
        source = generate.build_ledger(10_000, work=work).root
    sample = json.loads(source.with_name(f"{source.name}.json").read_text("utf-8"))["sample_id"]
    root = work / "repo"
    if not root.exists():
        subprocess.run(["git", "clone", "-q", str(source), str(root)], check=True, env=ENV)
        git(root, "checkout", "-q", "-b", "bench")
    reqs = root / "requirements"
    names = sorted(p.name for p in reqs.glob("*.toml"))
    return root, sample, names


def setup_merge(root: Path, names: list[str]) -> tuple[str, list[Path]]:
    """Branches `ours` and `theirs` changing the same 100 files; returns ours' commit."""
    subprocess.run([str(PMLEDGER), "git-setup"], cwd=root, env=ENV, check=True, capture_output=True)
    if not (root / ".gitattributes").exists() and not (root / "requirements").exists():
        raise SystemExit("no ledger")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", "driver attributes")
    chosen = random.Random(8).sample(names, MERGED)
    base = git(root, "rev-parse", "HEAD").strip()
    for branch, replace in (
        ("theirs", {"priority": "critical"}),
        ("ours", {"status": "in-progress"}),
    ):
        git(root, "checkout", "-q", "-B", branch, base)
        for name in chosen:
            _edit(root / "requirements" / name, replace, f"note on {branch}")
        git(root, "commit", "-q", "-a", "-m", f"{branch}: {len(chosen)} requirements")
    head = git(root, "rev-parse", "HEAD").strip()
    # The three versions of one file, for timing one driver invocation.
    sides = []
    for rev in (base, head, "theirs"):
        path = root.parent / f"driver-{rev[:6]}.toml"
        path.write_text(git(root, "show", f"{rev}:requirements/{chosen[0]}"), encoding="utf-8")
        sides.append(path)
    return head, sides


def setup_history(root: Path, sample: str, names: list[str]) -> None:
    rng = random.Random(200)
    target = root / "requirements" / f"{sample}.toml"
    statuses = ["proposed", "accepted", "planned", "in-progress"]
    for n in range(HISTORY_COMMITS):
        others = rng.sample(names, 2)
        _edit(target, {"status": statuses[n % 4]}, f"step {n}" if n % 5 == 0 else None)
        for name in others:
            _edit(root / "requirements" / name, {"owner": f"owner {n}"}, None)
        git(root, "commit", "-q", "-a", "-m", f"history step {n}")


def setup_diff(root: Path, names: list[str]) -> None:
    for name in random.Random(50).sample(names, DIFF_CHANGED):
        _edit(root / "requirements" / name, {"priority": "low"}, "diff bench")
    git(root, "commit", "-q", "-a", "-m", f"{DIFF_CHANGED} requirements changed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "git-bench")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--ledger", type=Path, help="a 10k ledger generate.py built (cloned)")
    parser.add_argument(
        "--gc", action="store_true", help="pack the repository first (as git's auto gc does)"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="WORD",
        help="time only the cases whose label holds WORD (and the references); repeatable",
    )
    args = parser.parse_args(argv)
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    root, sample, names = build(work, args.ledger)
    ready = root / ".git" / "bench-ready"
    if not ready.exists():
        ours_head, sides = setup_merge(root, names)
        git(root, "checkout", "-q", "-b", "work", ours_head)
        setup_history(root, sample, names)
        setup_diff(root, names)
        ready.write_text(ours_head, encoding="utf-8")
    ours_head = ready.read_text(encoding="utf-8").strip()
    if args.gc:
        git(root, "gc", "-q")
    objects = git(root, "count-objects", "-v").split("\n")
    print("objects: " + ", ".join(objects[:3]), file=sys.stderr)
    sides = sorted(work.glob("driver-*.toml"))
    driver = git(root, "config", "--get", "merge.pmledger.driver").strip()
    print(f"driver command: {driver}", file=sys.stderr)
    exe = shlex.split(driver)[:-9] if driver.endswith("%O %A %B %P") else [str(PYTHON)]
    merge_dir = work / "merge"
    if not merge_dir.exists():
        subprocess.run(
            ["git", "worktree", "add", "-q", "--detach", str(merge_dir), ours_head],
            cwd=root,
            env=ENV,
            check=True,
        )
    base_file, ours_file, theirs_file = _order_sides(root, sides, ours_head)
    scratch = work / "ours-copy.toml"

    def merge() -> tuple[float, float]:
        git(merge_dir, "reset", "-q", "--hard", ours_head)
        result = timed(["git", "merge", "-q", "--no-edit", "theirs"], merge_dir)
        conflicts = git(merge_dir, "diff", "--name-only", "--diff-filter=U")
        if conflicts:
            raise SystemExit(f"merge conflicted: {conflicts.split()[:3]}")
        return result

    def one_driver() -> tuple[float, float]:
        scratch.write_bytes(ours_file.read_bytes())
        argv = [
            *exe,
            "-m",
            "pmledger.git",
            "merge-file",
            "--marker-size",
            "7",
            str(base_file),
            str(scratch),
            str(theirs_file),
            "requirements/X.toml",
        ]
        return timed(argv, root)

    pm = [str(PMLEDGER)]
    cases = [
        Case("python -c pass", lambda: timed([str(PYTHON), "-c", "pass"], root)),
        Case(
            "python -c 'import pydantic'",
            lambda: timed([str(PYTHON), "-c", "import pydantic"], root),
        ),
        Case("one merge-driver invocation", one_driver),
        Case(f"git merge of {MERGED} files changed on both sides", merge, MERGED),
        Case(
            f"history ID ({HISTORY_COMMITS} commits)", lambda: timed([*pm, "history", sample], root)
        ),
        Case(
            f"diff HEAD~1..HEAD (10k, {DIFF_CHANGED} changed)",
            lambda: timed([*pm, "diff", "HEAD~1..HEAD"], root),
        ),
    ]
    if args.only:
        cases = [
            c for c in cases if c.label.startswith("python") or any(w in c.label for w in args.only)
        ]
    for case in cases:  # warm-up (caches, page cache)
        case.run()
    for _round in range(args.rounds):
        for case in cases:
            wall, cpu = case.run()
            case.wall.append(wall)
            case.cpu.append(cpu)
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; {args.rounds} rounds")
    print("| case | wall median ms | CPU median ms | wall min–max ms |")
    print("|---|--:|--:|--:|")
    for case in cases:
        rows = [(case.label, 1)] + ([(f"{case.label}, per file", case.per)] if case.per > 1 else [])
        for label, per in rows:
            print(
                f"| {label} | {statistics.median(case.wall) * 1000 / per:,.0f} | "
                f"{statistics.median(case.cpu) * 1000 / per:,.0f} | "
                f"{min(case.wall) * 1000 / per:,.0f}–{max(case.wall) * 1000 / per:,.0f} |"
            )
    return 0


def _order_sides(root: Path, sides: list[Path], ours_head: str) -> tuple[Path, Path, Path]:
    base = git(root, "merge-base", ours_head, "theirs").strip()[:6]
    by_rev = {p.stem.removeprefix("driver-"): p for p in sides}
    ours = by_rev[ours_head[:6]]
    theirs = next(p for k, p in by_rev.items() if k not in (base, ours_head[:6]))
    return by_rev[base], ours, theirs


if __name__ == "__main__":
    sys.exit(main())
