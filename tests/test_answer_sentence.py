"""The learned answer-sentence scorer: its features, its JSON weights, fitting, and answering."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from seminar_qa.answer_sentence.features import (
    BASE_FEATURES,
    CHINESE_TEXT_ONLY,
    FEATURES,
    MODELS,
    sentence_features,
)
from seminar_qa.answer_sentence.model import MODEL_FILE, SentenceModel, load_model
from seminar_qa.answer_sentence.train import Passage, fit
from seminar_qa.index import SeminarIndex
from seminar_qa.pipeline import build_index
from seminar_qa.policy import DEFAULT_POLICY
from seminar_qa.retrieval.answer_span import analyse_passage, learned_answer_span
from seminar_qa.retrieval.fusion import score_passages
from seminar_qa.retrieval.search import sentence_model
from seminar_qa.settings import Settings
from seminar_qa.testing.fakes import HashingEmbedder

SENTENCES = [
    "The seminar was held in Shanghai.",
    "It was attended by 120 teachers from 16 districts.",
    "The portal opened later.",
]
COLUMN = {name: i for i, name in enumerate(FEATURES)}


def _rows(
    zh_question: bool = False,
    zh_passage: bool = False,
    type_test: Any = None,
    *,
    question: str = "How many teachers attended the seminar?",
    words: Sequence[str] = ("teacher", "attend", "seminar"),
    sentences: Sequence[str] = SENTENCES,
    cosines: Sequence[float] = (0.2, 0.5, 0.1),
    rules: Sequence[float] = (1.0, 2.5, 0.0),
    heading: str = "",
) -> Any:
    return sentence_features(
        question,
        list(words),
        sentences,
        [frozenset(analyse_passage(s)[2]) for s in sentences],
        lambda _: 1.0,
        word_weight=lambda _: 1.0,
        type_test=type_test,
        heading=heading,
        cosines={m: np.array(cosines, np.float32) for m in MODELS},
        zh_question=zh_question,
        zh_passage=zh_passage,
        rule_scores=list(rules),
    )


def test_features_describe_each_sentence() -> None:
    rows = _rows(type_test=lambda text: any(c.isdigit() for c in text))
    assert rows.shape == (3, len(FEATURES))
    # The words: the second sentence holds "attend" and "teacher", the first "seminar" only.
    assert rows[:, COLUMN["words"]].tolist() == [0.5, 1.0, 0.0]
    assert rows[:, COLUMN["words_before"]].tolist() == [0.0, 0.5, 1.0]
    assert rows[:, COLUMN["type_held"]].tolist() == [0.0, 1.0, 0.0]
    assert rows[:, COLUMN["kind_held"]].tolist() == [0.0, 1.0, 0.0]  # "how many": a count
    assert rows[:, COLUMN["rule_best"]].tolist() == [0.0, 1.0, 0.0]
    assert rows[:, COLUMN["rule_below_best"]].tolist() == [-1.5, 0.0, -2.5]
    for model in MODELS:
        assert rows[:, COLUMN[f"{model}_rescaled"]].tolist() == pytest.approx([0.25, 1.0, 0.0])
        assert rows[1, COLUMN[f"{model}_below_best"]] == 0.0


def test_language_columns_repeat_the_base_features_only_when_chinese() -> None:
    base = len(BASE_FEATURES)
    english = _rows()
    assert not english[:, base : 3 * base].any()
    crossing = _rows(zh_question=True)  # a Chinese question over English text
    assert np.array_equal(crossing[:, base : 2 * base], crossing[:, :base])
    assert not crossing[:, 2 * base : 3 * base].any()
    chinese = _rows(zh_question=True, zh_passage=True)
    assert np.array_equal(chinese[:, 2 * base : 3 * base], chinese[:, :base])


def test_character_pairs_count_only_for_a_chinese_question_over_chinese_text() -> None:
    question = "南洋公学的前身是什么学校？"
    sentences = ["学校始建于1896年。", "其前身为南洋公学，后改名。", "南洋一带气候炎热。"]

    def rows(zh_passage: bool) -> Any:
        return _rows(
            True,
            zh_passage,
            question=question,
            words=("南洋", "公学", "前身", "学校"),
            sentences=sentences,
            cosines=(0.0, 0.0, 0.0),
            rules=(0.0, 0.0, 0.0),
        )

    chinese = rows(zh_passage=True)
    # 前身为 is one jieba word and 前身 another; their pairs meet: the second sentence holds the
    # most of the question's pairs. The first holds 学校 only, the third 南洋 only; 南洋 is in
    # two sentences, so it tells them apart less and weighs less.
    pairs = chinese[:, COLUMN["pairs"]]
    assert int(np.argmax(pairs)) == 1
    assert pairs[1] > pairs[0] > pairs[2] > 0
    assert chinese[1, COLUMN["pairs_below_best"]] == 0.0
    assert chinese[1, COLUMN["pairs_rescaled"]] == 1.0
    assert chinese[:, COLUMN["pairs_plain"]].tolist() == pytest.approx([1 / 11, 4 / 11, 1 / 11])
    chinese_columns = [COLUMN[f"{unit}{suffix}"] for unit in ("pairs", "characters")
                       for suffix in ("", "_below_best", "_plain")]  # fmt: skip
    assert not rows(zh_passage=False)[:, chinese_columns].any()
    # Over Chinese text the question's words count through pairs and characters only.
    local_words = [COLUMN[f"local_words{suffix}"] for suffix in ("", "_below_best", "_plain")]
    assert not chinese[:, local_words].any()


def test_local_words_weigh_a_word_by_how_few_sentences_hold_it() -> None:
    # "seminar" is in every sentence: it tells them apart least. The third sentence holds
    # "portal" only, which no other sentence holds.
    sentences = [
        "The seminar was held in Shanghai.",
        "The seminar drew teachers from 16 districts.",
        "The seminar opened the portal to schools.",
    ]
    rows = _rows(
        question="When did the seminar open the portal?",
        words=("seminar", "open", "portal"),
        sentences=sentences,
    )
    local = rows[:, COLUMN["local_words"]]
    assert local[2] > local[0] == local[1] > 0
    assert rows[2, COLUMN["local_words_below_best"]] == 0.0
    assert rows[:, COLUMN["local_words_plain"]].tolist() == pytest.approx([1 / 3, 1 / 3, 1.0])


def test_single_characters_count_a_meaning_shared_in_one_character() -> None:
    question = "康王路全长多少？"
    sentences = ["康王路是一条主干道。", "全路长约2.8公里。", "道路于1996年立项。"]
    chinese = _rows(
        True,
        True,
        question=question,
        words=("康王路", "全长"),
        sentences=sentences,
        cosines=(0.0, 0.0, 0.0),
        rules=(0.0, 0.0, 0.0),
    )
    # 全路长 holds no pair of 全长 but both its characters; 路 is in every sentence and weighs
    # least, so the third sentence, which holds only 路, comes last.
    assert chinese[1, COLUMN["pairs"]] == 0.0 < chinese[0, COLUMN["pairs"]]
    characters = chinese[:, COLUMN["characters"]]
    assert characters[1] == pytest.approx(characters[0])
    assert characters[0] > characters[2] > 0
    assert chinese[:, COLUMN["characters_plain"]].tolist() == pytest.approx([3 / 7, 3 / 7, 1 / 7])


def test_characters_off_the_title_leave_out_the_topic_the_question_names() -> None:
    question = "疣鹦嘴鱼的鳞片有什么特点？"
    sentences = ["疣鹦嘴鱼是一种鱼。", "各鳞片具淡红色缘。", "头部及各鳍条较暗色。"]

    def rows(zh_question: bool = True, zh_passage: bool = True) -> Any:
        return _rows(
            zh_question,
            zh_passage,
            question=question,
            words=("疣鹦嘴鱼", "鳞片", "特点"),
            sentences=sentences,
            cosines=(0.0, 0.0, 0.0),
            rules=(0.0, 0.0, 0.0),
            heading="疣鹦嘴鱼",
        )

    chinese = rows()
    # All the question's characters: the opening sentence holds the four of the fish's name.
    assert int(np.argmax(chinese[:, COLUMN["characters"]])) == 0
    # Off the title: 鳞 and 片 are left, which only the answer sentence holds.
    off_title = chinese[:, COLUMN["characters_off_title"]]
    assert off_title.tolist() == pytest.approx([0.0, off_title[1], 0.0])
    assert off_title[1] > 0
    assert chinese[:, COLUMN["characters_off_title_plain"]].tolist() == pytest.approx(
        [0.0, 2 / 8, 0.0]  # 的 鳞 片 有 什 么 特 点: the title's 鱼 is out
    )
    columns = [COLUMN[name] for name in CHINESE_TEXT_ONLY]
    assert not rows(zh_passage=False)[:, columns].any()
    assert not rows(zh_question=False)[:, columns].any()


def _model_json(
    weights: list[float], chinese: list[float] | None = None, **changes: Any
) -> dict[str, Any]:
    data = {
        "format": 2,
        "models": list(MODELS),
        "features": list(FEATURES),
        "mean": [0.5] * len(FEATURES),
        "scale": [2.0] * len(FEATURES),
        "coef": weights,
        "intercept": 0.25,
        "chinese_text": {
            "mean": [0.5] * len(FEATURES),
            "scale": [2.0] * len(FEATURES),
            "coef": weights if chinese is None else chinese,
        },
    }
    return {**data, **changes}


def test_scores_are_the_standardised_logistic_score() -> None:
    rng = np.random.default_rng(0)
    coef = rng.normal(size=len(FEATURES))
    model = SentenceModel.from_json(_model_json(coef.tolist()))
    rows = rng.normal(size=(4, len(FEATURES)))
    expected = ((rows - 0.5) / 2.0) @ coef + 0.25
    assert model.scores(rows) == pytest.approx(expected)
    assert model.scores(rows, chinese_text=True) == pytest.approx(expected)


def test_chinese_text_is_scored_by_its_own_weights() -> None:
    coef = [0.0] * len(FEATURES)
    chinese = [0.0] * len(FEATURES)
    coef[COLUMN["position"]], chinese[COLUMN["position"]] = -1.0, 1.0
    model = SentenceModel.from_json(_model_json(coef, chinese))
    rows = np.zeros((3, len(FEATURES)))
    rows[:, COLUMN["position"]] = [0.0, 0.5, 1.0]
    assert int(np.argmax(model.scores(rows))) == 0
    assert int(np.argmax(model.scores(rows, chinese_text=True))) == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": 9}, "format 9"),
        ({"features": ["words"]}, "make answer-sentence"),
        ({"coef": [1.0]}, "differ in length"),
        ({"chinese_text": {"mean": [], "scale": [], "coef": []}}, "differ in length"),
        ({"models": None}, "incomplete"),
    ],
)
def test_a_model_file_that_does_not_fit_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SentenceModel.from_json(_model_json([0.0] * len(FEATURES), **changes))


def test_the_shipped_model_reads_all_three_models_and_was_cross_validated() -> None:
    model = load_model()
    assert model.models == MODELS
    assert model.applies_to(["minilm", "e5", "use"]) and not model.applies_to(["minilm", "e5"])
    validation = json.loads(MODEL_FILE.read_text(encoding="utf-8"))["trained_on"]
    assert validation["validation"].startswith("eval/validation_questions.jsonl is never used")
    assert {"xquad-en", "xquad-zh", "cmrc-zh"} <= set(validation["cross_validation"])
    only = [COLUMN[name] for name in CHINESE_TEXT_ONLY]
    assert not model.weights[only].any() and model.chinese_weights[only].any()


def _passages(count: int, seed: int) -> list[Passage]:
    """Synthetic passages whose answer sentence is the one with the highest "words" feature."""
    rng = np.random.default_rng(seed)
    out = []
    for number in range(count):
        rows = rng.normal(size=(4, len(FEATURES)))
        answer = int(rng.integers(4))
        rows[answer, COLUMN["words"]] += 3.0
        out.append(
            Passage(
                source=f"set{number % 2}-en",
                group=f"doc{number}",
                qid=str(number),
                lang="en",
                rows=rows.tolist(),
                labels=[i == answer for i in range(4)],
                rule_choice=0,
            )
        )
    return out


def test_fitting_learns_the_signal_and_writes_a_model_that_reads_back() -> None:
    data = fit(_passages(120, seed=1))
    model = SentenceModel.from_json(data)
    assert model.weights[COLUMN["words"]] > 0
    assert max(abs(w) for i, w in enumerate(model.weights) if i != COLUMN["words"]) < abs(
        model.weights[COLUMN["words"]]
    )
    cv = data["trained_on"]["cross_validation"]
    assert all(row["learned"] > 0.7 > 0.4 > row["rules"] for row in cv.values())
    unseen = _passages(40, seed=2)
    picked = [p.labels[int(np.argmax(model.scores(np.array(p.rows))))] for p in unseen]
    assert sum(picked) / len(picked) > 0.8
    # The Chinese-text weights are fitted on the same rows, less regularised.
    assert data["chinese_text"]["C"] > data["C"]
    assert model.chinese_weights[COLUMN["words"]] > model.weights[COLUMN["words"]] > 0
    # Features only Chinese text has are left out of the other weights (the rows are random,
    # so a fit that saw them would weigh them).
    only = [COLUMN[name] for name in CHINESE_TEXT_ONLY]
    assert not model.weights[only].any() and model.chinese_weights[only].all()


def test_fitting_learns_from_differences_within_a_passage() -> None:
    """A feature the same for every sentence of a passage cannot tell them apart: no weight.

    Here "sentences" is each passage's sentence count, so a passage of many sentences has few
    answer rows; a pointwise fit learns that "sentences" lowers the odds of a row, which says
    nothing about which sentence to mark.
    """
    rng = np.random.default_rng(3)
    passages = []
    for number in range(150):
        count = int(rng.integers(2, 9))
        rows = rng.normal(size=(count, len(FEATURES)))
        rows[:, COLUMN["sentences"]] = count
        answer = int(rng.integers(count))
        rows[answer, COLUMN["words"]] += 2.0
        passages.append(
            Passage(f"set{number % 2}-en", f"doc{number}", str(number), "en", rows.tolist(),
                    [i == answer for i in range(count)], 0)
        )  # fmt: skip
    model = SentenceModel.from_json(fit(passages))
    assert model.weights[COLUMN["sentences"]] == pytest.approx(0.0, abs=1e-9)
    assert model.weights[COLUMN["words"]] > 0


class _Named(HashingEmbedder):
    """The hashing fake under a real model's name, so an index holds what the scorer reads."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.model_id = f"hashing-as-{name}"


