"""Wall-clock benchmarks of pmledger commands on synthetic ledgers.

Run it with the project's virtual environment (it imports pmledger to write
the synthetic files, and times the venv's ``pmledger`` entry point)::

    .venv/bin/python benchmarks/bench.py                          # 1k, 10k, 100k
    .venv/bin/python benchmarks/bench.py --sizes 1000,10000 --runs 7 \\
        --out benchmarks/results.md --out benchmarks/results.json

What it does, for each size:

1. Builds (or reuses) a ledger of that many requirements in the work folder
   (default ``benchmarks/_work/``, gitignored): ``Ledger.init`` plus canonical
   files written directly with ``pmledger.ledger.fileformat.dumps`` (not through the
   CLI, so a 100k ledger takes about a minute, not hours), then ``git init`` so
   that the parse cache lives in ``.git/pmledger/`` as it does for users. The
   content is seeded and deterministic: Chinese / English / mixed titles, all
   statuses and priorities, due dates around ``--as-of``, dependencies, notes.
   ``--rebuild`` forces a fresh build. With Taskwarrior installed, it also
   builds a Taskwarrior database of the same records (``task import``) for
   sizes up to ``--taskwarrior-max-size``.
2. Times every command in fresh processes: ``time.perf_counter`` around
   ``subprocess.run``, stdout redirected to a file, stdin from ``/dev/null``.
   One untimed warm-up pass (which also fills the parse cache), then
   ``--runs`` rounds; each round runs every command once, so that a noisy
   moment of the machine spreads over all commands instead of one. Cold-cache
   commands get only ``--slow-runs`` rounds at sizes of ``--slow-size`` and up.
   ``pmledger add`` deletes the file it created after each run (the ledger
   keeps its size; the new file is never in the parse cache, which refuses
   files younger than ``cache.RACY_SECONDS``); ``task add`` restores the
   Taskwarrior data files after each run.
3. Prints a markdown table (median, min, interquartile range, and the median
   minus the median of a minimal Typer app measured in the same rounds) and
   the machine description; ``--out FILE.md`` / ``--out FILE.json`` save it.

``--importtime-top N`` (default 15) adds the N slowest imports (cumulative,
from ``python -X importtime -m pmledger add``) measured in the 10k ledger (or
the largest one benchmarked).

The OS page cache is not dropped (that needs root and disturbs the machine):
"cold" below means a cold parse cache, not cold disks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from pmledger.ledger import fileformat, ids
from pmledger.ledger.cache import RACY_SECONDS, cache_path
from pmledger.ledger.ledger import SUFFIX, Ledger
from pmledger.ledger.model import Requirement

HERE = Path(__file__).resolve().parent
DEFAULT_WORK = HERE / "_work"
GENERATOR_VERSION = 1
PREFIX = "REQ"
ID_LENGTH = 5
ADD_TITLE = "基准测试 benchmark probe 7Q"
TASK = shutil.which("task") or "/usr/bin/task"

# -- synthetic content ----------------------------------------------------------

ZH_MODULES = ["CRM", "订单中心", "财务系统", "客服工单", "BI 报表", "小程序", "会员中心", "仓储"]
ZH_ACTIONS = ["支持导出", "新增", "优化", "批量修改", "自动同步", "增加筛选", "修复", "合并"]
ZH_OBJECTS = [
    "客户列表",
    "发票",
    "对账单",
    "库存预警",
    "退款流程",
    "会员积分",
    "销售线索",
    "合同审批",
    "渠道返利",
    "工单分派",
    "价格表",
    "周报",
]
ZH_QUALIFIERS = ["", "", "（Excel）", "（移动端）", " v2", "（按部门）", "到企业微信", "每日"]
EN_ACTIONS = ["Export", "Add", "Speed up", "Bulk edit", "Sync", "Filter", "Fix", "Merge"]
EN_OBJECTS = [
    "customer list",
    "invoices",
    "statements",
    "stock alerts",
    "refund flow",
    "loyalty points",
    "sales leads",
    "contract approval",
    "partner rebates",
    "ticket routing",
    "price list",
    "weekly report",
]
EN_QUALIFIERS = ["", "", "to Excel", "on mobile", "per department", "for finance", "nightly", "v2"]
PEOPLE = ["王芳", "李娜", "张伟", "刘洋", "陈静", "赵磊", "Alice Chen", "Bob Smith", "Maria Garcia"]
OWNERS = ["周杰", "孙丽", "Dev Team A", "Dev Team B", "Kenji Sato", "Li Wei"]
DEPARTMENTS = ["销售部", "运营部", "财务部", "客服部", "市场部", "Sales", "Operations", "Finance"]
TAGS = ["crm", "billing", "报表", "mobile", "api", "合规", "ux", "perf", "data", "erp"]
GOALS = ["G-增长", "G-retention", "G-合规", "G-efficiency"]
STATUSES = [
    ("proposed", 30),
    ("accepted", 15),
    ("planned", 10),
    ("in-progress", 10),
    ("done", 25),
    ("rejected", 5),
    ("deferred", 5),
]
PRIORITIES = [("critical", 5), ("high", 25), ("medium", 45), ("low", 25)]
CHINA = timezone(timedelta(hours=8))


def _weighted(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def synthetic_ids(size: int, seed: int) -> list[str]:
    """The IDs of a synthetic ledger, in creation order (cheap to recompute)."""
    rng = random.Random(f"ids-{seed}-{size}")
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < size:
        new = PREFIX + "-" + "".join(rng.choice(ids.ALPHABET) for _ in range(ID_LENGTH))
        if new not in seen:
            seen.add(new)
            out.append(new)
    return out


def _title(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return (
            rng.choice(ZH_MODULES)
            + rng.choice(ZH_ACTIONS)
            + rng.choice(ZH_OBJECTS)
            + rng.choice(ZH_QUALIFIERS)
        )
    if roll < 0.6:  # mixed, as typed in a meeting
        return f"{rng.choice(ZH_OBJECTS)} {rng.choice(EN_ACTIONS).lower()} {rng.choice(EN_QUALIFIERS)}".strip()
    words = [rng.choice(EN_ACTIONS), rng.choice(EN_OBJECTS), rng.choice(EN_QUALIFIERS)]
    return " ".join(w for w in words if w)


def synthetic_records(size: int, seed: int, as_of: date) -> Iterator[dict[str, Any]]:
    """Plain requirement dicts (pmledger field names), deterministic for a seed."""
    rng = random.Random(f"records-{seed}-{size}")
    all_ids = synthetic_ids(size, seed)
    start = datetime(2024, 1, 1, 9, 0, tzinfo=CHINA)
    span = (datetime.combine(as_of, datetime.min.time(), tzinfo=CHINA) - start).total_seconds()
    for index, req_id in enumerate(all_ids):
        status = _weighted(rng, STATUSES)
        created = start + timedelta(seconds=int(span * index / size + rng.random() * 3600))
        rec: dict[str, Any] = {
            "id": req_id,
            "title": _title(rng),
            "status": status,
            "priority": _weighted(rng, PRIORITIES),
            "created": created.replace(microsecond=0),
        }
        if rng.random() < 0.85:
            rec["requester"] = rng.choice(PEOPLE)
            rec["department"] = rng.choice(DEPARTMENTS)
        if rng.random() < 0.6:
            rec["owner"] = rng.choice(OWNERS)
        rec["tags"] = rng.sample(TAGS, rng.choice([0, 1, 1, 2, 3]))
        if rng.random() < 0.4:
            rec["due"] = as_of + timedelta(days=rng.randint(-45, 120))
        if rng.random() < 0.7:
            rec["effort"] = rng.choice([1, 2, 3, 5, 8, 13])
        if rng.random() < 0.3:
            rec["value"] = rng.randint(1, 10)
        if rng.random() < 0.2:
            rec["goal"] = rng.choice(GOALS)
        if status in ("planned", "in-progress"):
            rec["sprint"] = f"2026-S{rng.randint(18, 24)}"
        if index > 10 and rng.random() < 0.1:
            earlier = all_ids[max(0, index - 500) : index]
            rec["depends_on"] = sorted(set(rng.sample(earlier, rng.choice([1, 1, 2]))))
        if rng.random() < 0.5:
            rec["description"] = (
                f"{rng.choice(DEPARTMENTS)}每周手工处理{rng.choice(ZH_OBJECTS)}，约 {rng.randint(1, 8)} 小时。\n"
                "Pain point: numbers are copied by hand and often wrong."
            )
        if rng.random() < 0.3:
            rec["acceptance"] = [
                f"{rng.choice(ZH_OBJECTS)}可以按部门筛选",
                "Exported file opens in Excel with Chinese text intact",
            ][: rng.randint(1, 2)]
        if rng.random() < 0.05:
            rec["notes"] = [
                {
                    "at": (created + timedelta(days=rng.randint(1, 60))).astimezone(UTC),
                    "by": rng.choice(PEOPLE),
                    "text": rng.choice(
                        ["客户再次催促", "Sales says this blocks two deals", "已确认范围"]
                    ),
                }
                for _ in range(rng.randint(1, 2))
            ]
        yield rec


# -- building the ledgers ----------------------------------------------------------


def log(message: str) -> None:
    """Progress, on stderr."""
    print(message, file=sys.stderr, flush=True)


def _manifest_path(work: Path, size: int) -> Path:
    return work / f"ledger-{size}.json"


def ledger_dir(work: Path, size: int) -> Path:
    """Where the ledger of a size lives."""
    return work / f"ledger-{size}"


def _reusable(work: Path, size: int, seed: int, as_of: date) -> bool:
    """Whether the ledger on disk is the one we would build; removes leftover probes."""
    root = ledger_dir(work, size)
    try:
        manifest = json.loads(_manifest_path(work, size).read_text())
    except (OSError, ValueError):
        return False
    wanted = {"generator": GENERATOR_VERSION, "size": size, "seed": seed, "as_of": str(as_of)}
    if any(manifest.get(k) != v for k, v in wanted.items()):
        return False
    if not (root / "pmledger.toml").is_file() or not (root / ".git").is_dir():
        return False
    expected = {f"{i}{SUFFIX}" for i in synthetic_ids(size, seed)}
    present = {n for n in os.listdir(root / "requirements") if n.endswith(SUFFIX)}
    if expected - present:
        return False
    for leftover in present - expected:  # from an interrupted `add` run
        log(f"  removing leftover {leftover}")
        (root / "requirements" / leftover).unlink()
    return True


def build_ledger(work: Path, size: int, seed: int, as_of: date, *, rebuild: bool) -> Path:
    """A ledger of ``size`` synthetic requirements (reused when already built)."""
    root = ledger_dir(work, size)
    if not rebuild and _reusable(work, size, seed, as_of):
        log(f"ledger {size}: reusing {root}")
        return root
    log(f"ledger {size}: building in {root}")
    _manifest_path(work, size).unlink(missing_ok=True)
    if root.exists():
        shutil.rmtree(root)
    work.mkdir(parents=True, exist_ok=True)
    ledger = Ledger.init(root, prefix=PREFIX)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    folder = ledger.requirements_dir
    started = time.perf_counter()
    for count, rec in enumerate(synthetic_records(size, seed, as_of), start=1):
        req = Requirement.model_validate(rec)
        (folder / f"{req.id}{SUFFIX}").write_bytes(fileformat.dumps(req).encode("utf-8"))
        if count % 10_000 == 0:
            log(f"  {count}/{size} files, {time.perf_counter() - started:.0f}s")
    # Files younger than RACY_SECONDS are never cached; let the last ones age.
    time.sleep(RACY_SECONDS + 0.1)
    manifest = {"generator": GENERATOR_VERSION, "size": size, "seed": seed, "as_of": str(as_of)}
    _manifest_path(work, size).write_text(json.dumps(manifest))
    log(f"ledger {size}: built in {time.perf_counter() - started:.1f}s")
    return root


def _tw_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%dT000000Z")


def _tw_uuid(req_id: str, seed: int) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pmledger-bench/{seed}/{req_id}"))


TW_PRIORITY = {"critical": "H", "high": "H", "medium": "M", "low": "L"}


def taskwarrior_tasks(size: int, seed: int, as_of: date) -> list[dict[str, Any]]:
    """The same records as Taskwarrior JSON (done = completed, rejected = deleted,
    deferred = waiting, in-progress = started)."""
    tasks = []
    for rec in synthetic_records(size, seed, as_of):
        task: dict[str, Any] = {
            "uuid": _tw_uuid(rec["id"], seed),
            "description": rec["title"],
            "entry": _tw_date(rec["created"]),
            "modified": _tw_date(rec["created"]),
            "status": "pending",
            "priority": TW_PRIORITY[rec["priority"]],
        }
        end = _tw_date(rec["created"] + timedelta(days=30))
        if rec["status"] == "done":
            task.update(status="completed", end=end)
        elif rec["status"] == "rejected":
            task.update(status="deleted", end=end)
        elif rec["status"] == "deferred":
            task.update(status="waiting", wait=_tw_date(as_of + timedelta(days=3650)))
        elif rec["status"] == "in-progress":
            task["start"] = end
        if "due" in rec:
            task["due"] = _tw_date(rec["due"])
        if rec.get("department"):
            task["project"] = rec["department"]
        if rec["tags"]:
            task["tags"] = rec["tags"]
        if rec.get("depends_on"):
            task["depends"] = [_tw_uuid(d, seed) for d in rec["depends_on"]]
        if rec.get("notes"):
            task["annotations"] = [
                {"entry": _tw_date(n["at"]), "description": n["text"]} for n in rec["notes"]
            ]
        tasks.append(task)
    return tasks


@dataclass
class TaskDb:
    """A Taskwarrior database and the environment that points ``task`` at it."""

    root: Path
    env: dict[str, str]

    @property
    def data(self) -> Path:
        return self.root / "data"


def build_taskwarrior(
    work: Path, size: int, seed: int, as_of: date, *, rebuild: bool, base_env: dict[str, str]
) -> TaskDb:
    """A Taskwarrior database of the same ``size`` records (reused when already built)."""
    root = work / f"task-{size}"
    rc = root / "taskrc"
    env = {**base_env, "TASKRC": str(rc), "TASKDATA": str(root / "data")}
    db = TaskDb(root, env)
    marker = root / "built.json"
    wanted = {"generator": GENERATOR_VERSION, "size": size, "seed": seed, "as_of": str(as_of)}
    with contextlib.suppress(OSError, ValueError):
        if not rebuild and json.loads(marker.read_text()) == wanted:
            log(f"taskwarrior {size}: reusing {root}")
            return db
    log(f"taskwarrior {size}: building in {root}")
    if root.exists():
        shutil.rmtree(root)
    db.data.mkdir(parents=True)
    rc.write_text(
        f"data.location={db.data}\n"
        "confirmation=off\nverbose=nothing\nhooks=off\nnews.version=2.6.2\n",
        encoding="utf-8",
    )
    source = root / "import.json"
    source.write_text(json.dumps(taskwarrior_tasks(size, seed, as_of), ensure_ascii=False))
    started = time.perf_counter()
    subprocess.run(
        [TASK, "import", str(source)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    # The first report runs the garbage collector (completed tasks move out
    # of pending.data); do it now so that every timed run sees the same files.
    subprocess.run(
        [TASK, "next"], env=env, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    marker.write_text(json.dumps(wanted))
    log(f"taskwarrior {size}: built in {time.perf_counter() - started:.1f}s")
    return db


# -- measuring ---------------------------------------------------------------------


@dataclass
class Case:
    """One command to time at one size."""

    label: str
    size: int | None
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    runs: int
    warmup: bool = True
    before: Callable[[], None] | None = None
    after: Callable[[str], None] | None = None  # gets stdout
    samples: list[float] = field(default_factory=list)


def run_once(case: Case, out: Path) -> float:
    """Run a case once; its wall time in seconds (setup and cleanup not timed)."""
    if case.before is not None:
        case.before()
    with out.open("w+b") as stdout:
        started = time.perf_counter()
        proc = subprocess.run(
            case.argv,
            cwd=case.cwd,
            env=case.env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
            check=False,
        )
        elapsed = time.perf_counter() - started
        stdout.seek(0)
        text = stdout.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace")[-2000:]
        raise RuntimeError(f"{case.label} failed ({proc.returncode}): {err}")
    if case.after is not None:
        case.after(text)
    return elapsed


def run_cases(cases: list[Case], *, rounds: int, out: Path) -> None:
    """One warm-up pass, then ``rounds`` interleaved rounds (each case once per round)."""
    for case in cases:
        if case.warmup:
            run_once(case, out)
    for number in range(rounds):
        for case in cases:
            if number < case.runs:
                case.samples.append(run_once(case, out))
        log(f"  round {number + 1}/{rounds} done")


@dataclass
class Stats:
    """Summary of one case's samples, in milliseconds."""

    median: float
    minimum: float
    iqr: float
    runs: int


