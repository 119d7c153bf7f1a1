"""`check` reports every problem in one run; `fmt` writes canonical files."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmledger.check import check_ledger, format_files
from pmledger.ledger import fileformat
from pmledger.ledger.ledger import Ledger

from .cli_helpers import invoke, ok
from .conftest import make
from .git_helpers import git, new_repo

CANON = fileformat.dumps


def _write(ledger: Ledger, name: str, text: str) -> Path:
    path = ledger.requirements_dir / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_lists_every_problem_with_severity_file_line_and_field(ledger: Ledger) -> None:
    good = make("REQ-AAAAA", depends_on=["REQ-BBBBB"])
    _write(ledger, "REQ-AAAAA", CANON(good))
    _write(ledger, "REQ-BBBBB", CANON(make("REQ-BBBBB", depends_on=["REQ-AAAAA", "REQ-GHOST"])))
    _write(ledger, "REQ-CCCCC", 'id = "REQ-CCCCC"\ntitle = [\n')
    _write(
        ledger,
        "REQ-DDDDD",
        CANON(make("REQ-DDDDD"))
        .replace('priority = "medium"', 'priority = "urgent"')
        .replace('status = "proposed"', 'status = "wip"')
        + 'effort = -1\ncolour = "red"\n',
    )
    _write(ledger, "REQ-EEEEE", CANON(make("REQ-AAAAA")))
    # Written as text: the model may refuse out-of-range inputs on its own.
    _write(
        ledger,
        "REQ-FFFFF",
        CANON(make("REQ-FFFFF"))
        + "\n[rice]\nreach = 1\nimpact = 7\nconfidence = 1\neffort = 1\nfoo = 1\n",
    )
    _write(
        ledger,
        "REQ-GGGGG",
        'title = "x"\nid = "REQ-GGGGG"\nstatus = "proposed"\npriority = "low"\ncreated = 2026-01-01\n',
    )
    _write(
        ledger,
        "REQ-HHHHH",
        CANON(make("REQ-HHHHH")).replace(
            'priority = "medium"\n',
            '<<<<<<< ours: main, Ann\npriority = "medium"\n=======\npriority = "high"\n>>>>>>> theirs: b, Bo\n',
        ),
    )
    report = check_ledger(ledger, git=False)
    found = {
        (p.code, p.path.stem if p.path else None, p.field, p.severity) for p in report.problems
    }
    expected = {
        ("dependency-cycle", "REQ-AAAAA", "depends_on", "error"),
        ("dangling-dependency", "REQ-BBBBB", "depends_on", "error"),
        ("toml-syntax", "REQ-CCCCC", None, "error"),
        ("unknown-priority", "REQ-DDDDD", "priority", "error"),
        ("schema", "REQ-DDDDD", "effort", "error"),
        ("unknown-status", "REQ-DDDDD", "status", "error"),
        ("unknown-key", "REQ-DDDDD", "colour", "warning"),
        ("file-name", "REQ-EEEEE", "id", "error"),
        ("duplicate-id", "REQ-EEEEE", "id", "error"),
        ("duplicate-id", "REQ-AAAAA", "id", "error"),
        ("not-canonical", "REQ-GGGGG", None, "warning"),
        ("merge-conflict", "REQ-HHHHH", "priority", "error"),
    }
    assert expected <= found, expected - found
    # Out-of-range and unknown scoring inputs, whichever layer reports them.
    fields = {
        (p.field, p.severity) for p in report.problems if p.path and p.path.stem == "REQ-FFFFF"
    }
    assert ("rice.impact", "error") in fields
    assert any(f == "rice.foo" for f, _ in fields)
    lines = {(p.code, p.path.stem): p.line for p in report.problems if p.path}
    assert lines[("unknown-status", "REQ-DDDDD")] == 3
    assert lines[("merge-conflict", "REQ-HHHHH")] == 4
    cycle = next(p for p in report.problems if p.code == "dependency-cycle")
    assert "REQ-AAAAA -> REQ-BBBBB -> REQ-AAAAA" in cycle.message


def test_custom_fields_are_not_unknown_and_goals_are_checked_when_the_folder_exists(
    ledger: Ledger,
) -> None:
    config = ledger.root / "pmledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "custom_fields = []", 'custom_fields = ["colour"]'
        ),
        encoding="utf-8",
    )
    ledger = Ledger(ledger.root)
    _write(ledger, "REQ-AAAAA", CANON(make("REQ-AAAAA", goal="G1", colour="red")))
    assert check_ledger(ledger, git=False).problems == []
    (ledger.root / "goals").mkdir()
    problems = check_ledger(ledger, git=False).problems
    assert [(p.code, p.field) for p in problems] == [("dangling-goal", "goal")]
    # A goal file the goals family itself would write (check validates it too).
    from datetime import date

    from pmledger.goals.changes import new_goal
    from pmledger.goals.fileformat import dumps as dump_goal

    goal = new_goal("G1", "Grow", kpi="revenue", target=10, as_of=date(2026, 1, 1))
    (ledger.root / "goals" / "G1.toml").write_text(dump_goal(goal), encoding="utf-8")
    assert check_ledger(ledger, git=False).problems == []


def test_check_cli_formats_and_exit_codes(ledger: Ledger) -> None:
    root = str(ledger.root)
    _write(ledger, "REQ-AAAAA", CANON(make("REQ-AAAAA")) + "colour = 1\n")
    result = invoke(["-L", root, "check"])
    assert result.exit_code == 0
    assert "warning [colour]: unknown key 'colour'" in result.stdout
    assert invoke(["-L", root, "check", "--strict"]).exit_code == 1
    gh = invoke(["-L", root, "check", "-f", "github"])
    assert gh.stdout.startswith("::warning file=")
    assert ",line=6,title=pmledger check%3A unknown-key::" in gh.stdout
    _write(ledger, "REQ-BBBBB", "not toml at all")
    result = invoke(["-L", root, "check", "-f", "json"])
    assert result.exit_code == 1
    codes = sorted(p["code"] for p in json.loads(result.stdout))
    assert codes == ["toml-syntax", "unknown-key"]
    assert invoke(["-L", root, "check", "-f", "yaml"]).exit_code == 2


def test_check_warns_when_the_repository_lacks_the_driver(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    ledger = new_repo(tmp_path, driver=False)
    problems = check_ledger(ledger).problems
    assert {p.code for p in problems} == {"merge-driver"}
    from pmledger.ledger.records import KINDS

    # No config in the clone, and no .gitattributes line per record folder.
    assert len(problems) == 1 + len(KINDS)
    from pmledger.git.setup import write_attributes

    write_attributes(ledger.root, ledger.settings)
    local = invoke(["-L", str(ledger.root), "check"], env={"CI": None})
    assert "merge.pmledger.driver" in local.stdout
    # In CI only the committed .gitattributes matters.
    assert (
        "merge-driver"
        not in ok(["-L", str(ledger.root), "check", "-f", "json"], env={"CI": "true"}).stdout
    )
    ok(["-L", str(ledger.root), "git-setup"])
    assert check_ledger(ledger).problems == []
    again = ok(["-L", str(ledger.root), "git-setup"])
    assert "already set up" in again.stdout


def test_fmt_rewrites_and_fmt_check_only_lists(ledger: Ledger) -> None:
    messy = 'title = "x"\nid = "REQ-AAAAA"\npriority = "P1"\nstatus = "proposed"\ncreated = 2026-01-01T00:00:00\n'
    path = _write(ledger, "REQ-AAAAA", messy)
    clean = _write(ledger, "REQ-BBBBB", CANON(make("REQ-BBBBB")))
    result = invoke(["-L", str(ledger.root), "fmt", "--check"])
    assert result.exit_code == 1 and "REQ-AAAAA.toml" in result.stdout
    assert "REQ-BBBBB" not in result.stdout
    assert path.read_text(encoding="utf-8") == messy
    ok(["-L", str(ledger.root), "fmt", str(path)])
    assert path.read_text(encoding="utf-8") == CANON(ledger.load("REQ-AAAAA"))
    assert 'priority = "high"' in path.read_text(encoding="utf-8")
    assert ok(["-L", str(ledger.root), "fmt", "--check"]).stdout == ""
    assert clean.read_text(encoding="utf-8") == CANON(make("REQ-BBBBB"))
    bad = invoke(["-L", str(ledger.root), "fmt", str(ledger.root / "pmledger.toml")])
    assert bad.exit_code == 1 and "not a record file" in bad.stderr


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20
).filter(lambda s: s.strip() != "")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=_text,
    tags=st.lists(_text, max_size=4),
    owner=st.none() | _text,
    effort=st.none() | st.integers(0, 100) | st.floats(0, 100, allow_nan=False),
    due=st.none() | st.dates(date(2000, 1, 1), date(2100, 1, 1)),
    layout=st.permutations(["title", "tags", "owner", "effort", "due"]),
)
def test_fmt_is_idempotent(
    ledger: Ledger,
    title: str,
    tags: list[str],
    owner: str | None,
    effort: float | None,
    due: date | None,
    layout: list[str],
) -> None:
    import tomli_w

    data: dict[str, object] = {
        "id": "REQ-AAAAA",
        "status": "proposed",
        "priority": "medium",
        "created": datetime(2026, 1, 1, tzinfo=UTC),
    }
    values = {"title": title, "tags": tags, "owner": owner, "effort": effort, "due": due}
    for key in layout:
        if values[key] is not None:
            data[key] = values[key]
    path = _write(ledger, "REQ-AAAAA", tomli_w.dumps(data))
    first = format_files(ledger)
    once = path.read_text(encoding="utf-8")
    second = format_files(ledger)
    assert first.problems == [] and second.changed == []
    assert path.read_text(encoding="utf-8") == once
    assert once == CANON(ledger.load("REQ-AAAAA"))


def test_init_with_git_registers_the_driver_and_honours_ledger(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    target = tmp_path / "crm"
    result = ok(["--ledger", str(target), "init", "--git"])
    assert "merge driver: registered" in result.stdout
    assert (target / "pmledger.toml").is_file() and (target / ".git").is_dir()
    assert "requirements/*.toml merge=pmledger" in (target / ".gitattributes").read_text()
    driver = git(target, "config", "merge.pmledger.driver").stdout
    assert "-m pmledger.git merge-file --marker-size %L %O %A %B %P" in driver
    plain = tmp_path / "plain"
    ok(["init", str(plain), "--no-git"])
    assert not (plain / ".git").exists() and not (plain / ".gitattributes").exists()
    # Not a terminal and no flag: no repository is created.
    quiet = tmp_path / "quiet"
    ok(["init", str(quiet)])
    assert not (quiet / ".git").exists()


def test_init_on_a_terminal_offers_to_create_a_repository(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    from .cli_helpers import run_module_on_a_terminal

    done = run_module_on_a_terminal(["init", "yes"], cwd=tmp_path, answers="y\n")
    assert done.returncode == 0, done.stderr
    assert "not in a git repository" in done.stderr
    assert (tmp_path / "yes" / ".git").is_dir()
    assert git(tmp_path / "yes", "config", "merge.pmledger.driver").stdout.strip()
    done = run_module_on_a_terminal(["init", "no"], cwd=tmp_path, answers="n\n")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "no" / ".git").exists()


def test_check_and_fmt_speak_chinese_but_json_stays_the_same(ledger: Ledger) -> None:
    root = str(ledger.root)
    _write(ledger, "REQ-AAAAA", CANON(make("REQ-AAAAA")) + "colour = 1\n")
    _write(ledger, "REQ-BBBBB", CANON(make("REQ-BBBBB", depends_on=["REQ-GHOST"])))
    english = invoke(["--lang", "en", "-L", root, "check", "-f", "json"])
    # The per-file results are cached with their sentences: a run in another
    # language must not be served the first run's words.
    zh = invoke(["--lang", "zh", "-L", root, "check"])
    assert zh.exit_code == 1
    assert "警告 [colour]：未知字段 'colour'" in zh.stdout
    assert "错误 [depends_on]：depends_on 引用了 REQ-GHOST" in zh.stdout
    assert "修复：" in zh.stdout
    assert "已检查 2 个文件：1 个错误，1 个警告" in zh.stderr
    gh = invoke(["--lang", "zh", "-L", root, "check", "-f", "github"])
    assert ",line=6,title=pmledger check%3A unknown-key::未知字段 'colour'（修复：" in gh.stdout
    chinese = invoke(["--lang", "zh", "-L", root, "check", "-f", "json"])
    assert chinese.stdout == english.stdout
    assert "unknown key 'colour'" in english.stdout
    assert "warning [colour]: unknown key" in invoke(["-L", root, "check"]).stdout
    messy = CANON(make("REQ-CCCCC")).splitlines(keepends=True)
    _write(ledger, "REQ-CCCCC", "".join([messy[1], messy[0], *messy[2:]]))
    listed = invoke(["--lang", "zh", "-L", root, "fmt", "--check"])
    assert listed.exit_code == 1
    assert "1 个文件不是规范格式；请运行 `pmledger fmt`" in listed.stderr
    assert "已格式化 1 个文件" in invoke(["--lang", "zh", "-L", root, "fmt"]).stderr


def _file_problems(ledger: Ledger, stem: str) -> list[tuple[str, str, str | None, int | None]]:
    return [
        (p.severity, p.code, p.field, p.line)
        for p in check_ledger(ledger, git=False).problems
        if p.path is not None and p.path.stem == stem
    ]


def test_an_unknown_key_in_a_note_is_warned_at_its_line_and_kept(ledger: Ledger) -> None:
    # A new user's typo: `auhtor` under [[notes]] was silently accepted.
    text = CANON(make(notes=[{"at": datetime(2026, 1, 2, tzinfo=UTC), "by": "Ann", "text": "hi"}]))
    path = _write(ledger, "REQ-AAAAA", text + 'auhtor = "Bob"\n')
    line = len(text.splitlines()) + 1
    assert _file_problems(ledger, "REQ-AAAAA") == [
        ("warning", "unknown-key", "notes.0.auhtor", line)
    ]
    result = invoke(["-L", str(ledger.root), "check", "--strict"])
    assert result.exit_code == 1
    assert f"REQ-AAAAA.toml:{line}: warning [notes.0.auhtor]: unknown key 'auhtor' in note 1" in (
        result.stdout
    )
    # Never lose data: a rewrite keeps the key in its note.
    ok(["-L", str(ledger.root), "set", "REQ-AAAAA", "owner=Li"])
    assert 'text = "hi"\nauhtor = "Bob"\n' in path.read_text(encoding="utf-8")
    zh = invoke(["-L", str(ledger.root), "--lang", "zh", "check"])
    assert "第 1 条备注中有未知字段 'auhtor'" in zh.stdout


def test_an_unknown_scoring_input_is_one_error_at_its_own_line(ledger: Ledger) -> None:
    # It was an error at the [rice] line and a warning at the key's line.
    text = CANON(make()) + "\n[rice]\nreach = 10\nimpakt = 2\n\n[ice]\nimpact = 5\nimpakt = 3\n"
    _write(ledger, "REQ-AAAAA", text)
    lines = text.splitlines()
    assert _file_problems(ledger, "REQ-AAAAA") == [
        ("error", "unknown-key", "rice.impakt", lines.index("impakt = 2") + 1),
        ("error", "unknown-key", "ice.impakt", lines.index("impakt = 3") + 1),
    ]


def test_the_findings_of_a_file_come_in_line_order(ledger: Ledger) -> None:
    text = (
        'id = "REQ-AAAAA"\ntitle = "t"\nzeta = 1\nstatus = "wip"\npriority = "urgent"\n'
        'created = 2026-01-01T00:00:00+00:00\neffort = -1\n"客户等级" = "A类"\n'
    )
    _write(ledger, "REQ-AAAAA", text)
    found = _file_problems(ledger, "REQ-AAAAA")
    assert [(code, f, line) for _s, code, f, line in found] == [
        ("unknown-key", "zeta", 3),
        ("unknown-status", "status", 4),
        ("unknown-priority", "priority", 5),
        ("schema", "effort", 7),
        ("unknown-key", "客户等级", 8),
    ]
    _write(ledger, "REQ-AAAAA", text.replace('"wip"', '"proposed"').replace('"urgent"', '"low"'))
    found = _file_problems(ledger, "REQ-AAAAA")
    assert [line for *_rest, line in found] == [3, 7, 8]


def test_a_quoted_key_gets_its_line(ledger: Ledger) -> None:
    # Every Chinese custom field is written quoted; it had no line.
    text = CANON(make()).replace(
        'priority = "medium"\n',
        'priority = "medium"\n"客户等级" = "A类"\nplain = 1\n\'单引号\' = 2\n',
    )
    _write(ledger, "REQ-AAAAA", text)
    found = _file_problems(ledger, "REQ-AAAAA")
    assert [(f, line) for _s, _code, f, line in found] == [
        ("客户等级", 5),
        ("plain", 6),
        ("单引号", 7),
        (None, None),  # not canonical: the whole file, last
    ]
    result = invoke(["-L", str(ledger.root), "check"])
    assert "REQ-AAAAA.toml:5: warning [客户等级]: unknown key '客户等级'" in result.stdout


def test_an_invalid_date_is_named_with_its_key_in_check_and_list(ledger: Ledger) -> None:
    text = CANON(make()).replace('priority = "medium"\n', 'priority = "medium"\ndue = 2026-13-45\n')
    _write(ledger, "REQ-AAAAA", text)
    root = str(ledger.root)
    result = invoke(["-L", root, "check", "-f", "json"])
    [found] = json.loads(result.stdout)
    assert (found["code"], found["field"], found["line"]) == ("toml-syntax", "due", 5)
    assert found["message"] == "due: 2026-13-45 is not a valid date (YYYY-MM-DD)"
    text_out = invoke(["-L", root, "check"]).stdout
    assert "REQ-AAAAA.toml:5:7: error [due]: due: 2026-13-45 is not a valid date" in text_out
    zh = invoke(["-L", root, "--lang", "zh", "check"]).stdout
    assert "due：2026-13-45 不是有效的日期（YYYY-MM-DD）" in zh
    listed = invoke(["-L", root, "list"])
    assert "REQ-AAAAA.toml:5:7: due: 2026-13-45 is not a valid date (YYYY-MM-DD)" in listed.stderr
    assert "newline" not in listed.stderr


def test_check_fails_when_the_requirements_folder_is_a_file(tmp_path: Path) -> None:
    from .cli_helpers import make_ledger

    root = make_ledger(tmp_path)
    shutil.rmtree(root / "requirements")
    (root / "requirements").write_text("", encoding="utf-8")
    result = invoke(["check"])
    assert result.exit_code == 1 and "not-a-folder" in invoke(["check", "-f", "json"]).stdout


def test_check_flags_an_id_no_command_can_look_up(tmp_path: Path) -> None:
    from .cli_helpers import add, make_ledger

    root = make_ledger(tmp_path)
    rid = add("Made by hand")
    source = root / "requirements" / f"{rid}.toml"
    for odd in ("REQ-HELLO", "FEAT-4K7PM"):
        (root / "requirements" / f"{odd}.toml").write_text(
            source.read_text(encoding="utf-8").replace(rid, odd), encoding="utf-8"
        )
    found = {p["path"].rsplit("/", 1)[-1] for p in _json_problems("id-form")}
    assert found == {"REQ-HELLO.toml", "FEAT-4K7PM.toml"}


def _json_problems(code: str) -> list[dict[str, str]]:
    import json

    from .cli_helpers import invoke

    data = json.loads(invoke(["check", "-f", "json"]).stdout)
    return [p for p in data if p["code"] == code]


@pytest.mark.skipif(not hasattr(__import__("os"), "O_NOFOLLOW"), reason="needs O_NOFOLLOW")
def test_check_and_fmt_never_read_through_a_symlinked_requirement(
    ledger: Ledger, tmp_path: Path
) -> None:
    """`check` names the link; `fmt` leaves it a link (a rewrite would copy
    the file it points at, outside the ledger, into the ledger)."""
    outside = tmp_path / "outside.toml"
    text = 'id = "REQ-SECRT"\ntitle = "Private"\nstatus = "proposed"\npriority = "high"\n'
    outside.write_text(text + "created = 2026-01-01\n", encoding="utf-8")
    link = ledger.requirements_dir / "REQ-SECRT.toml"
    link.symlink_to(outside)
    problems = check_ledger(ledger, git=False).problems
    assert [(p.path, p.severity) for p in problems] == [(link, "error")]
    assert "symbolic link" in problems[0].text
    result = format_files(ledger)
    assert link.is_symlink() and outside.read_text(encoding="utf-8").startswith(text)
    assert any("symbolic link" in p.text for p in result.problems)
