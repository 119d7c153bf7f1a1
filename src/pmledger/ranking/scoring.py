"""Scores: a pure function of (requirement, dependencies, settings, as-of date).

The default model is Taskwarrior's urgency for the terms a ledger shares with
it (same constants, same due curve), so that Taskwarrior's and Obsidian
Tasks' published numbers test ours. RICE, WSJF and ICE follow their
published definitions and read their inputs from the ``[rice]``, ``[wsjf]``
and ``[ice]`` tables of a requirement, whose ranges the model checks on
read and write (:mod:`pmledger.ledger.model`); a missing input is a
:class:`ScoringProblem`, never a silent 0. Nothing here reads the clock.
See ``docs/scoring.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import compress, repeat
from operator import add, attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from pmledger.errors import InvalidValueError, ScoringProblem
from pmledger.i18n import N_, _, active_language, ngettext
from pmledger.ledger.model import SCORING_MODELS, Requirement
from pmledger.ledger.settings import DueSettings, ScoringSettings, Settings, Weights

if TYPE_CHECKING:
    from pmledger.ledger.columns import Columns

MODELS = SCORING_MODELS
DEFAULT_TERMS = ("priority", "due", "age", "blocking", "blocked", "in_progress")
# The names of the terms for a reader (the JSON keeps the keys): translated
# where shown, with term_label.
TERM_LABELS = {
    "priority": N_("priority"),
    "due": N_("due"),
    "age": N_("age"),
    "blocking": N_("blocking"),
    "blocked": N_("blocked"),
    "in_progress": N_("in progress"),
    "reach": N_("reach"),
    "impact": N_("impact"),
    "confidence": N_("confidence"),
    "effort": N_("effort"),
    "business_value": N_("business value"),
    "time_criticality": N_("time criticality"),
    "risk_reduction": N_("risk reduction"),
    "cost_of_delay": N_("cost of delay"),
    "job_size": N_("job size"),
    "ease": N_("ease"),
}


def term_label(name: str) -> str:
    """A term's name for a reader: the key in English, a word in Chinese."""
    if active_language() == "en":
        return name
    from pmledger.i18n import translate

    return translate(TERM_LABELS[name]) if name in TERM_LABELS else name


class Term(NamedTuple):
    """One term of a score: what went in, its measure, its weight and what it adds.

    A NamedTuple, not a dataclass: a 100k ranking builds 600k of them, and a
    frozen dataclass costs three times as much to create.
    """

    name: str
    input: str
    measure: float
    weight: float | None
    contribution: float | None


class Score(NamedTuple):
    """A requirement's score under one model, with every term that made it.

    A NamedTuple, like Term: one per ranked requirement, and a slotted
    dataclass costs twice as much to create.
    """

    req_id: str
    model: str
    value: float
    terms: tuple[Term, ...]
    formula: str
    days_to_due: int | None = None

    @property
    def overdue(self) -> bool:
        return self.days_to_due is not None and self.days_to_due < 0

    def term(self, name: str) -> Term | None:
        """The term called ``name``, if the model has one."""
        return next((t for t in self.terms if t.name == name), None)


# A requirement's fields are its model's __dict__ (pydantic keeps them there).
_ID_STATUS_DEPENDS = itemgetter("id", "status", "depends_on")
_ID = attrgetter("id")


