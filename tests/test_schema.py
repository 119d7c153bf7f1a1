"""One source for each schema fact, errors in people's words, strict settings."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from pmledger import changes, errors
from pmledger.errors import ConfigError, InvalidFileError, InvalidValueError, WorkflowError
from pmledger.ledger import atomic, cache, fileformat
from pmledger.ledger import ledger as ledger_module
from pmledger.ledger.ledger import Ledger
from pmledger.ledger.model import Requirement
from pmledger.ledger.scan import LoadResult
from pmledger.ledger.settings import CONFIG_NAME, Settings, config_text, load_settings
from pmledger.query import filters
from pmledger.query.filters import Filter, sort_requirements
from pmledger.ranking import scoring
from pmledger.text import split_list

from .conftest import REPO, make

P = Path("REQ-AAAAA.toml")
HEAD = (
    'id = "REQ-AAAAA"\ntitle = "t"\nstatus = "proposed"\npriority = "low"\ncreated = 2026-01-01\n'
)
PYDANTIC_WORDING = (
    "Input should",
    "field '",
    "more problem",
    "Extra inputs are not permitted",
    "Value error",
    "validation error",
    ".int",
    ".float",
    "Field required",
)


def _no_jargon(text: str) -> None:
    for words in PYDANTIC_WORDING:
        assert words not in text, (words, text)


# -- one status check ---------------------------------------------------------


def test_every_status_check_raises_the_same_error(ledger: Ledger) -> None:
    settings = ledger.settings
    req = make()
    with pytest.raises(WorkflowError):
        changes.with_status(req, "shipped", settings=settings)
    with pytest.raises(WorkflowError):
        changes.apply_assignments(req, ["status=shipped"], settings=settings, as_of=date.today())
    with pytest.raises(WorkflowError):
        filters.check_statuses(["proposed", "shipped"], settings)
    with pytest.raises(WorkflowError):
        ledger.save(req.model_copy(update={"status": "shipped"}))
    assert not hasattr(Ledger, "check_status")
    assert not hasattr(changes, "check_status")


# -- created, once --------------------------------------------------------------


def test_created_at_is_the_one_sort_key(settings: Settings) -> None:
    a = make("REQ-AAAAA", created=date(2026, 1, 2))
    b = make("REQ-BBBBB", created=datetime(2026, 1, 1, 23, 0, tzinfo=UTC))
    assert a.created_at == datetime(2026, 1, 2, tzinfo=UTC)
    assert [r.id for r in sort_requirements([a, b], "created", settings=settings)] == [
        "REQ-BBBBB",
        "REQ-AAAAA",
    ]
    source = "\n".join(
        (REPO / "src" / "pmledger" / sub).read_text()
        for sub in ("query/filters.py", "ranking/order.py")
    )
    assert "time.min" not in source


# -- list splitting, once, with Chinese commas ---------------------------------------


@pytest.mark.parametrize(
    ("raw", "items"),
    [
        (["a,b"], ["a", "b"]),
        (["销售、CRM，导出"], ["销售", "CRM", "导出"]),
        (["a， b 、, c"], ["a", "b", "c"]),
        (["", " , "], []),
    ],
)
def test_split_list_knows_full_width_and_enumeration_commas(
    raw: list[str], items: list[str]
) -> None:
    assert split_list(raw) == items


def test_set_and_new_requirement_split_on_chinese_commas(settings: Settings) -> None:
    req = changes.new_requirement(
        "t",
        settings=settings,
        created=datetime(2026, 1, 1, tzinfo=UTC),
        as_of=date(2026, 1, 1),
        tags=["销售、CRM"],
    )
    assert req.tags == ["销售", "CRM"]
    req = changes.apply_assignments(
        req, ["tags+=导出，报表"], settings=settings, as_of=date(2026, 1, 1)
    )
    assert req.tags == ["销售", "CRM", "导出", "报表"]


# -- errors in people's words -------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('effort = "abc"\n', "effort must be a number, got 'abc'"),
        ("effort = -1\n", "effort must be at least 0, got -1"),
        ("effort = true\n", "effort must be a number, got true"),
        ('due = "soon"\n', "due must be a date (YYYY-MM-DD), got 'soon'"),
        ('tags = "crm"\n', "tags must be a list"),
        ("[rice]\nimpact = 4\n", "rice.impact must be one of 3, 2, 1, 0.5, 0.25"),
        ("[rice]\nfoo = 1\n", "rice has no input 'foo'"),
        ('[[notes]]\nat = "x"\nby = "a"\ntext = "b"\n', "notes item 1: at must be a date and time"),
    ],
)
def test_schema_errors_are_sentences(body: str, expected: str) -> None:
    with pytest.raises(InvalidFileError) as err:
        fileformat.loads(HEAD + body, P)
    assert expected in str(err.value)
    _no_jargon(str(err.value))


def test_every_problem_is_listed_with_its_line() -> None:
    text = HEAD + 'effort = "x"\ndue = "soon"\n[rice]\nimpact = 4\n'
    with pytest.raises(InvalidFileError) as err:
        fileformat.loads(text, P)
    problems = err.value.problems
    assert [(p.line, p.field) for p in problems] == [
        (6, "effort"),
        (7, "due"),
        (9, "rice.impact"),
    ]
    message = str(err.value)
    assert message.startswith("REQ-AAAAA.toml:6: effort")
    assert "line 7: due" in message and "line 9: rice.impact" in message
    _no_jargon(message)


def test_validation_problems_api_for_check() -> None:
    text = HEAD.replace('priority = "low"', 'priority = "urgent"') + "effort = -2\n"
    try:
        Requirement.model_validate(tomllib.loads(text))
    except ValidationError as exc:
        problems = fileformat.validation_problems(exc, P, text)
    assert [p.field for p in problems] == ["priority", "effort"]
    assert all(p.severity == "error" and p.path == P for p in problems)
    assert problems[0].line == 4


def test_set_errors_list_every_problem(settings: Settings) -> None:
    with pytest.raises(InvalidValueError) as err:
        changes.apply_assignments(
            make(), ["rice.impact=4", "rice.confidence=2"], settings=settings, as_of=date.today()
        )
    message = str(err.value)
    assert "rice.impact must be one of 3, 2, 1, 0.5, 0.25" in message
    assert "rice.confidence must be more than 0 and at most 1" in message
    _no_jargon(message)


# -- settings: defaults once, strict ------------------------------------------------


def test_init_template_is_exactly_the_defaults() -> None:
    data = tomllib.loads(config_text())
    assert Settings.model_validate(data) == Settings()
    assert data == Settings().model_dump(mode="json")
    assert tomllib.loads(config_text("ACME"))["ledger"]["id_prefix"] == "ACME"
    # Every key carries a comment, and no comment points at files a pip user lacks.
    assert "docs/" not in config_text()


def test_docs_table_of_defaults_matches_the_settings() -> None:
    doc = (REPO / "docs" / "file-format.md").read_text(encoding="utf-8")
    section = doc.split("## pmledger.toml", 1)[1]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None
    assert tomllib.loads(block.group(1)) == Settings().model_dump(mode="json")


def _config(tmp_path: Path, text: str) -> Path:
    (tmp_path / CONFIG_NAME).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            '[scoring.matrix]\nimportant_priorities = ["hgih"]\n',
            ["scoring.matrix.important_priorities item 1", "'hgih'", ":2:"],
        ),
        ('[scoring]\nmodel = "rce"\n', ["scoring.model must be one of", "'rce'", ":2:"]),
        ('[ledger]\nclosed_statuses = ["dnoe"]\n', ["ledger.closed_statuses", "'dnoe'", ":2:"]),
        ('[ledger]\ndefault_status = "new"\n', ["ledger.default_status", "'new'"]),
        ("[ledger]\nid_lenght = 6\n", ["ledger.id_lenght is not a known key", ":2:"]),
        ('[scoring]\nice_mode = "avg"\n', ["scoring.ice_mode must be one of"]),
    ],
)
def test_settings_typos_are_named(tmp_path: Path, text: str, fragments: list[str]) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(_config(tmp_path, text))
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, message
    _no_jargon(message)


def test_settings_list_every_problem(tmp_path: Path) -> None:
    text = '[scoring]\nmodel = "rce"\nice_mode = "avg"\n'
    with pytest.raises(ConfigError) as err:
        load_settings(_config(tmp_path, text))
    assert "scoring.model" in str(err.value) and "scoring.ice_mode" in str(err.value)


# -- BOM ------------------------------------------------------------------------


def test_bom_files_are_read_and_the_rewrite_drops_the_bom(ledger: Ledger) -> None:
    settings_path = ledger.root / CONFIG_NAME
    settings_path.write_bytes(b"\xef\xbb\xbf" + settings_path.read_bytes())
    reopened = Ledger(ledger.root)
    created = reopened.create(make())
    path = reopened.path_for(created.id)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert reopened.load(created.id) == created
    assert [r.id for r in reopened.load_all(use_cache=False).requirements] == [created.id]
    reopened.save(reopened.load(created.id))
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")


# -- unknown keys stay as written ----------------------------------------------------


def test_local_datetimes_times_and_crlf_of_unknown_keys_survive() -> None:
    text = (
        HEAD + "meeting = 2026-03-01T09:30:00\nslot = 07:30:00\n"
        'minutes = "line one\\r\\nline two"\n'
        '[extra]\nwhen = 2026-03-02T10:00:00\nraw = "a\\r\\nb"\n'
    )
    req = fileformat.loads(text, P)
    again = tomllib.loads(fileformat.dumps(req))
    source = tomllib.loads(text)
    for key in ("meeting", "slot", "minutes", "extra"):
        assert again[key] == source[key], key
    assert again["meeting"].tzinfo is None
    # The rule for known datetimes is unchanged: a naive `created` becomes UTC.
    assert "created = 2026-01-01" in fileformat.dumps(req)


# -- scoring inputs are checked when written ----------------------------------------


@pytest.mark.parametrize(
    ("assignment", "words"),
    [
        ("rice.impact=4", "rice.impact must be one of 3, 2, 1, 0.5, 0.25"),
        ("rice.confidence=1.2", "rice.confidence must be more than 0 and at most 1"),
        ("rice.confidence=0", "rice.confidence must be more than 0 and at most 1"),
        ("rice.reach=-5", "rice.reach must be at least 0"),
        ("rice.effort=0", "rice.effort must be more than 0"),
        ("wsjf.job_size=-1", "wsjf.job_size must be more than 0"),
        ("ice.ease=11", "ice.ease must be from 1 to 10"),
        ("ice.impact=0", "ice.impact must be from 1 to 10"),
        ("rice.foo=1", "rice has no input 'foo'; its inputs are reach, impact, confidence, effort"),
        ("rice.reach=many", "rice.reach must be a number, got 'many'"),
    ],
)
def test_set_refuses_impossible_scoring_inputs(
    settings: Settings, assignment: str, words: str
) -> None:
    with pytest.raises(InvalidValueError) as err:
        changes.apply_assignments(make(), [assignment], settings=settings, as_of=date.today())
    assert words in str(err.value)


def test_valid_scoring_inputs_keep_their_order_and_type(settings: Settings) -> None:
    req = changes.apply_assignments(
        make(),
        ["rice.effort=2", "rice.reach=450", "rice.impact=0.5", "rice.confidence=1.0"],
        settings=settings,
        as_of=date.today(),
    )
    assert req.rice == {"effort": 2, "reach": 450, "impact": 0.5, "confidence": 1.0}


# -- dependencies and links ------------------------------------------------------


def test_dependency_on_itself_or_closing_a_cycle_is_refused(settings: Settings) -> None:
    graph = {"REQ-BBBBB": ("REQ-CCCCC",), "REQ-CCCCC": ("REQ-AAAAA",)}
    req = make("REQ-AAAAA")
    with pytest.raises(InvalidValueError, match="cannot depend on itself"):
        changes.apply_assignments(
            req, ["depends_on=REQ-AAAAA"], settings=settings, as_of=date.today()
        )
    with pytest.raises(InvalidValueError) as err:
        changes.apply_assignments(
            req,
            ["depends_on+=REQ-BBBBB"],
            settings=settings,
            as_of=date.today(),
            dependencies=graph,
        )
    assert "REQ-AAAAA -> REQ-BBBBB -> REQ-CCCCC -> REQ-AAAAA" in str(err.value)
    fine = changes.apply_assignments(
        req, ["depends_on=REQ-CCCCC"], settings=settings, as_of=date.today(), dependencies={}
    )
    assert fine.depends_on == ["REQ-CCCCC"]


@pytest.mark.parametrize(
    ("link", "good"),
    [
        ("https://example.com/a?b=1", True),
        ("mailto:wang@example.cn", True),
        ("docs/spec.md", True),
        ("./需求/导出.xlsx", True),
        ("spec.pdf", True),
        ("ask Wang Fang", False),
        ("see ticket", False),
    ],
)
def test_links_are_urls_or_paths(settings: Settings, link: str, good: bool) -> None:
    def apply() -> Requirement:
        return changes.apply_assignments(
            make(), [f"links={link}"], settings=settings, as_of=date.today()
        )

    if good:
        assert apply().links == [link]
    else:
        with pytest.raises(InvalidValueError, match="neither a URL"):
            apply()


# -- one atomic writer, no dead code -------------------------------------------------


def test_one_atomic_writer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert ledger_module.write_atomic is atomic.write_atomic
    assert ledger_module.create_exclusive is atomic.create_exclusive
    calls: list[Path] = []
    real = atomic.replace_bytes

    def spy(path: Path, data: bytes, *, durable: bool = True, mode: int | None = None) -> None:
        calls.append(path)
        real(path, data, durable=durable, mode=mode)

    monkeypatch.setattr(atomic, "replace_bytes", spy)
    parse_cache = cache.ParseCache(tmp_path / "c.pickle")
    parse_cache.put("x", 1, 0, "value")
    parse_cache.save()
    assert calls == [tmp_path / "c.pickle"]
    assert "tempfile" not in (REPO / "src/pmledger/ledger/cache.py").read_text()


def test_dead_code_is_gone() -> None:
    assert not hasattr(errors, "LoadReport")
    assert not hasattr(fileformat, "NOTE_ORDER")
    assert not hasattr(scoring.Dependencies, "is_blocking")
    assert not hasattr(LoadResult, "by_id")
    assert isinstance(Filter(), Filter)


def test_a_naive_datetime_from_a_caller_is_refused(settings: Settings) -> None:
    # datetime.now() is local time; the model reads a naive stamp as UTC, so
    # a caller's note or creation time was off by the local offset.
    from pmledger.errors import InvalidValueError

    naive = datetime(2026, 1, 1, 9, 30)
    with pytest.raises(InvalidValueError, match=r"^created must carry its UTC offset"):
        changes.new_requirement("t", settings=settings, created=naive, as_of=date(2026, 1, 1))
    req = changes.new_requirement(
        "t", settings=settings, created=naive.replace(tzinfo=UTC), as_of=date(2026, 1, 1)
    )
    with pytest.raises(InvalidValueError, match=r"^at must carry its UTC offset"):
        changes.with_note(req, "hello", by="Li", at=naive)


def test_a_note_author_that_is_not_text_is_an_invalid_value(settings: Settings) -> None:
    from pmledger.errors import InvalidValueError

    req = changes.new_requirement(
        "t", settings=settings, created=datetime(2026, 1, 1, tzinfo=UTC), as_of=date(2026, 1, 1)
    )
    with pytest.raises(InvalidValueError, match=r"^notes\.by must be text"):
        changes.with_note(req, "hello", by=None, at=datetime(2026, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]


def test_requirement_from_words_every_problem_without_pydantic() -> None:
    from pmledger.errors import InvalidValueError

    data = {"id": "REQ-AAAAA", "title": "", "status": "proposed", "priority": "bogus"}
    with pytest.raises(InvalidValueError) as caught:
        changes.requirement_from({**data, "created": "2026-01-01T00:00:00Z", "effort": -1})
    text = str(caught.value)
    assert text.startswith("title must not be empty; priority must be one of")
    assert "effort must be at least 0, got -1" in text
    assert "pydantic" not in text and "validation error" not in text
    ok = changes.requirement_from(
        {**data, "title": "x", "priority": "high", "created": "2026-01-01"}
    )
    assert ok.priority == "high"
