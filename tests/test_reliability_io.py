"""Hardening of the edges (issue 11): errors that cross process boundaries, files that must not be
clobbered, dates past year 9999, bad input that used to be an internal error (exit 3), and the
bulk evaluator's memory after rejected tables."""

from __future__ import annotations

import concurrent.futures
import copy
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lawbasis
import lawbasis.testing.scenarios
from lawbasis import bulk
from lawbasis.cli import main
from lawbasis.core.calendar import Period, window_end

MARKETING = {"policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given"}
PAST_9999 = "dates whose window ends on or before 9999-12-31"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    assert err.startswith("lawbasis: error: ") and err.count("\n") == 1, err
    return err


def deep(levels: int, leaf: object = "2020-01-01") -> object:
    value: object = leaf
    for _ in range(levels):
        value = {"a": value}
    return value


def table(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows)


# --- 1. errors pickle with their class, fields and notes ----------------------------------------


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


ERRORS = [
    lawbasis.InputError("consent", "bogus", "none, given", "unknown value"),
    lawbasis.UnknownPolicyError("policy", "nope", "jetpak-dk, jetpak-se", "unknown policy"),
    lawbasis.UnknownPurposeError("purpose", "nope", "marketing", "not a purpose of jetpak-dk"),
    lawbasis.RuleFileError("rules/x.yaml", "gdpr/a", "bad when"),
    lawbasis.EngineError("rules disagree"),
    lawbasis.testing.scenarios.ScenarioFileError("s.yaml", 3, "no facts"),
    lawbasis.LawbasisError("plain"),
]


def test_every_error_class_is_covered_here():
    ours = {c for c in _subclasses(lawbasis.LawbasisError) if c.__module__.startswith("lawbasis")}
    assert {type(e) for e in ERRORS} == ours | {lawbasis.LawbasisError}


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_every_error_pickles_with_class_fields_and_notes(error):
    error = copy.copy(error)  # copy uses the same protocol as pickle
    error.add_note("in row 7 of the table")
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert str(back) == str(error) and back.args == error.args
    assert back.__dict__ == error.__dict__  # every field, and __notes__
    assert back.__notes__ == ["in row 7 of the table"]


def test_error_with_unpicklable_or_too_deep_value_still_pickles():
    for value in (lambda: None, deep(5000)):
        error = lawbasis.InputError("dates.contract_ended", value, "an ISO date YYYY-MM-DD", "wrong type")
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is lawbasis.InputError and back.field == "dates.contract_ended"
        assert isinstance(back.value, str) and str(back) == str(error)


def _spawn() -> multiprocessing.context.BaseContext:
    return multiprocessing.get_context("spawn")  # a fresh interpreter: no engine state forked


BAD_FACTS = {**MARKETING, "consent": "bogus"}
GOOD_FACTS = {**MARKETING, "dates": {"contract_ended": "2025-06-30"}, "as_of": "2026-01-01"}


def test_process_pool_gets_the_error_and_stays_usable():
    bad = table([{**MARKETING, "contract_ended": "2025-06-30"}, {**MARKETING, "consent": "bogus"}])
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=_spawn()) as pool:
        with pytest.raises(lawbasis.InputError) as raised:
            pool.submit(lawbasis.evaluate, BAD_FACTS).result(timeout=120)
        assert (raised.value.field, raised.value.value) == ("consent", "bogus")
        with pytest.raises(lawbasis.InputError) as raised:  # bulk adds the row as a note: it travels too
            pool.submit(bulk.evaluate_frame, bad, "2026-01-01").result(timeout=120)
        assert raised.value.field == "consent" and raised.value.__notes__ == ["in row 1 of the table"]
        # the pool is not broken: the next task runs in it
        assert pool.submit(lawbasis.evaluate, GOOD_FACTS).result(timeout=120).retention.until == dt.date(2028, 6, 30)


def test_multiprocessing_pool_gets_the_error_and_does_not_hang():
    with _spawn().Pool(1) as pool:
        with pytest.raises(lawbasis.InputError) as raised:
            pool.apply_async(lawbasis.evaluate, (BAD_FACTS,)).get(timeout=120)
        assert (raised.value.field, raised.value.value, raised.value.allowed) == ("consent", "bogus", "none, given, explicit, withdrawn")
        assert pool.apply_async(lawbasis.evaluate, (GOOD_FACTS,)).get(timeout=120).basis_letters == ["a"]


