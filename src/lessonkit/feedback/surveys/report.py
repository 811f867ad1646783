"""The impact report, computed from plain data (no database, no HTML): ``build_report(data) -> Report``.

Honest with small numbers (the rules are documented in docs/feedback.md):

* ``CHART_MIN``: a chart (and a change table) needs at least this many answers;
  below it the report says "not enough paired answers (n = 3)" and shows no
  numbers for the item.
* ``PERCENT_MIN``: percentages only when the group has at least this many answers;
  below it, counts only. Every number is shown with its n.
* ``NPS_MIN``: the Net Promoter Score (promoters 9–10 minus detractors 0–6, in
  points) only from this many answers; below it, the distribution only.

Pairing: a pre and a post answer of the same workshop with the same pairing
code hash form a pair. Codes are salted per workshop, so pairs never cross
workshops. An agreement item is paired only when it was asked the same way in
both forms (``bank.matching_items``): same id, wording and labels. Anonymous
answers and unpaired coded answers are counted, and count towards the
recommend score and the free text, but never towards a change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lessonkit.feedback.surveys.bank import agreement_items, matching_items

CHART_MIN = 5
PERCENT_MIN = 10
NPS_MIN = 30
RECOMMEND = "recommend"
HEADCOUNT_KEYS = ("registered", "seated", "waiting", "cancelled", "attended_any")


@dataclass
class ResponseData:
    phase: str  # "pre" or "post"
    code_hash: str | None  # None: answered anonymously
    bank_version: int
    definition: dict[str, Any]  # the form as it was answered
    answers: dict[str, Any]


@dataclass
class WorkshopData:
    slug: str
    title: str
    headcounts: dict[str, Any] | None = None  # from workshops.store.headcounts()
    responses: list[ResponseData] = field(default_factory=list)


@dataclass
class ReportInput:
    workshops: list[WorkshopData]
    title: str = ""


@dataclass
class Counted:
    """A count out of n; ``percent`` only when n is large enough to say it."""

    count: int
    n: int

    @property
    def percent(self) -> float | None:
        return 100 * self.count / self.n if self.n >= PERCENT_MIN and self.n else None

    def label(self) -> str:
        pct = self.percent
        return f"{self.count} ({pct:.0f}%)" if pct is not None else f"{self.count}"


@dataclass
class ResponseCounts:
    pre: int = 0
    post: int = 0
    pre_anonymous: int = 0
    post_anonymous: int = 0
    paired: int = 0  # learners with both a pre and a post answer
    pre_unpaired: int = 0  # coded pre answers without a post answer
    post_unpaired: int = 0

    def add(self, other: ResponseCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ItemChange:
    """One agreement item, paired answers only: the distributions before and after, and who moved."""

    id: str
    text: str
    labels: list[str]
    before: list[int] = field(default_factory=lambda: [0] * 5)  # counts of 1..5
    after: list[int] = field(default_factory=lambda: [0] * 5)
    higher: int = 0  # answered higher after than before
    same: int = 0
    lower: int = 0

    @property
    def n(self) -> int:
        return sum(self.before)

    @property
    def enough(self) -> bool:
        return self.n >= CHART_MIN

    @property
    def percents(self) -> bool:
        return self.n >= PERCENT_MIN

    def counted(self, count: int) -> Counted:
        return Counted(count, self.n)


@dataclass
class Recommend:
    counts: list[int] = field(default_factory=lambda: [0] * 11)  # 0..10
    text: str = ""

    @property
    def n(self) -> int:
        return sum(self.counts)

    @property
    def enough(self) -> bool:
        return self.n >= CHART_MIN

    @property
    def promoters(self) -> int:
        return self.counts[9] + self.counts[10]

    @property
    def detractors(self) -> int:
        return sum(self.counts[:7])

    @property
    def passives(self) -> int:
        return self.counts[7] + self.counts[8]

    @property
    def nps(self) -> int | None:
        """Promoters minus detractors, in percentage points, rounded; None below NPS_MIN answers."""
        if self.n < NPS_MIN:
            return None
        return round(100 * (self.promoters - self.detractors) / self.n)


@dataclass
class ChoiceSummary:
    """A single- or multiple-choice question (bank or the workshop's own): counts per option."""

    phase: str
    id: str
    text: str
    options: list[str]
    counts: list[int]
    n: int  # people who answered

    @property
    def enough(self) -> bool:
        return self.n >= CHART_MIN


@dataclass
class TextGroup:
    phase: str
    id: str
    text: str
    answers: list[str]


@dataclass
class WorkshopSummary:
    slug: str
    title: str
    headcounts: dict[str, Any] | None
    responses: ResponseCounts


@dataclass
class Report:
    title: str
    workshops: list[WorkshopSummary]
    responses: ResponseCounts
    headcounts: dict[str, int] | None  # summed over the workshops that have them
    items: list[ItemChange]
    recommend: Recommend
    choices: list[ChoiceSummary]
    texts: list[TextGroup]
    versions: list[tuple[str, int, int]]  # (phase, bank version, answers)
    notes: list[str]
    rules: dict[str, int] = field(default_factory=lambda: {"chart_min": CHART_MIN, "percent_min": PERCENT_MIN,
                                                           "nps_min": NPS_MIN})

    @property
    def across(self) -> bool:
        return len(self.workshops) > 1


def _pairs(responses: list[ResponseData]) -> tuple[list[tuple[ResponseData, ResponseData]], ResponseCounts]:
    counts = ResponseCounts()
    pre: dict[str, ResponseData] = {}
    post: dict[str, ResponseData] = {}
    for r in responses:
        if r.phase == "pre":
            counts.pre += 1
        elif r.phase == "post":
            counts.post += 1
        else:
            continue
        if r.code_hash is None:
            if r.phase == "pre":
                counts.pre_anonymous += 1
            else:
                counts.post_anonymous += 1
            continue
        (pre if r.phase == "pre" else post)[r.code_hash] = r  # the store keeps one per code and phase
    pairs = [(pre[code], post[code]) for code in pre if code in post]
    counts.paired = len(pairs)
    counts.pre_unpaired = len(pre) - len(pairs)
    counts.post_unpaired = len(post) - len(pairs)
    return pairs, counts


def _likert(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value in (1, 2, 3, 4, 5):
        return int(value)
    return None


def build_report(data: ReportInput) -> Report:
    """The report of one workshop, or of several together (pairs within each workshop only)."""
    tally = _Tally(_asked_in_both_phases(data))
    for workshop in data.workshops:
        tally.add_workshop(workshop)
    return tally.report(data)


PHASE_ORDER = {"pre": 0, "post": 1}


def _asked_in_both_phases(data: ReportInput) -> set[tuple]:
    """Agreement items asked before and after (shown as a change, from paired answers only); the others
    (e.g. a workshop's own post-workshop item) are counted like choice questions."""
    asked: dict[str, set[tuple]] = {"pre": set(), "post": set()}
    for workshop in data.workshops:
        for r in workshop.responses:
            if r.phase in asked:
                asked[r.phase] |= {_likert_key(q) for q in agreement_items(r.definition)}
    return asked["pre"] & asked["post"]


class _Tally:
    """The report's figures, added up workshop by workshop."""

    def __init__(self, both_phases: set[tuple]) -> None:
        self.both_phases = both_phases
        self.items: dict[tuple, ItemChange] = {}
        self.recommend = Recommend()
        self.choices: dict[tuple, ChoiceSummary] = {}
        self.texts: dict[tuple, TextGroup] = {}
        self.versions: dict[tuple[str, int], int] = {}
        self.unmatched: set[str] = set()
        self.total = ResponseCounts()
        self.summaries: list[WorkshopSummary] = []
        self.headcounts: dict[str, int] | None = None

    def add_workshop(self, workshop: WorkshopData) -> None:
        pairs, counts = _pairs(workshop.responses)
        self.total.add(counts)
        self.summaries.append(WorkshopSummary(workshop.slug, workshop.title, workshop.headcounts, counts))
        if workshop.headcounts is not None:
            self.headcounts = self.headcounts or dict.fromkeys(HEADCOUNT_KEYS, 0)
            for key in HEADCOUNT_KEYS:
                self.headcounts[key] += int(workshop.headcounts.get(key, 0) or 0)
        for before, after in pairs:
            self.add_pair(before, after)
        for r in workshop.responses:
            if r.phase in PHASE_ORDER:
                self.add_response(r)

    def add_pair(self, before: ResponseData, after: ResponseData) -> None:
        matched = matching_items(before.definition, after.definition)
        matched_ids = {q["id"] for q in matched}
        after_ids = {q["id"] for q in agreement_items(after.definition)}
        self.unmatched |= {q["text"] for q in agreement_items(before.definition)
                           if q["id"] not in matched_ids and q["id"] in after_ids}
        for q in matched:
            a, b = _likert(before.answers.get(q["id"])), _likert(after.answers.get(q["id"]))
            if a is None or b is None:
                continue
            item = self.items.setdefault(_likert_key(q), ItemChange(q["id"], q["text"], _five_labels(q["labels"])))
            item.before[a - 1] += 1
            item.after[b - 1] += 1
            if b > a:
                item.higher += 1
            elif b < a:
                item.lower += 1
            else:
                item.same += 1

    def add_response(self, r: ResponseData) -> None:
        self.versions[(r.phase, r.bank_version)] = self.versions.get((r.phase, r.bank_version), 0) + 1
        for q in r.definition["questions"]:
            value = r.answers.get(q["id"])
            if value is None:
                continue
            if q["id"] == RECOMMEND and q["type"] == "scale" and r.phase == "post":
                if isinstance(value, int | float) and not isinstance(value, bool) and value in range(0, 11):
                    self.recommend.counts[int(value)] += 1
                    self.recommend.text = self.recommend.text or q["text"]
            elif q["type"] == "text" and isinstance(value, str) and value.strip():
                key = (r.phase, q["id"], q["text"])
                self.texts.setdefault(key, TextGroup(r.phase, q["id"], q["text"], [])).answers.append(value)
            elif q["type"] in ("single", "multiple"):
                chosen = [value] if q["type"] == "single" else list(value)
                self._count(r.phase, q, list(q["options"]), [i for i, o in enumerate(q["options"]) if o in chosen])
            elif q["type"] == "likert" and _likert_key(q) not in self.both_phases and _likert(value):
                self._count(r.phase, q, _five_labels(q["labels"]), [_likert(value) - 1])
            elif q["type"] == "scale" and isinstance(value, int | float) and _points(q):
                points = _points(q)
                chosen = [i for i, p in enumerate(points) if abs(value - p) < 1e-9]
                if chosen:
                    self._count(r.phase, q, [f"{p:g}" for p in points], chosen)

    def _count(self, phase: str, q: dict[str, Any], options: list[str], chosen: list[int]) -> None:
        """One person's answer to a question asked once, counted per option (``chosen``: option indexes)."""
        key = (phase, q["id"], q["text"], tuple(options))
        summary = self.choices.setdefault(key, ChoiceSummary(phase, q["id"], q["text"], options,
                                                             [0] * len(options), 0))
        summary.n += 1
        for index in chosen:
            summary.counts[index] += 1

    def report(self, data: ReportInput) -> Report:
        notes = [f"“{text}” was worded differently before and after the workshop for some learners "
                 "(different bank versions): those answers are not paired." for text in sorted(self.unmatched)]
        for group in self.texts.values():
            # Sorted, not in the order they came: the order must not hint at who wrote what.
            group.answers.sort(key=lambda t: (t.casefold(), t))
        return Report(
            title=data.title or (data.workshops[0].title if len(data.workshops) == 1 else "Workshops"),
            workshops=self.summaries,
            responses=self.total,
            headcounts=self.headcounts,
            items=list(self.items.values()),
            recommend=self.recommend,
            choices=sorted(self.choices.values(), key=lambda c: PHASE_ORDER[c.phase]),
            texts=sorted(self.texts.values(), key=lambda g: PHASE_ORDER[g.phase]),
            versions=sorted(((p, v, n) for (p, v), n in self.versions.items()),
                            key=lambda t: (PHASE_ORDER[t[0]], t[1])),
            notes=notes,
        )


def _likert_key(q: dict[str, Any]) -> tuple:
    return (q["id"], q["text"], tuple(q.get("labels") or ()))


def _points(q: dict[str, Any], most: int = 21) -> list[float]:
    """The answers a scale question allows, when they are few enough to count one by one."""
    count = round((q["max"] - q["min"]) / q["step"])
    return [q["min"] + i * q["step"] for i in range(count + 1)] if count + 1 <= most else []


def _five_labels(labels: list[str]) -> list[str]:
    if len(labels) == 5:
        return list(labels)
    return [labels[0], "2", "3", "4", labels[-1]]
