"""The caption a channel posts under a card: one definition, used by the publisher and by approvals."""

from __future__ import annotations

from scheduler.project.models import ChannelConfig
from scheduler.project.slogans import Plan, Slogan


def make_caption(channel: ChannelConfig, slogan: Slogan, plan: Plan) -> str:
    return channel.caption.format(
        text=slogan.text,
        hashtags=" ".join(channel.hashtags),
        plan=plan.id,
        issued_by=plan.issued_by,
        slogan_id=slogan.id,
    ).strip()
