"""report --format html laid out by a real browser: headless Chromium measures the page at a
phone's width and a laptop's (a probe script is added to a copy of the page only; the
report itself holds no script), so what a reader sees is asserted, not the CSS text.

Headless Chromium never makes a window narrower than 500 px, so the page is laid out in an
iframe of the wanted width (its own viewport: media queries see 390 px) and the probe
writes its findings into the host page that --dump-dom prints."""

from __future__ import annotations

import html as markup
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .cli_helpers import AS_OF, copy_example, ok

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

PROBE = r"""
<script>
const r = {width: window.innerWidth};
r.pageOverflow = document.documentElement.scrollWidth - window.innerWidth;
const lines = (range) => new Set([...range.getClientRects()].map(x => Math.round(x.top))).size;
r.brokenNames = [...document.querySelectorAll('td')]
  .filter(td => td.childElementCount === 0 && /^[\u4e00-\u9fff]{2,4}$/.test(td.textContent))
  .filter(td => { const g = document.createRange(); g.selectNodeContents(td); return lines(g) > 1; })
  .map(td => td.textContent);
r.brokenWords = [];
const walk = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
while (walk.nextNode()) {
  const n = walk.currentNode;
  if (!n.parentElement.closest('td')) continue;
  for (const m of n.data.matchAll(/[A-Za-z]{2,}/g)) {
    const g = document.createRange();
    g.setStart(n, m.index); g.setEnd(n, m.index + m[0].length);
    if (lines(g) > 1) r.brokenWords.push(m[0]);
  }
}
r.titleWidths = [...document.querySelectorAll('td.title')].map(e => e.getBoundingClientRect().width);
r.scrolled = [...document.querySelectorAll('.scroll')]
  .filter(e => e.scrollWidth > e.clientWidth + 1).length;
r.trendWidths = [...document.querySelectorAll('.trend')].map(e => e.getBoundingClientRect().width);
r.chartText = [...document.querySelectorAll('svg.chart text')]
  .map(t => t.getBoundingClientRect().height).filter(h => h > 0);
parent.document.body.insertAdjacentHTML('beforeend', '<pre id="probe">' + JSON.stringify(r) + '</pre>');
</script>
"""


def measure(tmp_path: Path, html: str, width: int) -> dict[str, Any]:
    """The probe's measurements of the page laid out in a window ``width`` pixels wide."""
    probed = markup.escape(html.replace("</body>", PROBE + "</body>"), quote=True)
    page = tmp_path / f"probe-{width}.html"
    page.write_text(
        '<!DOCTYPE html><body style="margin:0">'
        f'<iframe style="width:{width}px;height:900px;border:0" srcdoc="{probed}"></iframe>'
        "</body>",
        encoding="utf-8",
    )
    run = subprocess.run(
        [
            str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}", "--host-resolver-rules=MAP * ~NOTFOUND",
            "--window-size=1200,900", "--dump-dom", page.as_uri(),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r'<pre id="probe">(\{.*?)</pre>', run.stdout, re.S)
    assert found, run.stdout[-2000:]
    result: dict[str, Any] = json.loads(found.group(1))
    assert result["width"] == width
    return result


def test_a_phone_reads_the_chinese_report_without_the_page_scrolling_sideways(
    tmp_path: Path,
) -> None:
    copy_example(tmp_path)
    html = ok(["report", "--as-of", AS_OF, "--lang", "zh", "--format", "html"]).stdout
    phone = measure(tmp_path, html, 390)
    # Wide tables and charts scroll in their own box; the page itself fits the screen.
    assert phone["pageOverflow"] <= 0
    # A title column is never squeezed to a few characters a line.
    assert min(phone["titleWidths"]) >= 150
    # Words break at spaces, never inside ("gross margi|n"); a short Chinese name
    # (销售部, 进行中) stays on one line.
    assert phone["brokenWords"] == []
    assert phone["brokenNames"] == []
    # Chart text is drawn at a legible size, not shrunk with the chart to a third.
    assert min(phone["chartText"]) >= 8.5


URL = (
    "https://erp.example.com/finance/reports/receivables/aging?region=EMEA&customer_tier=gold"
    "&include_closed=false&format=xlsx&sort=due_date"
)


def test_a_laptop_never_scrolls_a_table_sideways_even_for_a_url_title(tmp_path: Path) -> None:
    copy_example(tmp_path)
    ok(["add", URL, "--no-input", "-p", "critical", "-d", "财务部", "--due", "2026-11-25"])
    html = ok(["report", "--as-of", AS_OF, "--format", "html"]).stdout
    laptop = measure(tmp_path, html, 1100)
    assert laptop["pageOverflow"] <= 0 and laptop["scrolled"] == 0
    phone = measure(tmp_path, html, 390)
    assert phone["pageOverflow"] <= 0


def test_kpi_trend_cards_are_one_width_whatever_the_goal_title(tmp_path: Path) -> None:
    copy_example(tmp_path)
    ok(["goal", "add", "Raise gross margin on enterprise deals above the policy threshold "
        "for the whole fiscal year", "--id", "long", "--kpi", "margin", "--target", "34"])  # fmt: skip
    ok(["goal", "measure", "long", "31", "--at", "2026-11-01"])
    html = ok(["report", "--as-of", AS_OF, "--format", "html"]).stdout
    laptop = measure(tmp_path, html, 1100)
    assert len(laptop["trendWidths"]) == 6
    assert max(laptop["trendWidths"]) - min(laptop["trendWidths"]) < 1
    assert laptop["pageOverflow"] <= 0 and laptop["brokenNames"] == []


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_printed_report_never_ends_a_page_on_a_heading(tmp_path: Path) -> None:
    from pmledger.report.labels import EN

    copy_example(tmp_path)
    page = tmp_path / "report.html"
    page.write_text(ok(["report", "--as-of", AS_OF, "-f", "html"]).stdout, encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    run = subprocess.run(
        [
            str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}", "--host-resolver-rules=MAP * ~NOTFOUND",
            "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri(),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0 and pdf.exists(), run.stderr[-2000:]
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [[x.strip() for x in p.splitlines() if x.strip()] for p in text.split("\f")]
    pages = [p for p in pages if p]
    assert len(pages) >= 3
    headings = [EN[k] for k in ("kpi_trend", "matrix", "ranking", "asked", "slipped")]
    headings += [EN[k].split("{")[0].strip() for k in ("waiting", "overdue", "due_soon")]
    for number, lines in enumerate(pages[:-1], 1):
        for line in lines[-2:]:
            assert not any(line.startswith(h) for h in headings), (number, line)
