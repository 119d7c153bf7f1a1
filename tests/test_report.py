"""report: data assembly, the golden markdown of the example ledger, the HTML
parsed with a real parser (structure, escaping, no network), and the page
rendered by headless Chromium when it is installed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pmledger.goals.changes import new_goal, with_reading
from pmledger.goals.store import GoalBook
from pmledger.ledger.ledger import Ledger
from pmledger.report.data import ReportOptions, build_report, reason
from pmledger.report.html import render_html
from pmledger.report.labels import EN, labels
from pmledger.report.stats import age_bucket
from pmledger.report.text import esc

from .cli_helpers import AS_OF, add, copy_example, invoke, make_ledger, ok

GOLDEN = Path(__file__).parent / "golden" / "report-acme.md"
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
EVIL = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "a | b [x](y) *z*"]


class Page(HTMLParser):
    """Every start tag with its attributes, and the text, of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def names(self) -> list[str]:
        return [t for t, _ in self.tags]


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def example_report(tmp_path: Path, *args: str) -> str:
    copy_example(tmp_path)
    return ok(["report", "--as-of", AS_OF, *args]).stdout


def test_golden_markdown_of_the_example(tmp_path: Path) -> None:
    text = example_report(tmp_path)
    if os.environ.get("PMLEDGER_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_markdown_is_clean_gfm(tmp_path: Path) -> None:
    text = example_report(tmp_path)
    for line in text.splitlines():
        if line.startswith("|"):
            # Every table row has its cells closed; no raw pipe from user text.
            assert line.endswith("|"), line
    headings = re.findall(r"^(#+) ", text, re.M)
    assert headings[0] == "#" and set(headings) <= {"#", "##", "###"}


def test_markdown_escapes_user_text() -> None:
    assert esc("<script>") == "\\<script\\>"
    assert esc("a | b") == "a \\| b"
    assert esc("x\x1b[31m") == "x\\\\x1b\\[31m"


def test_html_structure_and_no_network(tmp_path: Path) -> None:
    html = example_report(tmp_path, "--format", "html")
    page = parse(html)
    names = page.names()
    assert names.count("html") == 1 and names.count("style") == 1
    assert "script" not in names and "img" not in names and "link" not in names
    assert names.count("svg") >= 5  # status, goals, KPI trends, matrix, departments
    assert "details" in names and "table" in names
    ids = {a.get("id") for _, a in page.tags if a.get("id")}
    assert {"goals", "deadlines", "next", "sprint", "departments", "waiting", "changes"} <= ids
    # Nothing can leave the page: no URL, no external resource of any kind.
    assert not re.search(r"https?:|//[a-z]|url\(|@import|src=|href=", html, re.I)
    assert "@media print" in html and "size: A4" in html
    assert "Noto Sans CJK SC" in html and "Microsoft YaHei" in html
    text = "".join(page.text)
    assert "Keep more customers through Q4" in text and "客户列表导出 Excel" in text


def test_html_escapes_every_user_text(root: Path) -> None:
    book = GoalBook(root)
    g = new_goal("G1", EVIL[0], kpi=EVIL[1], target=10, unit=EVIL[2], as_of=date(2026, 11, 1))
    book.create(with_reading(g, 4, at=date(2026, 11, 1), by=EVIL[1]))
    for i, title in enumerate(EVIL):
        new = add(
            title,
            "--department", EVIL[(i + 1) % 3],
            "--requester", EVIL[(i + 2) % 3],
            "--owner", EVIL[i],
            "--goal", "G1",
            "--due", "2026-11-01",
            "-p", "critical",
        )  # fmt: skip
        # The sprint review shows its name in a heading and a chart's title.
        ok(["set", new, f"sprint={EVIL[1]}"])
    html = ok(["report", "--as-of", "2026-11-20", "-f", "html"]).stdout
    assert 'id="sprint"' in html
    page = parse(html)
    assert "script" not in page.names() and "img" not in page.names()
    assert not any(k.startswith("on") for _, attrs in page.tags for k in attrs)
    text = "".join(page.text)
    for evil in EVIL:
        assert evil in text
    # Also inside SVG titles and attributes (parsed as text, not markup).
    assert "&lt;script&gt;" in html and "<script" not in html


def test_markdown_report_escapes_user_text(root: Path) -> None:
    for title in EVIL:
        add(title, "--department", "<b>Sales</b>")
    text = ok(["report", "--as-of", "2026-11-20"]).stdout
    # Every "<" of user text is backslash-escaped, so GFM shows it as text.
    assert not re.search(r"(?<!\\)<(script|img|b>)", text)
    assert "\\<script\\>alert(1)\\</script\\>" in text


def test_department_report_scopes_everything(tmp_path: Path) -> None:
    text = example_report(tmp_path, "--department", "销售部")
    assert "Scope: 销售部" in text
    sections = text.split("## By department", 1)[1]
    assert "### 销售部 (6)" in sections and "### Finance" not in sections
    # Goals shown are the ones the department's requests serve.
    assert "Q4-sales-efficiency" in text and "Q4-cash-collection" not in text


def test_a_department_report_counts_only_its_own_work_toward_a_goal(ledger: Ledger) -> None:
    from .conftest import make

    goal = with_reading(
        new_goal("G1", "Keep", kpi="churn", target=2, baseline=4, as_of=date(2026, 10, 1)),
        3,
        at=date(2026, 11, 1),
    )
    sales = [
        make("REQ-AAAA1", department="Sales", goal="G1", status="done", effort=3),
        make("REQ-AAAA2", department="Sales", goal="G1", effort=2),
    ]
    other = [
        make(f"REQ-BBBB{i}", department="CS", goal="G1", status="done", effort=5) for i in range(4)
    ]
    data = build_report(
        sales,
        [goal],
        settings=ledger.settings,
        as_of=date(2026, 11, 20),
        everything=sales + other,
        options=ReportOptions(scope="Sales"),
    )
    (row,) = data.goals
    assert (row.done, row.count, row.done_effort, row.total_effort) == (1, 2, 3.0, 5.0)
    assert row.goal.latest == 3  # the KPI stays the goal's


def test_department_report_goal_table_counts_the_department(tmp_path: Path) -> None:
    text = example_report(tmp_path, "--department", "销售部")
    line = next(x for x in text.splitlines() if "`Q4-retention`" in x and x.startswith("|"))
    assert line.endswith("| 0/2 · 0/3 points |")
    assert "| 2.8% |" in line  # the latest KPI reading, not the department's


def test_report_to_file_and_options(tmp_path: Path) -> None:
    copy_example(tmp_path)
    out = tmp_path / "r.html"
    result = ok(["report", "--as-of", AS_OF, "-f", "html", "-o", str(out), "--top", "3"])
    assert result.stdout == ""
    page = parse(out.read_text(encoding="utf-8"))
    assert "table" in page.names()
    bad = invoke(["report", "-f", "pdf"])
    assert bad.exit_code == 2
    assert invoke(["report", "--lang", "xx"]).exit_code == 2


def test_big_ledgers_stay_usable(ledger: Ledger) -> None:
    from .conftest import make

    reqs = [
        make(f"REQ-{i:05d}", department=f"Dept {i % 30}", due=date(2026, 11, 1 + i % 28))
        for i in range(3000)
    ]
    data = build_report(
        reqs, [], settings=ledger.settings, as_of=date(2026, 11, 20), options=ReportOptions()
    )
    assert all(len(b.items) <= 25 for b in data.departments)
    assert sum(b.hidden for b in data.departments) == 3000 - 25 * 30
    assert len(data.overdue) == 50 and data.overdue_total > 50
    html = render_html(data)
    page = parse(html)
    assert page.names().count("tr") < 30 * 26 + 200
    assert "<details open" not in html  # too many rows to open by default
    assert "more not shown" in html


def test_labels_are_one_table() -> None:
    assert labels("en") == EN
    # Renderers spell no label themselves: every English label comes from the table.
    for module in ("markdown.py", "html.py"):
        source = (Path(__file__).parent.parent / "src/pmledger/report" / module).read_text()
        assert "Overdue" not in source and "Goals and KPIs" not in source


def test_reason_and_age_buckets(tmp_path: Path) -> None:
    from pmledger.ranking.scoring import Score, Term

    sc = Score(
        "R",
        "default",
        3.0,
        (Term("priority", "high", 1, 6, 6.0), Term("due", "x", 0.1, 12, 1.2)),
        "f",
    )
    assert reason(sc) == "priority: high"
    assert age_bucket(0) == "< 1 week" and age_bucket(400) == "> 1 year"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_html_renders_in_headless_chromium(tmp_path: Path) -> None:
    html = example_report(tmp_path, "--format", "html")
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "shot.png"
    base = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        # Any request that tried to leave would fail to resolve.
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ]
    dom = subprocess.run(
        [*base, "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Keep more customers through Q4" in dom.stdout
    assert dom.stdout.count("<svg") >= 5
    assert "CONSOLE" not in dom.stderr and "Uncaught" not in dom.stderr
    assert "net::ERR" not in dom.stderr
    snap = subprocess.run(
        [*base, "--hide-scrollbars", "--window-size=1100,1400", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert snap.returncode == 0, snap.stderr[-2000:]
    assert shot.stat().st_size > 20_000


def test_report_goals_and_sprints_core_pull_in_no_cli() -> None:
    import subprocess
    import sys

    modules = (
        "pmledger.goals.store, pmledger.goals.progress, pmledger.goals.changes, "
        "pmledger.report.html, pmledger.report.markdown, pmledger.report.history, "
        "pmledger.report.board, pmledger.sprints"
    )
    code = (
        f"import sys, {modules}; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'click') "
        "or m.startswith('pmledger.cli')]; print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_report_on_stdout_is_the_file_in_utf8(tmp_path: Path) -> None:
    copy_example(tmp_path)
    target = tmp_path / "r.md"
    ok(["report", "--as-of", AS_OF, "-o", str(target)])
    out = ok(["report", "--as-of", AS_OF]).stdout
    assert out == target.read_text(encoding="utf-8") and "销售部" in out


def test_chinese_labels_cover_every_english_label() -> None:
    from pmledger.report.labels import ZH

    assert set(EN) <= set(ZH)
    for key, text in EN.items():
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", ZH[key])), key


def test_chinese_report_in_markdown_and_html(tmp_path: Path) -> None:
    md = example_report(tmp_path, "--lang", "zh")
    for heading in ("# 需求进展报告", "## 概览", "## 需求状态分布", "## 目标与 KPI", "## 按部门"):
        assert heading in md
    assert "| 已接受 |" in md  # statuses read as labels in a Chinese report
    assert "Requirements progress report" not in md
    # The run's language chooses the report's language too (global --lang, PMLEDGER_LANG).
    assert ok(["--lang", "zh", "report", "--as-of", AS_OF]).stdout == md
    assert ok(["report", "--as-of", AS_OF], env={"PMLEDGER_LANG": "zh"}).stdout == md
    html = ok(["report", "--as-of", AS_OF, "--lang", "zh", "-f", "html"]).stdout
    assert '<html lang="zh-CN">' in html
    assert "<h1>需求进展报告</h1>" in html
    en = ok(["report", "--as-of", AS_OF, "--lang", "en", "-f", "html"]).stdout
    assert '<html lang="en">' in en and "需求进展报告" not in en


def test_chinese_report_says_open_and_none_in_chinese(tmp_path: Path) -> None:
    make_ledger(tmp_path)
    ok(["add", "无部门的需求", "--no-input"])
    ok(["add", "销售的需求", "-d", "销售部", "--no-input"])
    md = ok(["--lang", "zh", "report", "--as-of", AS_OF]).stdout
    # "Open" is not the in-progress status (进行中): none is in progress here.
    assert "| 需求数 | 未关闭 |" in md and "| 2 | 2 |" in md
    assert "### （无） (1)" in md and "(none)" not in md
    html = ok(["--lang", "zh", "report", "--as-of", AS_OF, "-f", "html"]).stdout
    assert "（无）" in html and "(none)" not in html
    assert "### (none) (1)" in ok(["report", "--as-of", AS_OF]).stdout


def test_a_report_as_of_a_date_shows_the_kpi_as_it_was_then(tmp_path: Path) -> None:
    copy_example(tmp_path)
    ok(["goal", "add", "Cut churn", "--kpi", "monthly churn", "--unit", "%",
        "--baseline", "5", "--target", "3"])  # fmt: skip
    ok(["goal", "measure", "cut", "4.8", "--at", "2026-10-15"])
    ok(["goal", "measure", "cut", "4.6", "--at", "2026-10-31"])

    def row(as_of: str) -> str:
        md = ok(["report", "--as-of", as_of, "--no-pager"]).stdout
        return next(x for x in md.splitlines() if "`Cut-churn`" in x and x.startswith("|"))

    assert "| 4.6% |" in row("2026-11-20") and "| 4.8% |" in row("2026-10-20")
    early = row("2026-10-07")
    assert "4.8" not in early and "4.6" not in early  # no reading yet then


def test_an_empty_ledger_says_nothing_under_by_department(root: Path) -> None:
    md = ok(["report", "--as-of", AS_OF, "--no-pager"]).stdout
    assert "## By department\n\nNothing.\n" in md
    html = ok(["report", "--as-of", AS_OF, "-f", "html", "--lang", "zh"]).stdout
    section = html[html.index('<section id="departments">') :]
    section = section[: section.index("</section>")]
    # No empty chart, no heading over nothing: the sentence a reader understands.
    assert "无。" in section and "<svg" not in section and "<details" not in section


def test_changed_fields_the_report_names_are_fields_of_the_model() -> None:
    from pmledger.i18n.labels import FIELD_LABELS
    from pmledger.ledger.model import KNOWN_FIELDS
    from pmledger.report.history import VALUE_FIELDS

    assert set(FIELD_LABELS) <= set(KNOWN_FIELDS) and set(VALUE_FIELDS) <= set(FIELD_LABELS)


def test_report_to_an_html_file_is_a_page_without_format(tmp_path: Path) -> None:
    copy_example(tmp_path)
    ok(["report", "--as-of", AS_OF, "-o", "weekly.HTML"])
    assert (
        (tmp_path / "acme" / "weekly.HTML")
        .read_text(encoding="utf-8")
        .startswith("<!DOCTYPE html>")
    )
    ok(["report", "--as-of", AS_OF, "-o", "weekly.md"])
    assert (tmp_path / "acme" / "weekly.md").read_text(encoding="utf-8").startswith("# ")
    # An explicit --format wins over the suffix.
    ok(["report", "--as-of", AS_OF, "-f", "markdown", "-o", "raw.html"])
    assert (tmp_path / "acme" / "raw.html").read_text(encoding="utf-8").startswith("# ")


def test_a_library_report_speaks_one_language(example: Ledger) -> None:
    # Without the CLI's `using` around it, the reasons (worded when the data
    # is built) and the expected sprint (worded while rendering) followed the
    # process's language while the labels followed `lang=`: half English.
    from pmledger.goals.store import GoalBook
    from pmledger.i18n import active_language
    from pmledger.report.markdown import render_markdown

    reqs = example.load_all().requirements
    # One requirement expected in a sprint rather than on a date.
    reqs[0] = reqs[0].model_copy(update={"due": None, "sprint": "S24"})
    goals = GoalBook(example.root).load_all().goals
    as_of = date.fromisoformat(AS_OF)

    assert active_language() == "en"
    zh = build_report(reqs, goals, settings=example.settings, as_of=as_of, lang="zh")
    for text in (render_markdown(zh), render_html(zh)):
        assert "需求进展报告" in text and "截止日期：" in text and "迭代 S24" in text
        assert "due: " not in text and "sprint S24" not in text
    assert active_language() == "en"

    en = build_report(reqs, goals, settings=example.settings, as_of=as_of)
    english = render_markdown(en)
    assert "Requirements progress report" in english and "due: " in english
    assert "sprint S24" in english and "需求进展报告" not in english
    assert "迭代 S24" in render_html(en, lang="zh")  # worded while rendering
