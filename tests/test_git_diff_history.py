"""`diff` and `history` on real git repositories."""

from __future__ import annotations

import json
import shutil
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmledger.changes import with_note
from pmledger.git.diff import ledger_diff, resolve_range
from pmledger.git.history import requirement_history
from pmledger.git.repo import Repo
from pmledger.ledger import fileformat
from pmledger.ledger.ledger import Ledger
from pmledger.ledger.model import Requirement

from .cli_helpers import invoke, ok
from .conftest import make
from .git_helpers import commit_all, git, new_repo

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

AS_OF = date(2026, 11, 20)


def _set(ledger: Ledger, req_id: str, **fields: object) -> None:
    req = ledger.load(req_id)
    ledger.save(Requirement.model_validate({**fileformat.to_document(req), **fields}))


@pytest.fixture
def repo(tmp_path: Path) -> Ledger:
    ledger = new_repo(tmp_path)
    for i in range(5):
        ledger.create(make(title=f"Item {i}", priority="low"))
    commit_all(ledger.root, "five items")
    return ledger


def test_diff_of_the_work_tree_names_business_changes(repo: Ledger) -> None:
    ids = repo.file_ids()
    _set(repo, ids[4], status="accepted", priority="critical", owner="李雷")
    repo.save(
        with_note(
            repo.load(ids[1]), "销售部 needs it", by="王芳", at=datetime(2026, 11, 2, tzinfo=UTC)
        )
    )
    repo.path_for(ids[2]).unlink()
    new = repo.create(make(title="Brand new", priority="high")).id
    result = ledger_diff(repo, resolve_range(Repo.find(repo.root), None), as_of=AS_OF)
    assert [r.id for r in result.added] == [new]
    assert [r.id for r in result.removed] == [ids[2]]
    changed = {c.id: c for c in result.changed}
    assert changed[ids[4]].status_move == ("proposed", "accepted")
    assert {f.field for f in changed[ids[4]].fields} == {"status", "priority", "owner"}
    assert changed[ids[1]].notes_added[0]["by"] == "王芳"
    moved = {m.id: m for m in result.moves}
    assert moved[ids[4]].after == 1 and moved[ids[4]].term == "priority"
    assert moved[new].before is None and moved[new].after is not None


