"""The search policy: every tuned value of a search in one frozen object, and the shipped one."""

from seminar_qa.policy.core import (
    NAMES,
    POLICY_FORMAT,
    SENTENCE,
    TITLE,
    Alignment,
    AnswerSentence,
    AnswerTypeCue,
    Candidates,
    FusionWeights,
    ModelWeights,
    SearchPolicy,
    Weighing,
    sentence_signal,
    title_signal,
)
from seminar_qa.policy.defaults import ANSWER_TYPE_CUES, DEFAULT_POLICY
from seminar_qa.policy.verdicts import (
    Abstention,
    AbstentionRule,
    Answerability,
    AnswerKind,
    ConfidenceCurve,
    Label,
    Verdict,
)

__all__ = [
    "ANSWER_TYPE_CUES",
    "DEFAULT_POLICY",
    "NAMES",
    "POLICY_FORMAT",
    "SENTENCE",
    "TITLE",
    "Abstention",
    "AbstentionRule",
    "Alignment",
    "AnswerKind",
    "AnswerSentence",
    "AnswerTypeCue",
    "Answerability",
    "Candidates",
    "ConfidenceCurve",
    "FusionWeights",
    "Label",
    "ModelWeights",
    "SearchPolicy",
    "Verdict",
    "Weighing",
    "sentence_signal",
    "title_signal",
]
