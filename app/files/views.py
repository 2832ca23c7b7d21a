"""Upload and download routes; the same permission predicates as the pages decide who gets a link."""

import time
from urllib.parse import unquote

from flask import Response, abort, current_app, flash, jsonify, redirect, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from itsdangerous import BadSignature

from app.errors import refusal_response
from app.files import bp
from app.files.services import FileTooLarge, UploadRefused, download_url, policy_for, store_upload
from app.models import FileKind
from app.permissions import (
    can_upload_file,
    default_upload_patient,
    get_chat_appointment_or_404,
    get_file_or_404,
    get_patient_or_404,
)
from app.refusals import Refusal
from app.scheduling.chat_window import window_for
from app.urls import safe_next
from storage import ObjectNotFound, StorageUnavailable, get_store
from storage.base import content_disposition
from storage.local import link_serializer

# Multipart framing around the file itself: boundaries and part headers.
MULTIPART_OVERHEAD = 64 * 1024


def _wants_json() -> bool:
    """fetch() clients get JSON, forms get a redirect with a message."""
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"


def _refuse(refusal: Refusal):
    """Answer a refused upload clearly, as JSON or as a message on the page the form came from."""
    if _wants_json():
        return refusal_response(refusal)
    flash(str(refusal), "danger")
    return redirect(safe_next(request.args.get("next"), default="/")), 303


def _upload_target():
    """The kind and patient named in the query string (read before the body, so limits apply as bytes arrive)."""
    try:
        kind = FileKind(request.args.get("kind", FileKind.LAB_RESULT.value))
    except ValueError:
        abort(400)
    if kind == FileKind.CHAT_ATTACHMENT:
        # Chat files belong to an appointment's chat: only its participants send them.
        appointment = get_chat_appointment_or_404(request.args.get("appointment", ""), current_user)
        return kind, appointment.patient, appointment
    wanted = request.args.get("patient")
    patient = get_patient_or_404(wanted, current_user) if wanted else default_upload_patient(current_user)
    if patient is None:
        abort(400)
    if not can_upload_file(current_user, patient, kind):
        abort(403)
    return kind, patient, None


def _spooled_size(stream) -> int | None:
    """The byte count of a form's file, which werkzeug has spooled to a seekable file, so the store streams it."""
    if not stream.seekable():
        return None
    size = stream.seek(0, 2)
    stream.seek(0)
    return size


@bp.post("/files")
@login_required
def upload():
    """Store one file, sent as multipart form field `file` or as the raw request body with X-Filename."""
    kind, patient, appointment = _upload_target()
    appointment_id = appointment.id if appointment is not None else None
    if appointment is not None and not window_for(appointment).is_open():
        return _refuse(UploadRefused("chat_closed", _l("The chat is closed, so files cannot be sent."), 403))
    policy = policy_for(kind)
    if request.content_length is not None and request.content_length > policy.max_bytes + MULTIPART_OVERHEAD:
        return _refuse(FileTooLarge(policy.max_mb))
    try:
        if request.mimetype == "multipart/form-data":
            # Werkzeug stops reading the body past this size, answering 413 while the bytes arrive.
            request.max_content_length = policy.max_bytes + MULTIPART_OVERHEAD
            sent = request.files.get("file")
            if sent is None or not sent.filename:
                return _refuse(UploadRefused("no_file", _l("Choose a file to send."), 400))
            stored = store_upload(
                sent.stream, sent.filename, kind, patient, current_user, appointment_id, size=_spooled_size(sent.stream)
            )
        else:
            filename = unquote(request.headers.get("X-Filename", "")) or "file"
            # A raw body's length is the file's, so the store can stream it in one request as it arrives.
            stored = store_upload(
                request.stream, filename, kind, patient, current_user, appointment_id, size=request.content_length
            )
    except UploadRefused as refusal:
        return _refuse(refusal)
    except StorageUnavailable as exc:
        current_app.logger.error("upload failed, storage unavailable: %s", exc)
        message = _l("File storage is unavailable right now; nothing was saved. Please try again later.")
        return _refuse(UploadRefused("storage_unavailable", message, 503))
    if _wants_json():
        body = {
            "id": str(stored.public_id),
            "name": stored.original_name,
            "content_type": stored.content_type,
            "size": stored.size,
            "sha256": stored.sha256,
        }
        return jsonify(body), 201
    flash(_("%(name)s has been sent.", name=stored.original_name), "success")
    return redirect(safe_next(request.args.get("next"), default="/")), 303


@bp.get("/files/<file_id>")
@login_required
def download(file_id):
    """Check the right to the file, audit staff access, then redirect to a short-lived link."""
    stored = get_file_or_404(file_id, current_user, audit="download_file")
    try:
        url = download_url(stored, as_attachment=request.args.get("download") == "1")
    except StorageUnavailable:
        abort(503)
    response = redirect(url, code=302)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/files/local/<token>")
def local_download(token):
    """Serve a local-storage object for a signed, unexpired link (the local twin of a presigned URL)."""
    try:
        data, issued = link_serializer().loads(token, return_timestamp=True)
    except BadSignature:
        abort(403)
    if time.time() - issued.timestamp() > data["e"]:
        abort(403)
    store = get_store()
    try:
        size = store.head(data["k"]).size
        chunks = store.open(data["k"])
    except ObjectNotFound:
        abort(404)
    response = Response(stream_with_context(chunks), mimetype=data["t"])
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = content_disposition(data["f"], data["i"])
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_template_global()
def upload_limits_text(kind: FileKind | str) -> str:
    """'PDF, JPEG up to 50 MB' for forms."""
    policy = policy_for(FileKind(kind))
    return _("%(types)s, up to %(mb)s MB", types=", ".join(t.upper() for t in policy.types), mb=policy.max_mb)
