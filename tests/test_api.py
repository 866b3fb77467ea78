"""The HTTP API against a real uvicorn server on loopback, through httpx, over a hashing index.

Every endpoint, every kind of bad input the issue lists, CORS, the rate limit, a rebuild picked up
without a restart, and feedback stored in a real SQLite file and exported as eval questions.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from seminar_qa.answering import Assistant
from seminar_qa.api import create_app
from seminar_qa.cli import cli
from seminar_qa.evaluation import load_questions
from seminar_qa.index import SeminarIndex
from seminar_qa.pipeline import build_index
from seminar_qa.serving import LiveAssistant
from seminar_qa.settings import ServeSettings, Settings, feedback_path
from seminar_qa.testing.http import serve_in_thread, wait_for
from tests.conftest import CHINESE_DOC

QUESTION = "Who leads the Changning District Education Bureau?"


def start(settings: Settings, serve: ServeSettings | None = None) -> Any:
    """A server over ``settings`` that checks for rebuilds every 0.1 s (a context manager)."""
    live = LiveAssistant(settings.index_dir, check_seconds=0.1, warm_up=False)
    return serve_in_thread(create_app(settings, serve or ServeSettings(rate_limit=0), live=live))


@pytest.fixture
def built(settings: Settings) -> Settings:
    build_index(settings)
    return settings


@pytest.fixture
def api(built: Settings) -> Iterator[httpx.Client]:
    with start(built) as url, httpx.Client(base_url=url, timeout=30) as client:
        wait_for(url + "/readyz", 30)
        yield client


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    """The JSON error of ``response``, which must have ``status``, a message and a fix."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert error["message"] and error["fix"] and error["code"]
    assert "Traceback" not in response.text
    return error


def test_ask_gives_exactly_the_answer_of_the_answer_path(
    api: httpx.Client, built: Settings
) -> None:
    response = api.post("/v1/ask", json={"question": QUESTION, "k": 3})
    assert response.status_code == 200
    body = response.json()
    expected = Assistant(SeminarIndex.load(built.index_dir)).answer(QUESTION, 3).to_json()
    assert body["seconds"] >= 0
    del body["seconds"]
    assert body == json.loads(json.dumps(expected))
    assert len(body["hits"]) == 3
    top = body["hits"][0]
    assert top["citation"].endswith(f"passage {top['position'] + 1}")
    assert top["text"][top["answer_start"] : top["answer_end"]] == top["answer"]
    assert top["text"][top["clause_start"] : top["clause_end"]] == top["clause"]
    assert top["answer_start"] <= top["clause_start"] < top["clause_end"] <= top["answer_end"]


def test_ask_limited_to_one_document(api: httpx.Client) -> None:
    body = api.post(
        "/v1/ask", json={"question": "robotics club", "k": 5, "documents": ["autumn-workshop.md"]}
    ).json()
    assert body["hits"] and {hit["doc_id"] for hit in body["hits"]} == {"autumn-workshop.md"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"question": ""}, "question"),
        ({"question": "   ?!  "}, "question"),
        ({"question": "x" * 501}, "question"),
        ({}, "question"),
        ({"question": 5}, "question"),
        ({"question": QUESTION, "k": 0}, "k"),
        ({"question": QUESTION, "k": 101}, "k"),
        ({"question": QUESTION, "k": "three"}, "k"),
        ({"question": QUESTION, "k": True}, "k"),  # no quiet k=1
        ({"question": QUESTION, "k": "3"}, "k"),
        ({"question": QUESTION, "documents": ["nope.md"]}, "documents"),
        ({"question": QUESTION, "documents": "autumn-workshop.md"}, "documents"),
        ({"question": QUESTION, "colour": "red"}, "colour"),
    ],
)
def test_bad_ask_fields_get_422_naming_the_field(
    api: httpx.Client, payload: dict[str, Any], field: str
) -> None:
    error = error_of(api.post("/v1/ask", json=payload), 422)
    assert error["field"] == field
    if field == "documents" and isinstance(payload.get("documents"), list):
        assert "autumn-workshop.md" in error["message"]  # says which ids the index holds