@pytest.fixture
def three_model_index(tmp_path: Path, corpus: Path) -> SeminarIndex:
    (corpus / "visit.txt").write_text(
        "Visit\n\nThe delegation visited Pudong in spring. Teachers from 16 districts came to "
        "the workshop on digital learning. Digital learning was the theme of the workshop.\n",
        encoding="utf-8",
    )
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "ix", embedder="hashing")
    embedders = [_Named(name) for name in MODELS]
    build_index(settings, embedders=embedders)
    return SeminarIndex.load(settings.index_dir, embedders)


def test_the_scorer_applies_only_where_the_policy_and_the_index_allow(
    three_model_index: SeminarIndex, tmp_path: Path, corpus: Path
) -> None:
    assert sentence_model(three_model_index, DEFAULT_POLICY) is load_model()
    rules_only = replace(
        DEFAULT_POLICY, answer_sentence=replace(DEFAULT_POLICY.answer_sentence, learned=False)
    )
    assert sentence_model(three_model_index, rules_only) is None
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "one", embedder="hashing")
    build_index(settings, embedders=[HashingEmbedder()])
    assert sentence_model(SeminarIndex.load(settings.index_dir), DEFAULT_POLICY) is None


def test_the_marked_sentence_is_the_one_the_weights_prefer(
    three_model_index: SeminarIndex,
) -> None:
    index = three_model_index
    question = "How many districts did the teachers come from?"
    (scores,) = score_passages(index, [question], DEFAULT_POLICY)
    position = next(i for i, p in enumerate(index.passages) if "16 districts" in p.text)
    passage = index.passages[position]
    idf = functools.lru_cache(maxsize=None)(index.lexical.idf)

    def marked(feature: str, sign: float) -> str:
        coef = [0.0] * len(FEATURES)
        coef[COLUMN[feature]] = sign
        model = SentenceModel.from_json(_model_json(coef))
        start, end = learned_answer_span(
            index, scores, position, question, DEFAULT_POLICY, idf, model
        )
        return passage.text[start:end]

    assert "16 districts" in marked("kind_held", 1.0)
    assert marked("position", -1.0).startswith("The delegation")  # the earliest sentence
    assert marked("position", 1.0).startswith("Digital learning was")  # the last


