"""The call pages patients and doctors open: for now the pre-call check of camera, microphone, speaker and network."""

from datetime import timedelta

from flask import Blueprint, jsonify, render_template
from flask_babel import gettext as _
from flask_login import current_user

from app.calls.ice import ice_servers
from app.extensions import limiter
from app.gate import guard_blueprint
from app.models import Role

bp = Blueprint("video", __name__)

# The check's TURN credential only has to outlive one run of the check (a few seconds) and a user who lingers on the
# page before pressing "start"; the page asks for a fresh one on every run.
CHECK_CREDENTIAL_LIFETIME = timedelta(minutes=10)
# Any patient may run the check, and self-registration is open: the limit keeps one account from turning the clinic's
# relay into a free TURN service by collecting credentials (an honest user runs the check a few times at most).
CHECK_CREDENTIAL_LIMIT = "30 per hour"


# Only the two sides of a call have call pages.
guard_blueprint(bp, Role.PATIENT, Role.DOCTOR)


@bp.get("/check")
def check():
    """The pre-call check page: camera preview, microphone level, speaker test and a relay-only network loop."""
    return render_template("video/check.html", texts=check_texts())


@bp.get("/check/ice-servers")
@limiter.limit(CHECK_CREDENTIAL_LIMIT, key_func=lambda: f"check-ice:{getattr(current_user, 'public_id', '')}")
def check_ice_servers():
    """ICE servers for one run of the check, with a short-lived TURN credential of the signed-in user's own."""
    servers = ice_servers(f"check-{current_user.public_id}", CHECK_CREDENTIAL_LIFETIME)
    return jsonify(iceServers=servers, relay=any("credential" in server for server in servers))


def check_texts() -> dict:
    """Every sentence js/calls/check.js may show, in the page's language (scripts carry no strings)."""
    return {
        "pass": _("Pass"),
        "warn": _("Warning"),
        "fail": _("Fail"),
        "waiting": _("Checking…"),
        "unavailable": _("Not checked"),
        "camera_pass": _(
            "Your camera works: the picture is %(width)s × %(height)s.", width="{width}", height="{height}"
        ),
        "camera_warn": _(
            "Your camera works, but the picture is small (%(width)s × %(height)s): the doctor may not see details.",
            width="{width}",
            height="{height}",
        ),
        "camera_denied": _("The browser was not allowed to use the camera. Allow it in the site settings and retry."),
        "camera_missing": _("No camera was found, or another program is using it."),
        "camera_no_picture": _("The camera sends no picture."),
        "mic_pass": _("Your microphone works."),
        "mic_warn": _("The microphone hears you only faintly. Speak louder or move closer, or check its volume."),
        "mic_silent": _("The microphone hears nothing. Check that it is not muted, then retry."),
        "mic_denied": _("The browser was not allowed to use the microphone. Allow it in the site settings and retry."),
        "mic_missing": _("No microphone was found, or another program is using it."),
        "mic_prompt": _("Say a few words: the bar should move."),
        "speaker_question": _("Did you hear the sound?"),
        "speaker_pass": _("Your speakers or headphones work."),
        "speaker_fail": _("Check the volume and which speakers or headphones the computer uses, then play it again."),
        "speaker_blocked": _("The browser did not play the sound. Press the button again."),
        "network_pass": _(
            "The connection through the clinic's relay works: round trip %(rtt)s ms, %(loss)s%% lost.",
            rtt="{rtt}",
            loss="{loss}",
        ),
        "network_warn": _(
            "The connection through the clinic's relay is slow or loses data (round trip %(rtt)s ms, %(loss)s%% "
            "lost): the picture may freeze. A wired connection or sitting closer to the Wi-Fi router helps.",
            rtt="{rtt}",
            loss="{loss}",
        ),
        "network_fail": _(
            "Your browser could not reach the clinic's relay server. A call may not work from this network: try "
            "another network, or ask the clinic."
        ),
        "network_refused": _("The clinic's relay server refused the connection. Please tell the clinic."),
        "network_too_often": _("You ran the check many times in a short while. Please try again later."),
        "network_unsupported": _(
            "This browser cannot make video calls. Please use a current Chrome, Firefox or Safari."
        ),
        "network_unconfigured": _(
            "The clinic has no relay server set up, so the connection could not be checked. This says nothing "
            "about your network."
        ),
    }