def summarize(samples: list[float]) -> Stats:
    """Median, min and interquartile range of samples given in seconds."""
    ms = [s * 1000 for s in samples]
    if len(ms) >= 2:
        q1, _, q3 = statistics.quantiles(ms, n=4, method="inclusive")
        iqr = q3 - q1
    else:
        iqr = 0.0
    return Stats(statistics.median(ms), min(ms), iqr, len(ms))


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


def _remove_added(requirements: Path) -> Callable[[str], None]:
    def after(stdout: str) -> None:
        lines = stdout.split()
        if not lines:
            raise RuntimeError("pmledger add printed no ID")
        created = requirements / f"{lines[-1]}{SUFFIX}"
        if not created.is_file():
            raise RuntimeError(f"pmledger add printed {lines[-1]}, but {created} does not exist")
        created.unlink()

    return after


def _taskwarrior_restore(db: TaskDb) -> tuple[Callable[[], None], Callable[[str], None]]:
    snapshot = db.root / "snapshot"

    def before() -> None:
        if not snapshot.exists():
            shutil.copytree(db.data, snapshot)

    def after(_stdout: str) -> None:
        for item in snapshot.iterdir():
            shutil.copy2(item, db.data / item.name)

    return before, after


def pmledger_argv(runner: str, python: Path) -> list[str]:
    """How pmledger is started: the console script or ``python -m pmledger``."""
    if runner == "module":
        return [str(python), "-m", "pmledger"]
    return [str(python.parent / "pmledger")]


