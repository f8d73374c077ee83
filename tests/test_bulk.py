"""lawbasis.bulk: table answers equal evaluate() row by row; vectorised calendar equals _calendar."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lawbasis
from lawbasis.bulk import DECISION_COLUMNS, BulkEvaluator, add_period, evaluate_frame, sweep_file
from lawbasis.core.activity import CHANNELS, CONSENTS, CORPORATE_EVENTS, CUSTOMER_STATUSES, DATE_KEYS, OBJECTIONS
from lawbasis.core.calendar import Period
from lawbasis.invariants import check_action_today
from lawbasis.strategies import activities as activity_objects
from tests.conftest import scaled

ENGINE = lawbasis.default_engine()
PAIRS = [(p.id, purpose.id) for p in ENGINE.policies() for purpose in p.purposes.values()]


def expected_row(decision: lawbasis.Decision, as_of: dt.date) -> dict[str, object]:
    r = decision.retention
    assert decision.as_of == as_of
    check_action_today(decision.activity, decision)  # the rules gdpr/today/* against the documented meaning
    return {
        "lawful": decision.lawful,
        "bases": ",".join(decision.basis_letters),
        "bases_stopped": ",".join(b.letter for b in decision.bases if b.stopped),
        "objection_applies": decision.objection.applies,
        "objection_continues": decision.objection.continues,
        "may_process": decision.may_process,
        "retention_period": r.period,
        "retention_from": r.from_,
        "retention_action": r.action,
        "retention_until": r.until,
        "extended": r.extended,
        "findings": ",".join(decision.finding_codes),
        "action_today": decision.action_today,
    }


def actual_row(row: pd.Series) -> dict[str, object]:
    out = {c: row[c] for c in DECISION_COLUMNS}
    out["retention_until"] = None if pd.isna(row["retention_until"]) else row["retention_until"].date()
    for c in ("objection_continues", "may_process", "extended"):
        out[c] = bool(out[c])
    return out


def to_facts(record: dict[str, object], as_of: dt.date) -> dict[str, object]:
    facts = {k: v for k, v in record.items() if k not in DATE_KEYS and k != "as_of" and v is not None}
    facts["dates"] = {k: record[k] for k in DATE_KEYS if record.get(k) is not None}
    facts["as_of"] = as_of
    return facts


day = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2032, 12, 31))


@st.composite
def activities(draw: st.DrawFn) -> dict[str, object]:
    policy, purpose = draw(st.sampled_from(PAIRS))
    consent = draw(st.sampled_from(CONSENTS))
    objection = draw(st.sampled_from(OBJECTIONS))
    record: dict[str, object] = {
        "policy": policy,
        "purpose": purpose,
        "customer_status": draw(st.sampled_from(CUSTOMER_STATUSES)),
        "channel": draw(st.sampled_from((None, *CHANNELS))),
        "personalised": draw(st.booleans()),
        "consent": consent,
        "objection": objection,
        "compelling_grounds": draw(st.booleans()),
        "dispute": draw(st.booleans()),
        "special_category": draw(st.sampled_from((False, False, True))),
        "erasure_requested": draw(st.booleans()),
        "corporate_event": draw(st.sampled_from(CORPORATE_EVENTS)),
        "acquirer_similar": draw(st.booleans()),
    }
    for key in DATE_KEYS:
        allowed = not (key == "consent_withdrawn" and consent != "withdrawn") and not (key == "objection_received" and objection == "none")
        if key == "contact_collected":  # before every other date, so the order is always valid
            value = draw(st.none() | st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2014, 12, 31)))
        else:
            value = draw(st.none() | day) if allowed else None
        record[key] = value.isoformat() if value is not None else None
    return record


SHARED = BulkEvaluator(ENGINE)


@scaled(0.6)
@given(st.lists(activities(), min_size=1, max_size=12), st.lists(day, min_size=1, max_size=3), st.booleans(), st.booleans())
def test_frame_equals_evaluate_row_by_row(records, as_ofs, per_row_as_of, duplicate):
    if duplicate:  # the same discrete facts with other dates: the cached combination path
        records = records + [{**r, **{k: None for k in DATE_KEYS if k in ("contract_ended", "recorded")}} for r in records]
    table = pd.DataFrame.from_records(records)
    days = [as_ofs[i % len(as_ofs)] for i in range(len(table))]
    if per_row_as_of:
        table["as_of"] = [d.isoformat() for d in days]
    else:
        days = [as_ofs[0]] * len(table)
    try:
        expected = [expected_row(ENGINE.evaluate(to_facts(r, d)), d) for r, d in zip(records, days, strict=True)]
    except lawbasis.LawbasisError as exc:
        with pytest.raises(type(exc)):
            BulkEvaluator(ENGINE).evaluate_frame(table, as_of=as_ofs[0])
        return
    bulk = BulkEvaluator(ENGINE)
    result = bulk.evaluate_frame(table, as_of=as_ofs[0])
    assert list(result.columns) == list(DECISION_COLUMNS)
    assert list(result.index) == list(table.index)
    for i, want in enumerate(expected):
        assert actual_row(result.iloc[i]) == want, (records[i], days[i])
    assert bulk.evaluations <= 2 * len(table)
    # an evaluator that has decided every earlier example, on the rows in the other order: its
    # cache (value numbers, windows, answers) carries across tables whatever order values come in
    shared = SHARED.evaluate_frame(table.iloc[::-1], as_of=as_ofs[0])
    for i, want in enumerate(expected):
        assert actual_row(shared.loc[table.index[i]]) == want, (records[i], days[i])


@scaled(0.6)
@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)), st.integers(0, 30), st.integers(0, 40), st.integers(0, 400)
)
def test_add_period_equals_calendar(start, years, months, days):
    period = Period.parse(f"P{years}Y{months}M{days}D")
    got = add_period(np.array([start], dtype="datetime64[D]"), period)[0]
    assert got.astype(dt.date) == period.add_to(start)


def test_spec_examples_as_a_table():
    table = pd.DataFrame(
        [
            {"policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given", "dates.contract_ended": "2025-06-30"},
            {"policy": "jetpak-dk", "purpose": "marketing", "customer_status": "prospect", "channel": "email", "consent": "none"},
            {"policy": "jetpak-se", "purpose": "bookkeeping", "dates.fiscal_year_end": "2023-06-30"},
            {"policy": "jetpak-se", "purpose": "bookkeeping", "dates.fiscal_year_end": "2019-06-30"},
        ]
    )
    out = evaluate_frame(table, as_of="2026-11-22")
    assert out["bases"].tolist() == ["a", "", "c", "c"]
    assert out["lawful"].tolist() == ["yes", "no", "yes", "yes"]
    assert out["objection_applies"].tolist() == ["21(2)", "21(2)", None, None]
    assert out["may_process"].tolist() == [True, False, True, True]
    assert [None if pd.isna(u) else u.date().isoformat() for u in out["retention_until"]] == [
        "2028-06-30",
        None,
        "2030-12-31",
        "2026-12-31",
    ]
    assert out["action_today"].tolist() == ["keep", "keep", "keep", "keep"]
    later = evaluate_frame(table, as_of="2027-01-01")
    assert later["action_today"].tolist()[3] == "delete"
    assert later["may_process"].tolist()[3] is False


def test_dispute_holds_only_what_the_policy_ties_to_claims():
    # the contract section keeps data for disputes; the bookkeeping section does not (SPEC 9.4)
    table = pd.DataFrame(
        {
            "policy": ["jetpak-se", "jetpak-se"],
            "purpose": ["contract", "bookkeeping"],
            "dispute": ["true", "true"],
            "contract_ended": ["2010-06-30", None],
            "fiscal_year_end": [None, "2010-06-30"],
        }
    )
    out = evaluate_frame(table, as_of="2026-01-01")
    assert out["extended"].tolist() == [True, False]
    assert out["action_today"].tolist() == ["hold", "delete"]
    assert pd.isna(out["retention_until"].iloc[0])
    assert out["retention_until"].iloc[1].date().isoformat() == "2017-12-31"
    assert "legal_claims_hold_possible" in out["findings"].iloc[1].split(",")


def test_a_million_rows_run_the_engine_a_few_times():
    n = 1000
    table = pd.DataFrame(
        {
            "policy": "jetpak-dk",
            "purpose": "marketing",
            "channel": "email",
            "consent": "given",
            "contract_ended": pd.date_range("2018-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
        }
    )
    bulk = BulkEvaluator(ENGINE)
    out = bulk.evaluate_frame(table, as_of="2022-06-15")
    assert bulk.evaluations == 2  # the key once, then the other window status once
    assert set(out["action_today"]) == {"keep", "delete"}
    # 2018-01-01 + 36 months = 2021-01-01 (the last day kept), so rows up to 2019-06-14 are past their window
    assert (out["action_today"] == "delete").sum() == len(pd.date_range("2018-01-01", "2019-06-14"))
    bulk.evaluate_frame(table, as_of="2022-06-15")
    assert bulk.evaluations == 2  # cached


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("contract_ended", "2025-02-30", "impossible date"),
        ("contract_ended", "30/06/2025", "not an ISO date"),
        ("consent", "maybe", "unknown value"),
    ],
)
def test_bad_cells_raise_input_error(column, value, problem):
    table = pd.DataFrame([{"policy": "jetpak-dk", "purpose": "marketing", "contract_ended": "2025-01-01"}] * 2)
    table.loc[1, column] = value
    with pytest.raises(lawbasis.InputError, match=problem):
        evaluate_frame(table, as_of="2026-01-01")


def test_date_order_is_checked_per_row():
    table = pd.DataFrame(
        {
            "policy": ["jetpak-dk"] * 2,
            "purpose": ["marketing"] * 2,
            "contact_collected": ["2020-01-01", "2024-01-01"],
            "contract_ended": ["2021-01-01", "2023-01-01"],
        }
    )
    with pytest.raises(lawbasis.InputError, match=r"wrong order \(row 1\)"):
        evaluate_frame(table, as_of="2026-01-01")


def test_missing_policy_column():
    with pytest.raises(lawbasis.InputError, match="policy"):
        evaluate_frame(pd.DataFrame({"purpose": ["marketing"]}))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_sweep_file_streams_in_chunks(tmp_path, suffix):
    rows = [
        {
            "id": i,
            "policy": "jetpak-dk",
            "purpose": "marketing",
            "channel": "email",
            "consent": "given",
            "contract_ended": f"20{10 + i % 15}-03-31",
        }
        for i in range(50)
    ]
    source = tmp_path / f"in{suffix}"
    table = pd.DataFrame(rows)
    table.to_csv(source, index=False) if suffix == ".csv" else table.to_parquet(source, index=False)
    output = tmp_path / f"out{suffix}"
    seen = []
    counts = sweep_file(source, output, "2026-01-01", chunksize=7, keep=["id"], progress=seen.append)
    assert sum(seen) == 50 and len(seen) == 8
    out = pd.read_csv(output) if suffix == ".csv" else pd.read_parquet(output)
    assert out.columns.tolist() == ["id", *DECISION_COLUMNS]
    assert out["id"].astype(int).tolist() == list(range(50))
    # contract ended 20YY-03-31, +36 months = (YY+3)-03-31: past on 2026-01-01 for YY <= 22
    expected = ["delete" if 10 + i % 15 <= 22 else "keep" for i in range(50)]
    assert out["action_today"].tolist() == expected
    assert counts == {"keep": expected.count("keep"), "delete": expected.count("delete"), "anonymise": 0, "hold": 0}
    assert str(out["retention_until"].iloc[0]) == "2013-03-31"  # text in CSV, a date in Parquet


def test_cut_date_without_anchor_date_ends_the_window():
    # objection upheld with a received date, window anchored on a contract end the row lacks: the
    # engine ends the window at the cut date alone (regression: NaT must not swallow the cut)
    facts = {
        "policy": "jetpak-dk",
        "purpose": "business_development",
        "objection": "general",
        "dates": {"objection_received": "2025-11-16"},
    }
    d = ENGINE.evaluate({**facts, "as_of": "2026-11-22"})
    assert d.retention.from_ == "contract_ended"
    assert d.retention.until == dt.date(2025, 11, 16)
    row = {k: v for k, v in facts.items() if k != "dates"} | facts["dates"]
    out = evaluate_frame(pd.DataFrame([row, {**row, "objection_received": "2026-12-01"}]), as_of="2026-11-22")
    assert [u.date().isoformat() for u in out["retention_until"]] == ["2025-11-16", "2026-12-01"]
    assert out["action_today"].tolist() == ["anonymise", "keep"]
    # the second objection is received after as_of: not yet effective, but it will end the window (SPEC 9.2)
    assert out["may_process"].tolist() == [False, True]


def test_empty_table():
    out = evaluate_frame(pd.DataFrame({"policy": pd.Series(dtype=str), "purpose": pd.Series(dtype=str)}), as_of="2026-01-01")
    assert list(out.columns) == list(DECISION_COLUMNS) and len(out) == 0


def test_categorical_and_string_columns_give_the_same_answers():
    """Dictionary-encoded (category) columns skip hashing; the answers do not change."""
    table = pd.DataFrame(
        [
            {"policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given", "contract_ended": "2025-06-30"},
            {"policy": "jetpak-dk", "purpose": "marketing", "customer_status": "prospect", "channel": "email", "consent": "none"},
            {"policy": "jetpak-se", "purpose": "bookkeeping", "fiscal_year_end": "2018-06-30"},  # until 2025-12-31
            {"policy": "sunclass-dk", "purpose": "bookkeeping", "fiscal_year_end": "2019-06-30", "dispute": True},  # nothing held
            {"policy": "jetpak-se", "purpose": "contract", "contract_ended": "2019-06-30", "dispute": True},  # held
        ]
    )
    as_text = evaluate_frame(table, as_of="2026-11-22")
    categorical = table.astype({c: "category" for c in ("policy", "purpose", "customer_status", "channel", "consent")})
    as_categories = BulkEvaluator(ENGINE).evaluate_frame(categorical, as_of="2026-11-22")
    pd.testing.assert_frame_equal(as_text, as_categories)
    assert as_categories["action_today"].tolist() == ["keep", "keep", "delete", "delete", "hold"]


def test_unhashable_cell_raises_input_error():
    table = pd.DataFrame({"policy": ["jetpak-dk"] * 2, "purpose": ["marketing"] * 2, "consent": ["given", ["given"]]})
    with pytest.raises(lawbasis.InputError, match=r"'consent': wrong type list \(row 1\)"):
        evaluate_frame(table, as_of="2026-01-01")
    assert evaluate_frame(table.head(1), as_of="2026-01-01")["bases"].tolist() == [
        "f"
    ]  # no channel: consent is not offered; nothing left behind


def test_date_columns_of_every_dtype_parse_alike():
    """Text, object, string[pyarrow] and category date columns give the same dates; bad cells name their row."""
    from lawbasis.tables.frame import parse_date_column

    texts = ["2020-01-31", None, "2024-02-29", "2020-01-31"]
    want = np.array(["2020-01-31", "NaT", "2024-02-29", "2020-01-31"], dtype="datetime64[D]")
    for dtype in (None, object, "string[pyarrow]", "category"):
        column = pd.Series(texts, dtype=dtype)
        got = parse_date_column("contract_ended", column)
        assert (np.isnat(got) == np.isnat(want)).all() and (got[~np.isnat(got)] == want[~np.isnat(want)]).all(), dtype
        bad = pd.Series(["2020-01-31", "2021-02-30", None], dtype=dtype)
        with pytest.raises(lawbasis.InputError, match=r"impossible date \(row 1\)"):
            parse_date_column("contract_ended", bad)


# --- every table shape a user has ------------------------------------------------------------------

TEXT_FIELDS = ("policy", "purpose", "customer_status", "channel", "consent", "objection", "corporate_event")


def _layout(records: list[dict[str, object]], layout: str) -> pd.DataFrame:
    """The same rows as a user's pandas gives them: built from lists, cast, or read back from CSV/Parquet."""
    import io

    base = pd.DataFrame({k: [r[k] for r in records] for k in records[0]})  # pandas 3: text is the str dtype
    dates = [k for k in DATE_KEYS if k in base.columns]
    if layout == "lists":
        return base
    if layout in ("object", "string[pyarrow]", "category"):
        return base.astype({k: layout if layout != "object" else object for k in (*TEXT_FIELDS, *dates)})
    if layout.startswith("datetime64"):
        return base.assign(**{k: pd.to_datetime(base[k], format="ISO8601").astype(layout) for k in dates})
    if layout.startswith("csv"):
        text = base.to_csv(index=False)
        return pd.read_csv(io.StringIO(text), engine="pyarrow" if layout == "csv-pyarrow" else None)
    if layout.startswith("parquet"):
        source = (
            base.assign(**{k: pd.to_datetime(base[k], format="ISO8601").astype("datetime64[s]") for k in dates})
            if layout == "parquet-dates"
            else base
        )
        if layout == "parquet-date32":  # datetime.date cells: Parquet's date32, as Dask and Spark write dates
            source = base.assign(**{k: pd.to_datetime(base[k], format="ISO8601").dt.date for k in dates})
        buffer = io.BytesIO()
        source.to_parquet(buffer, index=False)
        buffer.seek(0)
        # dask.dataframe.read_parquet and dtype_backend="pyarrow" give every column an ArrowDtype
        return pd.read_parquet(buffer, **({"dtype_backend": "pyarrow"} if layout.endswith(("-arrow", "date32")) else {}))
    if layout == "arrow-dtypes":  # DataFrame.convert_dtypes(dtype_backend="pyarrow"): timestamps, strings, booleans
        return base.assign(**{k: pd.to_datetime(base[k], format="ISO8601") for k in dates}).convert_dtypes(dtype_backend="pyarrow")
    raise AssertionError(layout)


