"""Methodologist workspace pages."""

from flask import render_template

from roles.methodologist import bp


@bp.get("/")
def dashboard():
    """The queue of lab files sent by patients (files arrive with the storage issue; empty until then)."""
    return render_template("methodologist/dashboard.html", files=[])
