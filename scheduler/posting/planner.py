"""Which slogan each channel posts, and when: the pure core of danvan.

Everything arrives as arguments (config, slogan file, time range, posting history); nothing is read from the
clock, the disk or the database, so the same inputs always give the same plan and every rule can be tested.

Time rules:

- `times` and `cron` name local wall-clock times. A wall time skipped by a spring-forward change is posted as
  if the clock had not moved, i.e. shifted forward by the length of the gap (02:30 on the spring-forward day
  in Europe/Berlin is posted at 03:30 CEST); if that lands on another scheduled time the two are posted once.
  A wall time that happens twice on a fall-back day is posted once, at its first occurrence (fold=0).
- `interval` steps in absolute time from a fixed anchor, local midnight of 2000-01-01 in the config's zone,
  so the slots never depend on the range asked for. Across a DST change the local clock times therefore
  move by an hour (an `interval: 6h` posting at 00:00/06:00/... in winter posts at 01:00/07:00/... in
  summer); use `times` when posts must stay at fixed local times.

Every returned datetime is aware, in the config's zone, and normalised through UTC so its offset is right.

Slogan rules, per channel:

- Rotation: every enabled slogan once before any repeats, in a stable per-channel order (see
  `rotation_order`). The position in the current cycle is rebuilt from the channel's history.
- Pinned: a slogan whose `dates` contains the slot's local date takes the channel's first slot(s) of that day.
  The choice depends only on the slot's index within its local day, so planning a day in several calls
  gives the same result as planning it at once, without the history having to carry dates.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.channels import unknown_channels
from scheduler.project.cron import crontab_trigger
from scheduler.project.models import ChannelConfig, Config, PostingPolicy, Schedule
from scheduler.project.slogans import Plan, Slogan, SloganFile

INTERVAL_ANCHOR = datetime(2000, 1, 1)  # local wall time; interval slots are anchor + k * interval
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, order=True)
class Slot:
    """One post: `channel` posts slogan `slogan_id` (whose text is `text`) at `at`.

    `at` is aware and in the config's zone. Caution: Python compares two datetimes that share a tzinfo by
    their wall-clock reading, ignoring fold, so the generated ordering of Slot is wrong inside a repeated
    fall-back hour; sort by `utc` when that matters (plan() does).
    """

    at: datetime
    channel: str
    slogan_id: str
    text: str

    @property
    def utc(self) -> datetime:
        """The absolute instant of the slot, safe to compare and subtract across DST changes."""
        return self.at.astimezone(UTC)


# --- time ---------------------------------------------------------------------------------------------


def slot_times(schedule: Schedule, tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """Fire times of one schedule in [start, end), aware, in tz, ascending.

    start and end must be aware (any zone). A schedule with several kinds set fires at the union of them.
    """
    lo, hi = _as_utc(start, "start"), _as_utc(end, "end")
    instants: set[datetime] = set()  # in UTC, so a wall time reached twice (gap shift, union) counts once
    if schedule.times:
        instants.update(_times_instants(schedule.times, tz, lo, hi))
    if schedule.cron:
        instants.update(_cron_instants(schedule.cron, tz, lo, hi))
    if schedule.interval is not None:
        instants.update(_interval_instants(schedule.interval, tz, lo, hi))
    return [instant.astimezone(tz) for instant in sorted(i for i in instants if lo <= i < hi)]


def wall_time_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of a naive local wall time under the rules above (gap: shifted; repeated: first)."""
    # fold=0 is exactly that rule: it takes the first of two readings and, inside a gap, the offset in
    # force before the gap, which moves the reading forward by the gap's length.
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def local_day_start(day: date, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) whose local date is `day`, also when local midnight is skipped or repeated."""
    return wall_time_instant(datetime.combine(day, time()), tz)


def _as_utc(moment: datetime, name: str) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC)


def _local_days(tz: ZoneInfo, lo: datetime, hi: datetime) -> Iterator[date]:
    # One spare day on each side: a wall time shifted by a gap (up to a whole day, as in Pacific/Apia at
    # the end of 2011) can land on a neighbouring date; the caller filters by instant anyway.
    day = lo.astimezone(tz).date() - _ONE_DAY
    last = hi.astimezone(tz).date() + _ONE_DAY
    while day <= last:
        yield day
        day += _ONE_DAY


def _times_instants(times: Iterable[time], tz: ZoneInfo, lo: datetime, hi: datetime) -> Iterator[datetime]:
    for day in _local_days(tz, lo, hi):
        for wall in times:
            yield wall_time_instant(datetime.combine(day, wall.replace(tzinfo=None)), tz)


def _cron_instants(expression: str, tz: ZoneInfo, lo: datetime, hi: datetime) -> Iterator[datetime]:
    # The trigger runs on a wall clock without transitions (UTC stands in for it) and each wall time is
    # then placed in the real zone exactly like a `times` entry. Run in the real zone, APScheduler 3.11
    # drops some wall times inside a gap ('0,30 2 * * *' loses 02:30, '0 0 * * *' in America/Santiago
    # loses the whole spring-forward day) and fires a repeated wall time twice.
    trigger = crontab_trigger(expression, UTC)
    days = list(_local_days(tz, lo, hi))
    stop = datetime.combine(days[-1] + _ONE_DAY, time(), UTC)
    fire: datetime | None = trigger.get_next_fire_time(None, datetime.combine(days[0], time(), UTC))
    while fire is not None and fire < stop:
        yield wall_time_instant(fire.replace(tzinfo=None), tz)
        fire = trigger.get_next_fire_time(fire, fire)


def _interval_instants(step: timedelta, tz: ZoneInfo, lo: datetime, hi: datetime) -> Iterator[datetime]:
    if step <= timedelta(0):
        raise ValueError(f"interval must be positive, got {step}")
    anchor = wall_time_instant(INTERVAL_ANCHOR, tz)
    first = -((anchor - lo) // step)  # ceil((lo - anchor) / step), in exact integer microseconds
    instant = anchor + first * step
    while instant < hi:
        yield instant
        instant += step


# --- slogans ------------------------------------------------------------------------------------------


def rotation_order(channel: str, slogans: Iterable[Slogan]) -> list[Slogan]:
    """The channel's stable order of slogans: different for each channel, the same on every run.

    sha256 rather than hash(): str hashes are randomised per process, and the order must survive restarts.
    Differing per channel keeps two Pages on the same schedule from posting the same card at the same time.
    """
    return sorted(slogans, key=lambda s: (hashlib.sha256(f"{channel}\0{s.id}".encode()).digest(), s.id))


def next_slogan(
    channel: str, candidates: Sequence[Slogan], day: date, history: Sequence[str], *, slot_of_day: int
) -> Slogan:
    """The slogan for the channel's slot number `slot_of_day` (0-based, counted in the local day `day`).

    `candidates` is the slogan file's list (disabled ones are skipped); `history` is what the channel already
    posted, oldest first. plan() makes the same choice slot after slot.
    """
    enabled = [s for s in candidates if s.enabled]
    if not enabled:
        raise ValueError("no enabled slogan to choose from")
    return _Chooser(channel, enabled, history).choose(day, slot_of_day)


def in_posting_period(policy: PostingPolicy, plan: Plan, day: date) -> bool:
    """Whether posts are allowed on the local date `day`: always, or within the plan's period (inclusive)."""
    return not policy.plan_period_only or plan.contains(day)


