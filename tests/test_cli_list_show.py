"""`pmledger list` and `pmledger show`: looking at the ledger."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from .cli_helpers import (
    add,
    assert_clean_error,
    copy_example,
    invoke,
    ok,
    req_path,
)

AS_OF = "2026-11-20"


@pytest.fixture
def sample(root: Path) -> dict[str, str]:
    """A small ledger with something to filter on in every dimension."""
    for goal in ("G-sales", "G-finance"):
        ok(["goal", "add", goal, "--id", goal, "--kpi", "kpi", "--target", "1"])
    ids = {
        "export": add(
            "客户列表导出 Excel",
            "-p",
            "high",
            "--requester",
            "王芳",
            "--department",
            "销售部",
            "--owner",
            "李雷",
            "--due",
            "2026-11-10",
            "-t",
            "crm",
            "-t",
            "export",
            "--goal",
            "G-sales",
            "--effort",
            "3",
        ),
        "erp": add(
            "Nightly ERP sync",
            "-p",
            "critical",
            "--requester",
            "Tom Becker",
            "--department",
            "Finance",
            "--owner",
            "Alice",
            "--due",
            "2026-12-15",
            "-t",
            "data",
            "--goal",
            "G-finance",
            "--status",
            "in-progress",
            "-m",
            "The warehouse is a day late.",
        ),
        "survey": add(
            "Satisfaction survey after ticket close",
            "-p",
            "low",
            "--requester",
            "James Carter",
            "--department",
            "Customer Service",
            "--due",
            "2026-11-01",
            "-t",
            "csat",
            "--status",
            "done",
        ),
        "portal": add(
            "Self-service invoice portal",
            "-p",
            "medium",
            "--requester",
            "Tom Becker",
            "--department",
            "Finance",
            "-t",
            "crm",
        ),
    }
    return ids


def list_json(*args: str) -> list[dict[str, object]]:
    result = ok(["list", "--format", "json", *args])
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def listed(*args: str) -> set[str]:
    return {str(r["id"]) for r in list_json(*args)}


def test_list_json_is_empty_list_on_an_empty_ledger(root: Path) -> None:
    result = ok(["list", "--format", "json"])
    assert json.loads(result.stdout) == []


def test_list_table_on_an_empty_ledger(root: Path) -> None:
    result = ok(["list"])
    assert "no requirements" in result.output


def test_list_default_hides_inactive(sample: dict[str, str]) -> None:
    assert listed() == {sample["export"], sample["erp"], sample["portal"]}


def test_list_all_shows_every_status(sample: dict[str, str]) -> None:
    assert listed("--all") == set(sample.values())


def test_list_table_shows_ids_and_titles(sample: dict[str, str]) -> None:
    result = ok(["list", "--as-of", AS_OF])
    assert sample["export"] in result.stdout
    assert "客户列表导出 Excel" in result.stdout
    assert "OVERDUE" in result.stdout
    assert sample["survey"] not in result.stdout


@pytest.mark.parametrize(
    ("args", "keys"),
    [
        (["--status", "done"], {"survey"}),
        (["--status", "done,in-progress"], {"survey", "erp"}),
        (["-s", "done", "-s", "proposed"], {"survey", "export", "portal"}),
        (["--owner", "李雷"], {"export"}),
        (["--owner", "alice"], {"erp"}),
        (["--tag", "crm"], {"export", "portal"}),
        (["--tag", "crm", "--tag", "export"], {"export"}),
        (["--department", "销售部"], {"export"}),
        (["-d", "finance"], {"erp", "portal"}),
        (["--requester", "Tom Becker"], {"erp", "portal"}),
        (["--requester", "王芳"], {"export"}),
        (["--goal", "G-finance"], {"erp"}),
        (["--overdue", "--as-of", AS_OF], {"export"}),
        (["--overdue", "--as-of", "2026-12-31"], {"export", "erp"}),
        (["--due-before", "2026-12-01", "--as-of", AS_OF], {"export"}),
        (["--due-before", "+4w", "--as-of", AS_OF], {"export", "erp"}),
        (["--due-before", "2026-12-01", "--all"], {"export", "survey"}),
        (["导出"], {"export"}),
        (["列表"], {"export"}),
        (["excel"], {"export"}),
        (["invoice", "portal"], {"portal"}),
        (["warehouse"], {"erp"}),
        (["no-such-text"], set()),
        (["--tag", "crm", "--department", "Finance"], {"portal"}),
    ],
)
def test_list_filters(sample: dict[str, str], args: list[str], keys: set[str]) -> None:
    assert listed(*args) == {sample[k] for k in keys}


def test_list_overdue_never_shows_done(sample: dict[str, str]) -> None:
    assert sample["survey"] not in listed("--overdue", "--as-of", AS_OF, "--all")


def test_list_unknown_status_is_a_usage_error(sample: dict[str, str]) -> None:
    result = invoke(["list", "--status", "flying"])
    assert_clean_error(result, 2)
    assert "flying" in result.stderr


def test_list_bad_date_is_a_usage_error(sample: dict[str, str]) -> None:
    result = invoke(["list", "--due-before", "someday"])
    assert_clean_error(result, 2)


def test_list_sort(sample: dict[str, str]) -> None:
    by_priority = [r["id"] for r in list_json("--all")]
    assert by_priority == [sample[k] for k in ("erp", "export", "portal", "survey")]
    by_due = [r["id"] for r in list_json("--all", "--sort", "due")]
    # Empty values last.
    assert by_due == [sample[k] for k in ("survey", "export", "erp", "portal")]
    by_due_desc = [r["id"] for r in list_json("--all", "--sort=-due")]
    assert by_due_desc == [sample[k] for k in ("erp", "export", "survey", "portal")]
    by_title = [str(r["title"]) for r in list_json("--all", "--sort", "title")]
    assert by_title == sorted(by_title, key=str.casefold)
    by_id = [str(r["id"]) for r in list_json("--all", "--sort", "id")]
    assert by_id == sorted(by_id)


def test_list_unknown_sort_key(sample: dict[str, str]) -> None:
    result = invoke(["list", "--sort", "colour"])
    assert_clean_error(result, 2)
    assert "colour" in result.stderr


def test_list_unknown_format(sample: dict[str, str]) -> None:
    result = invoke(["list", "--format", "xml"])
    assert_clean_error(result, 2)


def test_list_json_fields(sample: dict[str, str]) -> None:
    (row,) = [r for r in list_json() if r["id"] == sample["export"]]
    assert row["title"] == "客户列表导出 Excel"
    assert row["priority"] == "high"
    assert row["due"] == "2026-11-10"
    assert row["tags"] == ["crm", "export"]
    assert row["requester"] == "王芳"


def test_list_csv_has_a_header_and_chinese(sample: dict[str, str]) -> None:
    result = ok(["list", "--format", "csv", "--all"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows
    assert {"id", "title", "status", "priority", "due"} <= set(rows[0])
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == set(sample.values())
    assert by_id[sample["export"]]["title"] == "客户列表导出 Excel"
    assert by_id[sample["export"]]["department"] == "销售部"


def test_list_csv_on_an_empty_ledger_is_just_the_header(root: Path) -> None:
    result = ok(["list", "--format", "csv"])
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("id,title")


def test_list_markdown(sample: dict[str, str]) -> None:
    result = ok(["list", "--format", "markdown"])
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("| ")
    assert set(lines[1]) <= {"|", "-", ":", " "}
    assert len(lines) == 2 + 3
    assert any(sample["export"] in line and "客户列表导出 Excel" in line for line in lines)


def test_list_markdown_escapes_pipes(root: Path) -> None:
    add("A | B comparison")
    result = ok(["list", "--format", "markdown"])
    row = result.stdout.strip().splitlines()[2]
    assert "A \\| B comparison" in row


def test_list_survives_a_broken_file(sample: dict[str, str], root: Path) -> None:
    broken = root / "requirements" / "REQ-BAD00.toml"
    broken.write_text(
        'id = "REQ-BAD00"\ntitle = "ok"\nstatus = "proposed\npriority = "high"\n',
        encoding="utf-8",
    )
    result = ok(["list", "--format", "json"])
    assert {r["id"] for r in json.loads(result.stdout)} == {
        sample["export"],
        sample["erp"],
        sample["portal"],
    }
    assert "REQ-BAD00.toml:3" in result.stderr
    assert "Traceback" not in result.stderr
    table = ok(["list"])
    assert sample["export"] in table.stdout
    assert "REQ-BAD00.toml:3" in table.stderr


def test_list_survives_a_schema_error(sample: dict[str, str], root: Path) -> None:
    wrong = root / "requirements" / "REQ-BAD11.toml"
    wrong.write_text(
        'id = "REQ-BAD11"\ntitle = "x"\nstatus = "flying"\npriority = "high"\n'
        "created = 2026-01-01\n",
        encoding="utf-8",
    )
    result = ok(["list", "--format", "json"])
    assert len(json.loads(result.stdout)) == 3
    assert "REQ-BAD11.toml:3" in result.stderr
    assert "status" in result.stderr


def test_list_json_has_no_ansi_even_when_colour_is_forced(
    sample: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    for args in (
        ["list", "--format", "json", "--as-of", AS_OF],
        ["show", sample["export"], "--format", "json"],
        ["list", "--format", "csv"],
        ["list", "--format", "markdown"],
    ):
        result = ok(args)
        assert "\x1b" not in result.stdout, args


def test_hostile_title_is_shown_literally(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    title = "[red]x[/red] \x1b[31mEVIL"
    req_id = add(title)
    data = json.loads(ok(["list", "--format", "json"]).stdout)
    assert data[0]["title"] == title  # JSON keeps the text, escaped by json itself
    for args in (["list"], ["show", req_id]):
        result = ok(args)
        assert "[red]x[/red]" in result.stdout, args
        assert "\x1b" not in result.output, args
        assert "EVIL" in result.stdout
    # Markdown shows it literally by escaping what markdown would read.
    markdown = ok(["list", "--format", "markdown"]).output
    assert "\\[red\\]x\\[/red\\]" in markdown
    assert "\x1b" not in markdown
    assert "EVIL" in markdown
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")  # a forced terminal is 80 wide: keep the title on one line
    for args in (["list"], ["show", req_id]):
        result = ok(args)
        assert "[red]x[/red]" in result.stdout
        assert "\x1b[31mEVIL" not in result.output


def test_show_table(sample: dict[str, str]) -> None:
    dependent = add("Export for finance too", "--depends-on", sample["export"])
    result = ok(["show", sample["export"], "--as-of", AS_OF])
    out = result.stdout
    for text in (
        sample["export"],
        "客户列表导出 Excel",
        "high",
        "王芳",
        "销售部",
        "李雷",
        "crm",
        "2026-11-10",
        "OVERDUE",
        dependent,
    ):
        assert text in out, text


def test_show_json_lists_dependencies_both_ways(sample: dict[str, str], root: Path) -> None:
    dependent = add("Export for finance too", "--depends-on", sample["export"])
    ok(["note", sample["export"], "Finance wants it monthly", "--by", "张三"])
    data = json.loads(ok(["show", sample["export"], "--format", "json"]).stdout)
    assert data["id"] == sample["export"]
    assert data["dependents"] == [dependent]
    assert data["notes"][0]["by"] == "张三"
    assert data["notes"][0]["text"] == "Finance wants it monthly"
    back = json.loads(ok(["show", dependent, "-f", "json"]).stdout)
    assert back["depends_on"] == [sample["export"]]
    assert back["dependents"] == []
    table = ok(["show", dependent]).stdout
    assert sample["export"] in table


def test_show_names_a_missing_dependency(root: Path) -> None:
    req_id = add("Orphan")
    path = req_path(root, req_id)
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'priority = "medium"\n', 'priority = "medium"\ndepends_on = ["REQ-GONE0"]\n'
        ),
        encoding="utf-8",
    )
    out = ok(["show", req_id]).stdout
    assert "REQ-GONE0" in out
    assert "not in the ledger" in out


def test_list_sees_changes_to_files_read_from_the_cache(root: Path) -> None:
    req_id = add("Cached", "--owner", "Alice")
    path = req_path(root, req_id)
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    assert list_json()[0]["owner"] == "Alice"  # parsed and cached (old mtime)
    assert list_json()[0]["owner"] == "Alice"  # served from the cache
    ok(["set", req_id, "owner=Bob"])
    assert list_json()[0]["owner"] == "Bob"
    path.write_text(path.read_text(encoding="utf-8").replace("Bob", "Carol"), encoding="utf-8")
    assert list_json()[0]["owner"] == "Carol"


def test_show_json_overdue_flag(sample: dict[str, str]) -> None:
    late = json.loads(ok(["show", sample["export"], "-f", "json", "--as-of", AS_OF]).stdout)
    assert late["overdue"] is True
    early = json.loads(ok(["show", sample["export"], "-f", "json", "--as-of", "2026-01-01"]).stdout)
    assert early["overdue"] is False


def test_show_ids_are_case_insensitive_and_prefix_less(root: Path) -> None:
    req_id = add("Find me")
    body = req_id.removeprefix("REQ-")
    for spelling in (req_id, req_id.lower(), body, body.lower(), f"req-{body.lower()}"):
        data = json.loads(ok(["show", spelling, "-f", "json"]).stdout)
        assert data["id"] == req_id, spelling


def test_show_ambiguous_short_id(root: Path) -> None:
    for suffix in ("1", "2"):
        req_path(root, f"REQ-AB00{suffix}").write_text(
            f'id = "REQ-AB00{suffix}"\ntitle = "t"\nstatus = "proposed"\npriority = "high"\n'
            "created = 2026-01-01T09:00:00+00:00\n",
            encoding="utf-8",
        )
    result = invoke(["show", "ab00"])
    assert_clean_error(result, 2)
    assert "REQ-AB001" in result.stderr
    assert "REQ-AB002" in result.stderr


def test_show_reads_look_alike_letters_as_digits(tmp_path: Path) -> None:
    copy_example(tmp_path)
    assert json.loads(ok(["show", "ok3s9", "-f", "json"]).stdout)["id"] == "ACME-0K3S9"
    assert json.loads(ok(["show", "acme-lm6t2", "-f", "json"]).stdout)["id"] == "ACME-1M6T2"


def test_show_works_next_to_a_broken_file(root: Path) -> None:
    req_id = add("Healthy")
    (root / "requirements" / "REQ-BAD00.toml").write_text("title = [\n", encoding="utf-8")
    assert json.loads(ok(["show", req_id, "-f", "json"]).stdout)["id"] == req_id


def test_show_unique_shortened_id(root: Path) -> None:
    req_id = add("Find me by a prefix")
    data = json.loads(ok(["show", req_id[:-1], "-f", "json"]).stdout)
    assert data["id"] == req_id


def test_show_known_id_spelling(root: Path) -> None:
    req_id = "REQ-4K7PM"
    path = req_path(root, req_id)
    path.write_text(
        f'id = "{req_id}"\ntitle = "Fixed ID"\nstatus = "proposed"\npriority = "high"\n'
        "created = 2026-01-01T09:00:00+00:00\n",
        encoding="utf-8",
    )
    data = json.loads(ok(["show", "4k7pm", "-f", "json"]).stdout)
    assert data["id"] == req_id
    assert data["title"] == "Fixed ID"


@pytest.mark.parametrize(
    "bad",
    [
        "../../etc/passwd",
        "REQ-../x",
        "a/b",
        "REQ-4K7PM/../../x",
        "/etc/passwd",
        "..",
        "REQ-",
        "",
        "REQ-4K7PM.toml",
        "REQ 4K7PM",
        "X" * 40,
    ],
)
def test_show_invalid_ids_are_usage_errors(root: Path, bad: str) -> None:
    result = invoke(["show", bad])
    assert_clean_error(result, 2)
    assert result.stdout == ""


def test_show_id_of_another_ledger_is_a_usage_error(root: Path) -> None:
    result = invoke(["show", "ACME-4K7PM"])
    assert_clean_error(result, 2)


def test_show_never_reads_outside_the_ledger(root: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "REQ-SECRT.toml").write_text(
        'id = "REQ-SECRT"\ntitle = "TOP SECRET"\nstatus = "proposed"\npriority = "high"\n'
        "created = 2026-01-01T09:00:00+00:00\n",
        encoding="utf-8",
    )
    rel = os.path.relpath(secret / "REQ-SECRT", root / "requirements")
    for bad in (rel, str(secret / "REQ-SECRT"), f"REQ-SECRT/{rel}"):
        result = invoke(["show", bad])
        assert result.exit_code == 2, bad
        assert "TOP SECRET" not in result.output


def test_show_refuses_a_symlink_out_of_the_ledger(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.toml"
    outside.write_text(
        'id = "REQ-EV1L0"\ntitle = "TOP SECRET"\nstatus = "proposed"\npriority = "high"\n'
        "created = 2026-01-01T09:00:00+00:00\n",
        encoding="utf-8",
    )
    (root / "requirements" / "REQ-EV1L0.toml").symlink_to(outside)
    result = invoke(["show", "REQ-EV1L0"])
    assert result.exit_code in (1, 2)
    assert "TOP SECRET" not in result.output
    assert "Traceback" not in result.output


def test_show_unknown_id(root: Path) -> None:
    add("Something else")
    result = invoke(["show", "REQ-ZZZZZ"])
    assert_clean_error(result, 1)
    assert "REQ-ZZZZZ" in result.stderr


def test_show_broken_file_names_file_and_line(root: Path) -> None:
    (root / "requirements" / "REQ-BAD00.toml").write_text(
        'id = "REQ-BAD00"\ntitle = "ok"\nstatus = "proposed\n', encoding="utf-8"
    )
    result = invoke(["show", "bad00"])
    assert_clean_error(result, 1)
    assert "REQ-BAD00.toml:3" in result.stderr


def test_show_unknown_format(root: Path) -> None:
    req_id = add("x")
    result = invoke(["show", req_id, "--format", "csv"])
    assert_clean_error(result, 2)


def test_list_table_aligns_chinese_and_english_titles(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "200")
    ids = [add("客户列表导出 Excel", "-p", "high"), add("Plain English title", "-p", "high")]
    ids.append(add("退货退款流程线上化", "-p", "high"))
    out = ok(["list"]).stdout
    rows = [line for line in out.splitlines() if any(i in line for i in ids)]
    assert len(rows) == 3
    columns = {cell_len(row[: row.index("proposed")]) for row in rows}
    assert len(columns) == 1, rows


def test_list_search_finds_note_text(tmp_path: Path) -> None:
    copy_example(tmp_path)
    assert listed("催收专项") == {"ACME-Q8AG3"}
    assert listed("globex") == {"ACME-D8FK3"}


def test_list_json_batches_are_the_items_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Piped, requirements come a thousand to a text; the bytes are those of one
    at a time, made safe for a terminal (the writer passes RawJson on as it is)."""
    from pmledger.cli import listing
    from pmledger.cli.output import json_safe

    from .conftest import make

    reqs = [make(f"REQ-B{n:04d}", title=f"需求 {n} \u2028", effort=n % 7) for n in range(2345)]
    monkeypatch.setattr("pmledger.cli.output.stdout_is_terminal", lambda: False)
    batched = list(listing._json_items(reqs))
    assert len(batched) == 3
    assert ",".join(batched) == ",".join(json_safe(r.model_dump_json()) for r in reqs)
    assert "\u2028" not in batched[0] and "\\u2028" in batched[0]
    monkeypatch.setattr("pmledger.cli.output.stdout_is_terminal", lambda: True)
    assert list(listing._json_items(reqs)) == [json_safe(r.model_dump_json()) for r in reqs]


def test_show_writes_custom_tables_and_lists_as_a_reader_would(root: Path) -> None:
    rid = add("Budgeted")
    path = req_path(root, rid)
    path.write_text(
        path.read_text(encoding="utf-8")
        + 'regions = ["北区", "南区"]\n\n[budget]\nvalue = 12000\ncurrency = "EUR"\n',
        encoding="utf-8",
    )
    out = ok(["show", rid], env={"COLUMNS": "120"}).stdout
    assert "value=12000, currency=EUR" in out and "北区, 南区" in out
    assert "{" not in out and "[" not in out
