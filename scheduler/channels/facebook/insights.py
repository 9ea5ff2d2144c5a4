"""Reading reach: each post's insights through Graph batch calls, surviving metrics Facebook removes.

One removed insights metric fails a whole insights request, so when that happens the posts concerned are
read metric by metric, the dead metric is remembered and left out from then on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scheduler.channels.facebook.errors import is_dead_metric
from scheduler.channels.facebook.throttle import as_int
from scheduler.errors import ChannelError

log = logging.getLogger("danvan.facebook")

BATCH_LIMIT = 50
# Reach is "viewers" since the 2025-2026 removals; views, reactions and clicks are kept beside it.
REACH_METRICS = ("post_total_media_view_unique", "post_media_view", "post_reactions_by_type_total", "post_clicks")

Batch = Callable[[Sequence[str]], list[Any | ChannelError]]


@dataclass(frozen=True)
class Metrics:
    values: dict[str, int | None]  # reach, views, reactions, clicks, shares
    raw: dict[str, Any]


@dataclass
class InsightsReader:
    """Reads insights through `batch` (GETs in one Graph batch call); knows which metrics are gone."""

    batch: Batch
    dead_metrics: set[str] = field(default_factory=set)

    def read(self, remote_ids: Sequence[str]) -> dict[str, Metrics | ChannelError]:
        """Reach, views, reactions and clicks of each post; a metric Facebook removed costs nothing else."""
        results: dict[str, Metrics | ChannelError] = {}
        needs_split: list[str] = []
        metrics = self._live_metrics()
        for chunk in chunks(list(remote_ids), BATCH_LIMIT):
            answers = self.batch([_insights_url(remote_id, metrics) for remote_id in chunk])
            for remote_id, answer in zip(chunk, answers, strict=True):
                if isinstance(answer, ChannelError) and is_dead_metric(answer):
                    needs_split.append(remote_id)
                else:
                    results[remote_id] = answer if isinstance(answer, ChannelError) else _metrics(answer)
        if needs_split:
            results.update(self._read_metric_by_metric(needs_split))
        return results

    def _read_metric_by_metric(self, remote_ids: list[str]) -> dict[str, Metrics | ChannelError]:
        """One sub-request per (post, metric): find which metrics are gone and keep the rest."""
        pairs = [(remote_id, metric) for remote_id in remote_ids for metric in self._live_metrics()]
        collected: dict[str, dict[str, Any]] = {remote_id: {"data": []} for remote_id in remote_ids}
        errors: dict[str, ChannelError] = {}
        for chunk in chunks(pairs, BATCH_LIMIT):
            answers = self.batch([_insights_url(remote_id, (metric,)) for remote_id, metric in chunk])
            for (remote_id, metric), answer in zip(chunk, answers, strict=True):
                if isinstance(answer, ChannelError):
                    if is_dead_metric(answer):
                        self._forget_metric(metric)
                    else:
                        errors[remote_id] = answer
                else:
                    collected[remote_id]["data"].extend(answer.get("data", []) if isinstance(answer, dict) else [])
        return {remote_id: errors.get(remote_id) or _metrics(collected[remote_id]) for remote_id in remote_ids}

    def _forget_metric(self, metric: str) -> None:
        if metric not in self.dead_metrics:
            log.warning("Facebook không còn cung cấp chỉ số %s; bỏ qua chỉ số này, vẫn đọc các chỉ số khác", metric)
            self.dead_metrics.add(metric)

    def _live_metrics(self) -> tuple[str, ...]:
        return tuple(m for m in REACH_METRICS if m not in self.dead_metrics)


def _insights_url(remote_id: str, metrics: Iterable[str]) -> str:
    return f"{remote_id}/insights?metric={','.join(metrics)}&period=lifetime"


def _metrics(answer: Any) -> Metrics:
    values: dict[str, Any] = {}
    for entry in answer.get("data", []) if isinstance(answer, dict) else []:
        if isinstance(entry, dict) and entry.get("values"):
            values[str(entry.get("name"))] = entry["values"][-1].get("value")
    reactions = values.get("post_reactions_by_type_total")
    return Metrics(
        values={
            "reach": as_int(values.get("post_total_media_view_unique")),
            "views": as_int(values.get("post_media_view")),
            "reactions": sum(as_int(v) or 0 for v in reactions.values())
            if isinstance(reactions, dict)
            else as_int(reactions),
            "clicks": as_int(values.get("post_clicks")),
            "shares": None,
        },
        raw=values,
    )


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