class _Rotation:
    """Where one channel stands in its cycle: the slogans seen since the cycle began."""

    def __init__(self, order: Sequence[Slogan]) -> None:
        self._order = order
        self._ids = frozenset(s.id for s in order)
        self._seen: set[str] = set()

    def record(self, slogan_id: str) -> None:
        if slogan_id not in self._ids:
            return  # removed from the file or disabled since it was posted: no longer part of any cycle
        self._seen.add(slogan_id)
        if self._seen == self._ids:
            self._seen.clear()

    @property
    def seen(self) -> frozenset[str]:
        """The slogans already posted in the current cycle."""
        return frozenset(self._seen)

    def next(self, avoid: Collection[str] = ()) -> Slogan:
        """The first unseen slogan in order, passing over `avoid` unless nothing else is left unseen."""
        unseen = [s for s in self._order if s.id not in self._seen]
        return next((s for s in unseen if s.id not in avoid), unseen[0])


def rotation_seen(order: Sequence[Slogan], history: Iterable[str]) -> frozenset[str]:
    """The slogans of `order` already posted in the current cycle after `history` (what _Rotation tracks)."""
    rotation = _Rotation(order)
    for slogan_id in history:
        rotation.record(slogan_id)
    return rotation.seen


class _Chooser:
    """One channel's choices: the day's pinned slogans first, then the rotation; every choice is remembered."""

    def __init__(self, channel: str, enabled: Sequence[Slogan], history: Iterable[str]) -> None:
        order = rotation_order(channel, enabled)
        self._pinned = pinned_by_day(order)
        self._rotation = _Rotation(order)
        for slogan_id in history:
            self._rotation.record(slogan_id)

    def choose(self, day: date, slot_of_day: int) -> Slogan:
        pinned = self._pinned.get(day, ())
        slogan = pinned[slot_of_day] if slot_of_day < len(pinned) else self._from_rotation(pinned)
        self._rotation.record(slogan.id)  # a pinned post counts for the rotation too
        return slogan

    def _from_rotation(self, pinned_today: Sequence[Slogan]) -> Slogan:
        # A pinned slogan already had its post today; if the cycle restarted since, the rotation should not
        # bring it back the same day while something else is still due.
        return self._rotation.next(avoid={s.id for s in pinned_today})


