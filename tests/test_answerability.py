"""Answerability: features, JSON trees against scikit-learn, operating points, calibration."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from seminar_qa.answerability import features as answerability_features
from seminar_qa.answerability.model import MODEL_FILE, AnswerabilityModel, load_model
from seminar_qa.answerability.train import Bagged, export
from seminar_qa.answering import Assistant, says_more_than_its_title
from seminar_qa.calibration import calibrate, high_threshold, threshold_for
from seminar_qa.cli import cli
from seminar_qa.evaluation import load_questions
from seminar_qa.evaluation.metrics import auroc
from seminar_qa.index import SeminarIndex
from seminar_qa.index.manifest import POLICY
from seminar_qa.pipeline import build_index, index_status
from seminar_qa.policy import DEFAULT_POLICY, Answerability
from seminar_qa.settings import Settings
from tests.conftest import SEMINAR_DOC

FEATURES = answerability_features.FEATURES
# The hashing fake stands in for the real models here: the operating points apply to it.
FAKE = Answerability(answer_at=0.5, closest_at=0.2, high_at=0.8, needs=("hashing",))


@pytest.fixture
def built(settings: Settings) -> Path:
    build_index(settings)
    return Path(settings.index_dir)


def one_document_index(tmp_path: Path, text: str) -> SeminarIndex:
    """The index (hashing fake) of a corpus of one Markdown document holding ``text``."""
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "document.md").write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=folder, index_dir=tmp_path / "ix", embedder="hashing")
    build_index(settings)
    return SeminarIndex.load(settings.index_dir)


def features_of(assistant: Assistant, question: str) -> dict[str, float]:
    _, found = assistant.inspect(question)
    assert found is not None
    return found


# --------------------------------------------------------------------------- features


def test_features_read_what_the_passage_says_about_the_question(built: Path) -> None:
    assistant = Assistant(SeminarIndex.load(built))
    covered = features_of(
        assistant, "Who is the director of the Changning District Education Bureau?"
    )
    assert set(covered) == set(FEATURES)
    assert covered["coverage"] > 0.9 and covered["missing_share"] < 0.1
    assert covered["type_asked"] == 1.0 and covered["type_missing_sentence"] == 0.0  # a name
    assert covered["zh"] == 0.0 and covered["negation_asked"] == 0.0
    # A district the report never names, a number it never gives, a negation it never makes.
    swapped = features_of(assistant, "Who did not speak for the Xuhui District in 2019?")
    assert swapped["missing_names"] >= 2 and swapped["numbers_missing"] == 1.0
    assert swapped["negation_asked"] == 1.0 and swapped["negation_stated"] == 0.0
    assert swapped["missing_idf"] > covered["missing_idf"]
    # The report dates the seminar but never says how many came: a date is not a count.
    count = features_of(assistant, "How many people attended the seminar on 28 November?")
    assert count["type_asked"] == 1.0 and count["type_missing_sentence"] == 1.0
    when = features_of(assistant, "When was the seminar on the Digital Learning Portal held?")
    assert when["type_asked"] == 1.0 and when["type_missing_passage"] == 0.0
    chinese = features_of(assistant, "长宁区教育局局长是谁？")
    assert chinese["zh"] == 1.0 and chinese["question_terms"] > 0


def test_a_question_that_turns_a_word_of_its_sentence_into_the_opposite(built: Path) -> None:
    assistant = Assistant(SeminarIndex.load(built))
    # The report: "... introduced a teacher education large model developed based on ...".
    asked = features_of(assistant, "Who introduced a teacher education large model?")
    turned = features_of(assistant, "Who introduced a teacher education small model?")
    assert asked["antonym"] == 0.0 and turned["antonym"] == 1.0
    assert features_of(assistant, "谁介绍了教师教育小模型？")["antonym"] == 0.0  # English only


def test_negation_is_read_in_words_not_characters() -> None:
    negates = answerability_features.negates
    assert negates("What is not an example of a machine model?")
    assert negates("谁没有参加研讨会？") and negates("这并非长宁区的项目。")
    assert negates("誰沒有參加研討會？")  # traditional characters read as simplified
    # 不同 (different), 南非 (South Africa) and a name with 无 in it say no "no".
    assert not negates("哪些学校不同？") and not negates("南非的首都是哪里？")
    assert not negates("张无忌是谁？") and not negates("The seminar was held in Shanghai.")


def test_a_chinese_questions_names_are_looked_for_as_english_text_writes_them(built: Path) -> None:
    assistant = Assistant(SeminarIndex.load(built))

    def names_of(question: str) -> tuple[float, float]:
        ranking, found = assistant.inspect(question, documents=[SEMINAR_DOC.name])
        assert found is not None
        if "区" in question:  # Changning's paragraph (the text before it is not read)
            assert ranking.hits[0].passage.text.startswith("Xiong Qiuju, Director of the Changning")
        return found["has_names"], found["missing_names"]

    # The report names Changning (长宁) and Xiong Qiuju (熊秋菊), never Xuhui (徐汇) or a Zhang Wei.
    assert (
        names_of("长宁区的数字化转型战略是什么？") == names_of("熊秋菊介绍了什么？") == (1.0, 0.0)
    )
    assert names_of("徐汇区的数字化转型战略是什么？") == names_of("张伟介绍了什么？") == (1.0, 1.0)
    # A foreign name spelt by sound (玛丽·麦特琳, Marlee Matlin) has no form to look for: the
    # dictionary's 玛丽 is Mary: a name of unknown form is neither there nor missing.
    assert names_of("玛丽·麦特琳介绍了什么？") == (0.0, 0.0)


def test_sentence_features_read_the_chosen_sentence_when_the_highlight_holds_two(
    tmp_path: Path,
) -> None:
    assistant = Assistant(
        one_document_index(
            tmp_path,
            "# Records\n\nPeyton Manning led two teams to the final. He is also the oldest "
            "quarterback ever to play in a final.",
        )
    )
    question = "Who is the oldest quarterback ever to play in a final?"
    ranking, found = assistant.inspect(question)
    top = ranking.hits[0]
    assert top.answer.startswith("Peyton Manning") and top.clause.startswith("He is")
    assert found is not None and found["sentence_coverage"] > 0.9
    # "He is also the oldest ..." names no one; the sentence before it does.
    assert found["type_missing_sentence"] == 0.0


def test_words_for_the_document_itself_are_not_missing_from_the_passage(built: Path) -> None:
    # A report does not call itself "the report": "When was the report released?" lacks no
    # more of the passage than "When was it released?" (the validation set's "How many people
    # looked at this news article online?" was "not in these reports").
    assistant = Assistant(SeminarIndex.load(built))
    plain = features_of(assistant, "When was the seminar on digital education released?")
    for question in (
        "When was the report on the seminar on digital education released?",
        "When was this news article on the seminar on digital education released?",
    ):
        pointing = features_of(assistant, question)
        assert pointing["missing_share"] == plain["missing_share"], question
        assert pointing["missing_idf"] == plain["missing_idf"], question


def test_chinese_words_for_the_document_itself_are_not_missing(tmp_path: Path) -> None:
    text = "# 研讨会\n\n研讨会于十一月二十八日举行，十二月三日发布。\n"
    assistant = Assistant(one_document_index(tmp_path, text))
    pointing = features_of(assistant, "这篇报道是哪天发布的？")["missing_share"]
    assert pointing == features_of(assistant, "这篇是哪天发布的？")["missing_share"]


def test_the_words_inside_a_long_chinese_word_are_not_missing(tmp_path: Path) -> None:
    # BM25 is asked 研讨 and 长宁 too (jieba's search mode), which no passage cut whole holds.
    text = "# 纪要\n\n十二月三日上午，长宁区数字教育研讨会在区教育学院举行。\n"
    assistant = Assistant(one_document_index(tmp_path, text))
    for question in ("研讨会在哪里举行？", "长宁区的研讨会在哪里举行？"):
        features = features_of(assistant, question)
        assert features["missing_share"] == 0.0, question
        assert features["missing_idf"] == 0.0, question
    assert features_of(assistant, "研讨会在哪里闭幕？")["missing_share"] == pytest.approx(1 / 2)


def test_the_word_naming_the_kind_of_answer_is_not_missing(tmp_path: Path) -> None:
    # "What date was ...?" asks for a date, which the passage gives without the word "date"
    # ("What date was the seminar?" was a closest passage where "When was ...?" was answered).
    text = (
        "# Seminar\n\nThe seminar on open resources was held on November 28 in Shanghai.\n\n"
        "Teachers from three districts attended the seminar and shared their lessons.\n"
    )
    assistant = Assistant(one_document_index(tmp_path, text))
    plain = features_of(assistant, "When was the seminar on open resources held?")
    assert plain["missing_share"] == 0.0
    for question in (
        "What date was the seminar on open resources held?",
        "In which city was the seminar on open resources held?",
    ):
        assert features_of(assistant, question)["missing_share"] == 0.0, question
    # Only the word that names the kind asked for: "city" in a question about a date is a
    # word like any other, and a word the passage has is still matched.
    assert (
        features_of(assistant, "When was the city seminar on open resources held?")["missing_share"]
        > 0.0
    )
    held = features_of(assistant, "Which districts attended the workshop?")
    assert held["missing_share"] == pytest.approx(1 / 3)  # district and attend held


def test_one_or_two_passages_have_the_training_rows_median_margins(
    tmp_path: Path,
) -> None:
    # An index of one short report: no second passage to beat. Its margins were the whole E5
    # score and 0, values no training row has (read as a tie: answerable questions "closest").
    text = "# Notice\n\nThe staff training day is held on 14 March 2025 in Room 301.\n"
    assistant = Assistant(one_document_index(tmp_path, text))
    ranking, features = assistant.inspect("When is the staff training day?")
    assert features is not None and len(ranking.hits) == 1
    assert features["e5_margin"] == answerability_features.MEDIAN_E5_MARGIN
    assert features["fused_margin"] == answerability_features.MEDIAN_FUSED_MARGIN
    assert ranking.hits[0].score == 1.0  # the best there is, not "score 0.000"
    # Two passages: the runner-up is rescaled to 0 on every signal, so its margin says nothing.
    two = (
        "# Notice\n\n"
        + "The staff training day is held on 14 March in Room 301 of the centre. " * 12
        + "\n\n"
        + "Places are limited to forty teachers, who register by 7 March. " * 12
    )
    (tmp_path / "two").mkdir()
    assistant = Assistant(one_document_index(tmp_path / "two", two))
    ranking, features = assistant.inspect("When is the staff training day?")
    assert features is not None and len(ranking.hits) == 2
    assert features["fused_margin"] == answerability_features.MEDIAN_FUSED_MARGIN


def test_a_name_just_before_the_passage_is_not_missing(built: Path) -> None:
    index = SeminarIndex.load(built)
    ranking, _ = Assistant(index).inspect("What did the Zorvath and Quillon bureaus present?")
    alone = answerability_features.compute(ranking, index.lexical.idf, len(index), "")
    named = answerability_features.compute(
        ranking, index.lexical.idf, len(index), "Zorvath and Quillon presented first."
    )
    assert alone is not None and named is not None
    assert alone["missing_names"] == 2.0 and named["missing_names"] == 0.0


def test_only_a_passage_that_points_back_borrows_the_names_before_it(tmp_path: Path) -> None:
    filler = " ".join(["The morning went on with reports on lessons and timetables."] * 6)
    index = one_document_index(
        tmp_path,
        "# Bureaus\n\n"
        f"Yun Peng, Party Secretary of the Zorvath bureau, welcomed the guests. {filler}\n\n"
        f"Tao Wen, director of the Quillon bureau, presented the robotics club. {filler}\n\n"
        f"He showed its telescope workshop to the visitors in the afternoon. {filler}\n",
    )
    assistant = Assistant(index)
    assert len(index) == 3  # one passage a paragraph: the premise of this test

    # The Quillon paragraph opens with its own subject: the Zorvath paragraph's Party Secretary
    # is not the one asked about, so "Party" and "Secretary" are missing.
    ranking, secretary = assistant.inspect(
        "Who is the Party Secretary of the Quillon bureau that presented the robotics club?"
    )
    assert ranking.hits[0].passage.text.startswith("Tao Wen")
    assert secretary is not None and secretary["missing_names"] == 2.0
    # "He showed ..." stands for Tao Wen, named in the paragraph before it.
    ranking, workshop = assistant.inspect("What did Tao Wen show in the telescope workshop?")
    assert ranking.hits[0].passage.text.startswith("He showed")
    assert workshop is not None and workshop["missing_names"] == 0.0


def test_the_text_before_a_passage_comes_from_the_passages_before_it(built: Path) -> None:
    index = SeminarIndex.load(built)
    longest = max(index.documents, key=lambda d: sum(p.doc_id == d for p in index.passages))
    document = [p for p in index.passages if p.doc_id == longest]
    assert len(document) >= 3
    assert index.preceding_text(document[0]) == ""
    # The document's text, put back together from its (overlapping) passages' offsets.
    text = [""] * max(p.end for p in document)
    for p in document:
        text[p.start : p.end] = list(p.text)
    for passage in document[1:]:
        before = index.preceding_text(passage, chars=300)
        assert before and before == "".join(text[max(0, passage.start - 300) : passage.start])


def test_features_need_a_passage(built: Path) -> None:
    index = SeminarIndex.load(built)
    ranking, found = Assistant(index).inspect("robotics club", documents=["autumn-workshop.md"])
    assert found is not None and ranking.hits[0].passage.doc_id == "autumn-workshop.md"
    assert answerability_features.compute(replace(ranking, hits=[]), index.lexical.idf, 3) is None


# --------------------------------------------------------------------------- the model


def test_json_trees_score_exactly_as_scikit_learn() -> None:
    from sklearn.ensemble import GradientBoostingClassifier

    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, len(FEATURES)))
    y = (x[:, 2] + 0.5 * x[:, 7] - x[:, 11] + rng.normal(scale=0.5, size=400)) > 0
    fitted = Bagged((0, 1))
    fitted.models = [  # smaller and deeper than the shipped ones, subsampled as they are
        GradientBoostingClassifier(
            n_estimators=30, max_depth=4, min_samples_leaf=20, subsample=0.8, random_state=seed
        )
        for seed in (0, 1)
    ]
    fitted.fit(x, y, sample_weight=np.ones(len(y)))
    # Leaves at several depths in one tree: the trees are walked side by side, a level a step.
    assert any(
        len(set(tree.tree_.compute_node_depths()[tree.tree_.children_left == -1])) > 1
        for tree in fitted.models[0].estimators_[:, 0]
    )
    # The seeds differ, so the mean is no single model's score (one forest reads both).
    assert not np.allclose(*(m.decision_function(x[:25]) for m in fitted.models))
    model = AnswerabilityModel.from_json(export(fitted, (1.3, -0.2), {}))
    expected = fitted.decision_function(x[:25])
    got = [model.raw(dict(zip(FEATURES, row, strict=True))) for row in x[:25]]
    assert np.allclose(got, expected, atol=1e-9)
    probability = model.probability(dict(zip(FEATURES, x[0], strict=True)))
    assert probability == pytest.approx(1 / (1 + np.exp(-(1.3 * expected[0] - 0.2))))


def test_the_shipped_model_names_the_features_and_its_training_data() -> None:
    model = load_model()
    assert model.features == FEATURES
    sources = model.trained_on["sources"]
    assert {"squad2", "clapnq", "xquad", "cmrc", "seminar"} <= set(sources)
    assert "validation" in model.trained_on["validation"]
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    # Five seeds' 200 trees each, written as JSON (635 KB at depth 3; 1.46 MB at depth 5 with 50
    # rows a leaf, 2026-12-06).
    assert MODEL_FILE.stat().st_size < 2_000_000 and data["format"] == 2
    with pytest.raises(ValueError, match="format"):
        AnswerabilityModel.from_json({**data, "format": 1})
    with pytest.raises(ValueError, match="does not name"):
        AnswerabilityModel.from_json({**data, "features": data["features"][:3]})


@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=2, max_size=60))
def test_auroc_matches_scikit_learn_with_ties(pairs: list[tuple[float, bool]]) -> None:
    from sklearn.metrics import roc_auc_score

    scores = [round(s, 1) for s, _ in pairs]  # rounding makes ties common
    labels = [label for _, label in pairs]
    if len(set(labels)) < 2:
        assert auroc(scores, labels) is None
    else:
        assert auroc(scores, labels) == pytest.approx(roc_auc_score(labels, scores))


# --------------------------------------------------------------------------- operating points


@pytest.mark.parametrize(
    ("probability", "kind", "label"),
    [
        (0.9, "answered", "high"),
        (0.6, "answered", "medium"),
        (0.3, "closest", "low"),
        (0.1, "not_found", "none"),
    ],
)
def test_three_kinds_of_answer_from_the_probability(
    probability: float, kind: str, label: str
) -> None:
    verdict = FAKE.judge(probability)
    assert (verdict.kind, verdict.label, verdict.found) == (kind, label, kind == "answered")


def test_operating_points_must_be_in_order() -> None:
    with pytest.raises(ValueError, match="operating points"):
        Answerability(answer_at=0.3, closest_at=0.5, high_at=0.8)


def test_the_learned_score_decides_when_the_index_has_its_models(built: Path) -> None:
    index = SeminarIndex.load(built)
    question = "What did the Autumn Workshop participants agree on?"
    learned = Assistant(index, replace(DEFAULT_POLICY, answerability=FAKE)).answer(question)
    probability = load_model().probability(features_of(Assistant(index), question))
    assert learned.confidence == pytest.approx(probability)
    assert learned.answer_kind == FAKE.judge(probability).kind
    # Without the models it reads (the default needs E5 and MiniLM), the rules decide.
    ruled = Assistant(index).answer(question)
    assert ruled.answer_kind in ("answered", "not_found")
    everything_closest = replace(FAKE, answer_at=1.0, high_at=1.0, closest_at=0.0)
    closest = Assistant(index, replace(DEFAULT_POLICY, answerability=everything_closest)).answer(
        question
    )
    assert closest.answer_kind == "closest" and closest.best is None
    assert closest.closest is closest.hits[0] and not closest.found


def test_a_passage_without_the_count_asked_for_is_at_most_the_closest(tmp_path: Path) -> None:
    index = one_document_index(
        tmp_path,
        "# Robotics club\n\nThe robotics club meets in the old library on Fridays. Its members "
        "build small robots and show them to visitors.",
    )
    always = replace(FAKE, answer_at=0.0, closest_at=0.0)  # every probability is an answer
    assistant = Assistant(index, replace(DEFAULT_POLICY, answerability=always))
    # No number in the passage: it cannot say how many; "where" is not a type it must hold.
    assert assistant.answer("How many members does the robotics club have?").answer_kind == (
        "closest"
    )
    assert assistant.answer("俱乐部有多少名成员？").answer_kind == "closest"
    assert assistant.answer("Where does the robotics club meet?").answer_kind == "answered"
    assert assistant.answer("On which day does the robotics club meet?").answer_kind == "answered"
    # A day is no time of day: "at what time" is not answered by "on Fridays".
    assert assistant.answer("At what time does the robotics club meet?").answer_kind == ("closest")
    assert assistant.answer("机器人俱乐部几点活动？").answer_kind == "closest"
    assert always.judge(0.9, holds_asked=False).kind == "closest"
    assert always.judge(0.9).kind == "answered"


def test_a_passage_that_is_only_its_title_is_at_most_the_closest(tmp_path: Path) -> None:
    index = one_document_index(tmp_path, "# Hassan Whiteside\n")
    always = replace(FAKE, answer_at=0.0, closest_at=0.0)  # every probability is an answer
    assistant = Assistant(index, replace(DEFAULT_POLICY, answerability=always))
    # (No count asked: a count missing from the passage would make it the closest anyway.)
    answer = assistant.answer("What position does Hassan Whiteside play?")
    assert answer.hits[0].passage.text.strip() == "Hassan Whiteside"
    assert answer.answer_kind == "closest"
    assert not says_more_than_its_title(answer.hits[0].passage)
    (tmp_path / "body").mkdir()
    body = one_document_index(tmp_path / "body", "# Hassan Whiteside\n\nHe blocked 5 shots.\n")
    said = Assistant(body, replace(DEFAULT_POLICY, answerability=always)).answer(
        "What did Hassan Whiteside block?"
    )
    assert said.answer_kind == "answered" and says_more_than_its_title(said.hits[0].passage)


def test_off_topic_rows_are_english_questions_of_other_sets_labelled_unanswerable(
    built: Path, tmp_path: Path
) -> None:
    from seminar_qa.answerability.rows import OFF_TOPIC, off_topic

    other = tmp_path / "other.jsonl"
    lines = [
        {"id": "e1", "question": "How old is the Eiffel Tower?", "answers": ["135"], "lang": "en"},
        {"id": "z1", "question": "埃菲尔铁塔有多高？", "answers": ["330"], "lang": "zh"},
        {"id": "u1", "question": "Who painted it?", "answers": [], "lang": "en"},
        # The workshop corpus holds this answer: asked of it, the pair is no negative.
        {"id": "a1", "question": "What did the workshop participants agree on?",
         "answers": ["Autumn"], "lang": "en"},
    ]  # fmt: skip
    other.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    rows = off_topic("workshops", built, {"towers": other})
    assert [r.qid for r in rows] == ["e1"]
    (row,) = rows
    assert row.source == "workshops" and row.kind == OFF_TOPIC and not row.answerable
    assert row.group.startswith(f"{OFF_TOPIC}:towers:")


def test_rows_are_collected_in_fusions_order_with_the_alignment_off(built: Path) -> None:
    from seminar_qa.answerability.rows import fusion_assistant

    assistant = fusion_assistant(built)
    assert assistant.policy.alignment.tie_margin == 0.0
    # Nothing else of the index's policy changes.
    shipped = assistant.index.policy or DEFAULT_POLICY
    assert replace(assistant.policy, alignment=shipped.alignment) == shipped


# --------------------------------------------------------------------------- calibration


def scored(*pairs: tuple[float, bool]) -> list:  # type: ignore[type-arg]
    from seminar_qa.calibration import Scored

    return [Scored("q", "en", answerable, p) for p, answerable in pairs]


def test_thresholds_refuse_at_most_the_allowed_share() -> None:
    values = scored(*((p / 100, True) for p in range(100)), (0.95, False), (0.05, False))
    assert threshold_for(values, 0.05) == pytest.approx(0.05)  # 5 of 100 answerable below
    assert threshold_for(values, 0.0) == pytest.approx(0.0)
    assert high_threshold(values, 0.5, 0.99) == pytest.approx(0.96)
    assert high_threshold(scored((0.9, True)), 0.5, 0.95) is None  # no unanswerable question


def test_calibrate_stores_operating_points_in_the_index_and_a_rebuild_keeps_them(
    settings: Settings, built: Path, tmp_path: Path
) -> None:
    index = SeminarIndex.load(built)
    index.policy = replace(DEFAULT_POLICY, answerability=FAKE)
    index.save(built)
    questions = tmp_path / "questions.jsonl"
    rows = [
        {"question": "Who opened the Autumn Workshop?", "answers": ["Li Hua"]},
        {"question": "Who leads the Changning District Education Bureau?", "answers": ["Xiong"]},
        {"question": "How often does the robotics club meet?", "answers": ["twice a week"]},
        {"question": "What is the capital of France?", "answers": []},
        {"question": "How much did the printer cost?", "answers": []},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = CliRunner().invoke(cli, ["calibrate", str(questions), "--index", str(built), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["stored"] and payload["questions"] == 5 and payload["answerable"] == 3
    chosen = SeminarIndex.load(built).policy
    assert chosen is not None and chosen.source.startswith(f"calibrated on {questions}")
    assert chosen.answerability is not None
    assert chosen.answerability.answer_at == payload["answer_at"]
    probabilities = [
        p.probability
        for p in calibrate(Assistant(SeminarIndex.load(built)), load_questions(questions)).scored
    ]
    assert (
        sum(
            p < payload["answer_at"]
            for p, r in zip(probabilities, rows, strict=True)
            if r["answers"]
        )
        == 0
    )
    assert index_status(settings).state == "current"  # a calibration is not a corpus change
    rebuilt = build_index(settings)
    assert "Kept the answerability operating points" in rebuilt.summary()
    kept = SeminarIndex.load(built).policy
    assert kept is not None and kept.answerability == chosen.answerability
    assert POLICY in SeminarIndex.load(built).manifest.files


def test_calibrate_refuses_an_index_without_the_models_it_reads(built: Path) -> None:
    result = CliRunner().invoke(cli, ["calibrate", "--index", str(built)])
    assert result.exit_code == 1
    assert "the answerability score reads e5, minilm" in result.stderr
    assert "Traceback" not in result.output


def test_calibrate_from_generated_questions_only_relaxes(built: Path) -> None:
    index = SeminarIndex.load(built)
    strict = replace(FAKE, answer_at=0.99, high_at=0.995, closest_at=0.9)
    result = calibrate(Assistant(index, replace(DEFAULT_POLICY, answerability=strict)), None)
    assert result.generated and len(result.scored) > 20
    assert result.answerability.answer_at <= strict.answer_at
    assert result.answerability.closest_at <= result.answerability.answer_at
    assert {s.answerable for s in result.scored} == {True, False}


def test_eval_plot_writes_an_image(built: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"question": "Who opened the Autumn Workshop?", "answers": ["Li Hua"]}\n'
        '{"question": "What is the capital of France?", "answers": []}\n',
        encoding="utf-8",
    )
    plot = tmp_path / "plots" / "answerability.png"
    result = CliRunner().invoke(
        cli, ["eval", str(questions), "--index", str(built), "--plot", str(plot), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 10_000
    # Only unanswerable questions: no trade-off to draw, and said so on the image (matplotlib
    # warned of an empty legend on stderr before).
    questions.write_text(
        '{"question": "What is the capital of France?", "answers": []}\n', encoding="utf-8"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lone = CliRunner().invoke(
            cli, ["eval", str(questions), "--index", str(built), "--plot", str(plot), "-q"]
        )
    assert lone.exit_code == 0, lone.output
    bad = CliRunner().invoke(
        cli, ["eval", str(questions), "--index", str(built), "--plot", "x.gif"]
    )
    assert bad.exit_code == 2 and "name a .png, .svg or .pdf file" in bad.stderr


def test_the_ablation_groups_cover_every_feature_once() -> None:
    from seminar_qa.answerability.report import GROUPS

    grouped = [f for group in GROUPS.values() for f in group]
    assert sorted(grouped) == sorted(FEATURES)
