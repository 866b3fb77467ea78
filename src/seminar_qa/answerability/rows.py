"""Training rows of the answerability model: every question's features and label.

The sources (see ``answerability.train``) are asked of their indexes, which are built (or
reused) under ``build/``; the rows are cached in ``build/answerability/rows.jsonl``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from seminar_qa.answering import Assistant

ROOT = Path(__file__).resolve().parents[3]
EXTERNAL = ROOT.parent / "shared" / "eval" / "external"
NEWS = ROOT.parent / "shared" / "bench" / "bbc-news"
WORK = ROOT / "build" / "answerability"
OWN_SETS = ("dev_questions.jsonl", "seminar_questions.jsonl", "near_domain_questions.jsonl")
EXTERNAL_SETS = ("squad2", "clapnq", "xquad", "cmrc")
GOLD_LEFT_OUT = "gold left out"
OFF_TOPIC = "off-topic"
EDITED = "edited"
GENERATED = (GOLD_LEFT_OUT, OFF_TOPIC, EDITED)
"""The kinds of generated rows; the others are a set's original questions."""


@dataclass(frozen=True)
class Row:
    """One training example: a question's features, its label and where it comes from."""

    source: str
    group: str
    qid: str
    lang: str
    kind: str
    answerable: bool
    features: dict[str, float]
    top_answers: bool | None = None
    """Whether the top passage holds an answer string (None: the question has none)."""

    def to_json(self) -> dict[str, Any]:
        """One line of ``rows.jsonl``."""
        return self.__dict__.copy()


def fusion_assistant(index_dir: Path) -> Assistant:
    """An assistant over the index at ``index_dir`` that ranks by fusion alone.

    The model reads the fused margin between the first two passages. The alignment
    (``retrieval.alignment``) settles a near tie afterwards and leaves the scores of a pair it
    keeps in order as fusion gave them, so the rows are what the model meets for every question
    the alignment does not re-order. Rows collected with the alignment on (2026-12-05) fitted a
    model that refused more of the seminar validation set's answerable questions (8.9 -> 13.3%)
    and fewer of its near-domain ones (50.0 -> 45.8%; BENCHMARKS.md).
    """
    from dataclasses import replace

    from seminar_qa.answering import Assistant
    from seminar_qa.index import SeminarIndex
    from seminar_qa.policy import DEFAULT_POLICY

    index = SeminarIndex.load(index_dir)
    policy = index.policy or DEFAULT_POLICY
    unaligned = replace(policy.alignment, tie_margin=0.0)
    return Assistant(index, policy=replace(policy, alignment=unaligned))


def extract(source: str, index_dir: Path, questions_path: Path, *, negatives: bool) -> list[Row]:
    """Features of every question of ``questions_path`` asked of the index at ``index_dir``.

    With ``negatives``, every answerable question with a gold document is asked again with that
    document left out, and labelled unanswerable, unless the passage then found first holds an
    answer string anyway (another paragraph of the article may answer it too).
    """
    from seminar_qa.evaluation import load_questions

    assistant = fusion_assistant(index_dir)
    documents = list(assistant.index.documents)
    rows: list[Row] = []
    for question in load_questions(questions_path):
        asked: list[tuple[bool, list[str] | None, str]] = [
            (question.answerable, None, question.kind or "")
        ]
        if negatives and question.gold:
            others = [d for d in documents if not question.in_gold(d)]
            asked.append((False, others, GOLD_LEFT_OUT))
        for answerable, within, kind in asked:
            ranking, features = assistant.inspect(question.question, documents=within)
            if features is None:
                continue
            top = ranking.hits[0].passage.doc_id
            holds = question.answered_by(ranking.hits[0].passage.text) if question.answers else None
            if within is not None and holds:
                continue
            rows.append(
                Row(
                    source=source,
                    group=question.gold[0] if question.gold else top,
                    qid=question.qid,
                    lang=question.lang or "en",
                    kind=kind,
                    answerable=answerable,
                    features=features,
                    top_answers=holds,
                )
            )
    return rows


# The sets whose English questions are edited into unanswerable ones (``edited``): XQuAD's
# were written on SQuAD's articles as SQuAD 2.0's were. ClapNQ's search-engine questions
# edited the same way (mostly negated: they name few entities) cost ClapNQ's own grouped CV
# .897 -> .880 (throwaway /tmp/s15/cv.py over the rows of `make answerability`, 2026-12-06).
EDITED_SETS = ("xquad",)