LAYOUTS = (
    "lists",
    "object",
    "string[pyarrow]",
    "category",
    "datetime64[ns]",
    "datetime64[us]",
    "datetime64[s]",
    "csv",
    "csv-pyarrow",
    "parquet",
    "parquet-dates",
    "parquet-dates-arrow",
    "parquet-date32",
    "arrow-dtypes",
)


@given(st.lists(activity_objects(as_of=st.just(dt.date(2026, 11, 22))), min_size=1, max_size=10), st.sampled_from(LAYOUTS))
def test_every_table_shape_equals_evaluate_row_by_row(activities, layout):
    """A table drawn with lawbasis.strategies, in each dtype layout a user's pandas gives (str, object,
    string[pyarrow], category, datetime64 units, read back from CSV with both engines and from Parquet, and
    with Arrow-backed dtypes as Dask and dtype_backend="pyarrow" give them):
    every decision column equals evaluate() row by row."""
    as_of = dt.date(2026, 11, 22)
    records = []
    for a in activities:
        row = {k: v for k, v in a.to_dict().items() if k not in ("dates", "as_of")}
        records.append(row | {k: a.dates[k].isoformat() if k in a.dates else None for k in DATE_KEYS})
    table = _layout(records, layout)
    try:
        expected = [expected_row(ENGINE.evaluate(a), as_of) for a in activities]
    except lawbasis.LawbasisError as exc:
        with pytest.raises(type(exc)):
            BulkEvaluator(ENGINE).evaluate_frame(table, as_of=as_of)
        return
    for bulk in (BulkEvaluator(ENGINE), SHARED):  # fresh, and one that has seen every earlier table
        result = bulk.evaluate_frame(table, as_of=as_of)
        assert list(result.columns) == list(DECISION_COLUMNS)
        for i, want in enumerate(expected):
            assert actual_row(result.iloc[i]) == want, (layout, records[i])


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        (["2020-01-31", "0000-01-01"], r"impossible date \(row 1\)"),  # Arrow reads year 0; datetime.date does not
        (["2020-01-31", "2020-1-31"], r"not an ISO date \(row 1\)"),
        (["2020-01-31", ""], None),  # an empty cell: not known
    ],
)
@pytest.mark.parametrize("dtype", [None, object, "string[pyarrow]"])
def test_text_dates_refused_by_arrow_are_named(cells, problem, dtype):
    from lawbasis.tables.frame import parse_date_column

    column = pd.Series(cells, dtype=dtype)
    if problem is None and dtype is object:
        assert np.isnat(parse_date_column("contract_ended", column)).tolist() == [False, True]
    elif problem is None:  # a typed text column holds "" as a value, not as a missing cell
        with pytest.raises(lawbasis.InputError, match=r"not an ISO date \(row 1\)"):
            parse_date_column("contract_ended", column)
    else:
        with pytest.raises(lawbasis.InputError, match=problem):
            parse_date_column("contract_ended", column)