def size_cases(
    size: int,
    root: Path,
    *,
    args: argparse.Namespace,
    python: Path,
    env: dict[str, str],
    typer_app: Path,
    task_db: TaskDb | None,
) -> list[Case]:
    """Every case of one size, references first."""
    pm = pmledger_argv(args.runner, python)
    slow = args.slow_runs if size >= args.slow_size else args.runs
    as_of = ["--as-of", str(args.as_of)]
    no_cache = {**env, "PMLEDGER_NO_CACHE": "1"}
    cache_file = cache_path(root)
    show_id = synthetic_ids(size, args.seed)[size // 2]

    def drop_cache() -> None:
        cache_file.unlink(missing_ok=True)

    cases = [
        Case("python -c pass", size, [str(python), "-c", "pass"], root, env, args.runs),
        Case("minimal Typer app", size, [str(python), str(typer_app), "x"], root, env, args.runs),
        Case("pmledger --version", size, [*pm, "--version"], root, env, args.runs),
        Case(
            "pmledger add TITLE --no-input",
            size,
            [*pm, "add", ADD_TITLE, "--no-input"],
            root,
            env,
            args.runs,
            after=_remove_added(root / "requirements"),
        ),
        Case(
            "pmledger add TITLE --no-input (no cache)",
            size,
            [*pm, "add", ADD_TITLE, "--no-input"],
            root,
            no_cache,
            slow,
            warmup=False,
            after=_remove_added(root / "requirements"),
        ),
        Case(f"pmledger show {show_id}", size, [*pm, "show", show_id], root, env, args.runs),
        Case(
            "pmledger list --format json",
            size,
            [*pm, "list", "--format", "json"],
            root,
            env,
            args.runs,
        ),
        Case(
            "pmledger rank --format json (warm cache)",
            size,
            [*pm, "rank", "--format", "json", *as_of],
            root,
            env,
            args.runs,
        ),
        Case(
            "pmledger rank --format json (PMLEDGER_NO_CACHE=1)",
            size,
            [*pm, "rank", "--format", "json", *as_of],
            root,
            no_cache,
            slow,
            warmup=False,
        ),
        Case(
            "pmledger rank --format json (cache file deleted)",
            size,
            [*pm, "rank", "--format", "json", *as_of],
            root,
            env,
            slow,
            warmup=False,
            before=drop_cache,
        ),
    ]
    if task_db is not None:
        before, after = _taskwarrior_restore(task_db)
        tw_env = task_db.env
        cases += [
            Case(
                'task add "x"',
                size,
                [TASK, "add", "x"],
                task_db.root,
                tw_env,
                args.runs,
                True,
                before,
                after,
            ),
            Case("task next", size, [TASK, "next"], task_db.root, tw_env, args.runs),
            Case(
                "task next limit:0",
                size,
                [TASK, "next", "limit:0"],
                task_db.root,
                tw_env,
                args.runs,
            ),
            Case(
                "task export next", size, [TASK, "export", "next"], task_db.root, tw_env, args.runs
            ),
        ]
    return cases


# -- import times ------------------------------------------------------------------


def import_times(python: Path, root: Path, env: dict[str, str]) -> list[tuple[int, int, int, str]]:
    """Every import of ``pmledger add``, slowest first: (cumulative us, self us, depth, module).

    Depth 0 is an import made by ``-m pmledger`` itself, 1 one made by that module, ...
    """
    proc = subprocess.run(
        [str(python), "-X", "importtime", "-m", "pmledger", "add", ADD_TITLE, "--no-input"],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=True,
    )
    _remove_added(root / "requirements")(proc.stdout)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|", 2)
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        rows.append((int(cumulative), int(own), depth, name.strip()))
    rows.sort(reverse=True)
    return rows


# -- reporting ---------------------------------------------------------------------


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    """Where the numbers were taken."""
    cpu = "unknown"
    memory = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) // 1024} MiB"
    task_version = "not installed"
    if Path(TASK).exists():
        task_version = subprocess.run(
            [TASK, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu,
        "memory": memory,
        "kernel": platform.release(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "pmledger": _version("pmledger"),
        "typer": _version("typer"),
        "click": _version("click"),
        "pydantic": _version("pydantic"),
        "pydantic-core": _version("pydantic-core"),
        "rich": _version("rich"),
        "tomli-w": _version("tomli-w"),
        "taskwarrior": task_version,
    }


def results_rows(cases: list[Case]) -> list[dict[str, Any]]:
    """One row per case, with the delta to the minimal Typer app of the same size."""
    reference = {
        c.size: statistics.median(c.samples) * 1000 for c in cases if c.label == "minimal Typer app"
    }
    rows = []
    for case in cases:
        stats = summarize(case.samples)
        rows.append(
            {
                "command": case.label,
                "size": case.size,
                "runs": stats.runs,
                "median_ms": round(stats.median, 1),
                "min_ms": round(stats.minimum, 1),
                "iqr_ms": round(stats.iqr, 1),
                "delta_vs_typer_ms": round(stats.median - reference[case.size], 1),
                "samples_ms": [round(s * 1000, 2) for s in case.samples],
            }
        )
    return rows


def markdown(
    info: dict[str, str],
    config: dict[str, Any],
    rows: list[dict[str, Any]],
    imports: list[tuple[int, int, int, str]],
    top: int,
) -> str:
    """The report as markdown."""
    lines = ["# pmledger benchmarks", ""]
    lines += [f"- {key}: {value}" for key, value in info.items()]
    lines += [f"- {key}: {value}" for key, value in config.items()]
    lines += [
        "",
        "| command | size | runs | median ms | min ms | IQR ms | Δ vs Typer app ms |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        lines.append(
            f"| `{row['command']}` | {row['size']:,} | {row['runs']} | {row['median_ms']:.1f} "
            f"| {row['min_ms']:.1f} | {row['iqr_ms']:.1f} | {row['delta_vs_typer_ms']:+.1f} |"
        )
    if imports and top > 0:
        total = sum(own for _, own, _, _ in imports) / 1000
        lines += [
            "",
            f"Slowest imports of `pmledger add` (`python -X importtime -m pmledger add`, "
            f"top {top} by cumulative time; {len(imports)} modules, {total:.1f} ms in all; "
            "depth = nesting in the import tree, 0 for a top-level or function-level import):",
            "",
            "| cumulative ms | self ms | depth | module |",
            "|--:|--:|--:|---|",
        ]
        lines += [
            f"| {c / 1000:.1f} | {s / 1000:.1f} | {d} | `{n}` |" for c, s, d, n in imports[:top]
        ]
    return "\n".join(lines) + "\n"


# -- main --------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="Comma-separated ledger sizes."
    )
    parser.add_argument("--runs", type=int, default=7, help="Timed runs per command (default 7).")
    parser.add_argument(
        "--slow-runs", type=int, default=3, help="Runs of cold-cache commands at big sizes."
    )
    parser.add_argument(
        "--slow-size", type=int, default=100_000, help="From this size on, use --slow-runs."
    )
    parser.add_argument(
        "--work", type=Path, default=DEFAULT_WORK, help="Work folder (ledgers, Taskwarrior)."
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="Rebuild ledgers and Taskwarrior databases."
    )
    parser.add_argument(
        "--runner",
        choices=("entry", "module"),
        default="entry",
        help="entry: the venv's pmledger console script (default); module: python -m pmledger.",
    )
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=date(2026, 11, 20),
        help="Date the content is built around and `rank --as-of` uses.",
    )
    parser.add_argument("--seed", type=int, default=20261120, help="Seed of the synthetic content.")
    parser.add_argument(
        "--no-taskwarrior", action="store_true", help="Skip the Taskwarrior comparison."
    )
    parser.add_argument(
        "--taskwarrior-max-size",
        type=int,
        default=10_000,
        help="Largest size with a Taskwarrior comparison.",
    )
    parser.add_argument(
        "--importtime-top", type=int, default=15, help="Slowest imports to list (0: skip)."
    )
    parser.add_argument(
        "--out",
        action="append",
        type=Path,
        default=[],
        help="Write the report: .json as JSON, anything else as markdown (repeatable).",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build, measure, report."""
    args = parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    python = Path(sys.executable)
    if not (python.parent / "pmledger").exists() and args.runner == "entry":
        log(f"no pmledger entry point next to {python}; run this with the venv's python")
        return 2
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    typer_app = work / "min_typer_app.py"
    typer_app.write_text(MINIMAL_TYPER_APP, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMLEDGER_", "TASK"))}
    env.update(PMLEDGER_USER="bench", NO_COLOR="1")
    use_tw = not args.no_taskwarrior and Path(TASK).exists()
    notes = []
    if not args.no_taskwarrior and not use_tw:
        notes.append(f"Taskwarrior skipped: {TASK} not found (Debian package `taskwarrior`)")
    info = machine()
    runner = "console script " + str(python.parent / "pmledger")
    if args.runner == "module":
        runner = f"{python} -m pmledger"
    config = {
        "runner": runner,
        "runs": f"{args.runs} (cold-cache rows: {args.slow_runs} from {args.slow_size:,} requirements)",
        "rank --as-of": str(args.as_of),
        "work folder": str(work),
    }
    all_cases: list[Case] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stdout"
        for size in sizes:
            root = build_ledger(work, size, args.seed, args.as_of, rebuild=args.rebuild)
            task_db = None
            if use_tw and size <= args.taskwarrior_max_size:
                task_db = build_taskwarrior(
                    work, size, args.seed, args.as_of, rebuild=args.rebuild, base_env=env
                )
            cases = size_cases(
                size, root, args=args, python=python, env=env, typer_app=typer_app, task_db=task_db
            )
            log(f"size {size}: timing {len(cases)} commands, {args.runs} rounds")
            run_cases(cases, rounds=args.runs, out=out)
            count = sum(1 for n in os.listdir(root / "requirements") if n.endswith(SUFFIX))
            if count != size:
                raise RuntimeError(f"ledger {size} now holds {count} files")
            all_cases += cases
    imports: list[tuple[int, int, int, str]] = []
    if args.importtime_top > 0:
        where = max((s for s in sizes if s <= 10_000), default=max(sizes))
        imports = import_times(python, ledger_dir(work, where), env)
        config["importtime ledger"] = f"{where:,} requirements"
    for note in notes:
        config["note"] = note
    rows = results_rows(all_cases)
    text = markdown(info, config, rows, imports, args.importtime_top)
    print(text)
    for path in args.out:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".json":
            payload = {
                "machine": info,
                "config": config,
                "results": rows,
                "imports": [
                    {"cumulative_us": c, "self_us": s, "depth": d, "module": n}
                    for c, s, d, n in imports[: args.importtime_top]
                ],
                "imports_total_self_us": sum(s for _, s, _, _ in imports),
            }
            path.write_text(
                json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
        else:
            path.write_text(text, encoding="utf-8")
        log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
