"""Calendar arithmetic for retention windows: ISO 8601 periods, named anchors, month clamping.

The rules decide *which* window applies (a period and the anchor it counts from); this module only
turns that choice into a date. The rounding rule is stated once (SPEC section 5): months and years
are calendar months and years, clamped to the last day of the target month, so 31 Jan + P1M is
28 Feb (29 Feb in a leap year) and 29 Feb 2024 + P1Y is 28 Feb 2025. Years and months are added
first, then days.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from collections.abc import Mapping

import attrs
from dateutil.relativedelta import relativedelta

from lawbasis.core.errors import InputError
from lawbasis.core.vocabulary import BUILTIN, anchor_parts

_PERIOD = re.compile(r"^P(?!$)(?:(?P<y>\d+)Y)?(?:(?P<m>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?$")

#: The last day a window may end on: ``datetime.date``'s range (numpy's reaches further, see lawbasis.bulk).
LAST_DAY = _dt.date.max
WINDOW_END_ALLOWED = f"dates whose window ends on or before {LAST_DAY.isoformat()}"

#: Named anchors that are not a ``dates`` key: each is computed from one ``dates`` key (declared in
#: ``rules/vocabulary.yaml``; e.g. Swedish bokföringslagen 7 kap. 2 §: the period runs from the end
#: of the calendar year in which the fiscal year ended).
CALENDAR_ANCHORS = {name: anchor.of for name, anchor in BUILTIN.anchors.items()}


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

    def add_to(self, start: _dt.date, field: str = "date") -> _dt.date:
        """``start`` plus this period, months clamped to the month's last day.

        An end past 9999-12-31 (``datetime.date``'s last day) is an InputError naming ``field``.
        """
        end = self._end(start)
        if end is None:
            raise InputError(field, start.isoformat(), WINDOW_END_ALLOWED, f"{self.text} from it ends after {LAST_DAY.isoformat()}")
        return end

    def _end(self, start: _dt.date) -> _dt.date | None:
        try:
            return start + relativedelta(years=self.years, months=self.months) + _dt.timedelta(days=self.days)
        except (OverflowError, ValueError):  # past year 9999: relativedelta raises ValueError, timedelta OverflowError
            return None


def anchor_date(anchor: str, dates: Mapping[str, _dt.date]) -> _dt.date | None:
    """The date an anchor names, or None when the facts do not give it.

    An anchor is a ``dates`` key, ``end_of_year(KEY)`` or ``end_of_month(KEY)`` (the last day of the
    year or month of that date), or a named anchor of the vocabulary.
    """
    source, rounding = anchor_parts(anchor, BUILTIN.anchors)
    base = dates.get(source)
    if base is None or rounding is None:
        return base
    if rounding == "end_of_year":
        return _dt.date(base.year, 12, 31)
    return _dt.date(base.year, base.month, calendar.monthrange(base.year, base.month)[1])


def anchor_source(anchor: str) -> str:
    """The ``dates`` key an anchor is computed from."""
    return anchor_parts(anchor, BUILTIN.anchors)[0]


def window_end(period: str, anchor: str, dates: Mapping[str, _dt.date]) -> _dt.date | None:
    """The last day data may be kept: anchor + period, or None when the anchor date is unknown.

    An end past 9999-12-31 is an InputError naming the ``dates`` key the anchor comes from, with
    that key's date as the value (:func:`window_overflow`).
    """
    start = anchor_date(anchor, dates)
    if start is None:
        return None
    end = Period.parse(period)._end(start)
    if end is None:
        source = anchor_source(anchor)
        raise window_overflow(period, anchor, dates[source].isoformat())
    return end


def window_overflow(period: str, anchor: str, value: str, where: str = "") -> InputError:
    """The error for a window ``period`` from ``anchor`` that ends past 9999-12-31.

    One wording for the engine and the vectorised calendar of :mod:`lawbasis.bulk` (``where``
    names the row there), so both report the same field, value and allowed dates.
    """
    return InputError(
        f"dates.{anchor_source(anchor)}",
        value,
        WINDOW_END_ALLOWED,
        f"the retention window {period} from {anchor} ends after {LAST_DAY.isoformat()}{where}",
    )