@pytest.fixture(scope="module")
def dask_client():
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0", scheduler_port=0) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.mark.parametrize(
    ("rows", "field", "value"),
    [
        ([{**MARKETING, "contract_ended": "2025-06-30"}, {**MARKETING, "consent": "bogus"}], "consent", "bogus"),
        # the date past 9999 is not the first row of its key: the engine never sees it
        (
            [{**MARKETING, "contract_ended": "2025-06-30"}, {**MARKETING, "contract_ended": "9999-12-31"}],
            "dates.contract_ended",
            "9999-12-31",
        ),
    ],
)
@pytest.mark.parametrize("scheduler", ["distributed", "processes"])
def test_dask_sweep_gets_the_error_and_stays_usable(dask_client, rows, field, value, scheduler):
    """On a LocalCluster of worker processes, and on Dask's own process-pool scheduler (which
    unpickles the worker's exception with plain pickle: the error itself used to break it)."""
    import dask.dataframe as dd

    options = {} if scheduler == "distributed" else {"scheduler": "processes", "num_workers": 1}
    with pytest.raises(lawbasis.InputError) as raised:
        bulk.sweep_dask(dd.from_pandas(table(rows), npartitions=1), as_of="2026-01-01").compute(**options)
    assert (raised.value.field, raised.value.value) == (field, value)
    good = table([{**MARKETING, "contract_ended": "2025-06-30"}])
    got = bulk.sweep_dask(dd.from_pandas(good, npartitions=1), as_of="2026-01-01").compute(**options)
    assert got["retention_until"].astype(str).tolist() == ["2028-06-30"]


# --- 2. sweep never clobbers its input, and a failed sweep leaves the output as it was -----------


def _rows(n: int) -> list[dict[str, object]]:
    return [{"id": f"c{i}", **MARKETING, "contract_ended": f"20{10 + i % 15}-06-30"} for i in range(n)]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("how", ["same", "relative", "symlink", "hardlink"])
def test_sweep_refuses_to_write_over_its_input(tmp_path, capsys, monkeypatch, how):
    source = tmp_path / "t.csv"
    table(_rows(50)).to_csv(source, index=False)
    before = _digest(source)
    monkeypatch.chdir(tmp_path)
    output = {"same": str(source), "relative": "./t.csv", "symlink": "link.csv", "hardlink": "hard.csv"}[how]
    if how == "symlink":
        (tmp_path / "link.csv").symlink_to(source)
    if how == "hardlink":
        os.link(source, tmp_path / "hard.csv")
    code, _, err = run(capsys, "sweep", str(source), "--as-of", "2026-01-01", "-o", output, "--chunksize", "7")
    assert code == 2
    assert "'--output': the same file as the input" in one_error_line(err)
    assert _digest(source) == before


def test_sweep_file_refuses_to_write_over_its_input(tmp_path):
    source = tmp_path / "t.csv"
    table(_rows(20)).to_csv(source, index=False)
    before = _digest(source)
    with pytest.raises(lawbasis.InputError) as raised:
        bulk.sweep_file(source, tmp_path / "." / "t.csv", "2026-01-01", chunksize=3)
    assert raised.value.field == "output" and raised.value.problem == "the same file as the input"
    assert _digest(source) == before


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_failed_sweep_leaves_the_existing_output_untouched(tmp_path, capsys, suffix):
    source = tmp_path / "t.csv"
    rows = _rows(30)
    rows[25]["consent"] = "bogus"  # in the fourth chunk of seven rows: three chunks were written already
    table(rows).to_csv(source, index=False)
    output = tmp_path / f"out.{suffix}"
    output.write_bytes(b"the previous run's decisions\n")
    code, _, err = run(capsys, "sweep", str(source), "--as-of", "2026-01-01", "-o", str(output), "--chunksize", "7")
    assert code == 2 and "'consent'" in one_error_line(err) and "in row 25 of the table" in err
    assert output.read_bytes() == b"the previous run's decisions\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out." + suffix, "t.csv"]  # no half-written file left