def edited(source: str, index_dir: Path, questions_path: Path, corpus: Path) -> list[Row]:
    """Answerable English questions edited to look answerable but not be, labelled unanswerable.

    Each question of ``questions_path`` that an edit applies to
    (:mod:`~seminar_qa.answerability.edits`) is asked of the whole index. ``corpus`` holds the
    set's paragraphs as text files named article-paragraph (``xq-03-01``).
    """
    from seminar_qa.answerability.edits import edit_question, others_in_article
    from seminar_qa.evaluation import load_questions

    paragraphs = {path.stem: path.read_text(encoding="utf-8") for path in corpus.glob("*.txt")}
    assistant = fusion_assistant(index_dir)
    rows = []
    for question in load_questions(questions_path):
        gold = question.gold[0] if question.gold else ""
        if not question.answers or question.lang == "zh" or gold not in paragraphs:
            continue
        others = others_in_article(gold, paragraphs)
        edit = edit_question(
            question.qid, question.question, question.answers, paragraphs[gold], others
        )
        if edit is None:
            continue
        _, features = assistant.inspect(edit.question)
        if features is not None:  # the question's pair stays in its fold: the same qid
            rows.append(Row(source, gold, question.qid, "en", EDITED, False, features))
    return rows


def news_negatives(index_dir: Path, questions_path: Path) -> list[Row]:
    """The answerable seminar questions asked of the news articles alone: unanswerable there."""
    from seminar_qa.evaluation import load_questions

    assistant = fusion_assistant(index_dir)
    news = [d for d in assistant.index.documents if d.startswith("bbc-news/")]
    rows = []
    for question in load_questions(questions_path):
        if not question.answerable:
            continue
        _, features = assistant.inspect(question.question, documents=news)
        if features is not None:
            rows.append(
                Row(
                    "seminar-vs-news",
                    f"news:{question.qid}",
                    question.qid,
                    question.lang or "en",
                    "asked of news",
                    False,
                    features,
                )
            )
    return rows


# Off-topic questions per (index, set of origin): enough to teach that a question sharing no
# word and no meaning with a corpus is not answered by it, in both languages, without
# outweighing the sets' own near misses (every source weighs the same anyway).
OFF_TOPIC_PER_SET = 15


