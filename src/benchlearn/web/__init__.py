"""Web dashboard and JSON API (FastAPI); reads results from the workspace, never fits a model."""

from benchlearn.web.app import create_app

__all__ = ["create_app"]