def test_an_english_question_over_chinese_text_is_read_through_its_chinese_words(
    three_model_index: SeminarIndex, tmp_path: Path, corpus: Path
) -> None:
    """The weights for Chinese text read the question's dictionary words; with none, E5 and USE."""
    from seminar_qa.retrieval.answer_span import sentence_rows
    from tests.conftest import CHINESE_DOC

    (corpus / "changning.md").write_text(
        CHINESE_DOC + "\n代表们还讨论了教师培训。会议在下午结束。最后大家合影留念。\n",
        encoding="utf-8",
    )
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "mixed", embedder="hashing")
    embedders = [_Named(name) for name in MODELS]
    build_index(settings, embedders=embedders)
    index = SeminarIndex.load(settings.index_dir, embedders)
    idf = functools.lru_cache(maxsize=None)(index.lexical.idf)
    position = next(i for i, p in enumerate(index.passages) if "合影" in p.text)
    passage = index.passages[position]

    def marks(question: str, feature: str = "position") -> list[str]:
        """The marks when the weights favour ``feature``, then when they shun it."""
        (scores,) = score_passages(index, [question], DEFAULT_POLICY)
        found = []
        for sign in (1.0, -1.0):
            coef = [0.0] * len(FEATURES)
            coef[COLUMN[feature]] = sign
            model = SentenceModel.from_json(_model_json(coef))
            start, end = learned_answer_span(
                index, scores, position, question, DEFAULT_POLICY, idf, model
            )
            found.append(passage.text[start:end])
        return found

    # CC-CEDICT defines none of this question's phrases (too many senses): the weights cannot
    # read it, and E5's and USE's similarity marks the sentence whatever the weights say.
    unread = "When did the meeting end?"
    (scores,) = score_passages(index, [unread], DEFAULT_POLICY)
    spans, rows = sentence_rows(index, scores, position, unread, DEFAULT_POLICY, idf, MODELS)
    similarity = rows[:, COLUMN["e5_rescaled"]] + rows[:, COLUMN["use_rescaled"]]
    best = spans[int(np.argmax(similarity))]
    assert set(marks(unread)) == {passage.text[best.start : best.end]}
    # "conference" is 会议 (among others): the weights decide, and those for the question's
    # Chinese characters find the one sentence holding 议.
    read = "When did the conference finish?"
    assert len(set(marks(read))) == 2
    assert marks(read, "characters")[0] == "会议在下午结束。"
    assert len(set(marks("会议什么时候结束？"))) == 2  # a Chinese question: the weights decide