def test_sweep_over_an_existing_output_replaces_it_whole(tmp_path, capsys):
    source = tmp_path / "t.csv"
    table(_rows(30)).to_csv(source, index=False)
    output = tmp_path / "out.csv"
    output.write_text("old\n")
    output.chmod(0o640)
    assert run(capsys, "sweep", str(source), "--as-of", "2026-01-01", "-o", str(output), "--chunksize", "7")[0] == 0
    out = pd.read_csv(output, dtype=str)
    assert len(out) == 30 and out["id"].tolist() == [f"c{i}" for i in range(30)]
    assert output.stat().st_mode & 0o777 == 0o640  # the file's permissions are kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "t.csv"]


def test_sweep_to_a_compressed_csv_is_still_compressed(tmp_path, capsys):
    source = tmp_path / "t.csv"
    table(_rows(30)).to_csv(source, index=False)
    output = tmp_path / "out.csv.gz"
    assert run(capsys, "sweep", str(source), "--as-of", "2026-01-01", "-o", str(output), "--chunksize", "7")[0] == 0
    assert output.read_bytes()[:2] == b"\x1f\x8b"  # gzip, inferred from the name as before
    assert pd.read_csv(output, dtype=str)["id"].tolist() == [f"c{i}" for i in range(30)]


# --- 3. dates whose window ends past 9999-12-31 -------------------------------------------------


def test_window_end_past_9999_names_the_anchor_date():
    with pytest.raises(lawbasis.InputError) as raised:
        window_end("P36M", "contract_ended", {"contract_ended": dt.date(9999, 12, 31)})
    assert (raised.value.field, raised.value.value, raised.value.allowed) == ("dates.contract_ended", "9999-12-31", PAST_9999)
    # a named anchor: the field is the dates key it is computed from, the value that key's date
    with pytest.raises(lawbasis.InputError) as raised:
        window_end("P7Y", "end_of_calendar_year_of_fiscal_year_end", {"fiscal_year_end": dt.date(9995, 6, 30)})
    assert (raised.value.field, raised.value.value) == ("dates.fiscal_year_end", "9995-06-30")
    with pytest.raises(lawbasis.InputError):
        window_end("P1D", "contract_ended", {"contract_ended": dt.date(9999, 12, 31)})  # days: OverflowError before
    with pytest.raises(lawbasis.InputError) as raised:
        Period.parse("P1M").add_to(dt.date(9999, 12, 1), field="dates.recorded")
    assert raised.value.field == "dates.recorded"
    # the last day itself is fine
    assert window_end("P36M", "contract_ended", {"contract_ended": dt.date(9996, 12, 31)}) == dt.date(9999, 12, 31)
    assert Period.parse("P30D").add_to(dt.date(9999, 12, 1)) == dt.date(9999, 12, 31)


@pytest.mark.parametrize("memo_size", [0, 4096])
def test_evaluate_past_9999_is_an_input_error_every_time(memo_size):
    engine = lawbasis.Engine(memo_size=memo_size)
    facts = {**MARKETING, "dates": {"contract_ended": "9999-12-31"}, "as_of": "2026-01-01"}
    engine.evaluate({**facts, "dates": {"contract_ended": "2020-01-01"}})  # the memo knows the combination
    for _ in range(2):
        with pytest.raises(lawbasis.InputError) as raised:
            engine.evaluate(facts)
        assert (raised.value.field, raised.value.value, raised.value.allowed) == ("dates.contract_ended", "9999-12-31", PAST_9999)


@pytest.mark.parametrize("at", [0, 1, 4])
@pytest.mark.parametrize("warm", [False, True])
def test_bulk_past_9999_is_an_input_error_whatever_the_row_order(at, warm):
    evaluator = bulk.BulkEvaluator(lawbasis.Engine())
    if warm:  # the key is known: no row of the table goes through the engine
        evaluator.evaluate_frame(table([{**MARKETING, "contract_ended": "2020-01-01"}]), "2026-01-01")
    rows = [{**MARKETING, "contract_ended": f"20{10 + i}-01-01"} for i in range(5)]
    rows[at]["contract_ended"] = "9999-12-31"
    with pytest.raises(lawbasis.InputError) as raised:
        evaluator.evaluate_frame(table(rows), "2026-01-01")
    assert (raised.value.field, raised.value.value, raised.value.allowed) == ("dates.contract_ended", "9999-12-31", PAST_9999)