def test_pyarrow_csv_date_objects_and_datetimes():
    """read_csv(engine="pyarrow") gives date columns as datetime.date objects; datetimes in an object column are refused."""
    from lawbasis.tables.frame import parse_date_column

    dates = pd.Series([dt.date(2020, 1, 31), None, dt.date(2024, 2, 29)], dtype=object)
    got = parse_date_column("contract_ended", dates)
    assert [str(d) for d in got] == ["2020-01-31", "NaT", "2024-02-29"]
    mixed = pd.Series([dt.date(2020, 1, 31), dt.datetime(2020, 1, 31, 12)], dtype=object)
    with pytest.raises(lawbasis.InputError, match=r"wrong type datetime \(row 1\)"):
        parse_date_column("contract_ended", mixed)


def test_retention_carries_window_status_and_cuts():
    """Decision.retention says the window status and which dates cut it (bulk reads them instead of the trace)."""
    d = ENGINE.evaluate(
        {
            "policy": "jetpak-dk",
            "purpose": "business_development",
            "objection": "general",
            "dates": {"objection_received": "2025-11-16", "contract_ended": "2025-01-31"},
            "as_of": "2026-11-22",
        }
    )
    assert (d.retention.status, d.retention.cuts, d.retention.until) == ("closed", ("objection_received",), dt.date(2025, 11, 16))
    open_window = ENGINE.evaluate(
        {
            "policy": "jetpak-dk",
            "purpose": "marketing",
            "consent": "given",
            "dates": {"contract_ended": "2025-06-30"},
            "as_of": "2026-01-01",
        }
    )
    assert (open_window.retention.status, open_window.retention.cuts) == ("open", ())
    unknown = ENGINE.evaluate({"policy": "jetpak-dk", "purpose": "marketing", "consent": "given", "as_of": "2026-01-01"})
    assert (unknown.retention.status, unknown.retention.until) == ("unknown", None)
    assert "status" not in d.retention.to_dict() and "cuts" not in d.retention.to_dict()  # the documented JSON is unchanged