def test_bad_bodies_get_4xx_json_errors(api: httpx.Client) -> None:
    headers = {"content-type": "application/json"}
    error_of(api.post("/v1/ask", content=b"{not json", headers=headers), 422)
    error_of(api.post("/v1/ask", content=b"[1, 2]", headers=headers), 422)
    assert error_of(api.post("/v1/ask", content=b'"\xff\xfe"', headers=headers), 400)["code"] == (
        "invalid_body"
    )
    assert error_of(api.post("/v1/ask", data={"question": QUESTION}), 415)["code"] == (
        "unsupported_media_type"
    )
    error_of(api.post("/v1/ask", content=b"question", headers={"content-type": "text/plain"}), 415)
    big = json.dumps({"question": "x" * 70_000}).encode()
    assert error_of(api.post("/v1/ask", content=big, headers=headers), 413)["code"] == (
        "body_too_large"
    )

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"question": "'
        for _ in range(70):
            yield b"y" * 1000
        yield b'"}'

    error_of(api.post("/v1/ask", content=chunks(), headers=headers), 413)
    error_of(api.get("/v1/ask"), 405)
    error_of(api.get("/v1/nothing-here"), 404)


def test_documents_status_health_and_openapi(api: httpx.Client) -> None:
    documents = api.get("/v1/documents").json()["documents"]
    assert {d["doc_id"] for d in documents} == {"tec-seminar-2024-11-28.md", "autumn-workshop.md"}
    assert all(d["passages"] > 0 for d in documents)
    status = api.get("/v1/status").json()
    assert status["state"] == "current" and status["passages"] > 0
    assert status["serving_built_at"] == status["built_at"]
    assert api.get("/healthz").json() == {"status": "ok"}
    assert api.get("/readyz").json()["ready"] is True
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/v1/ask", "/v1/documents", "/v1/status", "/v1/feedback", "/healthz"} <= set(paths)
    assert "ErrorOut" in json.dumps(paths["/v1/ask"]["post"]["responses"]["422"])


