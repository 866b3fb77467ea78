# Two commands matter: `make run` (set up, build the index if missing or stale, start the app)
# and `make test` (set up with test extras, lint, type-check, run every test tier).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-app
TEST_STAMP := $(VENV)/.installed-test
# torch first, pinned: a CPU build that pip takes from local disk here; a bare `torch`
# requirement would pull a multi-GB CUDA build.
TORCH := torch==2.13.0
PORT ?= 8501

.PHONY: run test test-fast install lint typecheck pytest build clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/seminar-qa build --if-stale
	$(BIN)/streamlit run app.py --server.port $(PORT)

build: $(STAMP)
	$(BIN)/seminar-qa build

test: $(TEST_STAMP) lint typecheck pytest

# The fast tier only (no child processes, real models or browser): under a minute.
test-fast: $(TEST_STAMP)
	$(BIN)/pytest -m "not slow" -q

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

pytest: $(TEST_STAMP)
	$(BIN)/pytest

# Retrieval and answerability metrics on the question sets, then with 300 news distractors, then
# the development splits of public sets in ../shared/eval/external (skipped when absent).
.PHONY: eval
eval: $(TEST_STAMP)
	$(BIN)/seminar-qa build --if-stale
	$(BIN)/seminar-qa eval eval/dev_questions.jsonl
	$(BIN)/seminar-qa eval eval/seminar_questions.jsonl
	$(BIN)/seminar-qa eval eval/near_domain_questions.jsonl
	$(BIN)/seminar-qa eval eval/validation_questions.jsonl
	$(BIN)/seminar-qa eval eval/visitor_questions.jsonl
	$(BIN)/python bench/distractor_eval.py
	$(BIN)/python bench/external_eval.py
	$(BIN)/python bench/traditional_sets.py
	$(BIN)/python bench/short_paragraphs.py
	$(BIN)/python bench/external_eval.py --external build/derived
	if [ -f build/derived/xquad-tw/questions.jsonl ] && [ -d build/external/xquad/index ]; then \
		$(BIN)/seminar-qa eval build/derived/xquad-tw/questions.jsonl --index build/external/xquad/index; fi
	$(BIN)/python bench/translated_sets.py
	if [ -f build/derived/cmrc-en/questions.jsonl ] && [ -d build/external/cmrc/index ]; then \
		$(BIN)/seminar-qa eval build/derived/cmrc-en/questions.jsonl --index build/external/cmrc/index; fi
	$(BIN)/python bench/mixed_eval.py

# Refit the answerability model (src/seminar_qa/answerability/model.json) from the development
# splits in ../shared/eval/external and the eval/ sets; builds their indexes the first time.
.PHONY: answerability
answerability: $(TEST_STAMP)
	$(BIN)/python -m seminar_qa.answerability.train

# Refit E5's language offset (src/seminar_qa/retrieval/language_offsets.json) from XQuAD's
# translated questions in ../shared/eval/external; prints the held-out check first. The strength
# is pinned at 0.75: on today's passages the held-out check puts 1.0 ahead by 2 of 612 questions
# (.773 against .770, E5 alone), but through the product (`make eval`, 2026-12-05) 1.0 lost
# XQuAD's Chinese first passages .904 -> .902 and its traditional-character ones .892 -> .884.
.PHONY: language-offsets
language-offsets: $(TEST_STAMP)
	$(BIN)/python -m seminar_qa.retrieval.crossing_fit --strength 0.75

# Refit the answer-sentence scorer (src/seminar_qa/answer_sentence/model.json) from the same
# development splits and the eval/ sets (not the validation set); builds their indexes the first time.
.PHONY: answer-sentence
answer-sentence: $(TEST_STAMP)
	$(BIN)/python -m seminar_qa.answer_sentence.train

clean:
	rm -rf $(VENV) index .pytest_cache .mypy_cache .ruff_cache

# Performance benchmarks (bench/run.py): write BENCHMARKS.md and bench/results.json; then the
# commands as fresh processes (bench/commands.py) and the HTTP API under load (bench/api_load.py),
# which write their own sections (the quick run prints theirs only).
# `bench-quick` takes a few minutes on 2 cores; `bench` is the full run (1M synthetic
# passages, 10k real passages; its first run embeds ~10k passages into build/bench-cache).
.PHONY: bench bench-quick
bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/seminar-qa build --if-stale --quiet
	$(BIN)/python bench/commands.py
	$(BIN)/python bench/api_load.py

bench-quick: $(STAMP)
	$(BIN)/python bench/run.py --quick
	$(BIN)/seminar-qa build --if-stale --quiet
	$(BIN)/python bench/commands.py --runs 3 --questions 100 --report ''
	$(BIN)/python bench/api_load.py --clients 20 --questions 10 --report ''

# Reliability and security checks (bench/reliability.py): bad documents, damaged indexes,
# SIGKILLed and concurrent builds, serving while rebuilding, load, hostile questions. Prints a
# table of case, tried, passed, lost (must be 0); exits 1 when anything was lost.
.PHONY: reliability
reliability: $(TEST_STAMP)
	$(BIN)/python bench/reliability.py
