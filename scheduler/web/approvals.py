"""`/approvals`: each slogan with its card, its approval state and history; an approver approves or revokes.

The rules (what counts as approved, a changed text needing a new approval) are posting/approvals.py's; this
page only shows them and records an approval under the signed-in approver's own name.
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from scheduler.cards import card_hash
from scheduler.web import source
from scheduler.web.auth import approver_only, current_account


def register(app: Flask) -> None:
    app.add_url_rule("/approvals", "approvals", approvals_page)
    app.add_url_rule("/approvals/approve", "approve", approver_only(approve), methods=["POST"])
    app.add_url_rule("/approvals/revoke", "revoke", approver_only(revoke), methods=["POST"])


def _library() -> Any:
    try:
        return importlib.import_module("scheduler.posting.approvals")
    except ImportError:  # issue 15 (approvals) not in this build
        return None


def unapproved_ids() -> set[str]:
    """Slogans held for want of approval, to mark in the plan (none unless approval is required)."""
    library, project = _library(), source.project()
    if library is None or getattr(project.config.posting, "approval", "off") != "required":
        return set()
    states = library.approval_states(source.ledger(), project.slogans, project.config)
    return {state.slogan_id for state in states if not state.approved}


def approvals_page() -> str:
    library = _library()
    project = source.project()
    if library is None:
        return render_template("approvals.html", states=[], available=False, required=False, cards={})
    states = library.approval_states(source.ledger(), project.slogans, project.config)
    style = project.config.enabled_channels[0].card if project.config.enabled_channels else project.config.card
    cards = {state.slogan_id: card_hash(state.text, style) for state in states}
    required = getattr(project.config.posting, "approval", "off") == "required"
    return render_template("approvals.html", states=states, available=True, required=required, cards=cards)


def approve() -> Response:
    library = _library()
    if library is None:
        abort(404)
    project = source.project()
    chosen = request.form.getlist("slogan")
    known = {slogan.id for slogan in project.slogans.slogans}
    if not chosen or any(slogan_id not in known for slogan_id in chosen):
        abort(400)
    note = request.form.get("note", "").strip()[:500] or None
    library.approve(
        source.ledger(), project.slogans, project.config, chosen, current_account().name, note, source.now()
    )
    flash(f"Đã duyệt: {', '.join(chosen)}.")
    return redirect(url_for("approvals"), code=303)


def revoke() -> Response:
    library = _library()
    if library is None:
        abort(404)
    project = source.project()
    slogan_id = request.form.get("slogan", "")
    if slogan_id not in {slogan.id for slogan in project.slogans.slogans}:
        abort(400)
    library.revoke(source.ledger(), project.slogans, slogan_id, current_account().name, source.now())
    flash(f"Đã rút lại duyệt: {slogan_id}.")
    return redirect(url_for("approvals"), code=303)