@pytest.mark.parametrize("at", [0, 2])
def test_bulk_past_9999_in_a_held_window(at):
    """A pending dispute holds the data (status held for every row), but the engine still computes
    the window's end and rejects one past 9999; bulk must too, for rows the engine never saw."""
    # the contract section ties its data to claims, so a dispute holds them (SPEC 9.4)
    held = {"policy": "jetpak-se", "purpose": "contract", "dispute": True}
    rows = [{**held, "contract_ended": "2018-06-30"} for _ in range(3)]
    assert set(bulk.evaluate_frame(table(rows), "2026-01-01")["action_today"]) == {"hold"}
    rows[at]["contract_ended"] = "9997-06-30"
    with pytest.raises(lawbasis.InputError) as raised:
        bulk.BulkEvaluator(lawbasis.Engine()).evaluate_frame(table(rows), "2026-01-01")
    assert (raised.value.field, raised.value.value) == ("dates.contract_ended", "9997-06-30")


def test_bulk_datetime_column_past_9999_is_an_input_error():
    frame = table([MARKETING])
    frame["contract_ended"] = pd.Series(np.array(["12000-01-01"], dtype="datetime64[s]"))
    with pytest.raises(lawbasis.InputError) as raised:
        bulk.evaluate_frame(frame, "2026-01-01")
    assert (raised.value.field, raised.value.value) == ("dates.contract_ended", "12000-01-01")


def test_sweep_past_9999_exits_2_naming_the_field(tmp_path, capsys):
    source = tmp_path / "t.csv"
    rows = _rows(10)
    rows[6]["contract_ended"] = "9999-12-31"
    table(rows).to_csv(source, index=False)
    code, _, err = run(capsys, "sweep", str(source), "--as-of", "2026-01-01", "-o", str(tmp_path / "o.csv"))
    assert code == 2 and "'dates.contract_ended'" in one_error_line(err) and "row 6" in err


# --- 4. bad input is exit 2 with one line, never an internal error ------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"policy": "jetpak-dk", "purpose": "marketing", "consent": ' + "7" * 5000 + "}", "4300 digits"),
    ],
)
def test_evaluate_json_past_the_parser_limits_exits_2(tmp_path, capsys, content, message):
    path = tmp_path / "facts.json"
    path.write_text(content)
    code, out, err = run(capsys, "evaluate", str(path))
    assert code == 2 and out == "" and message in one_error_line(err)