@dataclass
class Dependencies:
    """Who depends on whom, restricted to what scoring needs.

    ``open_ids`` are requirements that are not closed; only they block or are
    blocked. Computed once per ledger, so scoring one requirement stays O(1).
    """

    open_ids: frozenset[str]
    known_ids: frozenset[str]
    depends_on: dict[str, tuple[str, ...]]
    dependents: dict[str, tuple[str, ...]]
    unknown: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cycles: list[list[str]] = field(default_factory=list)
    # Texts of score terms already worded during this ranking: most repeat
    # (the same priority, age or due date), and wording costs gettext calls.
    texts: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, requirements: Iterable[Requirement], settings: Settings) -> Dependencies:
        """Index the dependencies of a whole ledger."""
        # One pass over the requirements, in C: at 100k, each pass reading
        # one field of every requirement costs ~50 ms (a cache miss or two
        # per object), three fields read together ~65.
        rows = list(map(_ID_STATUS_DEPENDS, map(vars, requirements)))
        ids, statuses, depends = zip(*rows, strict=True) if rows else ((), (), ())
        return cls.of_columns(ids, statuses, depends, settings)

    @classmethod
    def of_columns(
        cls,
        ids: Sequence[str],
        statuses: Sequence[str],
        depends: Sequence[Sequence[str]],
        settings: Settings,
    ) -> Dependencies:
        """Index the dependencies of a whole ledger given as columns
        (:class:`pmledger.ledger.columns.Columns`)."""
        closed = set(settings.ledger.closed_statuses)
        known = frozenset(ids)
        open_ids = known - frozenset(compress(ids, map(closed.__contains__, statuses)))
        depends_on: dict[str, tuple[str, ...]] = {}
        dependents: dict[str, list[str]] = {}
        unknown: dict[str, tuple[str, ...]] = {}
        # Most requirements depend on nothing: only the others are indexed
        # (which keeps the cycle search small too).
        for req_id, listed in compress(zip(ids, depends, strict=True), depends):
            deps = tuple(dict.fromkeys(listed))
            depends_on[req_id] = deps
            missing = tuple(d for d in deps if d not in known)
            if missing:
                unknown[req_id] = missing
            for dep in deps:
                dependents.setdefault(dep, []).append(req_id)
        return cls(
            open_ids=open_ids,
            known_ids=known,
            depends_on=depends_on,
            dependents={k: tuple(sorted(v)) for k, v in dependents.items()},
            unknown=unknown,
            cycles=find_cycles(depends_on),
        )

    def open_blockers(self, req_id: str) -> list[str]:
        """The open requirements this one waits for."""
        return [d for d in self.depends_on.get(req_id, ()) if d in self.open_ids]


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every dependency cycle once, each starting at its smallest ID (iterative, no recursion)."""
    colour: dict[str, int] = {}
    cycles: set[tuple[str, ...]] = set()
    for start in sorted(graph):
        if colour.get(start):
            continue
        stack: list[tuple[str, Iterable[str]]] = [(start, iter(sorted(graph.get(start, ()))))]
        path = [start]
        on_path = {start}
        colour[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(iter(children), None)
            if child is None:
                stack.pop()
                path.pop()
                on_path.discard(node)
                colour[node] = 2
                continue
            if child in on_path:
                loop = path[path.index(child) :]
                pivot = loop.index(min(loop))
                cycles.add(tuple(loop[pivot:] + loop[:pivot]))
            elif child in graph and not colour.get(child):
                colour[child] = 1
                path.append(child)
                on_path.add(child)
                stack.append((child, iter(sorted(graph.get(child, ())))))
    return [list(c) for c in sorted(cycles)]


def priority_text(priority: str) -> str:
    """A priority for a reader: the canonical word in English, 紧急/高/中/低 in Chinese."""
    if active_language() == "en":
        return priority  # the common case, once per requirement of a 100k ranking
    from pmledger.i18n import pgettext

    if priority == "critical":
        # TRANSLATORS: a priority, shown in tables.
        return pgettext("priority", "critical")
    if priority == "high":
        return pgettext("priority", "high")
    if priority == "medium":
        return pgettext("priority", "medium")
    if priority == "low":
        return pgettext("priority", "low")
    return priority


def status_text(status: str, settings: Settings) -> str:
    """A status for a reader: its Chinese label in Chinese (``pmledger.i18n.labels``)."""
    if active_language() == "en":
        return status
    from pmledger.i18n.labels import status_label

    return status_label(status, settings)


def due_measure(days: int, due: DueSettings) -> float:
    """The due measure D(n) for a due date ``days`` whole days after the as-of date.

    1.0 when ``overdue_days`` or more late; the floor from ``horizon_days``
    out; linear in between (Taskwarrior's curve with its defaults 7, 14, 0.2).
    """
    if days <= -due.overdue_days:
        return 1.0
    if days >= due.horizon_days:
        return due.floor
    span = due.horizon_days + due.overdue_days
    return due.floor + (1.0 - due.floor) * (due.horizon_days - days) / span


def _id_list(ids: list[str], limit: int = 5) -> str:
    # A hub that blocks hundreds of items would otherwise make every
    # explanation (and the JSON) a wall of IDs.
    if len(ids) <= limit:
        return _(", ").join(ids)
    rest = len(ids) - limit
    return ngettext("{ids} and {count} more", "{ids} and {count} more", rest).format(
        ids=_(", ").join(ids[:limit]), count=rest
    )


def show_date(day: date, as_of: date | None = None) -> str:
    """A date for a reader: ISO in English, ``11月20日 (周五)`` in Chinese.

    The year is shown in Chinese only when it is not the as-of year.
    """
    if active_language() != "zh":
        return day.isoformat()
    weekday = "一二三四五六日"[day.weekday()]
    if as_of is not None and day.year == as_of.year:
        return f"{day.month}月{day.day}日 (周{weekday})"
    return f"{day.year}年{day.month}月{day.day}日 (周{weekday})"


def relative_due(days: int) -> str:
    """How far a due date is: ``3 days overdue``, ``due today``, ``due in 5 days``."""
    if days < 0:
        return ngettext("{days} day overdue", "{days} days overdue", -days).format(days=-days)
    if days == 0:
        return _("due today")
    return ngettext("due in {days} day", "due in {days} days", days).format(days=days)


def _due_input(due: date | None, days: int | None, as_of: date) -> str:
    if days is None or due is None:
        return _("no due date")
    if days < 0:
        return ngettext(
            "{date} ({days} day overdue)", "{date} ({days} days overdue)", -days
        ).format(date=show_date(due, as_of), days=-days)
    if days == 0:
        return _("{date} (today)").format(date=show_date(due, as_of))
    return ngettext("{date} (in {days} day)", "{date} (in {days} days)", days).format(
        date=show_date(due, as_of), days=days
    )


def _blocking_term(dependents: Sequence[str] | None, w: Weights) -> Term:
    if dependents:
        blocking = _("blocks {ids}").format(ids=_id_list(list(dependents)))
        return Term("blocking", blocking, 1.0, w.blocking, w.blocking * 1.0 + 0.0)
    return Term("blocking", _("blocks nothing open"), 0.0, w.blocking, w.blocking * 0.0 + 0.0)


def _blocked_term(blockers: Sequence[str] | None, w: Weights) -> Term:
    if blockers:
        blocked = _("waits for {ids}").format(ids=_id_list(list(blockers)))
        return Term("blocked", blocked, 1.0, w.blocked, w.blocked * 1.0 + 0.0)
    return Term("blocked", _("waits for nothing open"), 0.0, w.blocked, w.blocked * 0.0 + 0.0)


def _shared_term(
    memo: dict[tuple[str, ...], Term],
    ids: tuple[str, ...],
    make: Callable[[Sequence[str] | None, Weights], Term],
    w: Weights,
) -> Term:
    """The term for ``ids``, built the first time they are asked for."""
    term = memo.get(ids)
    if term is None:
        term = memo[ids] = make(ids, w)
    return term


@dataclass(slots=True)
class _DefaultTerms:
    """The default model's terms built so far in one ranking, by their one input."""

    free: tuple[Term, Term]
    formula: str
    priority: dict[str, Term] = field(default_factory=dict)
    # By the due date's ordinal: (the term, days to the due date).
    due: dict[int | None, tuple[Term, int | None]] = field(default_factory=dict)
    age: dict[int, Term] = field(default_factory=dict)
    status: dict[str, Term] = field(default_factory=dict)
    # By the open IDs named: several requirements often wait for the same one.
    blocking: dict[tuple[str, ...], Term] = field(default_factory=dict)
    blocked: dict[tuple[str, ...], Term] = field(default_factory=dict)


def _default(req: Requirement, deps: Dependencies, settings: Settings, as_of: date) -> Score:
    from pmledger.ledger.columns import columns_of

    values, terms, days = default_scores(columns_of([vars(req)]), deps, settings, as_of)
    return Score(
        req.id, "default", values[0], terms[0], default_formula(deps, settings, as_of), days[0]
    )


def _default_memo(deps: Dependencies, settings: Settings, as_of: date) -> _DefaultTerms:
    memo_key = ("default", active_language(), id(settings), as_of)
    memo = deps.texts.get(memo_key)
    if memo is None:
        w = settings.scoring.weights
        free = (_blocking_term(None, w), _blocked_term(None, w))
        memo = deps.texts[memo_key] = _DefaultTerms(
            free=free,
            formula=_("sum of weight x measure"),
            blocking={(): free[0]},
            blocked={(): free[1]},
        )
    return cast("_DefaultTerms", memo)


def default_formula(deps: Dependencies, settings: Settings, as_of: date) -> str:
    return _default_memo(deps, settings, as_of).formula


# A term's contribution (its fifth field), read in C.
CONTRIBUTION = itemgetter(4)


def default_scores(
    cols: Columns, deps: Dependencies, settings: Settings, as_of: date
) -> tuple[list[float], list[tuple[Term, ...]], list[int | None]]:
    """The default model's score of each requirement of ``cols``: its value,
    its terms and the days to its due date, a list each, in ``cols``' order.

    Most terms repeat across a ledger (the same priority, due date, age,
    status, "blocks nothing open"): each distinct term is built once per
    ranking and shared, keyed by its one input (terms are immutable), and
    each requirement's are looked up column by column, in C.
    """
    sc = settings.scoring
    w = sc.weights
    memo = _default_memo(deps, settings, as_of)
    prio_terms, due_terms, age_terms, status_terms = memo.priority, memo.due, memo.age, memo.status
    for priority in set(cols.priorities).difference(prio_terms):
        prio = float(getattr(sc.priority, priority))
        prio_terms[priority] = Term(
            "priority", priority_text(priority), prio, w.priority, w.priority * prio + 0.0
        )
    today = as_of.toordinal()
    for ordinal in set(cols.dues).difference(due_terms):
        due = date.fromordinal(ordinal) if ordinal is not None else None
        days = ordinal - today if ordinal is not None else None
        due_m = due_measure(days, sc.due) if days is not None else 0.0
        due_terms[ordinal] = (
            Term("due", _due_input(due, days, as_of), due_m, w.due, w.due * due_m + 0.0),
            days,
        )
    ages = [age if age > 0 else 0 for age in map(today.__sub__, cols.created_days)]
    cap = sc.age_cap_days
    for age_days in set(ages).difference(age_terms):
        age_m = min(age_days, cap) / cap
        age_input = ngettext("{days} day old", "{days} days old", age_days).format(days=age_days)
        age_terms[age_days] = Term("age", age_input, age_m, w.age, w.age * age_m + 0.0)
    for status in set(cols.statuses).difference(status_terms):
        in_progress = 1.0 if status == settings.ledger.in_progress_status else 0.0
        status_terms[status] = Term(
            "in_progress",
            status_text(status, settings),
            in_progress,
            w.in_progress,
            w.in_progress * in_progress + 0.0,
        )
    dated = list(map(due_terms.__getitem__, cols.dues))
    by_due = list(map(_TERM_OF, dated))
    by_priority = list(map(prio_terms.__getitem__, cols.priorities))
    by_age = list(map(age_terms.__getitem__, ages))
    by_status = list(map(status_terms.__getitem__, cols.statuses))
    # The common case: blocks nothing open and waits for nothing open.
    blocking = [memo.free[0]] * len(ages)
    blocked = [memo.free[1]] * len(ages)
    depends_on, dependents_of, open_ids = deps.depends_on, deps.dependents, deps.open_ids
    linked = depends_on.keys() | dependents_of.keys()
    if linked:
        # Only open requirements block or are blocked (SCORING.md), itself included.
        closed = set(settings.ledger.closed_statuses)
        ids, statuses = cols.ids, cols.statuses
        for i in compress(range(len(ids)), map(linked.__contains__, ids)):
            if statuses[i] in closed:
                continue
            req_id = ids[i]
            blockers = tuple([d for d in depends_on.get(req_id, ()) if d in open_ids])
            waiting = dependents_of.get(req_id, ())
            # Terms shared by their inputs, the "nothing" ones too (the memo
            # holds them under ()): one object each, so rank's JSON writes
            # each once (keyed by identity).
            blocking[i] = _shared_term(
                memo.blocking, tuple([d for d in waiting if d in open_ids]), _blocking_term, w
            )
            blocked[i] = _shared_term(memo.blocked, blockers, _blocked_term, w)
    # + 0.0 above turns a negative weight times 0 (-0.0) into a plain 0.0,
    # so no contribution is -0.0 and the sum equals 0.0 + each in turn.
    # A fixed summation order keeps scores bit-for-bit repeatable.
    # (The default model's contributions are all floats.)
    contribution = CONTRIBUTION
    total = map(add, map(contribution, by_priority), map(contribution, by_due))
    for column in (by_age, blocking, blocked, by_status):
        total = map(add, total, map(contribution, column))
    values = list(map(round, total, repeat(4)))
    terms = list(zip(by_priority, by_due, by_age, blocking, blocked, by_status, strict=True))
    return values, terms, list(map(_DAYS_OF, dated))


_TERM_OF = itemgetter(0)
_DAYS_OF = itemgetter(1)


def _number(req: Requirement, table: str, key: str, problems: list[ScoringProblem]) -> float | None:
    inputs: dict[str, Any] | None = getattr(req, table)
    raw = (inputs or {}).get(key)
    if raw is None:
        problems.append(
            ScoringProblem(
                req.id,
                f"{table}.{key}",
                _("missing input {name}").format(name=f"{table}.{key}"),
                missing=True,
            )
        )
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        problems.append(
            ScoringProblem(
                req.id,
                f"{table}.{key}",
                _("{name} must be a number, got {value!r}").format(
                    name=f"{table}.{key}", value=raw
                ),
            )
        )
        return None
    return float(raw)


def _rice(req: Requirement) -> tuple[Score | None, list[ScoringProblem]]:
    p: list[ScoringProblem] = []
    reach = _number(req, "rice", "reach", p)
    impact = _number(req, "rice", "impact", p)
    confidence = _number(req, "rice", "confidence", p)
    effort = _number(req, "rice", "effort", p)
    if p or reach is None or impact is None or confidence is None or effort is None:
        return None, p
    value = reach * impact * confidence / effort
    terms = (
        Term("reach", _("people per period"), reach, None, None),
        Term("impact", _("3 massive .. 0.25 minimal"), impact, None, None),
        Term("confidence", _("share"), confidence, None, None),
        Term("effort", _("person-months"), effort, None, None),
    )
    formula = _("reach x impact x confidence / effort")
    return Score(req.id, "rice", round(value, 4), terms, formula), p


def _wsjf(req: Requirement) -> tuple[Score | None, list[ScoringProblem]]:
    p: list[ScoringProblem] = []
    names = ("business_value", "time_criticality", "risk_reduction", "job_size")
    values = {n: _number(req, "wsjf", n, p) for n in names}
    if p:
        return None, p
    bv, tc, rr, size = (float(values[n] or 0.0) for n in names)
    cod = bv + tc + rr
    terms = (
        Term("business_value", _("relative"), bv, None, None),
        Term("time_criticality", _("relative"), tc, None, None),
        Term(
            "risk_reduction",
            _("relative (risk reduction / opportunity enablement)"),
            rr,
            None,
            None,
        ),
        Term(
            "cost_of_delay",
            _("business_value + time_criticality + risk_reduction"),
            cod,
            None,
            None,
        ),
        Term("job_size", _("relative"), size, None, None),
    )
    formula = _("(business_value + time_criticality + risk_reduction) / job_size")
    return Score(req.id, "wsjf", round(cod / size, 4), terms, formula), p


def _ice(req: Requirement, settings: ScoringSettings) -> tuple[Score | None, list[ScoringProblem]]:
    p: list[ScoringProblem] = []
    names = ("impact", "confidence", "ease")
    values = {n: _number(req, "ice", n, p) for n in names}
    if p:
        return None, p
    impact, confidence, ease = (float(values[n] or 0.0) for n in names)
    if settings.ice_mode == "mean":
        value = (impact + confidence + ease) / 3
        formula = _("(impact + confidence + ease) / 3")
    else:
        value = impact * confidence * ease
        formula = _("impact x confidence x ease")
    terms = tuple(Term(n, _("1..10"), values[n] or 0.0, None, None) for n in names)
    return Score(req.id, "ice", round(value, 4), terms, formula), p


def score_many(
    reqs: Sequence[Requirement],
    *,
    deps: Dependencies,
    settings: Settings,
    as_of: date,
    model: str | None = None,
) -> tuple[list[tuple[Requirement, Score]], list[ScoringProblem]]:
    """:func:`score` for each requirement, in order: the scored pairs, and the
    problems of those left out (the default model needs no input, in one loop)."""
    chosen = model or settings.scoring.model
    if chosen == "default":
        from pmledger.ledger.columns import columns_of

        values, terms, days = default_scores(columns_of(map(vars, reqs)), deps, settings, as_of)
        formula = default_formula(deps, settings, as_of)
        scores = map(Score, map(_ID, reqs), repeat("default"), values, terms, repeat(formula), days)
        return list(zip(reqs, scores, strict=True)), []
    scored: list[tuple[Requirement, Score]] = []
    problems: list[ScoringProblem] = []
    for req in reqs:
        result, issues = score(req, deps=deps, settings=settings, as_of=as_of, model=chosen)
        if result is None:
            problems.extend(issues)
        else:
            scored.append((req, result))
    return scored, problems


def score(
    req: Requirement,
    *,
    deps: Dependencies,
    settings: Settings,
    as_of: date,
    model: str | None = None,
) -> tuple[Score | None, list[ScoringProblem]]:
    """Score one requirement; ``None`` and the problems when an input is missing or invalid."""
    chosen = model or settings.scoring.model
    if chosen == "default":
        return _default(req, deps, settings, as_of), []
    days = (req.due - as_of).days if req.due is not None else None
    if chosen == "rice":
        result, problems = _rice(req)
    elif chosen == "wsjf":
        result, problems = _wsjf(req)
    elif chosen == "ice":
        result, problems = _ice(req, settings.scoring)
    else:
        raise InvalidValueError(
            _("unknown scoring model {model!r}; choose one of {models}").format(
                model=chosen, models=", ".join(MODELS)
            )
        )
    if result is not None:
        result = Score(
            result.req_id, result.model, result.value, result.terms, result.formula, days
        )
    return result, problems
