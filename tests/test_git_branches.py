"""A team's ledger on branches: what `diff`, `history`, `check` and the merge
driver say about side branches, shallow clones and requirements two people
added under one ID."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pmledger.ledger import fileformat
from pmledger.ledger.ledger import Ledger
from pmledger.ledger.model import Requirement

from .cli_helpers import editor_env, invoke, ok
from .conftest import make
from .git_helpers import commit_all, git, new_repo

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _set(ledger: Ledger, req_id: str, **fields: object) -> None:
    req = ledger.load(req_id)
    ledger.save(Requirement.model_validate({**fileformat.to_document(req), **fields}))


def _commit_at(root: Path, when: str, message: str) -> None:
    git(root, "add", "-A")
    stamp = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    git(root, "commit", "-qm", message, env=stamp)


def test_diff_since_starts_from_the_branch_as_it_stood_then(tmp_path: Path) -> None:
    # A side branch committed on the 8th and merged on the 20th: on the 10th
    # main had only its own commits. "Since the 10th" is the merge's changes,
    # not the side branch's old commit taken for main's state (git's plain
    # `rev-list --before` walks both parents).
    ledger = new_repo(tmp_path)
    root = ledger.root
    first = ledger.create(make(title="Main one")).id
    _commit_at(root, "2026-11-02T10:00:00Z", "add main one")
    git(root, "checkout", "-qb", "feat")
    feature = ledger.create(make(title="Feature one")).id
    _commit_at(root, "2026-11-08T10:00:00Z", "feat: add")
    git(root, "checkout", "-q", "main")
    _set(ledger, first, owner="Zed")
    _commit_at(root, "2026-11-06T10:00:00Z", "main: owner")
    when = {"GIT_AUTHOR_DATE": "2026-11-20T10:00:00Z", "GIT_COMMITTER_DATE": "2026-11-20T10:00Z"}
    git(root, "merge", "-q", "--no-ff", "feat", "-m", "merge feat", env=when)
    args = ["-L", str(root), "diff", "--since", "2026-11-10", "-f", "json", "--as-of", "2026-11-27"]
    data = json.loads(ok(args).stdout)
    assert [r["id"] for r in data["added"]] == [feature]
    assert data["changed"] == []  # the owner was set before the 10th
    # With a revision, --since walks that revision's line, not HEAD's.
    git(root, "checkout", "-q", "HEAD~1")
    named = json.loads(ok([*args[:3], "main", *args[3:]]).stdout)
    assert [r["id"] for r in named["added"]] == [feature]


@pytest.fixture
def shallow(tmp_path: Path) -> Path:
    """A depth-1 clone (what a CI checkout makes by default) of a ledger with history."""
    ledger = new_repo(tmp_path)
    req = ledger.create(make(title="Invoice PDF", priority="low"))
    _commit_at(ledger.root, "2026-11-02T10:00:00Z", "add")
    git(ledger.root, "checkout", "-qb", "feat")
    _set(ledger, req.id, owner="Dan")
    _commit_at(ledger.root, "2026-11-05T10:00:00Z", "feat: owner")
    _set(ledger, req.id, priority="high")
    _commit_at(ledger.root, "2026-11-06T10:00:00Z", "feat: priority")
    (tmp_path / "id").write_text(req.id, encoding="utf-8")
    clone = tmp_path / "clone"
    git(
        tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", ledger.root.as_uri(), "clone"
    )
    return clone


def test_a_shallow_clone_says_its_history_is_missing_instead_of_inventing_one(
    shallow: Path,
) -> None:
    root = ["-L", str(shallow)]
    req_id = (shallow.parent / "id").read_text(encoding="utf-8")
    # The merge base exists, only not here: "no common ancestor" was wrong.
    result = invoke([*root, "diff", "origin/main...HEAD"])
    assert result.exit_code == 1
    assert "origin/main and HEAD" in result.stderr and "shallow" in result.stderr
    result = invoke([*root, "diff", "HEAD~1"])
    assert result.exit_code == 1 and "unknown revision 'HEAD~1'" in result.stderr
    assert "shallow" in result.stderr
    # No commit before the date in the clone: the diff used to start from an
    # empty ledger and list every requirement as added.
    result = invoke([*root, "diff", "--since", "2026-11-04", "-f", "json"])
    assert result.exit_code == 1 and "shallow" in result.stderr, result.stdout
    # history used to say the oldest commit of the clone created the requirement.
    data = json.loads(ok([*root, "history", req_id, "-f", "json"]).stdout)
    assert [(e["subject"], e["action"]) for e in data] == [("feat: priority", "shallow")]
    text = ok([*root, "history", req_id]).stdout
    assert "created" not in text and "shallow clone" in text
    zh = ok(["--lang", "zh", *root, "history", req_id]).stdout
    assert "浅克隆" in zh


def test_a_full_clone_keeps_its_messages_and_creation(tmp_path: Path) -> None:
    ledger = new_repo(tmp_path)
    req_id = ledger.create(make(title="Invoice PDF")).id
    commit_all(ledger.root, "add")
    git(ledger.root, "checkout", "-q", "--orphan", "other")
    commit_all(ledger.root, "unrelated root")
    result = invoke(["-L", str(ledger.root), "diff", "main...other"])
    assert result.exit_code == 1
    assert "main and other have no common ancestor" in result.stderr
    assert "shallow" not in result.stderr
    data = json.loads(ok(["-L", str(ledger.root), "history", req_id, "-f", "json"]).stdout)
    assert [e["action"] for e in data] == ["created"]  # a root commit did create it


def _add_on(ledger: Ledger, branch: str, req: Requirement, author: str) -> None:
    git(ledger.root, "checkout", "-q", "-b", branch, "main")
    ledger.path_for(req.id).write_text(fileformat.dumps(req), encoding="utf-8")
    commit_all(ledger.root, f"{branch}: add", author=author)


def test_two_requirements_added_under_one_id_are_never_mixed_into_one(tmp_path: Path) -> None:
    # The rare ID collision of docs/ids.md: Alice and Bob each add a different
    # requirement that drew the same ID. Merged field by field, the result was
    # one record with Bob's owner and Alice's tags merged silently and a
    # conflict on each other field; keeping one value per field lost one of
    # the two requirements.
    ledger = new_repo(tmp_path)
    root = ledger.root
    alice = make(
        "REQ-K7PMX", title="Export to Excel", priority="high", department="销售部", tags=["crm"]
    )
    bob = make(
        "REQ-K7PMX",
        title="SSO login",
        priority="low",
        owner="Bob",
        created=datetime(2026, 1, 2, tzinfo=UTC),
    )
    _add_on(ledger, "alice", alice, "Alice")
    _add_on(ledger, "bob", bob, "Bob")
    done = git(root, "merge", "--no-edit", "alice", check=False)
    assert done.returncode != 0
    assert "add/add" in done.stdout and "IDs collide" in done.stderr
    text = ledger.path_for("REQ-K7PMX").read_text(encoding="utf-8")
    # The markers name the branch and the author, as a field conflict's do.
    assert "<<<<<<< ours: bob, Bob\n" in text and ">>>>>>> theirs: alice, Alice\n" in text
    ours, _sep, theirs = text.partition("=======\n")
    # Each record whole on its side of the markers, nothing of one in the other.
    assert 'title = "SSO login"' in ours and 'owner = "Bob"' in ours and "crm" not in ours
    assert 'title = "Export to Excel"' in theirs and '"crm"' in theirs and "Bob" not in theirs

    result = invoke(["-L", str(root), "check", "--format", "json"])
    assert result.exit_code == 1
    [conflict] = [p for p in json.loads(result.stdout) if p["code"] == "merge-conflict"]
    assert "ID collision" in conflict["message"] and "pmledger add" in conflict["fix"]
    shown = invoke(["--lang", "zh", "-L", str(root), "check"]).stdout
    assert "ID 冲突" in shown


def test_one_requirement_added_on_both_sides_still_merges_field_by_field(
    tmp_path: Path,
) -> None:
    # The same creation on both branches (a cherry-picked commit, then edited
    # on one side): one requirement, merged by the driver as before.
    ledger = new_repo(tmp_path)
    req = make("REQ-SAME1", title="Shared", tags=["crm"])
    _add_on(ledger, "alice", req.model_copy(update={"owner": "Alice"}), "Alice")
    _add_on(ledger, "bob", req.model_copy(update={"tags": ["crm", "q4"]}), "Bob")
    done = git(ledger.root, "merge", "--no-edit", "alice", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    merged = ledger.load("REQ-SAME1")
    assert merged.owner == "Alice" and merged.tags == ["crm", "q4"]


def test_edit_closed_on_an_unresolved_conflict_does_not_say_unchanged(tmp_path: Path) -> None:
    # check's fix for a conflict is `pmledger edit ID`; quitting the editor
    # without resolving printed "REQ-... (unchanged)" and exited 0.
    ledger = new_repo(tmp_path)
    root = ledger.root
    req_id = ledger.create(make(title="Shared")).id
    commit_all(root, "shared")
    git(root, "checkout", "-qb", "bob")
    _set(ledger, req_id, owner="Bob")
    commit_all(root, "bob", author="Bob")
    git(root, "checkout", "-q", "main")
    _set(ledger, req_id, owner="Alice")
    commit_all(root, "alice", author="Alice")
    assert git(root, "merge", "--no-edit", "bob", check=False).returncode != 0
    before = ledger.path_for(req_id).read_bytes()
    quit_editor = editor_env(tmp_path, "pass")
    result = invoke(["-L", str(root), "edit", req_id], env=quit_editor)
    assert result.exit_code == 1 and "(unchanged)" not in result.stdout
    assert "still has errors: line " in result.stderr and "'owner'" in result.stderr
    assert ledger.path_for(req_id).read_bytes() == before
    # A valid file closed as it was is still fine.
    git(root, "merge", "--abort")
    assert ok(["-L", str(root), "edit", req_id], env=quit_editor).stdout.endswith("(unchanged)\n")


def test_a_clean_merge_keeps_the_comments_written_on_either_branch(tmp_path: Path) -> None:
    # The driver kept only our file's comments: a comment written on the
    # merged branch was dropped silently, though every other rewrite keeps them.
    ledger = new_repo(tmp_path)
    root = ledger.root
    req_id = ledger.create(make(title="Invoice PDF", priority="high", effort=5)).id
    commit_all(root, "add")
    path = ledger.path_for(req_id)
    git(root, "checkout", "-qb", "alice")
    text = path.read_text(encoding="utf-8")
    text = text.replace('priority = "high"\n', 'priority = "high"  # CFO asked\n')
    text = text.replace("effort = 5\n", "# 按 ACME 合同估算\neffort = 5\n")
    path.write_text(text, encoding="utf-8")
    commit_all(root, "alice: comments", author="Alice")
    git(root, "checkout", "-q", "main")
    _set(ledger, req_id, owner="Bob")
    path.write_text(
        "# reviewed in the Q4 planning\n" + path.read_text(encoding="utf-8"), encoding="utf-8"
    )
    commit_all(root, "bob: owner", author="Bob")
    done = git(root, "merge", "--no-edit", "alice", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    merged = path.read_text(encoding="utf-8")
    assert merged.startswith("# reviewed in the Q4 planning\nid = ")
    assert 'priority = "high"  # CFO asked\n' in merged
    assert "# 按 ACME 合同估算\neffort = 5\n" in merged
    assert 'owner = "Bob"' in merged
    assert ok(["-L", str(root), "fmt", "--check"]).exit_code == 0


def test_comments_changed_on_both_sides_are_both_kept() -> None:
    from pmledger.ledger.comments import reattach_merged

    canonical = 'id = "REQ-AAAAA"\nowner = "Ann"\n'
    base = 'id = "REQ-AAAAA"\nowner = "Ann"  # old\n'
    ours = 'id = "REQ-AAAAA"\nowner = "Ann"  # ours\n'
    theirs = '# above\nid = "REQ-AAAAA"\nowner = "Ann"  # theirs\n# end\n'
    text, lost = reattach_merged(canonical, base, ours, theirs)
    assert text == '# above\nid = "REQ-AAAAA"\n# theirs\nowner = "Ann"  # ours\n# end\n'
    assert lost == []
    # A comment one side removed stays removed when the other left it alone.
    text, _lost = reattach_merged(canonical, base, 'id = "REQ-AAAAA"\nowner = "Ann"\n', base)
    assert "#" not in text


def test_a_conflicted_merge_keeps_the_comments_too(tmp_path: Path) -> None:
    from pmledger.git.merge import merge_records
    from pmledger.ledger.records import REQUIREMENT

    base = fileformat.dumps(make(owner="Ann", tags=["a"])).encode()
    ours = base.replace(b'owner = "Ann"', b'# who owns it\nowner = "Bob"  # since Monday')
    theirs = base.replace(b'owner = "Ann"', b'owner = "Eve"').replace(
        b'    "a",\n', b'    "a",\n    # added for the audit\n    "b",\n'
    )
    result = merge_records(base, ours, theirs, REQUIREMENT)
    assert result.conflicts == ["owner"]
    assert (
        '<<<<<<< ours\n# who owns it\nowner = "Bob"  # since Monday\n=======\nowner = "Eve"\n'
        in result.text
    )
    assert '# added for the audit\ntags = [\n    "a",\n    "b",\n]\n' in result.text
    # The person keeps one side: the comments are there, and the file is valid.
    kept = result.text.replace("<<<<<<< ours\n", "").replace('=======\nowner = "Eve"\n', "")
    kept = kept.replace(">>>>>>> theirs\n", "")
    path = tmp_path / "REQ-AAAAA.toml"
    path.write_text(kept, encoding="utf-8")
    assert fileformat.loads(kept, path).owner == "Bob"


def test_check_names_a_requirement_removed_on_one_side_and_changed_on_the_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # git writes no markers for a modify/delete conflict and leaves the
    # changed file in place: check said "0 errors" in the middle of the merge.
    top = tmp_path / "repo"
    top.mkdir()
    git(top, "init", "-q", "-b", "main")
    git(top, "config", "user.name", "Test User")
    git(top, "config", "user.email", "test@example.invalid")
    ok(["init", str(top / "crm")])
    ledger = Ledger(top / "crm")
    req_id = ledger.create(make(title="Dashboard")).id
    commit_all(top, "add")
    git(top, "checkout", "-qb", "remover")
    ledger.path_for(req_id).unlink()
    commit_all(top, "remove")
    git(top, "checkout", "-q", "main")
    _set(ledger, req_id, owner="Yan")
    commit_all(top, "owner")
    assert git(top, "merge", "--no-edit", "remover", check=False).returncode != 0
    monkeypatch.chdir(ledger.root)
    result = invoke(["check", "--format", "json"])
    assert result.exit_code == 1
    [conflict] = json.loads(result.stdout)
    assert conflict["code"] == "merge-conflict"
    assert (
        conflict["path"].endswith(f"{req_id}.toml") and "removed on one side" in conflict["message"]
    )
    # A path git takes from where the person stands.
    assert f"git add requirements/{req_id}.toml" in conflict["fix"]
    git(top, "add", f"crm/requirements/{req_id}.toml")
    assert invoke(["check"]).exit_code == 0


def test_the_pr_comment_keeps_each_requirements_notes_with_its_fields() -> None:
    # The notes of every requirement came after the fields of all of them: in
    # a long PR one requirement's notes sat far from it, or past the row cap.
    from pmledger.cli.diff import render_markdown
    from pmledger.git.diff import LedgerDiff, RequirementChange
    from pmledger.git.fields import FieldChange

    diff = LedgerDiff("main", "HEAD", date(2026, 11, 20))
    note = {"at": "2026-11-02", "by": "王芳", "text": "销售部确认"}
    diff.changed = [
        RequirementChange(
            "REQ-AAAA1", "客户列表导出", [FieldChange("owner", None, "李雷")], [note]
        ),
        RequirementChange("REQ-AAAA2", "Invoice PDF", [FieldChange("status", "proposed", "done")]),
    ]
    rows = [line for line in render_markdown(diff).splitlines() if line.startswith("| REQ-")]
    assert [row.split(" | ")[2] for row in rows] == ["owner", "note by 王芳", "status"]


def test_a_rebase_conflict_names_the_commit_being_replayed(tmp_path: Path) -> None:
    # The docs promise labels with the branch and author on both sides; in a
    # rebase their side was a bare "theirs" (REBASE_HEAD comes after the driver).
    ledger = new_repo(tmp_path)
    root = ledger.root
    req_id = ledger.create(make(title="Shared")).id
    commit_all(root, "shared")
    git(root, "checkout", "-qb", "feature/crm")
    _set(ledger, req_id, owner="Eve")
    commit_all(root, "eve takes it", author="Eve")
    git(root, "checkout", "-q", "main")
    _set(ledger, req_id, owner="Dan")
    commit_all(root, "dan takes it", author="Dan")
    git(root, "checkout", "-q", "feature/crm")
    assert git(root, "rebase", "main", check=False).returncode != 0
    text = ledger.path_for(req_id).read_text(encoding="utf-8")
    assert '<<<<<<< ours: main, Dan\nowner = "Dan"\n=======\nowner = "Eve"\n' in text
    assert ">>>>>>> theirs: feature/crm, Eve\n" in text
    git(root, "rebase", "--abort")


def test_a_report_from_a_shallow_clone_invents_no_additions(shallow: Path) -> None:
    # The clone's oldest commit showed every requirement in it as added by
    # that commit's author, in "Changes since" (a report built in CI).
    from pmledger.report.history import recent_changes

    ledger = Ledger(shallow)
    only = set(ledger.file_ids())
    changes, _shown = recent_changes(ledger, since="2026-11-01", as_of=date(2026, 11, 7), only=only)
    assert changes == []


def test_the_fast_driver_entry_point_names_a_missing_file_without_a_traceback(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    missing = str(tmp_path / "gone.toml")
    args = ["merge-file", missing, missing, missing, "requirements/REQ-AAAAA.toml"]
    done = subprocess.run(
        [sys.executable, "-m", "pmledger.git", *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and f"pmledger: {missing}: " in done.stderr


def test_history_of_a_requirement_on_another_branch_names_the_branch(tmp_path: Path) -> None:
    # Reviewing a pull request from main: the requirement it adds is unknown
    # here, and "no requirement ...; `pmledger list --all` shows every ID"
    # sent the reviewer looking in the wrong place.
    ledger = new_repo(tmp_path)
    git(ledger.root, "checkout", "-qb", "feature/crm")
    req_id = ledger.create(make(title="客户列表导出")).id
    commit_all(ledger.root, "add")
    git(ledger.root, "checkout", "-q", "main")
    result = invoke(["-L", str(ledger.root), "history", req_id])
    assert result.exit_code == 1
    assert f"{req_id} is not on this branch; it is on feature/crm" in result.stderr
    zh = invoke(["--lang", "zh", "-L", str(ledger.root), "history", req_id])
    assert "不在当前分支上" in zh.stderr
    unknown = invoke(["-L", str(ledger.root), "history", "REQ-ZZZZZ"])
    assert unknown.exit_code == 1 and "no requirement REQ-ZZZZZ" in unknown.stderr


def test_diff_since_a_relative_date_counts_from_as_of(tmp_path: Path) -> None:
    # report --since -2w counts from --as-of; diff counted from the real today,
    # so the same command gave another range every day.
    ledger = new_repo(tmp_path)
    root = ledger.root
    old = ledger.create(make(title="Old one")).id
    _commit_at(root, "2026-11-02T10:00:00Z", "old")
    new = ledger.create(make(title="New one")).id
    _commit_at(root, "2026-11-16T10:00:00Z", "new")
    args = ["-L", str(root), "diff", "--since", "-1w", "-f", "json", "--as-of", "2026-11-20"]
    data = json.loads(ok(args).stdout)
    assert data["from"] != "(empty)" and [r["id"] for r in data["added"]] == [new]
    assert old not in [r["id"] for r in data["added"]]
