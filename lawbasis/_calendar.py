"""Calendar arithmetic for retention windows: ISO 8601 periods, named anchors, month clamping.

The rules decide *which* window applies (a period and the anchor it counts from); this module only
turns that choice into a date. The rounding rule is stated once (SPEC section 5): months and years
are calendar months and years, clamped to the last day of the target month, so 31 Jan + P1M is
28 Feb (29 Feb in a leap year) and 29 Feb 2024 + P1Y is 28 Feb 2025. Years and months are added
first, then days.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping

import attrs
from dateutil.relativedelta import relativedelta

from ._errors import InputError

_PERIOD = re.compile(r"^P(?!$)(?:(?P<y>\d+)Y)?(?:(?P<m>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?$")

#: Named anchors that are not a ``dates`` key: each is computed from one ``dates`` key.
CALENDAR_ANCHORS = {
    # Swedish bokföringslagen 7 kap. 2 §: the period runs from the end of the calendar year in
    # which the fiscal year ended.
    "end_of_calendar_year_of_fiscal_year_end": "fiscal_year_end",
}


@attrs.frozen
class Period:
    """A date-only ISO 8601 duration such as ``P36M``, ``P5Y`` or ``P200D``."""

    years: int = 0
    months: int = 0
    days: int = 0
    text: str = "P0D"

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text) if isinstance(text, str) else None
        if not match:
            raise InputError("period", text, "an ISO 8601 date duration such as P36M, P5Y or P200D", "not a period")
        y, m, w, d = (int(match.group(g) or 0) for g in "ymwd")
        return cls(years=y, months=m, days=d + 7 * w, text=text)

    def add_to(self, start: _dt.date) -> _dt.date:
        """``start`` plus this period, months clamped to the month's last day."""
        return start + relativedelta(years=self.years, months=self.months) + _dt.timedelta(days=self.days)


def anchor_date(anchor: str, dates: Mapping[str, _dt.date]) -> _dt.date | None:
    """The date an anchor names, or None when the facts do not give it."""
    if anchor in CALENDAR_ANCHORS:
        base = dates.get(CALENDAR_ANCHORS[anchor])
        return None if base is None else _dt.date(base.year, 12, 31)
    return dates.get(anchor)


def anchor_source(anchor: str) -> str:
    """The ``dates`` key an anchor is computed from."""
    return CALENDAR_ANCHORS.get(anchor, anchor)


def window_end(period: str, anchor: str, dates: Mapping[str, _dt.date]) -> _dt.date | None:
    """The last day data may be kept: anchor + period, or None when the anchor date is unknown."""
    start = anchor_date(anchor, dates)
    if start is None:
        return None
    return Period.parse(period).add_to(start)