def pinned_by_day(order: Sequence[Slogan]) -> dict[date, list[Slogan]]:
    """Local date -> the slogans pinned to it, in the channel's stable order."""
    pinned: dict[date, list[Slogan]] = {}
    for slogan in order:
        for day in dict.fromkeys(slogan.dates):  # a date listed twice still pins once
            pinned.setdefault(day, []).append(slogan)
    return pinned


# --- plan ---------------------------------------------------------------------------------------------


def plan(
    config: Config,
    slogans: SloganFile,
    start: datetime,
    end: datetime,
    history: Mapping[str, Sequence[str]] | None = None,
    channels: Sequence[str] | None = None,
) -> list[Slot]:
    """Slots of every enabled channel (or only the named ones) in [start, end), sorted by (at, channel).

    `history` maps a channel name to the slogan ids it already posted (or claimed), oldest first; the rotation
    continues from it and from the choices made earlier in this call. "Sorted by at" means by the absolute
    instant, which differs from the wall-clock reading inside a repeated fall-back hour.
    """
    lo, hi = _as_utc(start, "start"), _as_utc(end, "end")
    selected = selected_channels(config, channels)
    enabled = slogans.enabled
    if lo >= hi or not selected or not enabled:
        return []
    tz = config.timezone
    window = _window(enabled, tz, lo, hi)
    times_of: dict[Schedule, list[tuple[datetime, int]]] = {}  # channels often share a schedule
    slots: list[Slot] = []
    for channel in selected:
        if channel.schedule not in times_of:
            times_of[channel.schedule] = _numbered_by_day(slot_times(channel.schedule, tz, *window))
        chooser = _Chooser(channel.name, enabled, (history or {}).get(channel.name, ()))
        for at, slot_of_day in times_of[channel.schedule]:
            if lo <= at < hi and in_posting_period(config.posting, slogans.plan, at.date()):
                slogan = chooser.choose(at.date(), slot_of_day)
                slots.append(Slot(at, channel.name, slogan.id, slogan.text))
    slots.sort(key=lambda slot: (slot.utc, slot.channel))
    return slots


def _window(enabled: Sequence[Slogan], tz: ZoneInfo, lo: datetime, hi: datetime) -> tuple[datetime, datetime]:
    """The instants whose slots must be listed to choose the slogans of [lo, hi).

    On a day with pinned slogans a slot's index within its local day decides what it posts, so whole days
    are listed; otherwise the range itself is enough (a 1-second interval makes a day 86,400 slots).
    """
    first, last = lo.astimezone(tz).date(), hi.astimezone(tz).date()
    pinned = {day for slogan in enabled for day in slogan.dates if first <= day <= last}
    if not pinned:
        return lo, hi
    return local_day_start(first, tz), local_day_start(last + _ONE_DAY, tz)


def selected_channels(config: Config, names: Sequence[str] | None) -> tuple[ChannelConfig, ...]:
    if names is None:
        return config.enabled_channels
    known = {c.name for c in config.channels}
    unknown = [name for name in dict.fromkeys(names) if name not in known]
    if unknown:
        # Silently planning nothing for a mistyped name would look like "nothing to post".
        raise unknown_channels(config, unknown)
    wanted = set(names)
    return tuple(c for c in config.enabled_channels if c.name in wanted)


def _numbered_by_day(times: Iterable[datetime]) -> list[tuple[datetime, int]]:
    """Each time with its 0-based index among the times of the same local date."""
    seen_per_day: Counter[date] = Counter()
    numbered: list[tuple[datetime, int]] = []
    for at in times:
        numbered.append((at, seen_per_day[at.date()]))
        seen_per_day[at.date()] += 1
    return numbered
