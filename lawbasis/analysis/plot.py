"""Pictures of decisions: a retention timeline and a heatmap of a decision grid (matplotlib).

Needs matplotlib (``pip install lawbasis[notebook]``). Both functions draw on ``ax`` (or a new
figure) and return the Axes, so a notebook shows them and a script can ``savefig``.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from lawbasis import plot
>>> ax = plot.timeline([{"policy": "jetpak-dk", "purpose": "contract", "as_of": "2026-01-01",
...                      "dates": {"contract_ended": "2025-06-30"}}])
>>> [t.get_text() for t in ax.get_yticklabels()]
['jetpak-dk / contract']
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lawbasis.core.activity import Activity
from lawbasis.core.calendar import anchor_date
from lawbasis.core.decision import Decision
from lawbasis.core.errors import InputError
from lawbasis.engine.host import Engine, default_engine

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["ACTION_COLOURS", "heatmap", "timeline"]

#: Bar colours by end action: deletion red, anonymisation blue.
ACTION_COLOURS = {"delete": "#c0392b", "anonymise": "#2471a3"}
_HOLD_HATCH = "///"
_CATEGORY_COLOURS = {
    "yes": "#58b368",
    "True": "#58b368",
    "no": "#e0605e",
    "False": "#e0605e",
    "undetermined": "#b8b8b8",
    "mixed": "#f2c14e",
}
_PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd")


def _decisions(items: Any, engine: Engine | None) -> list[Decision]:
    """Decisions from a Decision, an Activity, a facts dict, a grid with a ``decision`` column, or a list of them."""
    if isinstance(items, (Decision, Activity, Mapping)):
        items = [items]
    elif hasattr(items, "columns") and hasattr(items, "__getitem__"):  # a DataFrame from explore.grid
        if "decision" not in items.columns:
            raise InputError(
                "items",
                f"a table with columns {', '.join(map(str, items.columns))}",
                "a grid with a 'decision' column: explore.grid(..., keep_decisions=True)",
                "no 'decision' column",
            )
        items = list(items["decision"])
    elif isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise InputError(
            "items", items, "a Decision, an Activity, a facts dict, a grid with a 'decision' column, or a list of them", "not decisions"
        )
    out = []
    for item in items:
        if isinstance(item, Decision):
            out.append(item)
        else:
            out.append((engine or default_engine()).evaluate(item))
    return out


def _num(day: _dt.date) -> float:
    """A date as a matplotlib date number."""
    import matplotlib.dates as mdates

    return float(mdates.date2num(day))  # type: ignore[no-untyped-call]


def _start(d: Decision) -> _dt.date | None:
    r = d.retention
    dates = d.activity.dates
    if r.from_ is not None:
        start = anchor_date(r.from_, dates)
        if start is not None:
            return start
    return min(dates.values()) if dates else None


def timeline(
    items: Decision | Activity | Mapping[str, Any] | Iterable[Any] | pd.DataFrame,
    ax: Axes | None = None,
    engine: Engine | None = None,
    labels: Sequence[str] | None = None,
) -> Axes:
    """A retention timeline: one row per decision, a bar from the anchor date to the last day kept.

    ``items`` are decisions, or activities / facts dicts (evaluated with ``engine``, default the
    built-in one), or a grid made with ``keep_decisions=True``. Bar colour is the end action
    (``ACTION_COLOURS``: delete red, anonymise blue); a window held open by a pending dispute is a
    hatched bar running off the right edge; a dashed vertical line marks each ``as_of`` date. Rows
    with no end date (anchor date unknown, no period stated) get no bar but a note saying why.
    Labels default to ``policy / purpose``.
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    decisions = _decisions(items, engine)
    if labels is None:
        labels = [f"{d.policy} / {d.purpose}" for d in decisions]
    if len(labels) != len(decisions):
        raise InputError(
            "labels", labels, f"one label per decision ({len(decisions)})", f"{len(labels)} labels for {len(decisions)} decisions"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.55 * len(decisions) + 1.6))

    known = [day for d in decisions for day in (_start(d), d.retention.until, d.as_of) if day is not None]
    lo = min(known) if known else _dt.date.today()
    hi = max(known) if known else lo
    margin = max((hi - lo).days * 0.08, 60)
    right = hi + _dt.timedelta(days=margin * 3)
    left = lo - _dt.timedelta(days=margin)

    actions_seen: list[str] = []
    held_seen = False
    for y, d in enumerate(decisions):
        r = d.retention
        start = _start(d)
        colour = ACTION_COLOURS.get(r.action, "#7f8c8d")
        if r.extended:
            begin = start or d.as_of
            ax.barh(
                y,
                _num(right) - _num(begin),
                left=_num(begin),
                height=0.5,
                color="white",
                edgecolor=colour,
                hatch=_HOLD_HATCH,
                linewidth=1.2,
            )
            ax.text(_num(begin), y - 0.33, f"{begin.isoformat()} \u2192 held (dispute pending)", fontsize=8, va="bottom")
            held_seen = True
        elif r.until is not None:
            begin = start or r.until
            ax.barh(y, _num(r.until) + 1 - _num(begin), left=_num(begin), height=0.5, color=colour)
            ax.text(_num(r.until) + margin * 0.1, y, f"until {r.until.isoformat()} ({r.action})", fontsize=8, va="center")
        else:
            if r.period is not None:
                note = f"{r.period} from {r.from_}: anchor date not in the facts"
            elif r.stated_in_policy:
                note = "open-ended: the policy sets no end"
            else:
                note = "no retention period stated"
            ax.text(_num(left), y, "  " + note, fontsize=8, va="center", style="italic", color="#555555")
            continue
        if r.action not in actions_seen:
            actions_seen.append(r.action)

    as_ofs = sorted({d.as_of for d in decisions})
    for day in as_ofs:
        ax.axvline(_num(day), color="black", linestyle="--", linewidth=1)

    ax.set_yticks(range(len(decisions)))
    ax.set_yticklabels(list(labels))
    ax.set_ylim(len(decisions) - 0.5, -0.7)
    ax.set_xlim(_num(left), _num(right))
    ax.xaxis_date()
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))  # type: ignore[no-untyped-call]
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_title("Retention windows")

    handles: list[Any] = [Patch(color=ACTION_COLOURS.get(a, "#7f8c8d"), label=f"then {a}") for a in actions_seen]
    if held_seen:
        handles.append(Patch(facecolor="white", edgecolor="#555555", hatch=_HOLD_HATCH, label="held by a pending dispute"))
    handles += [Line2D([], [], color="black", linestyle="--", label=f"as of {day.isoformat()}") for day in as_ofs]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=min(len(handles), 4), frameon=False, fontsize=8)
    return ax