def off_topic(target: str, index_dir: Path, others: dict[str, Path]) -> list[Row]:
    """Questions of the other sets asked of ``target``'s index, labelled unanswerable.

    They join ``target``'s own rows (its source), so they share its weight rather than
    outweighing a set's near misses as a source of their own (measured: as a source of their
    own they doubled the Chinese XQuAD questions told "not in these reports", 2.8% -> 7.0%).

    Every ``n``-th answerable question of each other set (``OFF_TOPIC_PER_SET`` of them, spread
    over the file); a pair whose first passage holds an answer string anyway is dropped.
    Without these, a question about diabetes asked of the seminar report, sharing no word with
    it, drew an answerability of .46: no training row looked like it.
    """
    from seminar_qa.evaluation import load_questions

    assistant = fusion_assistant(index_dir)
    rows = []
    for origin, questions_path in sorted(others.items()):
        # English questions only: Chinese ones asked of English text look like the translated
        # XQuAD questions (no direct word in common), and as negatives they taught the model to
        # refuse those: XQuAD Chinese answerable told "not in these reports" 2.8% -> 8.5%, and
        # 4.6% with English off-topic questions only (bench/external_eval.py, 2026-12-02).
        answerable = [q for q in load_questions(questions_path) if q.answers and q.lang != "zh"]
        step = max(1, len(answerable) // OFF_TOPIC_PER_SET)
        for question in answerable[::step][:OFF_TOPIC_PER_SET]:
            ranking, features = assistant.inspect(question.question)
            if features is None or question.answered_by(ranking.hits[0].passage.text):
                continue
            rows.append(
                Row(
                    source=target,
                    group=f"{OFF_TOPIC}:{origin}:{question.qid}",
                    qid=question.qid,
                    lang=question.lang or "en",
                    kind=OFF_TOPIC,
                    answerable=False,
                    features=features,
                )
            )
    return rows


def off_topic_rows(seminar: Path) -> Iterator[Row]:
    """Off-topic rows for every external index and the seminar's (see :func:`off_topic`)."""
    sets = {
        name: EXTERNAL / name / "questions.jsonl"
        for name in EXTERNAL_SETS
        if (EXTERNAL / name / "questions.jsonl").is_file()
    }
    sets_and_own = {**sets, "seminar": ROOT / "eval" / "seminar_questions.jsonl"}
    print("features: off-topic questions ...", file=sys.stderr, flush=True)
    for name in sets:
        others = {o: path for o, path in sets_and_own.items() if o != name}
        yield from off_topic(name, external_index(name), others)
    yield from off_topic("seminar", seminar, sets)


def external_index(name: str) -> Path:
    """Build (or reuse) the index of an external set; return its folder."""
    from seminar_qa.pipeline import build_index, index_status
    from seminar_qa.settings import Settings

    settings = Settings.from_env(
        EXTERNAL / name / "corpus", ROOT / "build" / "external" / name / "index"
    )
    if index_status(settings).state != "current":
        print(f"building the {name} index ...", file=sys.stderr, flush=True)
        build_index(settings)
    return settings.index_dir


def seminar_indexes(*, news: bool = True) -> tuple[Path, Path | None]:
    """The seminar index and the seminar + 300 news index (None without the news articles).

    ``news=False`` skips the second (None).
    """
    from seminar_qa.pipeline import build_index, index_status
    from seminar_qa.settings import Settings

    seminar = Settings.from_env(ROOT / "corpus", ROOT / "build" / "answerability" / "seminar-index")
    if index_status(seminar).state != "current":
        build_index(seminar)
    if not news or not NEWS.is_dir():
        return seminar.index_dir, None
    sys.path.insert(0, str(ROOT))
    from bench.distractor_eval import assemble_corpus, select_news

    corpus = ROOT / "build" / "distractor-corpus"
    assemble_corpus(ROOT / "corpus", select_news(NEWS), NEWS, corpus)
    mixed = Settings.from_env(corpus, ROOT / "build" / "distractor-index")
    if index_status(mixed).state != "current":
        print("building the distractor index ...", file=sys.stderr, flush=True)
        build_index(mixed)
    return seminar.index_dir, mixed.index_dir


def collect() -> Iterator[Row]:
    """Every training row, source by source (see the module docstring)."""
    for name in EXTERNAL_SETS:
        if (EXTERNAL / name / "questions.jsonl").is_file():
            print(f"features: {name} ...", file=sys.stderr, flush=True)
            index, questions = external_index(name), EXTERNAL / name / "questions.jsonl"
            yield from extract(name, index, questions, negatives=True)
            if name in EDITED_SETS:
                yield from edited(name, index, questions, EXTERNAL / name / "corpus")
        else:
            print(f"skipped {name}: no {EXTERNAL / name}", file=sys.stderr)
    translated = WORK / "cmrc-en.jsonl"
    if (EXTERNAL / "cmrc" / "questions.jsonl").is_file():
        from seminar_qa.evaluation.translated import write_translated_set

        write_translated_set(EXTERNAL / "cmrc" / "questions.jsonl", translated)
        print("features: cmrc-en (CMRC questions in English) ...", file=sys.stderr, flush=True)
        # Counted as CMRC's own (each source weighs the same): as a source of their own they
        # took weight from the others, and SQuAD 2.0's AUROC fell .815 -> .789, the seminar
        # validation set's .878 -> .855 (`make eval`, 2026-12-05).
        yield from extract("cmrc", external_index("cmrc"), translated, negatives=True)
    seminar, mixed = seminar_indexes()
    for file_name in OWN_SETS:
        print(f"features: {file_name} ...", file=sys.stderr, flush=True)
        yield from extract("seminar", seminar, ROOT / "eval" / file_name, negatives=False)
        if mixed is not None:
            yield from news_negatives(mixed, ROOT / "eval" / file_name)
            # The same questions among the news, the report there too, each as it is labelled:
            # every answerable row came from an index of one set, so an answerable question
            # among many other documents (a smaller margin, BM25 spread wider) looked like an
            # unanswerable one; the validation set with 300 news articles had 26.7% of its
            # answerable questions told "closest" or "not found", against 6.7% without them.
            yield from extract("seminar-vs-news", mixed, ROOT / "eval" / file_name, negatives=False)
    yield from off_topic_rows(seminar)


class Cached(Protocol):
    """A training row that writes itself as one JSON line."""

    def to_json(self) -> dict[str, Any]:
        """The row's line."""
        ...


C = TypeVar("C", bound=Cached)


def collected_or_reused(
    cache: Path, reuse: bool, collect: Callable[[], Iterable[C]], read: Callable[[Path], list[C]]
) -> list[C]:
    """The rows in ``cache`` when ``reuse`` and it exists; else collected anew and cached there.

    Collecting asks every training question of its index (minutes); refitting from the cache
    takes seconds.
    """
    started = time.perf_counter()
    if reuse and cache.is_file():
        rows = read(cache)
    else:
        rows = list(collect())
        cache.parent.mkdir(parents=True, exist_ok=True)
        with cache.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row.to_json(), ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return rows


def load_rows(path: Path) -> list[Row]:
    """Rows cached by an earlier run."""
    with path.open(encoding="utf-8") as handle:
        return [Row(**json.loads(line)) for line in handle if line.strip()]
