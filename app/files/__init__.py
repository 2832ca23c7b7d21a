"""Uploading files into object storage and handing out download links after a permission check."""

from flask import Blueprint

bp = Blueprint("files", __name__)

from app.files import views  # noqa: E402,F401  (routes attach to bp)