def test_evaluate_json_nested_deep_inside_a_field_exits_2(tmp_path, capsys):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps({**MARKETING, "dates": {"contract_ended": deep(900)}}))
    code, _, err = run(capsys, "evaluate", str(path))
    assert code == 2 and "'dates.contract_ended': wrong type dict" in one_error_line(err)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty: no header row"),
        ("ragged.csv", b"policy,purpose\njetpak-dk,marketing\njetpak-dk,marketing,x,y\n", "Expected 2 columns, got 4"),
        ("short.csv", b"policy,purpose,id\njetpak-dk,marketing,1\njetpak-dk,marketing\n", "Expected 3 columns, got 2"),
        ("latin1.csv", "policy,purpose,id\njetpak-dk,marketing,S\xf8ren\n".encode("latin-1"), "not UTF-8"),
        ("corrupt.parquet", b"PAR1" + bytes(range(256)) * 4 + b"PAR1", "Parquet"),
        ("text.parquet", b"policy,purpose\njetpak-dk,marketing\n", "Parquet"),
    ],
)
def test_sweep_unreadable_table_exits_2(tmp_path, capsys, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    for output in ([], ["-o", str(tmp_path / "o.csv")]):
        code, _, err = run(capsys, "sweep", str(path), "--as-of", "2026-01-01", *output)
        assert code == 2 and "'table': cannot read it" in one_error_line(err) and message in err
    assert not (tmp_path / "o.csv").exists()


def test_sweep_chunksize_too_large_exits_2(tmp_path, capsys):
    source = tmp_path / "t.parquet"
    table(_rows(3)).to_parquet(source)
    code, _, err = run(capsys, "sweep", str(source), "--as-of", "2026-01-01", "--chunksize", str(10**20))
    assert code == 2 and "'--chunksize': too large" in one_error_line(err)


def test_read_chunks_names_the_file(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("policy,purpose\na,b\na,b,c\n")
    with pytest.raises(lawbasis.InputError) as raised:
        list(bulk.read_chunks(path))
    assert (raised.value.field, raised.value.value) == ("table", str(path))


@pytest.mark.parametrize("where", ["missing_dir/o.csv", "t.csv/o.csv", "."])
def test_sweep_unwritable_output_exits_2(tmp_path, capsys, monkeypatch, where):
    source = tmp_path / "t.csv"
    table(_rows(3)).to_csv(source, index=False)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "sweep", str(source), "--as-of", "2026-01-01", "-o", where)
    assert code == 2 and "output'" in one_error_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_sweep_without_the_bulk_extra_names_the_extra(tmp_path, capsys, monkeypatch):
    source = tmp_path / "t.csv"
    table(_rows(3)).to_csv(source, index=False)
    monkeypatch.setitem(sys.modules, "tqdm", None)  # as after a plain `pip install .`
    code, _, err = run(capsys, "sweep", str(source), "--as-of", "2026-01-01")
    assert code == 2 and "pip install 'lawbasis[bulk]'" in one_error_line(err) and "'tqdm'" in err


def test_sweep_without_pandas_names_the_extra(tmp_path):
    source = tmp_path / "t.csv"
    table(_rows(3)).to_csv(source, index=False)
    script = (
        "import sys; sys.modules['pandas'] = None; sys.modules['numpy'] = None\n"
        "from lawbasis.cli import main\n"
        f"sys.exit(main(['sweep', {str(source)!r}, '--as-of', '2026-01-01']))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert "pip install 'lawbasis[bulk]'" in one_error_line(done.stderr)


def _cli(cwd: Path, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[bytes]:
    # cwd outside the checkout, so that `-m` imports the installed package as the rest of the suite does
    return subprocess.run(
        [sys.executable, "-m", "lawbasis.cli", *argv], capture_output=True, timeout=120, env={**os.environ, **env}, cwd=cwd
    )


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "C", "LANG": "C"}, {"PYTHONIOENCODING": "latin-1"}])
def test_output_under_a_narrow_encoding_is_written_whole(tmp_path, env):
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({**MARKETING, "as_of": "2026-01-01"}))
    utf8 = _cli(tmp_path, {"PYTHONIOENCODING": "utf-8"}, "evaluate", str(facts))
    narrow = _cli(tmp_path, env, "evaluate", str(facts))
    assert (utf8.returncode, narrow.returncode, narrow.stderr) == (0, 0, b"")
    assert json.loads(narrow.stdout) == json.loads(utf8.stdout)  # the same data, escaped as needed
    assert "Markedsføring" in utf8.stdout.decode("utf-8")
    purposes = _cli(tmp_path, env, "purposes", "jetpak-dk")
    assert purposes.returncode == 0 and purposes.stderr == b""
    assert b"Markedsf\\xf8ring" in purposes.stdout or "Markedsføring" in purposes.stdout.decode(env.get("PYTHONIOENCODING", "utf-8"))
    # the sweep's CSV is UTF-8 bytes, exactly as -o writes it
    source = tmp_path / "t.csv"
    table([{"id": "Søren", **MARKETING}]).to_csv(source, index=False)
    sweep = _cli(tmp_path, env, "sweep", str(source), "--as-of", "2026-01-01", "--keep", "id")
    assert sweep.returncode == 0 and sweep.stdout.splitlines()[1].startswith('"Søren","yes","a",'.encode())


def test_evaluate_frame_of_none_names_the_frame():
    with pytest.raises(lawbasis.InputError) as raised:
        bulk.evaluate_frame(None)  # type: ignore[arg-type]
    assert raised.value.field == "frame" and raised.value.value is None