def _category(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "none"
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "yes" if value else "no"
    if value == "":
        return "none"
    return str(value)


def heatmap(
    frame: pd.DataFrame,
    row: str,
    col: str,
    value: str,
    ax: Axes | None = None,
) -> Axes:
    """A heatmap of a decision grid: ``row`` x ``col`` cells coloured and labelled by ``value``.

    Categorical values (``lawful``, ``may_process``, ``bases``, ...) get one colour each and a
    legend; ``yes``/``no``/``undetermined`` are green/red/grey. Where several scenarios fall in one
    cell and disagree, the cell reads ``mixed``. Numeric values are averaged and drawn on a scale.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from lawbasis import explore
    >>> df = explore.grid("jetpak-dk", "marketing", channel="email",
    ...                   customer_status=["prospect", "customer"], consent=["none", "given", "withdrawn"])
    >>> ax = heatmap(df, row="customer_status", col="consent", value="lawful")
    >>> [t.get_text() for t in ax.texts]
    ['no', 'yes', 'no', 'no', 'yes', 'no']
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    if not hasattr(frame, "columns"):
        raise InputError("frame", frame, "a pandas DataFrame (a grid from explore.grid)", "not a table")
    for field, name in (("row", row), ("col", col), ("value", value)):
        if name not in frame.columns:
            raise InputError(field, name, f"a column of the grid: {', '.join(map(str, frame.columns))}", "not a column of the grid")
    rows = list(dict.fromkeys(frame[row].map(_category)))
    cols = list(dict.fromkeys(frame[col].map(_category)))
    if ax is None:
        _, ax = plt.subplots(figsize=(1.3 * len(cols) + 2.5, 0.5 * len(rows) + 1.8))

    series = frame[value]
    numeric = series.dtype.kind in "iuf"
    cells: dict[tuple[str, str], list[Any]] = {}
    for r, c, v in zip(frame[row].map(_category), frame[col].map(_category), series, strict=True):
        cells.setdefault((r, c), []).append(v)

    if numeric:
        matrix = np.full((len(rows), len(cols)), np.nan)
        for (r, c), vs in cells.items():
            matrix[rows.index(r), cols.index(c)] = float(np.mean(vs))
        image = ax.imshow(matrix, cmap="viridis", aspect="auto")
        ax.figure.colorbar(image, ax=ax, label=value)
        for (r, c), _ in cells.items():
            ax.text(
                cols.index(c),
                rows.index(r),
                f"{matrix[rows.index(r), cols.index(c)]:g}",
                ha="center",
                va="center",
                color="white",
                fontsize=9,
            )
    else:
        text: dict[tuple[str, str], str] = {}
        for key, vs in cells.items():
            distinct = list(dict.fromkeys(_category(v) for v in vs))
            text[key] = distinct[0] if len(distinct) == 1 else "mixed"
        order = ["yes", "no", "undetermined"]
        categories = sorted(set(text.values()), key=lambda t: (order.index(t) if t in order else len(order), t))
        colours = []
        spare = iter(_PALETTE)
        for cat in categories:
            colours.append(_CATEGORY_COLOURS.get(cat) or next(spare, "#999999"))
        matrix = np.full((len(rows), len(cols)), np.nan)
        for (r, c), t in text.items():
            matrix[rows.index(r), cols.index(c)] = categories.index(t)
        ax.imshow(matrix, cmap=ListedColormap(colours), vmin=-0.5, vmax=len(categories) - 0.5, aspect="auto")
        for r_i, r in enumerate(rows):
            for c_i, c in enumerate(cols):
                if (r, c) in text:
                    ax.text(c_i, r_i, text[(r, c)], ha="center", va="center", fontsize=9)
        ax.legend(
            handles=[Patch(color=colour, label=cat) for cat, colour in zip(categories, colours, strict=True)],
            title=value,
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            frameon=False,
            fontsize=8,
        )

    ax.set_xticks(np.arange(-0.5, len(cols)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(rows)), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels(cols, rotation=30, ha="right")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows)
    ax.set_xlabel(col)
    ax.set_ylabel(row)
    ax.set_title(value)
    return ax
