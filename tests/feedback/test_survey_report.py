"""The impact report computed from the seeded data set (surveysupport.py), number by number, and the
small-number rules at their thresholds."""

from __future__ import annotations

import pytest
from surveysupport import HEADCOUNTS, POST, PRE, seeded_responses

from lessonkit.feedback.surveys import report as rp
from lessonkit.feedback.surveys.report import ReportInput, ResponseData, WorkshopData, build_report


def seeded(headcounts=HEADCOUNTS) -> rp.Report:
    return build_report(ReportInput([WorkshopData("alpha", "Alpha workshop", headcounts, seeded_responses())]))


def test_counts_pairs_and_anonymous_answers():
    r = seeded()
    assert r.title == "Alpha workshop" and not r.across
    c = r.responses
    assert (c.pre, c.pre_anonymous, c.post, c.post_anonymous) == (9, 2, 8, 1)
    assert (c.paired, c.pre_unpaired, c.post_unpaired) == (6, 1, 1)
    assert r.headcounts == {"registered": 14, "seated": 10, "waiting": 2, "cancelled": 2, "attended_any": 9}
    assert r.workshops[0].headcounts["per_session"][1] == {"index": 1, "title": "Afternoon", "attended": 7}
    assert r.versions == [("pre", 1, 9), ("post", 1, 7), ("post", 2, 1)]


def test_paired_change_per_item():
    r = seeded()
    assert [i.id for i in r.items] == ["find_help", "automate", "confident"]
    find_help, automate, confident = r.items
    assert (find_help.n, find_help.before, find_help.after) == (6, [1, 2, 1, 1, 1], [0, 1, 1, 3, 1])
    assert (find_help.higher, find_help.same, find_help.lower) == (3, 2, 1)
    assert find_help.enough and not find_help.percents
    assert find_help.counted(3).label() == "3"  # counts only below PERCENT_MIN
    assert (automate.n, automate.before, automate.after) == (3, [1, 1, 0, 1, 0], [0, 1, 1, 0, 1])
    assert not automate.enough
    # p6's post answer used a bank version with the item reworded: only p1..p5 pair on it.
    assert (confident.n, confident.before, confident.after) == (5, [1, 1, 1, 1, 1], [0, 0, 1, 3, 1])
    assert (confident.higher, confident.same, confident.lower) == (3, 2, 0)
    [note] = r.notes
    assert "I feel confident using the tools this workshop teaches." in note and "not paired" in note


def test_recommend_distribution_without_nps_below_threshold():
    rec = seeded().recommend
    assert rec.counts == [0, 0, 0, 1, 0, 0, 1, 1, 1, 2, 2] and rec.n == 8
    assert (rec.promoters, rec.passives, rec.detractors) == (4, 2, 2)
    assert rec.enough and rec.nps is None


def test_free_text_grouped_by_question_sorted_not_in_arrival_order():
    groups = {(g.phase, g.id): g.answers for g in seeded().texts}
    assert groups == {
        ("pre", "hopes"): ["Automate my plots", "Share my code", "Use git with my group", "Write tests"],
        ("post", "improve"): ["A longer break", "More time for exercises", "more time for exercises",
                              "Slower pace\non day two"],
    }
    assert [g.phase for g in seeded().texts] == ["pre", "post"]


def test_choice_questions_counted_with_their_n():
    experience, reworded = seeded().choices
    # p6's post answer to the reworded `confident` item (bank version 2) is counted as an item asked once.
    assert (reworded.phase, reworded.id, reworded.counts, reworded.n) == ("post", "confident", [0, 0, 0, 0, 1], 1)
    assert reworded.text == "I am confident that I can use the tools taught in this workshop."
    assert (experience.phase, experience.id, experience.n) == ("pre", "experience", 3)
    assert dict(zip(experience.options, experience.counts, strict=True)) == {
        "Never": 1, "A few times a year": 0, "Monthly": 0, "Weekly": 2, "Daily": 0}
    assert not experience.enough


def test_no_headcounts_is_said_not_invented():
    assert seeded(headcounts=None).headcounts is None