@pytest.mark.parametrize(
    ("columns", "field"),
    [
        (["policy", "purpose", "consent", "consent"], "consent"),
        (["policy", "purpose", "contract_ended", "dates.contract_ended"], "dates.contract_ended"),
        (["policy", "policy", "purpose", "consent"], "policy"),
    ],
)
def test_evaluate_frame_with_duplicate_columns_names_the_field(columns, field):
    values = {
        "policy": "jetpak-dk",
        "purpose": "marketing",
        "consent": "given",
        "contract_ended": "2020-01-01",
        "dates.contract_ended": "2021-01-01",
    }
    frame = pd.DataFrame([[values[c] for c in columns]], columns=columns)
    with pytest.raises(lawbasis.InputError) as raised:
        bulk.evaluate_frame(frame, "2026-01-01")
    assert raised.value.field == field and raised.value.problem == "duplicate column"


def test_duplicate_ignored_columns_are_fine():
    frame = pd.DataFrame([["jetpak-dk", "marketing", "x", "y"]], columns=["policy", "purpose", "note", "note"])
    expected = lawbasis.evaluate({"policy": "jetpak-dk", "purpose": "marketing", "as_of": "2026-01-01"})
    assert bulk.evaluate_frame(frame, "2026-01-01")["lawful"].tolist() == [expected.lawful]


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({**MARKETING, "dates": {"contract_ended": deep(1000)}}, "dates.contract_ended"),
        ({**MARKETING, "consent": deep(1000)}, "consent"),
        ({**MARKETING, "dates": deep(1000)}, "dates.a"),
        ({**MARKETING, "consent": 10**5000}, "consent"),
    ],
)
def test_evaluate_nested_or_huge_values_name_the_field(facts, field):
    with pytest.raises(lawbasis.InputError) as raised:
        lawbasis.evaluate(facts)
    assert raised.value.field == field
    assert len(str(raised.value)) < 600  # a bounded message, whatever the value


# --- 5. a rejected table leaves nothing behind in the bulk evaluator ----------------------------


def _sizes(evaluator: bulk.BulkEvaluator) -> tuple[int, int, int]:
    return (sum(len(v) for v in evaluator._values.values()), sum(len(v) for v in evaluator._value_ids.values()), len(evaluator._groups))


GOOD = table(
    [
        {**MARKETING, "contract_ended": "2025-06-30"},
        {**MARKETING, "consent": "none", "contract_ended": "2020-06-30"},
        {"policy": "jetpak-se", "purpose": "bookkeeping", "fiscal_year_end": "2018-06-30"},
    ]
)
LATER = table(
    [
        {**MARKETING, "consent": "explicit", "channel": "post", "contract_ended": "2019-01-01"},
        {**MARKETING, "customer_status": "prospect", "contract_ended": "2024-01-01"},
        *GOOD.to_dict("records"),
    ]
)


@pytest.mark.parametrize("bad", ["distinct_values", "late_error"])
def test_rejected_table_leaves_no_values_behind(bad):
    evaluator = bulk.BulkEvaluator(lawbasis.Engine())
    evaluator.evaluate_frame(GOOD, "2026-01-01")
    before = _sizes(evaluator)
    if bad == "distinct_values":  # 5,000 distinct (bad) values in a column
        frame = table([{**MARKETING, "consent": f"bogus-{i}", "channel": ["email", "sms", "post"][i % 3]} for i in range(5000)])
    else:  # new, valid values (keys the engine decides) and then a date past 9999 in a later row
        frame = LATER.copy()
        frame.loc[len(frame)] = {**MARKETING, "consent": "explicit", "channel": "post", "contract_ended": "9999-12-31"}
    with pytest.raises(lawbasis.InputError):
        evaluator.evaluate_frame(frame, "2026-01-01")
    assert _sizes(evaluator) == before
    fresh = bulk.BulkEvaluator(lawbasis.Engine())
    pd.testing.assert_frame_equal(evaluator.evaluate_frame(LATER, "2026-01-01"), fresh.evaluate_frame(LATER, "2026-01-01"))
