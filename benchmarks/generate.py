"""Synthetic ledgers for the benchmarks, and the same records for Taskwarrior.

    .venv/bin/python benchmarks/generate.py --size 10000            # ledger + Taskwarrior
    .venv/bin/python benchmarks/generate.py --size 1000 --no-taskwarrior --rebuild

The content is seeded and deterministic, and looks like a real backlog: Chinese,
English and mixed titles, every status and priority, requesters, departments,
owners, tags, due dates around ``--as-of``, efforts, goals, sprints,
dependencies on earlier requirements, descriptions, acceptance criteria and
dated notes. Requirements are validated by the model and written with the
core's public API (``Ledger.init``, ``Ledger.path_for``,
``pmledger.ledger.fileformat.dumps``), straight to files rather than through
the CLI, so 100k take a minute, not hours.

The ledger is a git repository with two commits ("import" and "triage", which
moves statuses, adds notes and a few requirements), so that ``diff``,
``history`` and the parse cache in ``.git/pmledger/`` behave as they do for
users. File times are set one day back, so every file is old enough for the
parse cache at once.

Taskwarrior gets the same records through ``task import``: priority
critical/high = H, medium = M, low = L; department = project; tags; due;
depends_on = depends; notes = annotations; done = completed, rejected =
deleted, deferred = waiting, in-progress = started, so its pending set is
pmledger's active set.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pmledger.ledger import fileformat
from pmledger.ledger.ids import ALPHABET
from pmledger.ledger.ledger import Ledger
from pmledger.ledger.model import Requirement

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
VERSION = 2  # bump when the content changes: rebuilds ledgers made by older versions
PREFIX = "REQ"
AS_OF = date(2026, 11, 20)
TASK = shutil.which("task") or "/usr/bin/task"
CHINA = timezone(timedelta(hours=8))

ZH_MODULES = ["CRM", "订单中心", "财务系统", "客服工单", "BI 报表", "小程序", "会员中心", "仓储"]
ZH_ACTIONS = ["支持导出", "新增", "优化", "批量修改", "自动同步", "增加筛选", "修复", "合并"]
ZH_OBJECTS = ["客户列表", "发票", "对账单", "库存预警", "退款流程", "会员积分", "销售线索"]
ZH_OBJECTS += ["合同审批", "渠道返利", "工单分派", "价格表", "周报"]
ZH_QUALIFIERS = ["", "", "（Excel）", "（移动端）", " v2", "（按部门）", "到企业微信", "每日"]
EN_ACTIONS = ["Export", "Add", "Speed up", "Bulk edit", "Sync", "Filter", "Fix", "Merge"]
EN_OBJECTS = ["customer list", "invoices", "statements", "stock alerts", "refund flow"]
EN_OBJECTS += ["loyalty points", "sales leads", "contract approval", "partner rebates"]
EN_OBJECTS += ["ticket routing", "price list", "weekly report"]
EN_QUALIFIERS = ["", "", "to Excel", "on mobile", "per department", "for finance", "nightly"]
PEOPLE = ["王芳", "李娜", "张伟", "刘洋", "陈静", "赵磊", "Alice Chen", "Bob Smith", "Maria Garcia"]
OWNERS = ["周杰", "孙丽", "Dev Team A", "Dev Team B", "Kenji Sato", "Li Wei"]
DEPARTMENTS = ["销售部", "运营部", "财务部", "客服部", "市场部", "Sales", "Operations", "Finance"]
TAGS = ["crm", "billing", "报表", "mobile", "api", "合规", "ux", "perf", "data", "erp"]
GOALS = ["G-增长", "G-retention", "G-合规", "G-efficiency"]
STATUSES = {"proposed": 30, "accepted": 15, "planned": 10, "in-progress": 10, "done": 25}
STATUSES |= {"rejected": 5, "deferred": 5}
PRIORITIES = {"critical": 5, "high": 25, "medium": 45, "low": 25}
NOTES = ["客户再次催促", "Sales says this blocks two deals", "已确认范围", "财务部要求月底前上线"]


def log(message: str) -> None:
    """Progress, on stderr."""
    print(message, file=sys.stderr, flush=True)


def _pick(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def synthetic_ids(size: int, seed: int) -> list[str]:
    """The IDs of a synthetic ledger, in creation order."""
    rng = random.Random(f"ids-{seed}-{size}")
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < size:
        new = PREFIX + "-" + "".join(rng.choice(ALPHABET) for _ in range(5))
        if new not in seen:
            seen.add(new)
            out.append(new)
    return out


def synthetic_title(rng: random.Random) -> str:
    """A title as a PM types it: Chinese, English or mixed."""
    roll = rng.random()
    if roll < 0.5:
        parts = [ZH_MODULES, ZH_ACTIONS, ZH_OBJECTS, ZH_QUALIFIERS]
        return "".join(rng.choice(p) for p in parts).strip()
    if roll < 0.6:
        words = [rng.choice(ZH_OBJECTS), rng.choice(EN_ACTIONS).lower(), rng.choice(EN_QUALIFIERS)]
    else:
        words = [rng.choice(EN_ACTIONS), rng.choice(EN_OBJECTS), rng.choice(EN_QUALIFIERS)]
    return " ".join(w for w in words if w)


def synthetic_requirements(size: int, seed: int, as_of: date) -> Iterator[Requirement]:
    """``size`` validated requirements, deterministic for a seed."""
    rng = random.Random(f"records-{seed}-{size}")
    all_ids = synthetic_ids(size, seed)
    start = datetime(2024, 1, 1, 9, 0, tzinfo=CHINA)
    span = (datetime.combine(as_of, datetime.min.time(), tzinfo=CHINA) - start).total_seconds()
    for index, req_id in enumerate(all_ids):
        status = _pick(rng, STATUSES)
        created = start + timedelta(seconds=int(span * index / size + rng.random() * 3600))
        rec: dict[str, Any] = {
            "id": req_id,
            "title": synthetic_title(rng),
            "status": status,
            "priority": _pick(rng, PRIORITIES),
            "created": created,
            "tags": rng.sample(TAGS, rng.choice([0, 1, 1, 2, 3])),
        }
        if rng.random() < 0.85:
            rec["requester"] = rng.choice(PEOPLE)
            rec["department"] = rng.choice(DEPARTMENTS)
        if rng.random() < 0.6:
            rec["owner"] = rng.choice(OWNERS)
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
                f"{rng.choice(DEPARTMENTS)}每周手工处理{rng.choice(ZH_OBJECTS)}，"
                f"约 {rng.randint(1, 8)} 小时。\nPain point: numbers are copied by hand."
            )
        if rng.random() < 0.3:
            rec["acceptance"] = [f"{rng.choice(ZH_OBJECTS)}可以按部门筛选", "Opens in Excel"]
        if rng.random() < 0.05:
            rec["notes"] = [
                {
                    "at": (created + timedelta(days=rng.randint(1, 60))).astimezone(UTC),
                    "by": rng.choice(PEOPLE),
                    "text": rng.choice(NOTES),
                }
                for _ in range(rng.randint(1, 2))
            ]
        yield Requirement.model_validate(rec)


def _git(root: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com")
    env |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)


def _write(ledger: Ledger, req: Requirement, mtime: float) -> None:
    path = ledger.path_for(req.id)
    path.write_bytes(fileformat.dumps(req).encode("utf-8"))
    os.utime(path, (mtime, mtime))


def _triage(reqs: list[Requirement], seed: int, as_of: date) -> list[Requirement]:
    """The second commit: status moves, notes and new requests after a review meeting."""
    rng = random.Random(f"triage-{seed}-{len(reqs)}")
    at = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC)
    changed = []
    for req in rng.sample(reqs, max(1, len(reqs) // 100)):
        data = req.model_dump()
        data["status"] = _pick(rng, STATUSES)
        data["notes"].append({"at": at, "by": rng.choice(PEOPLE), "text": rng.choice(NOTES)})
        changed.append(Requirement.model_validate(data))
    return changed


@dataclass(frozen=True)
class Built:
    """Where a generated ledger lives, and one ID of it that has notes and dependents."""

    root: Path
    size: int
    sample_id: str


def build_ledger(
    size: int, *, seed: int = 1, as_of: date = AS_OF, work: Path = WORK, rebuild: bool = False
) -> Built:
    """A git-tracked ledger of ``size`` synthetic requirements (reused when up to date)."""
    root = work / f"ledger-{size}"
    manifest = work / f"ledger-{size}.json"
    wanted = {"version": VERSION, "size": size, "seed": seed, "as_of": str(as_of)}
    try:
        found = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        found = {}
    if not rebuild and {k: found.get(k) for k in wanted} == wanted and root.is_dir():
        drop_leftovers(root, set(found.get("files", [])))
        return Built(root, size, found["sample_id"])
    log(f"ledger {size}: building in {root}")
    started = time.perf_counter()
    manifest.unlink(missing_ok=True)
    if root.exists():
        shutil.rmtree(root)
    work.mkdir(parents=True, exist_ok=True)
    ledger = Ledger.init(root, prefix=PREFIX)
    _git(root, "init", "-q")
    old = time.time() - 86400
    reqs = []
    for count, req in enumerate(synthetic_requirements(size, seed, as_of), start=1):
        _write(ledger, req, old)
        reqs.append(req)
        if count % 20_000 == 0:
            log(f"  {count}/{size} files, {time.perf_counter() - started:.0f}s")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", f"import {size} requirements")
    for req in _triage(reqs, seed, as_of):
        _write(ledger, req, old + 60)
    _git(root, "commit", "-q", "-a", "-m", "triage meeting")
    needed = {d for r in reqs for d in r.depends_on}
    sample = next((r.id for r in reqs if r.notes and r.id in needed), reqs[len(reqs) // 2].id)
    files = sorted(p.name for p in ledger.requirements_dir.glob("*.toml"))
    manifest.write_text(json.dumps({**wanted, "sample_id": sample, "files": files}), "utf-8")
    log(f"ledger {size}: built in {time.perf_counter() - started:.1f}s")
    return Built(root, size, sample)


def ledger_files(root: Path) -> set[str]:
    """The requirement file names of a generated ledger (from its manifest)."""
    manifest = root.with_name(f"{root.name}.json")
    return set(json.loads(manifest.read_text(encoding="utf-8"))["files"])


def drop_leftovers(root: Path, files: set[str]) -> None:
    """Delete requirement files a benchmark created (the timed `add`s), keeping ``files``."""
    with os.scandir(root / "requirements") as entries:
        for entry in entries:
            if entry.name.endswith(".toml") and entry.name not in files:
                os.unlink(entry.path)


def batch_titles(count: int, seed: int) -> str:
    """``count`` distinct titles, one per line, as pasted from meeting minutes into `add -`."""
    rng = random.Random(f"batch-{seed}-{count}")
    return "".join(f"{synthetic_title(rng)} #{n}\n" for n in range(1, count + 1))


# -- Taskwarrior ----------------------------------------------------------------------

TW_PRIORITY = {"critical": "H", "high": "H", "medium": "M", "low": "L"}


def _tw_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%dT000000Z")


def _tw_uuid(req_id: str, seed: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pmledger-bench/{seed}/{req_id}"))


def taskwarrior_task(req: Requirement, seed: int, as_of: date) -> dict[str, Any]:
    """One requirement as a Taskwarrior task (JSON import format)."""
    task: dict[str, Any] = {
        "uuid": _tw_uuid(req.id, seed),
        "description": req.title,
        "entry": _tw_date(req.created),
        "modified": _tw_date(req.created),
        "status": "pending",
        "priority": TW_PRIORITY[req.priority.value],
    }
    end = _tw_date(req.created + timedelta(days=30))
    if req.status == "done":
        task.update(status="completed", end=end)
    elif req.status == "rejected":
        task.update(status="deleted", end=end)
    elif req.status == "deferred":
        task.update(status="waiting", wait=_tw_date(as_of + timedelta(days=3650)))
    elif req.status == "in-progress":
        task["start"] = end
    if req.due:
        task["due"] = _tw_date(req.due)
    if req.department:
        task["project"] = req.department
    if req.tags:
        task["tags"] = list(req.tags)
    if req.depends_on:
        task["depends"] = [_tw_uuid(d, seed) for d in req.depends_on]
    if req.notes:
        task["annotations"] = [{"entry": _tw_date(n.at), "description": n.text} for n in req.notes]
    return task


@dataclass(frozen=True)
class TaskDb:
    """A Taskwarrior database and the environment that points ``task`` at it."""

    root: Path
    env: dict[str, str]


def build_taskwarrior(
    size: int, *, seed: int = 1, as_of: date = AS_OF, work: Path = WORK, rebuild: bool = False
) -> TaskDb | None:
    """A Taskwarrior database of the same records; None when ``task`` is not installed."""
    if not Path(TASK).exists():
        return None
    root = work / f"task-{size}"
    env = dict(os.environ, TASKRC=str(root / "taskrc"), TASKDATA=str(root / "data"))
    db = TaskDb(root, env)
    marker = root / "built.json"
    wanted = {"version": VERSION, "size": size, "seed": seed, "as_of": str(as_of)}
    try:
        if not rebuild and json.loads(marker.read_text(encoding="utf-8")) == wanted:
            return db
    except (OSError, ValueError):
        pass
    log(f"taskwarrior {size}: building in {root}")
    if root.exists():
        shutil.rmtree(root)
    (root / "data").mkdir(parents=True)
    (root / "taskrc").write_text(
        f"data.location={root / 'data'}\n"
        "confirmation=off\nverbose=nothing\nhooks=off\nnews.version=2.6.2\n",
        encoding="utf-8",
    )
    tasks = [taskwarrior_task(r, seed, as_of) for r in synthetic_requirements(size, seed, as_of)]
    source = root / "import.json"
    source.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL, "stdin": subprocess.DEVNULL}
    subprocess.run([TASK, "import", str(source)], **quiet)  # type: ignore[call-overload]
    # The first report moves completed tasks out of pending.data (Taskwarrior's
    # gc): do it now, so that every timed run sees the same files.
    subprocess.run([TASK, "next"], **quiet)  # type: ignore[call-overload]
    marker.write_text(json.dumps(wanted), encoding="utf-8")
    return db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, action="append", help="requirements (repeatable)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF)
    parser.add_argument("--work", type=Path, default=WORK, help="where ledgers are built")
    parser.add_argument("--rebuild", action="store_true", help="build even if up to date")
    parser.add_argument("--no-taskwarrior", action="store_true")
    args = parser.parse_args(argv)
    for size in args.size or [1000]:
        built = build_ledger(
            size, seed=args.seed, as_of=args.as_of, work=args.work, rebuild=args.rebuild
        )
        print(built.root)
        if not args.no_taskwarrior:
            db = build_taskwarrior(
                size, seed=args.seed, as_of=args.as_of, work=args.work, rebuild=args.rebuild
            )
            if db is not None:
                print(db.root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
