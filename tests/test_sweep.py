"""`lawbasis sweep` on small tables, and the Dask sweep on a two-worker local cluster."""

from __future__ import annotations

import pandas as pd
import pytest

from lawbasis.bulk import DECISION_COLUMNS, BulkEvaluator, evaluate_frame, sweep_dask
from lawbasis.cli import main
from lawbasis.core.activity import DATE_KEYS

ROWS = [
    {"id": "c1", "policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given", "contract_ended": "2025-06-30"},
    {"id": "c2", "policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given", "contract_ended": "2020-06-30"},
    {"id": "c3", "policy": "jetpak-se", "purpose": "bookkeeping", "fiscal_year_end": "2018-06-30"},
    {"id": "c4", "policy": "jetpak-se", "purpose": "contract", "dispute": "true", "contract_ended": "2010-06-30"},
]


@pytest.fixture()
def table(tmp_path):
    path = tmp_path / "activities.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    return path


def test_sweep_to_csv_file(table, tmp_path, capsys):
    output = tmp_path / "decisions.csv"
    assert main(["sweep", str(table), "--as-of", "2026-11-22", "--output", str(output)]) == 0
    out = pd.read_csv(output, dtype=str, keep_default_na=False)
    assert out.columns.tolist()[:2] == ["id", "policy"]
    assert out.columns.tolist()[-len(DECISION_COLUMNS) :] == list(DECISION_COLUMNS)
    assert out["action_today"].tolist() == ["keep", "delete", "delete", "hold"]
    # 2020-06-30 + P36M; SE bookkeeping: 7 years from the end of 2018
    assert out["retention_until"].tolist() == ["2028-06-30", "2023-06-30", "2025-12-31", ""]
    assert capsys.readouterr().err.strip() == "lawbasis sweep: 4 rows as of 2026-11-22: keep 1, delete 2, anonymise 0, hold 1"


