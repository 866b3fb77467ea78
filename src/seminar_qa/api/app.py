"""The HTTP API: the assistant's answers as JSON, for a portal that embeds it.

``create_app`` builds a FastAPI application over one :class:`~seminar_qa.serving.LiveAssistant`
(the same answer path as the page and ``seminar-qa ask``) and one feedback store. It only reads
the index; a rebuilt index is picked up without a restart. Every error is a JSON body naming the
field and the fix (:class:`~seminar_qa.api.schemas.ErrorOut`), never a traceback.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from seminar_qa import __version__
from seminar_qa.api.guards import RateLimiter, RequestGuard
from seminar_qa.api.schemas import (
    AnswerOut,
    AskRequest,
    DocumentsOut,
    ErrorOut,
    FeedbackOut,
    FeedbackRequest,
    HealthOut,
    ReadyOut,
    StatusOut,
    error_body,
)
from seminar_qa.errors import SeminarQAError, UnknownDocumentError
from seminar_qa.feedback import FeedbackError, FeedbackRow, FeedbackStore
from seminar_qa.presentation import covered_documents
from seminar_qa.retrieval import EmptyQuestionError
from seminar_qa.serving import LiveAssistant, NotReadyError
from seminar_qa.settings import ServeSettings, Settings

log = logging.getLogger("seminar_qa.api")

STATUS_SECONDS = 30.0
"""How long a status is reused: it hashes every corpus file (as the page's sidebar does)."""

FIXES = {
    "question": "send a question of 1 to 500 characters with at least one word",
    "k": "send k as a whole number from 1 to 100",
    "documents": "send a list of document ids as GET /v1/documents lists them, or leave it out",
    "passage_ids": "send the passage_id of the hits you showed, best first (up to 20)",
    "answer_kind": "send the answer_kind of the answer: answered, closest or not_found",
    "verdict": "send verdict as 'helpful' or 'not_helpful'",
    "comment": "send a plain-text comment of at most 500 characters, or leave it out",
    "answer": "send the answer sentence you showed (at most 2,000 characters), or leave it out",
    "session": "send a random id of letters, digits, '-' and '_' (at most 64), or leave it out",
}


class ApiError(Exception):
    """An error the client can fix (or a server that is not ready): status, code, message, fix."""

    def __init__(
        self, status: int, code: str, message: str, fix: str, field: str | None = None
    ) -> None:
        """Describe the error."""
        super().__init__(message)
        self.status, self.code, self.message, self.fix, self.field = (
            status,
            code,
            message,
            fix,
            field,
        )

    def response(self) -> JSONResponse:
        """The JSON response (503s say when to retry)."""
        headers = {"Retry-After": "5"} if self.status == 503 else None
        body = error_body(self.code, self.message, self.fix, self.field)
        return JSONResponse(body, status_code=self.status, headers=headers)


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorOut} for status in statuses}


