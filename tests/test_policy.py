"""The search policy: the abstention rule, confidence and labels, rule choice, and its JSON form."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seminar_qa.policy import (
    DEFAULT_POLICY,
    Abstention,
    AbstentionRule,
    Alignment,
    ConfidenceCurve,
    SearchPolicy,
)

E5 = AbstentionRule("e5", "e5", {"en": 0.775, "zh": 0.755}, spread=0.07, unmatched_floor=0.20)
MODELS = ["minilm", "e5"]


def judge(
    signals: dict[str, float], language: str = "en", models: list[str] = MODELS
) -> tuple[bool, float, str]:
    verdict = DEFAULT_POLICY.abstention.judge(signals, language, models)
    return verdict.found, round(verdict.confidence, 4), verdict.label


def test_the_e5_floor_decides_per_language() -> None:
    lexical = {"bm25": 3.0, "minilm": 0.5}
    assert judge({**lexical, "e5": 0.776})[0] is True
    assert judge({**lexical, "e5": 0.774})[0] is False
    # Chinese questions have their own, lower floor; an unknown language uses the English one.
    assert judge({**lexical, "e5": 0.760}, "zh")[0] is True
    assert judge({**lexical, "e5": 0.760}, "fr")[0] is False


@pytest.mark.parametrize(
    ("margin", "label"),
    [
        (-0.01, "none"),
        (0.01, "low"),
        (0.49, "low"),
        (0.51, "medium"),
        (0.99, "medium"),
        (1.01, "high"),
    ],
)
def test_labels_follow_the_margin_above_the_floor(margin: float, label: str) -> None:
    score = 0.775 + margin * 0.07
    found, confidence, got = judge({"bm25": 1.0, "minilm": 0.5, "e5": score})
    assert got == label and found == (label != "none")
    assert confidence == pytest.approx(ConfidenceCurve().confidence(margin), abs=1e-3)
    # The cut-offs themselves belong to the label above them.
    curve = ConfidenceCurve()
    assert [curve.label(m) for m in (0.0, 0.5, 1.0)] == ["low", "medium", "high"]


def test_confidence_is_one_half_at_the_floor_and_rises_with_the_score() -> None:
    curve = DEFAULT_POLICY.abstention.curve
    assert curve.confidence(0.0) == pytest.approx(0.5)
    assert curve.confidence(1.0) == pytest.approx(0.982, abs=1e-3)
    assert curve.confidence(-1.0) == pytest.approx(0.018, abs=1e-3)


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_a_higher_score_never_gets_a_lower_confidence_or_label(low: float, high: float) -> None:
    low, high = sorted((low, high))
    order = ["none", "low", "medium", "high"]
    a = DEFAULT_POLICY.abstention.judge({"bm25": 1.0, "e5": low}, "en", MODELS)
    b = DEFAULT_POLICY.abstention.judge({"bm25": 1.0, "e5": high}, "en", MODELS)
    assert a.confidence <= b.confidence
    assert order.index(a.label) <= order.index(b.label)


def test_no_question_word_and_a_weak_minilm_refuse_an_english_question() -> None:
    strong_e5 = {"e5": 0.95, "minilm": 0.15}
    assert judge({**strong_e5, "bm25": 0.0}) == (False, 0.1, "none")
    # A word in common, a strong MiniLM, or a Chinese question: the E5 floor decides alone.
    assert judge({**strong_e5, "bm25": 0.5})[2] == "high"
    assert judge({**strong_e5, "bm25": 0.0, "minilm": 0.25})[2] == "high"
    assert judge({**strong_e5, "bm25": 0.0}, "zh")[2] == "high"


def test_the_rule_follows_the_models_of_the_index() -> None:
    abstention = DEFAULT_POLICY.abstention
    assert abstention.rule_for(["minilm", "e5"]).signal == "e5"  # type: ignore[union-attr]
    assert abstention.rule_for(["minilm"]).signal == "minilm"  # type: ignore[union-attr]
    # A model the policy was not calibrated for: its cosine is no evidence, word coverage decides.
    assert abstention.rule_for(["hashing"]).signal == "coverage"  # type: ignore[union-attr]
    assert judge({"coverage": 0.30, "hashing": 0.99}, models=["hashing"])[0] is True
    assert judge({"coverage": 0.20, "hashing": 0.99}, models=["hashing"])[0] is False


def test_a_missing_signal_or_no_rule_answers_with_low_confidence() -> None:
    assert judge({"bm25": 1.0}) == (True, 0.5, "low")
    only_e5 = Abstention(rules=(E5,))
    verdict = only_e5.judge({"coverage": 0.0}, "en", ["hashing"])
    assert (verdict.found, verdict.confidence, verdict.label) == (True, 0.5, "low")


def test_a_rule_needs_an_english_floor_and_a_positive_spread() -> None:
    with pytest.raises(ValueError, match="'en' floor"):
        AbstentionRule("e5", "e5", {"zh": 0.7}, spread=0.1)
    with pytest.raises(ValueError, match="spread > 0"):
        AbstentionRule("e5", "e5", {"en": 0.7}, spread=0.0)


def test_policy_json_round_trip_keeps_every_value() -> None:
    data = json.loads(json.dumps(DEFAULT_POLICY.to_json()))
    assert data["format"] == 1 and data["source"] == "default"
    assert SearchPolicy.from_json(data) == DEFAULT_POLICY
    changed = replace(DEFAULT_POLICY, abstention=Abstention(rules=(E5,)), source="calibrated")
    assert SearchPolicy.from_json(changed.to_json()) == changed != DEFAULT_POLICY


def test_a_policy_stored_before_alignment_existed_gets_the_shipped_alignment() -> None:
    data = replace(DEFAULT_POLICY, alignment=Alignment(tie_margin=0.0)).to_json()
    assert SearchPolicy.from_json(data).alignment.tie_margin == 0.0
    del data["alignment"]
    assert SearchPolicy.from_json(data).alignment == DEFAULT_POLICY.alignment == Alignment()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(format=99), "policy format 99"),
        (lambda d: d.pop("fusion"), "incomplete"),
        (lambda d: d["abstention"]["rules"][0].pop("spread"), "incomplete"),
    ],
)
def test_a_malformed_policy_is_refused_with_the_reason(edit: object, message: str) -> None:
    data = DEFAULT_POLICY.to_json()
    edit(data)  # type: ignore[operator]
    with pytest.raises(ValueError, match=message):
        SearchPolicy.from_json(data)


def test_the_policy_is_frozen() -> None:
    with pytest.raises(AttributeError):
        DEFAULT_POLICY.source = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        DEFAULT_POLICY.fusion["en"] = DEFAULT_POLICY.fusion["zh"]  # type: ignore[index]


def test_answer_type_cues_in_english_and_chinese() -> None:
    rules = DEFAULT_POLICY.answer_sentence
    asked = {
        "Who opened the seminar?": "person",
        "谁主持了会议？": "person",
        "When did the session end?": "time",
        "会议什么时候结束？": "time",
        "How many schools took part?": "quantity",
        "有多少所学校参加？": "quantity",
        "What is the portal?": None,
    }
    for question, kind in asked.items():
        cue = rules.cue_for(question)
        assert (cue.name if cue else None) == kind, question
    person = rules.cue_for("Who spoke?")
    assert person is not None and person.held_by("Xiong Qiuju spoke first.")
    assert not person.held_by("The Seminar began.")  # "The X" is not a name