def test_sweep_parquet_to_stdout_with_keep(tmp_path, capsys):
    source = tmp_path / "activities.parquet"
    pd.DataFrame(ROWS).to_parquet(source, index=False)
    assert main(["sweep", str(source), "--as-of", "2024-01-01", "--keep", "id", "--progress", "never"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "id," + ",".join(DECISION_COLUMNS)
    assert [line.split(",")[0] for line in lines[1:]] == ['"c1"', '"c2"', '"c3"', '"c4"']
    # text quoted, booleans true/false, dates ISO, no value empty (the format of lawbasis.tables.files)
    assert lines[2].startswith('"c2","yes","a",,"21(2)",false,false,"P36M","contract_ended","delete",2023-06-30,false,')
    assert lines[2].endswith(',"delete"')


def test_sweep_progress_bar_on_stderr(table, tmp_path, capsys):
    assert main(["sweep", str(table), "--as-of", "2026-11-22", "-o", str(tmp_path / "o.parquet"), "--progress", "always"]) == 0
    err = capsys.readouterr().err
    assert "sweep: 100%" in err and "rows/s" in err
    assert pd.read_parquet(tmp_path / "o.parquet")["action_today"].tolist() == ["keep", "delete", "delete", "hold"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--as-of", "2026-02-30"], "impossible date"),
        (["--as-of", "2026-01-01", "--keep", "nope"], "--keep"),
    ],
)
def test_sweep_bad_input_exits_2(table, capsys, argv, message):
    assert main(["sweep", str(table), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lawbasis: error:") and message in err and err.count("\n") == 1


def test_sweep_bad_cell_names_the_row(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    pd.DataFrame([*ROWS, {**ROWS[0], "contract_ended": "2025-13-01"}]).to_csv(path, index=False)
    assert main(["sweep", str(path), "--as-of", "2026-01-01", "-o", str(tmp_path / "o.csv")]) == 2
    assert "row 4" in capsys.readouterr().err


def test_sweep_missing_file_exits_2(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "none.csv"), "--as-of", "2026-01-01"]) == 2
    assert "no such file" in capsys.readouterr().err


def _mixed_table(n: int, seed: int) -> pd.DataFrame:
    """Every policy and purpose, with statuses, channels, consents, objections, disputes and dates varying."""
    import random

    import lawbasis

    rnd = random.Random(seed)
    pairs = [(p.id, u.id) for p in lawbasis.default_engine().policies() for u in p.purposes.values()]
    rows = []
    for _ in range(n):
        policy, purpose = rnd.choice(pairs)
        consent = rnd.choice(["none", "given", "explicit", "withdrawn"])
        objection = rnd.choice(["none", "none", "general", "direct_marketing"])
        row = {
            "policy": policy,
            "purpose": purpose,
            "consent": consent,
            "objection": objection,
            "customer_status": rnd.choice(["prospect", "customer", "former_customer"]),
            "channel": rnd.choice([None, "email", "post", "phone"]),
            "dispute": rnd.random() < 0.05,
            "erasure_requested": rnd.random() < 0.1,
            "contact_collected": f"20{rnd.randint(10, 14)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}",
        }
        for key in ("contract_ended", "fiscal_year_end", "recorded", "relationship_ended"):
            if rnd.random() < 0.6:
                row[key] = f"20{rnd.randint(15, 26)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        if consent == "withdrawn" and rnd.random() < 0.7:
            row["consent_withdrawn"] = f"20{rnd.randint(16, 26)}-0{rnd.randint(1, 9)}-01"
        if objection != "none" and rnd.random() < 0.7:
            row["objection_received"] = f"20{rnd.randint(16, 26)}-0{rnd.randint(1, 9)}-01"
        rows.append(row)
    return pd.DataFrame(rows)


def test_dask_two_workers_equal_evaluate_on_every_policy():
    """A mixed table over every policy and purpose: the Dask sweep equals the single-process sweep,
    and both equal evaluate() row by row."""
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    import lawbasis

    frame = _mixed_table(1200, seed=11)
    expected = evaluate_frame(frame, as_of="2026-11-22")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", scheduler_port=0) as cluster,
        distributed.Client(cluster) as client,
    ):
        from lawbasis.tables.distributed import _cold_cluster

        assert _cold_cluster(None, None)  # fresh workers: the default (share=None) shares
        # the same 200 combinations in each of 6 partitions: without sharing each worker would run all of them
        repeated = pd.concat([frame.iloc[:200]] * 6, ignore_index=True)
        first = sweep_dask(dd.from_pandas(repeated, npartitions=6), as_of="2026-11-22").compute()
        runs = client.run(lambda: __import__("lawbasis.bulk").bulk.evaluator(None).evaluations)
        assert not _cold_cluster(None, None)  # every worker has decided: a later sweep does not look first
        got = sweep_dask(dd.from_pandas(frame, npartitions=6), as_of="2026-11-22").compute()
        workers = client.run(lambda: __import__("os").getpid())
    assert len(set(workers.values())) == 2
    pd.testing.assert_frame_equal(first.sort_index(), evaluate_frame(repeated, as_of="2026-11-22"))
    # what the shares learned was given to the partitions' tasks: each combination went through the engine
    # once in the cluster, as in one process (without sharing: about twice, once per worker)
    alone = BulkEvaluator(lawbasis.Engine())
    alone.evaluate_frame(repeated, "2026-11-22")
    assert sum(runs.values()) <= 1.05 * alone.evaluations
    pd.testing.assert_frame_equal(got.sort_index(), expected)
    for index, row in frame.iterrows():
        facts = {k: v for k, v in row.items() if not (isinstance(v, float) and pd.isna(v)) and v is not None}
        dates = {k: facts.pop(k) for k in list(facts) if k in DATE_KEYS}
        d = lawbasis.evaluate({**facts, "dates": dates, "as_of": "2026-11-22"})
        out = got.loc[index]
        until = None if pd.isna(out["retention_until"]) else out["retention_until"].date()
        assert (d.lawful, ",".join(d.basis_letters), d.may_process, d.retention.until, ",".join(d.finding_codes), d.action_today) == (
            out["lawful"],
            out["bases"],
            bool(out["may_process"]),
            until,
            out["findings"],
            out["action_today"],
        ), (index, facts, dates)
    assert {"keep", "delete", "anonymise", "hold"} <= set(got["action_today"])


# --- the Arrow file path: every row equals evaluate(), whatever the file holds ---------------------


def _expected(frame: pd.DataFrame, as_of: str) -> list[tuple]:
    """evaluate() row by row, flattened like the file's decision columns."""
    import lawbasis

    out = []
    for _, row in frame.iterrows():
        facts = {k: v for k, v in row.items() if k != "id" and not (isinstance(v, float) and pd.isna(v)) and v is not None}
        dates = {k: facts.pop(k) for k in list(facts) if k in DATE_KEYS}
        d = lawbasis.evaluate({**facts, "dates": dates, "as_of": as_of})
        until = d.retention.until.isoformat() if d.retention.until else None
        out.append(
            (d.lawful, ",".join(d.basis_letters), d.objection.applies, d.may_process, until, ",".join(d.finding_codes), d.action_today)
        )
    return out


def _flat(out: pd.DataFrame) -> list[tuple]:
    def text(v):
        return None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)

    return [
        (
            r.lawful,
            text(r.bases) or "",
            text(r.objection_applies),
            r.may_process in (True, "true"),
            text(r.retention_until),
            text(r.findings) or "",
            r.action_today,
        )
        for r in out.itertuples()
    ]