def test_diff_over_a_range_reports_a_broken_file_and_goes_on(repo: Ledger) -> None:
    root = repo.root
    ids = repo.file_ids()
    git(root, "tag", "start")
    path = repo.path_for(ids[0])
    path.write_text(
        path.read_text(encoding="utf-8").replace('priority = "low"', "priority = "),
        encoding="utf-8",
    )
    _set(repo, ids[1], status="accepted")
    schema_broken = repo.path_for(ids[4])
    schema_broken.write_text(
        schema_broken.read_text(encoding="utf-8").replace('"low"', '"urgent"'), encoding="utf-8"
    )
    commit_all(root, "break two, accept one")
    git(root, "tag", "broken")
    path.write_text(
        fileformat.dumps(repo.load(ids[2]).model_copy(update={"id": ids[0]})), encoding="utf-8"
    )
    _set(repo, ids[3], owner="Ann")
    commit_all(root, "fix it")

    result = invoke(
        ["-L", str(root), "diff", "start..broken", "--format", "json", "--as-of", "2026-11-20"]
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    problems = {p["path"].rsplit("/", 1)[1]: p for p in data["problems"]}
    assert set(problems) == {f"{ids[0]}.toml", f"{ids[4]}.toml"}
    assert problems[f"{ids[0]}.toml"]["revision"] == "broken"
    assert "priority" in problems[f"{ids[4]}.toml"]["message"]
    assert problems[f"{ids[4]}.toml"]["line"] == 4
    assert data["removed"] == []  # a broken file is not a removal
    assert [c["id"] for c in data["changed"]] == [ids[1]]

    # A...B reads from the merge base; the markdown is ready for a PR comment.
    md = invoke(
        ["-L", str(root), "diff", "start...HEAD", "-f", "markdown", "--as-of", "2026-11-20"]
    )
    assert md.exit_code == 0
    assert md.stdout.startswith("### Ledger changes")
    assert "| owner | (none) | Ann |" in md.stdout


def test_diff_since_a_date_and_an_unknown_revision(repo: Ledger) -> None:
    ok(["-L", str(repo.root), "diff", "--since", "2000-01-01", "-f", "json"])
    result = invoke(["-L", str(repo.root), "diff", "nope..HEAD"])
    assert result.exit_code == 1 and "unknown revision 'nope'" in result.stderr


def test_diff_since_reads_dates_and_refuses_what_is_not_one(repo: Ledger) -> None:
    # git reads an unknown word as "now": the diff would silently start at HEAD.
    for text in ("banana", "next fridya", "32/13"):
        result = invoke(["-L", str(repo.root), "diff", "--since", text])
        assert result.exit_code != 0 and "Traceback" not in result.stderr
        assert repr(text) in result.stderr
    empty = ok(["-L", str(repo.root), "diff", "--since", "2000-01-01", "-f", "json"]).stdout
    today = date.today().isoformat()  # its start: git alone reads it as now's time of day
    for text in ("2 weeks ago", "-2w", "昨天", "yesterday", today, f"{today} 00:00"):
        # Every commit of the fixture is from today: the range starts empty.
        assert ok(["-L", str(repo.root), "diff", "--since", text, "-f", "json"]).stdout == empty


def test_history_follows_a_rename_and_shows_creation_and_removal(repo: Ledger) -> None:
    root = repo.root
    req_id = repo.file_ids()[0]
    _set(repo, req_id, status="accepted")
    commit_all(root, "accept", author="Alice")
    repo.save(
        with_note(repo.load(req_id), "looks good", by="Bob", at=datetime(2026, 11, 3, tzinfo=UTC))
    )
    commit_all(root, "note", author="Bob")
    # A new prefix: the file is renamed along with its ID.
    new_id = "NEW-" + req_id.split("-")[1]
    text = repo.path_for(req_id).read_text(encoding="utf-8").replace(req_id, new_id)
    repo.path_for(req_id).unlink()
    (repo.requirements_dir / f"{new_id}.toml").write_text(text, encoding="utf-8")
    config = root / "pmledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('id_prefix = "REQ"', 'id_prefix = "NEW"'),
        encoding="utf-8",
    )
    commit_all(root, "rename")
    path = repo.requirements_dir / f"{new_id}.toml"
    path.write_text(text.replace('priority = "low"', 'priority = "high"'), encoding="utf-8")
    commit_all(root, "raise priority", author="Carol")
    path.unlink()
    commit_all(root, "drop it", author="Dan")

    entries = requirement_history(Repo.find(root), f"requirements/{new_id}.toml")
    assert [e.action for e in entries] == [
        "created",
        "changed",
        "changed",
        "renamed",
        "changed",
        "removed",
    ]
    assert entries[1].author == "Alice"
    assert [(c.field, c.old, c.new) for c in entries[1].fields] == [
        ("status", "proposed", "accepted")
    ]
    assert entries[2].notes_added[0]["text"] == "looks good"
    assert ("id", req_id, new_id) in [(c.field, c.old, c.new) for c in entries[3].fields]
    assert [(c.field, c.old, c.new) for c in entries[4].fields] == [("priority", "low", "high")]

    result = invoke(["-L", str(root), "history", new_id, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert [e["action"] for e in json.loads(result.stdout)][-1] == "removed"
    text_out = ok(["-L", str(root), "history", new_id]).stdout
    assert "status: proposed → accepted" in text_out and "removed" in text_out


def test_history_of_an_unknown_requirement_is_a_clear_error(repo: Ledger) -> None:
    result = invoke(["-L", str(repo.root), "history", "REQ-ZZZZZ"])
    assert result.exit_code == 1, result.stderr
    assert "no requirement REQ-ZZZZZ" in result.stderr and "commit it first" not in result.stderr
    # A file never committed is known: its history waits for a commit.
    new = repo.create(make(title="Fresh")).id
    result = invoke(["-L", str(repo.root), "history", new])
    assert result.exit_code == 1 and "commit it first" in result.stderr


def test_history_resolves_a_prefix_of_a_removed_requirement_as_show_does(repo: Ledger) -> None:
    root = repo.root
    gone = repo.file_ids()[0]
    ok(["-L", str(root), "remove", gone, "--force"])
    prefix = gone.split("-")[1][:3].lower()
    # Deleted in the work tree only: found.
    entries = json.loads(ok(["-L", str(root), "history", prefix, "-f", "json"]).stdout)
    assert entries[0]["path"] == f"requirements/{gone}.toml"
    assert entries[0]["action"] == "created"
    commit_all(root, "remove one")
    entries = json.loads(ok(["-L", str(root), "history", prefix, "-f", "json"]).stdout)
    assert [e["action"] for e in entries] == ["created", "removed"]
    assert "removed" in ok(["-L", str(root), "history", prefix]).stdout
    # Two removed requirements sharing a prefix: ambiguous, both named.
    for req_id in ("REQ-7QQA1", "REQ-7QQA2"):
        repo.path_for(req_id).write_text(fileformat.dumps(make(req_id)), encoding="utf-8")
    commit_all(root, "two alike")
    for req_id in ("REQ-7QQA1", "REQ-7QQA2"):
        ok(["-L", str(root), "remove", req_id, "--force"])
    commit_all(root, "remove both")
    result = invoke(["-L", str(root), "history", "7qq"])
    assert result.exit_code == 2 and "matches several requirements" in result.stderr
    assert "REQ-7QQA1, REQ-7QQA2" in result.stderr
    assert "created" in ok(["-L", str(root), "history", "7qqa2"]).stdout


def test_markdown_collapses_long_sections_and_caps_rank_moves() -> None:
    from pmledger.cli.diff import render_markdown
    from pmledger.git.diff import LedgerDiff, RankMove

    diff = LedgerDiff("main", "HEAD", AS_OF)
    diff.moves = [RankMove(f"REQ-{i:05d}", "标题 | pipe", i, i + 1) for i in range(150)]
    text = render_markdown(diff)
    assert "<details><summary>150 items</summary>" in text
    assert text.count("\n| REQ-") == 100
    assert "… and 50 more" in text
    assert "标题 \\| pipe" in text


def test_history_compares_each_commit_with_its_own_parent_across_branches(repo: Ledger) -> None:
    root = repo.root
    req_id = repo.file_ids()[0]
    git(root, "checkout", "-qb", "feat")
    _set(repo, req_id, status="in-progress")
    commit_all(root, "feat: start", author="Bob")
    git(root, "checkout", "-q", "main")
    _set(repo, req_id, priority="critical")
    commit_all(root, "main: escalate", author="Alice")
    git(root, "merge", "-q", "--no-edit", "feat")
    entries = requirement_history(Repo.find(root), f"requirements/{req_id}.toml")
    changes = {e.subject: [(c.field, c.old, c.new) for c in e.fields] for e in entries}
    assert changes["feat: start"] == [("status", "proposed", "in-progress")]
    assert changes["main: escalate"] == [("priority", "low", "critical")]


def test_diff_and_history_speak_chinese_but_json_stays_the_same(repo: Ledger) -> None:
    root = str(repo.root)
    first = sorted(p.stem for p in repo.requirements_dir.glob("*.toml"))[0]
    _set(repo, first, status="accepted", priority="critical")
    commit_all(repo.root, "accept")
    ok(["-L", root, "add", "新需求", "--priority", "high"])
    base = ["-L", root, "diff", "HEAD~1", "--as-of", AS_OF.isoformat()]
    text = ok(["--lang", "zh", *base]).stdout
    assert "需求台账变更 HEAD~1 → 工作区" in text
    assert "status: 提议 → 已接受" in text and "priority: 低 → 紧急" in text
    assert "[提议, 高]" in text
    markdown = ok(["--lang", "zh", *base, "--format", "markdown"]).stdout
    assert markdown.startswith("### 需求台账变更：`HEAD~1` → `工作区`")
    assert "| ID | 标题 | 状态 | 优先级 |" in markdown
    assert "#### 新增（1）" in markdown
    english = ok(["--lang", "en", *base, "-f", "json"]).stdout
    assert ok(["--lang", "zh", *base, "-f", "json"]).stdout == english
    assert json.loads(english)["to"] == "work tree"
    history = ["-L", root, "history", first]
    shown = ok(["--lang", "zh", *history]).stdout
    assert "创建：Item" in shown and "status: 提议 → 已接受" in shown
    english = ok(["--lang", "en", *history, "-f", "json"]).stdout
    assert ok(["--lang", "zh", *history, "-f", "json"]).stdout == english


def test_pmledger_git_is_the_one_place_in_the_core_that_runs_git() -> None:
    # report/history.py and ledger/removal.py once carried readers of their own.
    src = Path(__file__).resolve().parent.parent / "src" / "pmledger"
    runs_processes = sorted(
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if "import subprocess" in path.read_text(encoding="utf-8")
        # (watch/ starts the watcher, its own process: never git.)
        and path.relative_to(src).parts[0] not in ("git", "cli", "watch")
    )
    assert runs_processes == []


def test_history_walks_removal_re_creation_renames_and_branches_as_git_follow_does(
    repo: Ledger,
) -> None:
    # history reads each version from the commits' trees and asks git about a
    # rename only where the file appears: the same commits and blobs as
    # `git log --follow --raw`, on every kind of step.
    from pmledger.git.history import _file_log

    root = repo.root
    req_id = repo.file_ids()[0]
    old = repo.path_for(req_id)
    original = old.read_text(encoding="utf-8")
    _set(repo, req_id, status="accepted")
    commit_all(root, "accept")
    old.unlink()
    commit_all(root, "remove")
    old.write_text(original.replace('priority = "low"', 'priority = "high"'), encoding="utf-8")
    commit_all(root, "re-create")
    # Renamed with an edit (git sees a similar file), then renamed unchanged.
    moved = root / "requirements" / "MOVED.toml"
    moved.write_text(old.read_text(encoding="utf-8").replace("Item", "Moved item"), "utf-8")
    old.unlink()
    commit_all(root, "rename with an edit")
    final = root / "requirements" / "FINAL.toml"
    git(root, "mv", str(moved), str(final))
    commit_all(root, "rename as it is")
    # A side branch changes it, main changes it too; the merge keeps main's.
    git(root, "checkout", "-qb", "side")
    final.write_text(final.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    commit_all(root, "side: blank line")
    git(root, "checkout", "-q", "main")
    final.write_text(final.read_text(encoding="utf-8").replace("high", "critical"), "utf-8")
    commit_all(root, "main: critical")
    git(root, "merge", "-q", "--no-edit", "-s", "ours", "side")

    path, req_path = "requirements/FINAL.toml", old.relative_to(root).as_posix()
    grepo = Repo.find(root)
    walked = _file_log(grepo, path)
    followed = [e for e in grepo.log([path], follow=True) if e.files]
    # Newest first, down to the re-creation, git agrees. Beyond it git's
    # --follow looks for copies among all files too, and takes another
    # requirement (a look-alike file) for the source, whose history is not
    # this one's.
    assert walked[:5] == followed[:5]
    assert {e.files[0].path for e in walked} == {req_path, "requirements/MOVED.toml", path}
    entries = requirement_history(grepo, path)
    assert [(e.subject, e.action) for e in entries] == [
        ("five items", "created"),
        ("accept", "changed"),
        ("remove", "removed"),
        ("re-create", "created"),
        ("rename with an edit", "renamed"),
        ("rename as it is", "renamed"),
        ("side: blank line", "changed"),
        ("main: critical", "changed"),
    ]
    assert entries[4].old_path == req_path
    assert [(c.field, c.old, c.new) for c in entries[3].fields if c.field == "priority"] == [
        ("priority", None, "high")
    ]


_TRICKY = [
    'id = "REQ-1"\n\n[[notes]]\nat = 1\ntext = "a"\n\n[[notes]]\nat = 2\ntext = "b"\n',
    # A multi-line string holding what looks like the start of a note.
    'id = "REQ-1"\ndescription = """x\n[[notes]]\nat = 1\n"""\n\n[[notes]]\nat = 2\n',
    "id = \"REQ-1\"\n\n[[notes]]\ntext = '''\n[[notes]]\nat = 3\n'''\n",
    # A table after the notes; a notes key above them; a broken note.
    'id = "REQ-1"\n\n[[notes]]\nat = 1\n\n[extra]\nx = 1\n',
    "notes = []\n\n[[notes]]\nat = 1\n",
    'id = "REQ-1"\n\n[[notes]]\nat = \n',
    "[[notes]]\nat = 1\n\n[[notes]]\nat = 2\n",
    'id = "REQ-1"\r\n\r\n[[notes]]\r\nat = 1\r\n',
    'id = "REQ-1"\n\n[[notes]]\nat = 1\n[notes.more]\ny = 2\n',
]


@pytest.mark.parametrize("text", _TRICKY)
def test_history_reads_notes_once_and_still_parses_as_tomllib_does(text: str) -> None:
    from pmledger.git.history import _parse

    seen: dict[str, dict[str, object]] = {}
    for version in (text, text + "\n[[notes]]\nat = 9\n", text):
        assert _parse(version.encode(), seen) == _parse(version.encode())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(max_size=30) | st.just('a\n[[notes]]\nat = 1\n"""'), min_size=1, max_size=5)
)
def test_history_note_tables_read_once_match_whole_parses(texts: list[str]) -> None:
    from pmledger.git.history import _parse

    seen: dict[str, dict[str, object]] = {}
    for n in range(len(texts) + 1):
        req = make(title="T\n[[notes]]\n")
        for i, text in enumerate(texts[:n]):
            req = with_note(
                req, text if text.strip() else "x", by="B", at=datetime(2026, 1, 1 + i, tzinfo=UTC)
            )
        data = fileformat.dumps(req).encode()
        assert _parse(data, seen) == (tomllib.loads(data.decode()), None)


def test_outside_git_history_and_diff_say_how_to_start(tmp_path: Path) -> None:
    from .cli_helpers import add, assert_clean_error, invoke, make_ledger

    make_ledger(tmp_path)  # init without a terminal creates no repository
    rid = add("无 git 的需求")
    for args in (["history", rid], ["diff"], ["git-setup"]):
        result = invoke(args)
        assert_clean_error(result, 1)
        assert "is not inside a git repository" in result.stderr
        assert "`git init`" in result.stderr


def test_a_requirement_entering_at_the_top_is_the_biggest_move() -> None:
    """Entering at #1 comes from below the last place: listed before a move
    of a few places (it was listed after one from #5 to #2)."""
    from pmledger.git.diff import rank_moves
    from pmledger.ledger.settings import Settings
    from pmledger.ranking.order import rank

    from .conftest import make

    as_of = date(2026, 11, 27)
    created = datetime(2026, 11, 1, tzinfo=UTC)
    reqs = [
        make(f"REQ-AAAA{n}", priority=p, created=created)
        for n, p in enumerate(["high", "high", "medium", "medium", "low"])
    ]
    before = rank(reqs, settings=Settings(), as_of=as_of)
    raised = reqs[4].model_copy(update={"priority": "critical"})
    top = make("REQ-BBBB0", priority="critical", due=as_of, created=created)
    after = rank([*reqs[:4], raised, top], settings=Settings(), as_of=as_of)
    assert [i.requirement.id for i in after.items][:2] == [top.id, raised.id]
    moves = rank_moves(before, after)
    assert [(m.id, m.before, m.after) for m in moves][:2] == [
        (top.id, None, 1),
        (raised.id, 5, 2),
    ]