def test_chunked_arrow_columns():
    """pd.concat (and read_csv) give Arrow columns of several chunks: codes and dates span the chunks."""
    first = pd.DataFrame({"policy": ["jetpak-dk"], "purpose": ["marketing"], "consent": ["given"], "contract_ended": ["2020-06-30"]})
    second = pd.DataFrame({"policy": ["jetpak-se", "jetpak-dk"], "purpose": ["bookkeeping", "marketing"], "consent": [None, "given"]})
    second["fiscal_year_end"] = ["2018-06-30", None]
    table = pd.concat([first, second], ignore_index=True)
    for dtype in (None, "string[pyarrow]"):
        chunked = table.astype({c: dtype for c in table.columns}) if dtype else table
        got = evaluate_frame(chunked, as_of="2026-11-22")
        assert [None if pd.isna(u) else u.date().isoformat() for u in got["retention_until"]] == ["2023-06-30", "2025-12-31", None]
        assert got["action_today"].tolist() == ["delete", "delete", "keep"]
        assert got["bases"].tolist() == evaluate_frame(pd.DataFrame(table.to_dict("records")), as_of="2026-11-22")["bases"].tolist()


def test_a_combination_has_one_key_whether_or_not_its_table_schedules_events():
    """A row decided in a table without scheduled events is not decided again in a table where another row
    has one: keys have one width in every table (and so travel between evaluators, see test_sweep.py)."""
    bulk = BulkEvaluator(lawbasis.Engine())
    row = {"policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given", "contract_ended": "2025-06-30"}
    first = bulk.evaluate_frame(pd.DataFrame([row]), "2026-01-01")
    assert (bulk.evaluations, bulk.known_keys()) == (1, 1)
    withdrawing = {**row, "consent": "withdrawn", "consent_withdrawn": "2026-06-01"}
    both = bulk.evaluate_frame(pd.DataFrame([row, withdrawing]), "2026-01-01")
    assert (bulk.evaluations, bulk.known_keys()) == (2, 2)  # only the withdrawing row ran the engine
    pd.testing.assert_frame_equal(both.iloc[:1], first)