@pytest.mark.parametrize("kind", ["csv", "parquet-text", "parquet-date32"])
def test_cli_sweep_equals_evaluate_row_by_row(tmp_path, capsys, kind):
    """Dates as text in CSV and Parquet, and as date32 in Parquet; chunks of 37 rows, so rows cross
    chunk boundaries; every decision column equals evaluate() for its row."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = _mixed_table(150, seed=5)
    frame.insert(0, "id", [f"r{i}" for i in range(len(frame))])
    source = tmp_path / ("t.csv" if kind == "csv" else "t.parquet")
    if kind == "csv":
        frame.to_csv(source, index=False)
    else:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if kind == "parquet-date32":
            for name in [c for c in frame.columns if c in DATE_KEYS]:
                table = table.set_column(table.schema.get_field_index(name), name, table.column(name).cast(pa.date32()))
        pq.write_table(table, source)
    for output in (tmp_path / "o.csv", tmp_path / "o.parquet"):
        assert main(["sweep", str(source), "--as-of", "2026-11-22", "-o", str(output), "--chunksize", "37", "--progress", "never"]) == 0
        got = pd.read_csv(output, dtype=str, keep_default_na=False, na_values=[""]) if output.suffix == ".csv" else pd.read_parquet(output)
        assert got["id"].tolist() == frame["id"].tolist()
        assert _flat(got) == _expected(frame, "2026-11-22"), (kind, output.name)
    capsys.readouterr()


def test_cli_sweep_output_columns_and_types(tmp_path, capsys):
    """Parquet out: the kept columns in the input's own types, then the decision columns: text as
    strings, three booleans, retention_until as date32. CSV out: the same order, booleans true/false."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = pd.DataFrame(ROWS).assign(score=[1.5, 2.5, 3.5, 4.5])
    source = tmp_path / "t.parquet"
    frame.to_parquet(source, index=False)
    assert main(["sweep", str(source), "--as-of", "2026-11-22", "-o", str(tmp_path / "o.parquet"), "--keep", "id,score"]) == 0
    schema = pq.read_schema(tmp_path / "o.parquet")
    assert schema.names == ["id", "score", *DECISION_COLUMNS]
    types = {name: schema.field(name).type for name in schema.names}
    assert types["score"] == pa.float64() and pa.types.is_string(types["id"]) or pa.types.is_large_string(types["id"])
    assert {n for n, t in types.items() if t == pa.bool_()} == {"objection_continues", "may_process", "extended"}
    assert types["retention_until"] == pa.date32()
    assert {n for n, t in types.items() if t == pa.string()} == set(DECISION_COLUMNS) - {
        "objection_continues",
        "may_process",
        "extended",
        "retention_until",
    }
    assert main(["sweep", str(source), "--as-of", "2026-11-22", "-o", str(tmp_path / "o.csv")]) == 0
    lines = (tmp_path / "o.csv").read_text().splitlines()
    assert lines[0] == ",".join([*frame.columns, *DECISION_COLUMNS])
    assert lines[4].startswith('"c4","jetpak-se","contract",,,"2010-06-30",,"true",4.5,"yes","b,f",,"21(1)",true,true,"P36M",')
    capsys.readouterr()