def test_an_english_questions_clause_is_picked_by_its_chinese_words(
    three_model_index: SeminarIndex, tmp_path: Path, corpus: Path
) -> None:
    """In a long Chinese sentence the stress falls on the clause holding the question's words."""
    from seminar_qa.retrieval.answer_span import as_chinese_question
    from seminar_qa.retrieval.clause import answer_clause
    from seminar_qa.retrieval.search import rank

    sentence = (
        "代表们上午在礼堂听取了三所学校的经验介绍，随后在校门口与老师们交换了联系方式，"
        "下午参观了区图书馆新建的电子阅览室和学校的创客空间。"
    )
    (corpus / "visit.md").write_text(f"# 参观\n\n{sentence}\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "mixed", embedder="hashing")
    embedders = [_Named(name) for name in MODELS]
    build_index(settings, embedders=embedders)
    index = SeminarIndex.load(settings.index_dir, embedders)
    position = next(i for i, p in enumerate(index.passages) if "阅览室" in p.text)
    text = index.passages[position].text
    start = text.index(sentence)
    question = "What did the delegates see in the reading room?"  # "reading room": 阅览室
    (scores,) = score_passages(index, [question], DEFAULT_POLICY)
    read_as = as_chinese_question(index, scores, position, question)
    assert read_as is not None
    read = read_as[1]
    assert "阅览室" in read and read.endswith(question)
    low, high = answer_clause(text, start, start + len(sentence), read)
    assert "电子阅览室" in text[low:high]
    low, high = answer_clause(text, start, start + len(sentence), question)  # as it was
    assert "阅览室" not in text[low:high]
    # And so through the answer path.
    (ranking,) = rank(index, [question], DEFAULT_POLICY, 1, doc_ids=["visit.md"])
    assert ranking.hits[0].answer == sentence and "电子阅览室" in ranking.hits[0].clause
