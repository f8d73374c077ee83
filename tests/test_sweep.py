"""`lawbasis sweep` on small tables, and the Dask sweep on a two-worker local cluster."""

from __future__ import annotations

import pandas as pd
import pytest

from lawbasis.bulk import DECISION_COLUMNS, evaluate_frame, sweep_dask
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
    assert [line.split(",")[0] for line in lines[1:]] == ["c1", "c2", "c3", "c4"]
    assert lines[2].startswith("c2,yes,a,,21(2),False,False,P36M,contract_ended,delete,2023-06-30,False,")
    assert lines[2].endswith(",delete")


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
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = sweep_dask(dd.from_pandas(frame, npartitions=6), as_of="2026-11-22").compute()
        workers = client.run(lambda: __import__("os").getpid())
    assert len(set(workers.values())) == 2
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