def _pairs(n: int, before: int, after: int) -> list[ResponseData]:
    out = []
    for i in range(n):
        out.append(ResponseData("pre", f"c{i}", 1, PRE, {"find_help": before}))
        out.append(ResponseData("post", f"c{i}", 1, POST, {"find_help": after}))
    return out


@pytest.mark.parametrize(("n", "enough", "percents"), [(4, False, False), (5, True, False), (9, True, False),
                                                       (10, True, True)])
def test_small_number_thresholds_for_items(n, enough, percents):
    [item] = build_report(ReportInput([WorkshopData("w", "W", None, _pairs(n, 2, 4))])).items
    assert (item.n, item.enough, item.percents) == (n, enough, percents)
    assert item.counted(n).label() == (f"{n} (100%)" if percents else f"{n}")


def _recommend(values: list[int]) -> rp.Recommend:
    responses = [ResponseData("post", None, 1, POST, {"recommend": v}) for v in values]
    return build_report(ReportInput([WorkshopData("w", "W", None, responses)])).recommend


def test_nps_from_thirty_answers():
    values = [10] * 12 + [9] * 8 + [8] * 4 + [5] * 6  # 20 promoters, 4 passives, 6 detractors
    rec = _recommend(values)
    assert (rec.n, rec.promoters, rec.passives, rec.detractors, rec.nps) == (30, 20, 4, 6, 47)  # 46.7 rounded
    assert _recommend(values[1:]).nps is None  # 29 answers
    assert not _recommend([10] * 4).enough and _recommend([10] * 5).enough


def test_across_workshops_sums_and_never_pairs_codes_of_two_workshops():
    one = WorkshopData("a", "A", {**HEADCOUNTS}, [ResponseData("pre", "same", 1, PRE, {"find_help": 1})])
    two = WorkshopData("b", "B", {**HEADCOUNTS, "registered": 6},
                       [ResponseData("post", "same", 1, POST, {"find_help": 5})])
    r = build_report(ReportInput([one, two], title="Programme 2026"))
    assert r.across and r.title == "Programme 2026"
    assert r.headcounts["registered"] == 20 and r.headcounts["attended_any"] == 18
    assert (r.responses.paired, r.responses.pre_unpaired, r.responses.post_unpaired) == (0, 1, 1)
    assert r.items == []
    a, b = r.workshops
    assert (a.responses.pre, b.responses.post) == (1, 1)


def test_items_asked_with_other_labels_are_not_paired():
    relabelled = {**POST, "questions": [{**q, "labels": ["No", "2", "3", "4", "Yes"]} if q["id"] == "find_help"
                                        else q for q in POST["questions"]]}
    responses = [ResponseData("pre", "x", 1, PRE, {"find_help": 1}),
                 ResponseData("post", "x", 2, relabelled, {"find_help": 5})]
    r = build_report(ReportInput([WorkshopData("w", "W", None, responses)]))
    assert r.items == [] and r.responses.paired == 1 and len(r.notes) == 1


def test_items_asked_once_are_counted_like_choices():
    likert = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
    post = {**POST, "questions": [*POST["questions"],
                                  {"id": "ws_pace", "type": "likert", "text": "The pace suited me.", "help": "",
                                   "required": False, "labels": likert, "min": 1, "max": 5, "step": 1},
                                  {"id": "ws_hours", "type": "scale", "text": "Hours of practice since?", "help": "",
                                   "required": False, "labels": [], "min": 0, "max": 4, "step": 1}]}
    values = [(4, 0), (4, 2), (5, 2), (2, 4), (4, None)]
    responses = [ResponseData("post", None, 1, post, {"ws_pace": pace, **({} if hours is None else {"ws_hours": hours})})
                 for pace, hours in values]
    r = build_report(ReportInput([WorkshopData("w", "W", None, responses)]))
    pace, hours = r.choices
    assert (pace.phase, pace.id, pace.options, pace.counts, pace.n) == ("post", "ws_pace", likert, [0, 1, 0, 3, 1], 5)
    assert (hours.options, hours.counts, hours.n) == (["0", "1", "2", "3", "4"], [1, 0, 2, 0, 1], 4)
    assert pace.enough and not hours.enough
    assert r.items == []  # asked after only: nothing to pair
