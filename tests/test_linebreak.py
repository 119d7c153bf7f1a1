"""Chinese line breaking in help text (pmledger.cli.linebreak)."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st
from rich._wrap import divide_line
from rich.cells import cell_len

from pmledger.cli.linebreak import NO_END, NO_START, breaking

from .cli_helpers import ok

divide = breaking(divide_line)


def _lines(text: str, width: int) -> list[str]:
    breaks = [0, *divide(text, width), len(text)]
    return [text[a:b] for a, b in pairwise(breaks)]


def test_no_line_starts_with_closing_punctuation_nor_cuts_a_date() -> None:
    text = "只包括这些状态（可重复或用逗号分隔）。以这个日期而不是今天为基准日期计算（YYYY-MM-DD、+3d 等）。"
    for width in range(8, 40):
        lines = _lines(text, width)
        assert "".join(lines) == text
        assert not any(line[0] in NO_START for line in lines[1:])
        assert not any(line.rstrip()[-1:] in NO_END for line in lines[:-1])
        assert not any(line.startswith("YYY") for line in lines)


@given(
    st.text(alphabet="中文需求。，（）ab12- ", min_size=1, max_size=80),
    st.integers(min_value=6, max_value=40),
)
def test_every_line_still_fits_and_nothing_is_lost(text: str, width: int) -> None:
    lines = _lines(text, width)
    assert "".join(lines) == text
    assert all(cell_len(line.rstrip()) <= width for line in lines)


def test_chinese_help_never_starts_a_line_with_a_full_stop() -> None:
    out = ok(["--lang", "zh", "rank", "--help"], env={"COLUMNS": "80"}).stdout
    inside = [line.strip("│ ").strip() for line in out.splitlines()]
    assert not any(line[:1] in ("。", "，", "、") for line in inside)
    assert "（YYYY-MM-DD" in out
