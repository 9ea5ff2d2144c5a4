"""Building the campaign's results for a period from the ledger and the plan.

The numbers are built once here; report.py prints them as text and CSV and report_html.py as a page, so the
three always agree with each other and with `danvan log`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from scheduler.cards import CardStore, card_directory
from scheduler.errors import DanvanError
from scheduler.ledger import STATUSES, Ledger
from scheduler.ledger.queries import PostGroup
from scheduler.posting.approvals import ApprovalState, approval_states
from scheduler.posting.counting import count_slots
from scheduler.project import Project
from scheduler.reports.text import FAILURE_STATUSES, CampaignReport, PostLine, Totals


def build_report(
    project: Project, ledger: Ledger, since: dt.date, until: dt.date, now: dt.datetime, *, every_post: bool = True
) -> CampaignReport:
    """Totals per channel and per slogan for the local days since..until (inclusive).

    The totals are summed in SQL. `every_post` loads each post's row too (the CSV and the HTML page list them);
    without it only the unsuccessful posts are loaded, which is all the text report lists.
    """
    tz = project.config.timezone
    start = dt.datetime.combine(since, dt.time(), tz)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tz)
    texts = {s.id: s.text for s in project.slogans.slogans}
    statuses = STATUSES if every_post else FAILURE_STATUSES
    lines = [
        PostLine(post, texts.get(post.slogan_id, post.slogan_id), reading)
        for post, reading in ledger.posts_between(start, end, statuses)
    ]
    report = CampaignReport(
        project.slogans.plan.id, project.slogans.plan.issued_by, since, until, tz, lines, texts=texts
    )
    _add_posted(report, ledger.post_groups(start, end))
    _add_upcoming(report, project, ledger, max(start, now), end)
    return report


def _add_posted(report: CampaignReport, groups: list[PostGroup]) -> None:
    # Channels and slogans appear in the order of their first post, as in the period's list of posts.
    for group in sorted(groups, key=lambda g: (g.first_slot, g.channel)):
        report.totals.add_posts(group.status, group.posts, group.reach, group.views)
        for totals in _totals_of(report, group.channel, group.slogan_id):
            totals.add_posts(group.status, group.posts, group.reach, group.views)


def _totals_of(report: CampaignReport, channel: str, slogan: str) -> tuple[Totals, Totals]:
    report.by_channel.setdefault(channel, Totals())
    report.by_slogan.setdefault(slogan, Totals())
    return (report.by_channel[channel], report.by_slogan[slogan])


def _add_upcoming(
    report: CampaignReport, project: Project, ledger: Ledger, start: dt.datetime, end: dt.datetime
) -> None:
    """Slots still to come in the period count as planned: the plan, not just what has happened yet."""
    if start >= end:
        return
    history = {c.name: ledger.history(c.name) for c in project.config.enabled_channels}
    # Counted, not listed: a 2-second interval over a plan period of years is millions of slots.
    for channel, counts in count_slots(project.config, project.slogans, start, end, history).items():
        for slogan_id, planned in counts.per_slogan.items():
            for totals in _totals_of(report, channel, slogan_id):
                totals.planned += planned
            report.totals.planned += planned
            report.upcoming[(channel, slogan_id)] = planned


def card_thumbnails(project: Project) -> Callable[[PostLine], bytes | None]:
    """Thumbnails for the HTML page: the card that went out (from the card store), drawn again if it is gone."""
    from scheduler.reports.html import jpeg_thumbnail

    store = CardStore(card_directory(project.config.database))

    def thumbnail(line: PostLine) -> bytes | None:
        data = store.find(line.post.card_hash) if line.post.card_hash else None
        channel = project.config.channel(line.post.channel)
        if data is None and channel is not None and line.text:
            try:
                data = store.get(line.text, channel.card).data
            except DanvanError:
                return None
        return jpeg_thumbnail(data) if data else None

    return thumbnail


def approvals_of(project: Project) -> list[ApprovalState]:
    """Who approved each slogan, for the HTML page (nothing when approvals are not in use and none were given)."""
    if not project.config.database.exists():
        return []
    with Ledger.open(project.config.database) as ledger:
        states = approval_states(ledger, project.slogans, project.config)
    in_use = project.config.posting.approval_required or any(s.history for s in states)
    return states if in_use else []
