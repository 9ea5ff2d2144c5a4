"""`/approvals`: each slogan with its card, its approval state and history; an approver approves or revokes.

The rules (what counts as approved, a changed text needing a new approval) are posting/approvals.py's; this
page only shows them and records an approval under the signed-in approver's own name.
"""

from __future__ import annotations

from flask import Flask, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from scheduler.cards import card_hash
from scheduler.posting.approvals import approval_states, awaiting_approval
from scheduler.posting.approvals import approve as approve_slogans
from scheduler.posting.approvals import revoke as revoke_approval
from scheduler.web import source
from scheduler.web.auth import approver_only, current_account


def register(app: Flask) -> None:
    app.add_url_rule("/approvals", "approvals", approvals_page)
    app.add_url_rule("/approvals/approve", "approve", approver_only(approve), methods=["POST"])
    app.add_url_rule("/approvals/revoke", "revoke", approver_only(revoke), methods=["POST"])


def awaiting_ids() -> set[str]:
    """Slogans that wait for an approval before they may go out (none unless approval is required)."""
    return {slogan.id for slogan in awaiting_approval(source.project(), source.ledger())}


def approvals_page() -> str:
    project = source.project()
    states = approval_states(source.ledger(), project.slogans, project.config)
    style = project.config.enabled_channels[0].card if project.config.enabled_channels else project.config.card
    cards = {state.slogan_id: card_hash(state.text, style) for state in states}
    required = project.config.posting.approval_required
    return render_template("approvals.html", states=states, required=required, cards=cards)


def approve() -> Response:
    project = source.project()
    chosen = request.form.getlist("slogan")
    known = {slogan.id for slogan in project.slogans.slogans}
    if not chosen or any(slogan_id not in known for slogan_id in chosen):
        abort(400)
    note = request.form.get("note", "").strip()[:500] or None
    approve_slogans(
        source.ledger(), project.slogans, project.config, chosen, current_account().name, note, source.now()
    )
    flash(f"Đã duyệt: {', '.join(chosen)}.")
    return redirect(url_for("approvals"), code=303)


def revoke() -> Response:
    project = source.project()
    slogan_id = request.form.get("slogan", "")
    if slogan_id not in {slogan.id for slogan in project.slogans.slogans}:
        abort(400)
    revoke_approval(source.ledger(), project.slogans, slogan_id, current_account().name, source.now())
    flash(f"Đã rút lại duyệt: {slogan_id}.")
    return redirect(url_for("approvals"), code=303)