def test_not_ready_until_an_index_is_built_then_ready_without_restart(settings: Settings) -> None:
    with start(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "seminar-qa build" in ready.json()["reason"]
        refused = client.post("/v1/ask", json={"question": QUESTION})
        assert error_of(refused, 503)["code"] == "not_ready"
        assert refused.headers["retry-after"] == "5"
        assert client.get("/v1/status").json()["state"] == "missing"
        build_index(settings)
        wait_for(url + "/readyz", 30)
        assert client.post("/v1/ask", json={"question": QUESTION}).status_code == 200


def test_a_rebuilt_index_is_served_without_a_restart(api: httpx.Client, built: Settings) -> None:
    question = {"question": "人工智能辅助备课", "k": 1}
    before = api.post("/v1/ask", json=question).json()
    assert before["hits"][0]["doc_id"] != "changning.md"
    (built.corpus_dir / "changning.md").write_text(CHINESE_DOC, encoding="utf-8")
    build_index(built)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ids = {d["doc_id"] for d in api.get("/v1/documents").json()["documents"]}
        if "changning.md" in ids:
            break
        time.sleep(0.1)
    assert "changning.md" in ids
    assert api.post("/v1/ask", json=question).json()["hits"][0]["doc_id"] == "changning.md"


def test_rate_limit_refuses_with_retry_after_but_never_health_checks(built: Settings) -> None:
    serve = ServeSettings(rate_limit=6, rate_burst=3)
    with start(built, serve) as url, httpx.Client(base_url=url, timeout=30) as client:
        wait_for(url + "/readyz", 30)
        codes = [client.get("/v1/documents").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = client.get("/v1/documents")
        assert error_of(refused, 429)["code"] == "rate_limited"
        assert int(refused.headers["retry-after"]) >= 1
        assert all(client.get("/healthz").status_code == 200 for _ in range(10))


def test_cors_allows_only_the_configured_origins(built: Settings) -> None:
    serve = ServeSettings(rate_limit=0, cors_origins=("https://portal.example",))
    with start(built, serve) as url, httpx.Client(base_url=url, timeout=30) as client:
        wait_for(url + "/readyz", 30)
        allowed = client.get("/v1/documents", headers={"origin": "https://portal.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://portal.example"
        other = client.get("/v1/documents", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = client.options(
            "/v1/ask",
            headers={
                "origin": "https://portal.example",
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type",
            },
        )
        assert preflight.status_code == 200
        assert "POST" in preflight.headers["access-control-allow-methods"]


def test_feedback_is_stored_exported_as_questions_and_counted(
    api: httpx.Client, built: Settings
) -> None:
    answer = api.post("/v1/ask", json={"question": QUESTION, "k": 2}).json()
    ids = [hit["passage_id"] for hit in answer["hits"]]
    helpful = {
        "question": QUESTION,
        "passage_ids": ids,
        "verdict": "helpful",
        "answer": answer["hits"][0]["answer"],
        "session": "a1b2c3",
        "comment": "<b>exactly</b> right",
    }
    stored = api.post("/v1/feedback", json=helpful)
    assert stored.status_code == 201 and stored.json()["stored"] is True
    unhelpful = {"question": "Where is the robotics club?", "passage_ids": ids[:1]}
    assert api.post("/v1/feedback", json={**unhelpful, "verdict": "not_helpful"}).status_code == 201
    refused = {"question": "What is the capital of France?", "answer_kind": "not_found"}
    assert api.post("/v1/feedback", json={**refused, "verdict": "helpful"}).status_code == 201
    for bad, field in [
        ({**helpful, "passage_ids": ["nope.md#0"]}, "passage_ids"),
        ({**helpful, "passage_ids": []}, "passage_ids"),
        ({**helpful, "verdict": "meh"}, "verdict"),
        ({**helpful, "comment": "c" * 501}, "comment"),
        ({**helpful, "session": "has spaces"}, "session"),
    ]:
        assert error_of(api.post("/v1/feedback", json=bad), 422)["field"] == field

    database = feedback_path(built.index_dir)
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 1
        rows = connection.execute("SELECT verdict, comment, source FROM feedback").fetchall()
    assert rows == [
        ("helpful", "<b>exactly</b> right", "api"),
        ("not_helpful", None, "api"),
        ("helpful", None, "api"),
    ]

    runner = CliRunner()
    exported = built.index_dir.parent / "feedback-questions.jsonl"
    env = {"SEMINAR_QA_INDEX": str(built.index_dir)}
    result = runner.invoke(cli, ["feedback", "export", str(exported)], env=env)
    assert result.exit_code == 0, result.output
    questions = load_questions(exported)
    assert [(q.question, q.answerable) for q in questions] == [
        (QUESTION, True),
        ("What is the capital of France?", False),
    ]
    assert questions[0].answers == (answer["hits"][0]["answer"],)
    evaluated = runner.invoke(cli, ["eval", str(exported), "--json", "-q"], env=env)
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout)["metrics"]["hit@1"] == 1.0
    stats = runner.invoke(cli, ["feedback", "stats", "--json"], env=env)
    counts = json.loads(stats.stdout)
    assert counts["documents"]["tec-seminar-2024-11-28.md"]["helpful"] >= 1
    assert sum(week["not_helpful"] for week in counts["weeks"].values()) == 1


def test_feedback_survives_a_rebuild_because_it_lives_beside_the_index(
    api: httpx.Client, built: Settings
) -> None:
    ids = [api.post("/v1/ask", json={"question": QUESTION}).json()["hits"][0]["passage_id"]]
    body = {"question": QUESTION, "passage_ids": ids, "verdict": "helpful"}
    assert api.post("/v1/feedback", json=body).status_code == 201
    shutil.rmtree(built.index_dir)
    build_index(built)
    with sqlite3.connect(feedback_path(built.index_dir)) as connection:
        assert connection.execute("SELECT count(*) FROM feedback").fetchone()[0] == 1


def test_no_page_that_needs_the_internet(api: httpx.Client) -> None:
    # FastAPI's /docs and /redoc fetch their scripts from a CDN: off on a closed network.
    assert api.get("/docs").status_code == 404 and api.get("/redoc").status_code == 404