def test_cli_sweep_of_a_header_only_csv_writes_the_header(tmp_path, capsys):
    source = tmp_path / "t.csv"
    source.write_text("id,policy,purpose\n")
    assert main(["sweep", str(source), "--as-of", "2026-11-22", "-o", str(tmp_path / "o.csv")]) == 0
    assert (tmp_path / "o.csv").read_text() == ",".join(["id", "policy", "purpose", *DECISION_COLUMNS]) + "\n"
    assert capsys.readouterr().err.endswith("0 rows as of 2026-11-22: keep 0, delete 0, anonymise 0, hold 0\n")


def test_cli_sweep_bad_cell_in_a_later_chunk_names_its_row_in_the_file(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    pd.DataFrame([*ROWS, *ROWS, {**ROWS[0], "contract_ended": "2025-02-30"}]).to_csv(path, index=False)
    assert main(["sweep", str(path), "--as-of", "2026-01-01", "-o", str(tmp_path / "o.csv"), "--chunksize", "3"]) == 2
    err = capsys.readouterr().err
    assert "'dates.contract_ended': impossible date (row 8)" in err and not (tmp_path / "o.csv").exists()


def test_sweep_file_to_an_xz_csv_is_refused_before_reading(tmp_path):
    import lawbasis
    from lawbasis.bulk import sweep_file

    source = tmp_path / "t.csv"
    pd.DataFrame(ROWS).to_csv(source, index=False)
    with pytest.raises(lawbasis.InputError) as raised:
        sweep_file(source, tmp_path / "o.csv.xz", "2026-01-01")
    assert (raised.value.field, raised.value.problem) == ("output", "cannot write .xz compression")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_sweep_file_unknown_keep_column_is_an_input_error(tmp_path):
    import lawbasis
    from lawbasis.bulk import sweep_file

    source = tmp_path / "t.csv"
    pd.DataFrame(ROWS).to_csv(source, index=False)
    with pytest.raises(lawbasis.InputError) as raised:
        sweep_file(source, tmp_path / "o.csv", "2026-01-01", keep=["nope"])
    assert (raised.value.field, raised.value.value, raised.value.problem) == ("keep", "nope", "unknown column")


# --- what evaluators learn travels between processes -----------------------------------------------


def test_imported_knowledge_decides_a_table_without_the_engine():
    """An evaluator given what another learned decides the same table with no engine run and the same
    answers; taking it twice adds nothing; entries of another key width (other rules) are skipped."""
    import pickle

    import lawbasis

    frame = _mixed_table(400, seed=21)
    teacher = BulkEvaluator(lawbasis.Engine())
    expected = teacher.evaluate_frame(frame, "2026-11-22")
    knowledge = pickle.loads(pickle.dumps(teacher.export_knowledge()))
    assert len(knowledge) == teacher.known_keys() > 50
    student = BulkEvaluator(lawbasis.Engine())
    assert student.import_knowledge(knowledge) == len(knowledge)
    assert student.import_knowledge(knowledge) == 0
    pd.testing.assert_frame_equal(student.evaluate_frame(frame, "2026-11-22"), expected)
    assert student.evaluations == 0
    values, codes, shape, answers = knowledge[0]
    assert student.import_knowledge([(values, (*codes, 0), shape, answers)]) == 0
    mark = teacher.known_keys()
    teacher.evaluate_frame(_mixed_table(50, seed=22), "2026-11-22")
    assert len(teacher.export_knowledge(mark)) == teacher.known_keys() - mark


def test_dask_sweep_with_and_without_sharing_equal_one_process(tmp_path):
    """The threaded scheduler (one process, several threads): sharing changes no answer."""
    dd = pytest.importorskip("dask.dataframe")
    from lawbasis.tables.distributed import _cold_cluster

    assert not _cold_cluster(None, None)  # no distributed client: one process, nothing to share by default
    frame = _mixed_table(600, seed=13)
    expected = evaluate_frame(frame, as_of="2026-11-22")
    for share in (True, False):
        got = sweep_dask(dd.from_pandas(frame, npartitions=5), as_of="2026-11-22", share=share).compute(scheduler="threads")
        pd.testing.assert_frame_equal(got.sort_index(), expected)


def test_unknown_rows_are_what_the_engine_would_decide_and_nothing_is_kept():
    """unknown_rows gives one row per combination the evaluator has not seen (evaluate_frame then runs the
    engine once for each), runs no engine, keeps nothing, and refuses a table evaluate_frame refuses before
    deciding (a bad date) with the same error."""
    import lawbasis

    frame = _mixed_table(400, seed=31)
    bulk = BulkEvaluator(lawbasis.Engine())
    rows = bulk.unknown_rows(frame, "2026-11-22")
    assert bulk.evaluations == 0 and bulk.known_keys() == 0
    assert 0 < len(rows) < len(frame) and rows.index.isin(frame.index).all() and rows.index.is_unique
    pd.testing.assert_frame_equal(bulk.unknown_rows(frame, "2026-11-22"), rows)  # nothing was kept
    bulk.evaluate_frame(rows, "2026-11-22")
    assert bulk.known_keys() == len(rows)
    assert bulk.unknown_rows(frame, "2026-11-22").empty
    runs = bulk.evaluations
    bulk.evaluate_frame(frame, "2026-11-22")
    assert bulk.known_keys() == len(rows)  # every combination of the table was among those rows
    assert bulk.evaluations - runs <= 0.05 * runs  # a combination seen with another window status aside
    bad = frame.head(3).assign(contract_ended=["2020-01-31", "2021-02-30", None])
    with pytest.raises(lawbasis.InputError, match="contract_ended") as found:
        bulk.unknown_rows(bad, "2026-11-22")
    with pytest.raises(lawbasis.InputError) as again:
        bulk.evaluate_frame(bad, "2026-11-22")
    assert str(found.value) == str(again.value)


def test_sweep_file_decides_in_batches_of_at_most_its_batch_size(tmp_path, monkeypatch):
    """sweep_file holds batches of min(chunksize, _BATCH) rows: the progress callback sees each, and the
    output is the same as one chunk's."""
    from lawbasis.tables import files

    frame = _mixed_table(60, seed=41)
    source = tmp_path / "table.csv"
    frame.to_csv(source, index=False)
    whole = tmp_path / "whole.csv"
    files.sweep_file(source, whole, "2026-11-22", chunksize=1000)
    monkeypatch.setattr(files, "_BATCH", 7)
    seen: list[int] = []
    parts = tmp_path / "parts.csv"
    counts = files.sweep_file(source, parts, "2026-11-22", chunksize=1000, progress=seen.append)
    assert seen == [7] * 8 + [4] and sum(counts.values()) == 60
    assert parts.read_bytes() == whole.read_bytes()
    seen.clear()
    files.sweep_file(source, parts, "2026-11-22", chunksize=5, progress=seen.append)  # a smaller chunksize wins
    assert seen == [5] * 12


def test_cli_sweep_hands_arrow_memory_back(tmp_path):
    """`lawbasis sweep` (a process of its own) takes Arrow's buffers from jemalloc returning freed memory at
    once, where pyarrow has jemalloc; a program that imports lawbasis keeps its own pool."""
    import subprocess
    import sys

    table = tmp_path / "t.csv"
    _mixed_table(20, seed=3).to_csv(table, index=False)
    code = (
        "import pyarrow as pa, sys; from lawbasis.cli import main; import lawbasis.bulk; before = pa.default_memory_pool().backend_name; "
        f"main(['sweep', {str(table)!r}, '--as-of', '2026-11-22', '-o', {str(tmp_path / 'o.csv')!r}, '--progress', 'never']); "
        "print(before, pa.default_memory_pool().backend_name)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after = done.stdout.split()
    import pyarrow as pa

    try:
        pa.jemalloc_memory_pool()
    except (NotImplementedError, pa.ArrowNotImplementedError):
        assert after == before
    else:
        assert after == "jemalloc"