def _field_error(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_field", message, FIXES.get(field, "correct the field"), field)


def create_app(
    settings: Settings,
    serve: ServeSettings | None = None,
    *,
    live: LiveAssistant | None = None,
    feedback: FeedbackStore | None = None,
) -> FastAPI:
    """The API over the index in ``settings`` (``live`` and ``feedback`` default from it)."""
    from seminar_qa.settings import feedback_path

    serve = serve or ServeSettings()
    live = live or LiveAssistant(settings.index_dir)
    store = feedback or FeedbackStore(feedback_path(settings.index_dir))
    status_cache: dict[str, tuple[float, StatusOut]] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Load in the background: /healthz answers at once, /readyz once the models are in,
        # and a rebuild is loaded while the previous build keeps answering.
        stop = threading.Event()
        threading.Thread(target=live.watch, args=(stop,), name="index-watcher", daemon=True).start()
        yield
        stop.set()

    app = FastAPI(
        title="seminar-qa",
        version=__version__,
        summary="Answers from seminar reports: the passage that answers, or 'not in the reports'.",
        lifespan=lifespan,
        # FastAPI's /docs and /redoc pages load their scripts from a CDN, which a closed network
        # cannot reach; the OpenAPI document itself is served at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(
        RequestGuard,
        max_body_bytes=serve.max_body_bytes,
        limiter=RateLimiter(serve.rate_limit, serve.rate_burst),
    )
    if serve.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(serve.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            max_age=600,
        )

    @app.exception_handler(ApiError)
    async def api_error(_: Request, error: ApiError) -> JSONResponse:
        return error.response()

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        location = [str(part) for part in first.get("loc", ())[1:]]
        if first.get("type") == "json_invalid" or not location:
            return ApiError(
                422,
                "invalid_json",
                f"the body is not a JSON object ({first.get('msg', 'unreadable')})",
                'send a JSON object such as {"question": "Who spoke about GeoGebra?"}',
            ).response()
        field = location[0]
        message = f"{'.'.join(location)}: {first.get('msg', 'invalid value')}"
        return _field_error(field, message).response()

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 400:  # the framework could not read the body at all
            body = error_body(
                "invalid_body",
                f"the body could not be read ({error.detail})",
                "send a JSON object encoded in UTF-8",
            )
        else:
            fix = "see /openapi.json for the endpoints and their methods"
            body = error_body(f"http_{error.status_code}", str(error.detail), fix)
        return JSONResponse(body, status_code=error.status_code)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error answering a request")
        body = error_body(
            "internal_error", "the server failed", "try again; the server log has the details"
        )
        return JSONResponse(body, status_code=500)

    def assistant() -> Any:
        try:
            return live.current()
        except NotReadyError as error:
            raise ApiError(
                503, "not_ready", str(error), "wait until GET /readyz says ready, then retry"
            ) from None

    @app.post(
        "/v1/ask",
        response_model=AnswerOut,
        responses=_errors(400, 413, 415, 422, 429, 503),
        summary="Answer a question from the reports",
    )
    def ask(request: AskRequest) -> dict[str, Any]:
        """The answer: answered, closest passage or not in these reports, with ranked passages."""
        current = assistant()
        started = time.perf_counter()
        try:
            answer = current.answer(request.question, request.k, request.documents)
        except EmptyQuestionError as error:
            raise _field_error("question", str(error)) from None
        except UnknownDocumentError as error:
            raise _field_error("documents", str(error)) from None
        return {**answer.to_json(), "seconds": round(time.perf_counter() - started, 4)}

    @app.get(
        "/v1/documents",
        response_model=DocumentsOut,
        responses=_errors(429, 503),
        summary="The documents the index holds",
    )
    def documents() -> dict[str, Any]:
        """Every indexed document with its dates, publisher and passage count, by date."""
        return {"documents": covered_documents(assistant().index)}

    @app.get(
        "/v1/status",
        response_model=StatusOut,
        responses=_errors(429),
        summary="Whether the index is current, stale, broken or missing",
    )
    def status() -> StatusOut:
        """The index on disk against the corpus (checked at most every 30 s), and what is served."""
        loaded = live.loaded()
        serving = loaded.assistant.index.manifest.built_at if loaded else None
        cached = status_cache.get("status")
        fresh = cached and time.monotonic() - cached[0] < STATUS_SECONDS
        if cached and fresh and cached[1].serving_built_at == serving:
            return cached[1]
        from seminar_qa.pipeline import index_status

        try:
            row: dict[str, Any] = index_status(settings).to_json()
        except (SeminarQAError, OSError) as error:
            row = {"state": "unknown", "message": str(error)}
        result = StatusOut(
            state=row["state"],
            message=row["message"],
            built_at=row.get("built_at"),
            documents=row.get("documents", 0),
            passages=row.get("passages", 0),
            skipped=row.get("skipped", 0),
            embedders=row.get("embedders", []),
            serving_built_at=serving,
            calibrated=bool(loaded and loaded.assistant.index.policy is not None),
        )
        status_cache["status"] = (time.monotonic(), result)
        return result

    @app.post(
        "/v1/feedback",
        status_code=201,
        response_model=FeedbackOut,
        responses=_errors(400, 413, 415, 422, 429, 503),
        summary="Record whether an answer helped",
    )
    def post_feedback(request: FeedbackRequest) -> dict[str, Any]:
        """Store a visitor's verdict (and optional comment) on an answer; stored before 201."""
        index = assistant().index
        passages = index.passage_by_id
        unknown = [pid for pid in request.passage_ids if pid not in passages]
        if unknown:
            raise _field_error(
                "passage_ids",
                f"passage_ids: {', '.join(map(repr, unknown[:3]))} not in the index being served",
            )
        if request.answer_kind != "not_found" and not request.passage_ids:
            raise _field_error("passage_ids", "passage_ids: empty, but the answer showed a passage")
        first = passages[request.passage_ids[0]] if request.passage_ids else None
        doc_ids = list(dict.fromkeys(passages[pid].doc_id for pid in request.passage_ids))
        try:
            row_id = store.add(
                FeedbackRow(
                    question=" ".join(request.question.split()),
                    passage_ids=tuple(request.passage_ids),
                    doc_ids=tuple(doc_ids),
                    answer=request.answer
                    if request.answer is not None
                    else (first.text if first else ""),
                    verdict=request.verdict,
                    answer_kind=request.answer_kind,
                    comment=request.comment.strip(),
                    session=request.session,
                    source="api",
                )
            )
        except FeedbackError as error:
            log.error("feedback not stored: %s", error)
            raise ApiError(
                503, "feedback_unavailable", "feedback cannot be stored now", "retry later"
            ) from None
        return {"id": row_id, "stored": True}

    @app.get("/healthz", response_model=HealthOut, summary="The process is up")
    def healthz() -> dict[str, str]:
        """Always ok while the process serves requests."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        response_model=ReadyOut,
        responses={503: {"model": ReadyOut}},
        summary="Questions are answered",
    )
    def readyz() -> JSONResponse:
        """200 once the index and models are loaded; 503 with the reason before that."""
        loaded = live.loaded()
        body = ReadyOut(
            ready=loaded is not None,
            reason=live.problem if loaded is None else "",
            serving_built_at=loaded.assistant.index.manifest.built_at if loaded else None,
        )
        return JSONResponse(body.model_dump(), status_code=200 if loaded else 503)

    return app