def test_arrow_backed_date_columns_parse_like_numpy_ones():
    """date32[pyarrow] and timestamp[pyarrow] columns (Dask's read_parquet, dtype_backend="pyarrow") give the
    same days as datetime64 ones; a time zone or a time of day is refused as with numpy datetimes."""
    import pyarrow as pa

    from lawbasis.tables.frame import parse_date_column

    days = [dt.date(2020, 1, 31), None, dt.date(2024, 2, 29)]
    want = np.array(["2020-01-31", "NaT", "2024-02-29"], dtype="datetime64[D]")
    for kind in (pa.date32(), pa.date64(), pa.timestamp("us"), pa.timestamp("ns"), pa.timestamp("s")):
        column = pd.Series(days, dtype=pd.ArrowDtype(kind))
        got = parse_date_column("contract_ended", column)
        assert got.dtype == want.dtype and got.astype(str).tolist() == want.astype(str).tolist(), kind
    with pytest.raises(lawbasis.InputError, match="a datetime is not a date"):
        parse_date_column("contract_ended", pd.Series(days, dtype=pd.ArrowDtype(pa.timestamp("us", tz="UTC"))))
    noon = pd.Series([dt.datetime(2020, 1, 31, 12)], dtype=pd.ArrowDtype(pa.timestamp("us")))
    with pytest.raises(lawbasis.InputError, match=r"a datetime is not a date \(row 0\)"):
        parse_date_column("contract_ended", noon)
    table = pd.DataFrame(
        {"policy": ["jetpak-dk"], "purpose": ["contract"], "contract_ended": [dt.date(2019, 6, 30)], "dispute": [False]}
    ).convert_dtypes(dtype_backend="pyarrow")
    table["contract_ended"] = table["contract_ended"].astype(pd.ArrowDtype(pa.date32()))
    decided = evaluate_frame(table, as_of="2026-11-22")
    single = lawbasis.evaluate(
        {"policy": "jetpak-dk", "purpose": "contract", "dates": {"contract_ended": "2019-06-30"}, "as_of": "2026-11-22"}
    )
    assert single.retention.until == dt.date(2022, 6, 30) and single.action_today == "anonymise"
    assert decided["retention_until"].tolist() == [pd.Timestamp("2022-06-30")]
    assert decided["action_today"].tolist() == ["anonymise"]
