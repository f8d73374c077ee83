"""Pictures render to PNG and show what they claim: one bar per window, hatched holds, the as_of line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

import lawbasis

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
pytest.importorskip("pandas")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from lawbasis import explore, plot  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATES = {"contract_ended": "2025-06-30", "fiscal_year_end": "2023-06-30"}


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _save(ax: object, path: Path) -> None:
    ax.figure.savefig(path, dpi=60)  # type: ignore[attr-defined]
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 2000  # an actual picture, not an empty canvas


def _bars(ax: object) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]  # type: ignore[attr-defined]


def test_timeline_one_bar_per_window_coloured_by_action(engine: lawbasis.Engine, tmp_path: Path) -> None:
    items = [
        {"policy": "jetpak-dk", "purpose": "contract", "as_of": "2026-01-01", "dates": DATES},  # anonymise
        {"policy": "jetpak-dk", "purpose": "marketing", "as_of": "2026-01-01", "dates": DATES},  # delete
        {"policy": "jetpak-se", "purpose": "bookkeeping", "as_of": "2026-01-01", "dates": DATES},  # delete, 2030-12-31
    ]
    ax = plot.timeline(items, engine=engine)
    _save(ax, tmp_path / "timeline.png")
    bars = _bars(ax)
    assert len(bars) == 3
    assert [t.get_text() for t in ax.get_yticklabels()] == ["jetpak-dk / contract", "jetpak-dk / marketing", "jetpak-se / bookkeeping"]
    anonymise, delete = (
        matplotlib.colors.to_rgba(plot.ACTION_COLOURS["anonymise"]),
        matplotlib.colors.to_rgba(plot.ACTION_COLOURS["delete"]),
    )
    assert [b.get_facecolor() for b in bars] == [anonymise, delete, delete]
    # bars run from the anchor date to the last day kept (inclusive)
    first = bars[0]
    assert mdates.num2date(first.get_x()).date() == dt.date(2025, 6, 30)
    assert mdates.num2date(first.get_x() + first.get_width()).date() == dt.date(2028, 7, 1)
    third = bars[2]
    assert mdates.num2date(third.get_x()).date() == dt.date(2023, 12, 31)  # end of the calendar year
    assert mdates.num2date(third.get_x() + third.get_width()).date() == dt.date(2031, 1, 1)
    # one as_of line, and a legend naming both actions and the as_of date
    lines = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(lines) == 1 and mdates.num2date(lines[0].get_xdata()[0]).date() == dt.date(2026, 1, 1)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["then anonymise", "then delete", "as of 2026-01-01"]
    assert any("until 2030-12-31 (delete)" == t.get_text() for t in ax.texts)


def test_timeline_shows_a_dispute_hold_as_an_open_ended_hatched_bar(engine: lawbasis.Engine, tmp_path: Path) -> None:
    held = engine.evaluate({"policy": "jetpak-dk", "purpose": "contract", "dispute": True, "as_of": "2026-01-01", "dates": DATES})
    plain = engine.evaluate({"policy": "jetpak-dk", "purpose": "contract", "as_of": "2026-01-01", "dates": DATES})
    ax = plot.timeline([plain, held], labels=["no dispute", "dispute pending"])
    _save(ax, tmp_path / "hold.png")
    bars = _bars(ax)
    assert len(bars) == 2
    assert bars[0].get_hatch() is None and bars[1].get_hatch() == "///"
    # the held bar starts at the anchor and runs to the right edge of the axes
    assert mdates.num2date(bars[1].get_x()).date() == dt.date(2025, 6, 30)
    assert bars[1].get_x() + bars[1].get_width() == pytest.approx(ax.get_xlim()[1])
    assert "held by a pending dispute" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_timeline_without_an_end_date_draws_no_bar_but_says_why(engine: lawbasis.Engine, tmp_path: Path) -> None:
    ax = plot.timeline(
        [
            {"policy": "jetpak-dk", "purpose": "contract", "as_of": "2026-01-01"},  # no contract_ended date
            {"policy": "jetpak-dk", "purpose": "restructuring", "as_of": "2026-01-01"},  # no period stated
            {"policy": "jetpak-dk", "purpose": "contract", "as_of": "2026-01-01", "dates": DATES},
        ],
        engine=engine,
    )
    _save(ax, tmp_path / "missing.png")
    assert len(_bars(ax)) == 1
    notes = [t.get_text().strip() for t in ax.texts]
    assert "P36M from contract_ended: anchor date not in the facts" in notes
    assert "no retention period stated" in notes


def test_timeline_from_a_grid_with_decisions(engine: lawbasis.Engine, tmp_path: Path) -> None:
    df = explore.grid(
        "jetpak-dk", ["contract", "marketing", "sales", "bookkeeping"], engine=engine, as_of="2026-01-01", dates=DATES, keep_decisions=True
    )
    ax = plot.timeline(df)
    _save(ax, tmp_path / "grid.png")
    assert len(_bars(ax)) == 4
    with pytest.raises(lawbasis.InputError, match="keep_decisions") as caught:
        plot.timeline(df.drop(columns="decision"))
    assert caught.value.field == "items" and "'decision' column" in caught.value.allowed


def test_heatmap_has_one_labelled_cell_per_row_and_column(engine: lawbasis.Engine, tmp_path: Path) -> None:
    df = explore.grid(
        "jetpak-dk",
        "marketing",
        engine=engine,
        channel="email",
        as_of="2026-01-01",
        customer_status=["prospect", "customer", "former_customer"],
        consent=["none", "given", "withdrawn"],
    )
    ax = plot.heatmap(df, row="customer_status", col="consent", value="lawful")
    _save(ax, tmp_path / "heatmap.png")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["prospect", "customer", "former_customer"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["none", "given", "withdrawn"]
    assert [t.get_text() for t in ax.texts] == ["no", "yes", "no"] * 3
    assert ax.images[0].get_array().shape == (3, 3)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["yes", "no"]


def test_heatmap_marks_disagreeing_scenarios_mixed_and_booleans_yes_no(engine: lawbasis.Engine, tmp_path: Path) -> None:
    df = explore.grid(
        "jetpak-dk",
        ["marketing", "contract"],
        engine=engine,
        as_of="2026-01-01",
        channel="email",
        consent=["none", "given"],
        objection=["none", "direct_marketing"],
    )
    ax = plot.heatmap(df, row="purpose", col="objection", value="may_process")
    _save(ax, tmp_path / "mixed.png")
    cells = [t.get_text() for t in ax.texts]
    assert len(cells) == 4
    # marketing without objection: lawful only with consent -> mixed; contract: always may process
    assert cells == ["mixed", "no", "yes", "yes"]


def test_heatmap_rejects_an_unknown_column(engine: lawbasis.Engine) -> None:
    df = explore.grid("jetpak-dk", "marketing", engine=engine, consent=["none", "given"])
    with pytest.raises(lawbasis.InputError, match="colour") as caught:
        plot.heatmap(df, row="consent", col="purpose", value="colour")
    assert (caught.value.field, caught.value.value) == ("value", "colour")
    assert "consent" in caught.value.allowed and "purpose" in caught.value.allowed
    with pytest.raises(lawbasis.InputError) as caught:
        plot.heatmap(df, row="nosuch", col="purpose", value="lawful")
    assert (caught.value.field, caught.value.value) == ("row", "nosuch")
    with pytest.raises(lawbasis.InputError) as caught:
        plot.heatmap([1, 2], row="consent", col="purpose", value="lawful")
    assert caught.value.field == "frame"


def test_timeline_refuses_bad_items_and_labels(engine: lawbasis.Engine) -> None:
    facts = {"policy": "jetpak-dk", "purpose": "contract", "as_of": "2026-01-01"}
    with pytest.raises(lawbasis.InputError) as caught:
        plot.timeline([facts, facts], engine=engine, labels=["only one"])
    assert (caught.value.field, caught.value.value) == ("labels", ["only one"])
    assert "1 labels for 2 decisions" in str(caught.value) and "one label per decision (2)" in str(caught.value)
    with pytest.raises(lawbasis.InputError) as caught:
        plot.timeline(42, engine=engine)
    assert (caught.value.field, caught.value.value) == ("items", 42)
    with pytest.raises(lawbasis.InputError) as caught:
        plot.timeline([{"policy": "nosuch", "purpose": "contract"}], engine=engine)
    assert caught.value.field == "policy"
