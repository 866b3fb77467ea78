"""The HTTP API (``seminar-qa serve``): ask, documents, status, feedback, health and readiness."""

from seminar_qa.api.app import create_app

__all__ = ["create_app"]
