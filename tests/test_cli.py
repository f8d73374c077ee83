"""The command line (SPEC section 6), run in-process through ``lawbasis.cli.app``."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

import lawbasis
from lawbasis.cli import app as cli
from tests.conftest import MARKETING_EMAIL

PROSPECT_NO_CONSENT = {"policy": "jetpak-dk", "purpose": "marketing", "customer_status": "prospect", "channel": "email", "consent": "none"}
CONSENT_QUOTE = "Samtykke ved markedsføring af vores produkter og tjenester via e-mail, SMS, MMS og andre automatiske systemer."


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, data: object, name: str = "facts.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_policies_lists_ids_controller_language_and_purpose_count(capsys):
    code, out, _ = run(capsys, "policies")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["id", "controller", "language", "purposes"]
    row = next(line for line in lines if line.startswith("jetpak-se "))
    assert "Jetpak (Sweden)" in row and row.split()[-2:] == ["sv", "7"]


def test_purposes_quotes_headings(capsys):
    code, out, _ = run(capsys, "purposes", "jetpak-dk")
    assert code == 0
    ids = [line.split()[0] for line in out.splitlines()]
    assert ids == ["contract", "marketing", "business_development", "sales", "restructuring", "bookkeeping", "crime_prevention"]
    assert 'marketing             "Markedsføring, herunder kundetilpasset annoncering"' in out


def test_evaluate_object_gives_one_object(capsys, tmp_path):
    code, out, err = run(capsys, "evaluate", write(tmp_path, MARKETING_EMAIL))
    assert code == 0 and err == ""
    d = json.loads(out)
    assert isinstance(d, dict)
    assert [b["letter"] for b in d["bases"]] == ["a"]
    assert d["objection"] == {"applies": "21(2)", "continues": False, "reason": "direct_marketing_absolute"}
    assert d["retention"]["until"] == "2028-06-30"


def test_evaluate_list_from_file_gives_list(capsys, tmp_path):
    code, out, _ = run(capsys, "evaluate", write(tmp_path, [MARKETING_EMAIL, PROSPECT_NO_CONSENT]))
    assert code == 0
    decisions = json.loads(out)
    assert [d["lawful"] for d in decisions] == ["yes", "no"]
    assert decisions[1]["may_process"] is False


def test_evaluate_list_from_stdin(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps([PROSPECT_NO_CONSENT, MARKETING_EMAIL])))
    code, out, _ = run(capsys, "evaluate", "-")
    assert code == 0
    decisions = json.loads(out)
    assert [d["lawful"] for d in decisions] == ["no", "yes"]
    assert decisions[1]["retention"]["period"] == "P36M"


def test_explain_prints_the_quote(capsys, tmp_path):
    code, out, _ = run(capsys, "evaluate", "--explain", write(tmp_path, MARKETING_EMAIL))
    assert code == 0
    assert out.startswith("jetpak-dk / marketing (as of 2026-01-01)")
    assert CONSENT_QUOTE in out
    assert "jetpak-dk/marketing/electronic-needs-consent" in out


def test_bad_json_is_exit_2_one_line(capsys, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"policy": "jetpak-dk",', encoding="utf-8")
    code, out, err = run(capsys, "evaluate", str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("lawbasis: error: invalid JSON in")
    assert "Traceback" not in err


def test_unreadable_file_is_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "evaluate", str(tmp_path / "missing.json"))
    assert code == 2 and err.count("\n") == 1 and "cannot read" in err


def test_unknown_policy_names_the_field(capsys, tmp_path):
    code, out, err = run(capsys, "evaluate", write(tmp_path, {"policy": "nosuch", "purpose": "marketing"}))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "'policy'" in err and "nosuch" in err and "jetpak-dk" in err


def test_bad_item_in_list_names_its_index_and_field(capsys, tmp_path):
    code, _, err = run(capsys, "evaluate", write(tmp_path, [MARKETING_EMAIL, {**MARKETING_EMAIL, "consent": "maybe"}]))
    assert code == 2
    assert err.startswith("lawbasis: error: 'consent'")
    assert err.rstrip("\n").endswith("; in item 1 of the list") and "'maybe'" in err


def test_bad_item_keeps_its_error_class_and_field(tmp_path):
    """The CLI adds the item as a note: a caller of main() sees the engine's own error, not a re-wrapped one."""
    path = write(tmp_path, [MARKETING_EMAIL, MARKETING_EMAIL, {**MARKETING_EMAIL, "purpose": "nosuch"}])
    args = cli.build_parser().parse_args(["evaluate", str(path)])
    with pytest.raises(lawbasis.UnknownPurposeError) as caught:
        cli._cmd_evaluate(args)
    assert (caught.value.field, caught.value.value) == ("purpose", "nosuch")
    assert caught.value.__notes__ == ["in item 2 of the list"]
    single = write(tmp_path, {**MARKETING_EMAIL, "consent": "maybe"})
    with pytest.raises(lawbasis.InputError) as caught:
        cli._cmd_evaluate(cli.build_parser().parse_args(["evaluate", str(single)]))
    assert caught.value.field == "consent" and not getattr(caught.value, "__notes__", [])


def test_unknown_policy_on_purposes_and_report(capsys):
    for argv in (("purposes", "nosuch"), ("report", "nosuch")):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "'policy'" in err and err.count("\n") == 1


def test_bad_option_is_one_line_exit_2(capsys):
    code, _, err = run(capsys, "report", "jetpak-dk", "--format", "pdf")
    assert code == 2 and err.count("\n") == 1 and "invalid choice" in err


def test_strict_exits_1_on_violation(capsys, tmp_path):
    path = write(tmp_path, MARKETING_EMAIL)
    assert run(capsys, "evaluate", path)[0] == 0
    code, out, _ = run(capsys, "evaluate", "--strict", path)
    assert code == 1
    assert any(f["code"] == "objection_override_unlawful" and f["severity"] == "violation" for f in json.loads(out)["findings"])
    # --strict before the command works too
    assert run(capsys, "--strict", "evaluate", path)[0] == 1


def test_strict_exits_0_without_violation(capsys, tmp_path):
    facts = {"policy": "jetpak-se", "purpose": "bookkeeping", "dates": {"fiscal_year_end": "2023-06-30"}}
    code, out, _ = run(capsys, "evaluate", "--strict", write(tmp_path, facts))
    assert code == 0
    assert json.loads(out)["retention"]["until"] == "2030-12-31"


def test_unexpected_error_is_one_line_exit_3(capsys, monkeypatch):
    def boom(args):
        raise RuntimeError("broken\nacross lines")

    monkeypatch.setitem(cli._COMMANDS, "policies", boom)
    code, _, err = run(capsys, "policies")
    assert code == 3
    assert err == "lawbasis: internal error: RuntimeError: broken across lines\n"


def test_help_for_each_command(capsys):
    for command in ("policies", "purposes", "evaluate", "report", "diff"):
        code, out, _ = run(capsys, command, "--help")
        assert code == 0 and f"usage: lawbasis {command}" in out and "--rules DIR" in out


def copy_rules(tmp_path: Path) -> Path:
    src = lawbasis.default_rules_dir()
    dst = tmp_path / "rules"
    (dst / "policies").mkdir(parents=True)
    # the Jetpak pair cite each other's text, so both come along
    for name in ("gdpr.yaml", "dk.yaml", "se.yaml", "jetpak-dk.yaml", "jetpak-se.yaml"):
        shutil.copy(src / name, dst / name)
    for name in ("jetpak-da.txt", "jetpak-sv.txt"):
        shutil.copy(src / "policies" / name, dst / "policies" / name)
    return dst


def test_rules_dir_changes_the_answer(capsys, tmp_path):
    rules = copy_rules(tmp_path)
    text = (rules / "jetpak-dk.yaml").read_text(encoding="utf-8")
    old = "retention: {period: P12M, from: contact_collected, action: delete, stated: true, action_stated: false}"
    assert text.count(old) >= 1
    (rules / "jetpak-dk.yaml").write_text(text.replace(old, old.replace("P12M", "P6M")), encoding="utf-8")
    facts = {
        "policy": "jetpak-dk",
        "purpose": "marketing",
        "customer_status": "prospect",
        "channel": "post",
        "dates": {"contact_collected": "2025-01-31"},
    }
    path = write(tmp_path, facts)
    code, out, _ = run(capsys, "evaluate", path)
    assert code == 0 and json.loads(out)["retention"]["until"] == "2026-01-31"
    code, out, _ = run(capsys, "evaluate", "--rules", str(rules), path)
    assert code == 0 and json.loads(out)["retention"]["until"] == "2025-07-31"
    code, out, _ = run(capsys, "policies", "--rules", str(rules))
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["jetpak-dk", "jetpak-se"]


def test_rules_dir_missing_is_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "policies", "--rules", str(tmp_path / "nope"))
    assert code == 2 and "--rules" in err


@pytest.fixture(scope="module")
def markdown_report() -> str:
    buf = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(buf):
        argv = ["report", "jetpak-dk", "--format", "markdown", "--as-of", "2025-01-01", "--purpose", "bookkeeping", "--purpose", "contract"]
        assert cli.main(argv) == 0
    return buf.getvalue()


def test_report_markdown_has_a_row_per_purpose(markdown_report):
    assert "As of 2025-01-01; dates: none; 2880 evaluations" in markdown_report
    rows = [line for line in markdown_report.splitlines() if line.startswith("| `")]
    # the purposes asked for, in the rule file's order
    assert [r.split("|")[1].strip() for r in rows] == ["`contract`", "`bookkeeping`"]
    contract = rows[0]
    assert "Art. 21(1), continues (legal_claims) when dispute=true, compelling_grounds=false" in contract
    assert "[violation] special_category_without_explicit_consent when consent!=explicit, special_category=true" in contract
    assert (
        "[info] erasure_not_applicable when dispute=false, corporate_event=none\\|acquired\\|split, "
        "data_subject=customer\\|employee\\|job_applicant\\|debtor\\|website_visitor\\|child\\|other, erasure_requested=true" in contract
    )
    assert "hold when dispute=true" in contract
    assert "[info] erasure_limited_by_legal_obligation when erasure_requested=true" in rows[1]


def report_json(capsys, *argv: str) -> tuple[int, dict]:
    code, out, err = run(capsys, "report", "--format", "json", *argv)
    assert err == ""
    return code, json.loads(out)


def test_report_json_and_strict(capsys):
    code, data = report_json(
        capsys, "jetpak-se", "--strict", "--purpose", "bookkeeping", "--as-of", "2026-11-22", "--date", "fiscal_year_end=2023-06-30"
    )
    assert code == 1  # Art. 9 data without explicit consent is a violation
    assert (data["policy"], data["as_of"], data["fixed"]) == ("jetpak-se", "2026-11-22", {"dates": {"fiscal_year_end": "2023-06-30"}})
    (bookkeeping,) = data["purposes"]
    # SPEC example 3: 7 years from the end of the calendar year in which the fiscal year ended
    assert [(o["period"], o["from"], o["until"]) for o in bookkeeping["retention"]] == [
        ("P7Y", "end_of_calendar_year_of_fiscal_year_end", "2030-12-31")
    ]


def test_report_as_of_ends_the_danish_bookkeeping_duty(capsys):
    argv = ("jetpak-dk", "--purpose", "bookkeeping", "--date", "fiscal_year_end=2023-12-31")
    _, before = report_json(capsys, *argv, "--as-of", "2028-12-31")
    _, after = report_json(capsys, *argv, "--as-of", "2029-01-01")
    assert [o["bases"] for o in before["purposes"][0]["bases"]] == ["c"]
    assert [(o["action_today"], o["when"]) for o in before["purposes"][0]["action_today"]] == [("keep", ["always"])]
    assert [(o["lawful"], o["when"]) for o in after["purposes"][0]["lawful"]] == [("no", ["always"])]
    assert [(o["action_today"], o["when"]) for o in after["purposes"][0]["action_today"]] == [("delete", ["always"])]


def test_report_bad_dates_are_one_line_exit_2(capsys):
    for argv, needle in (
        (("--as-of", "2029-02-30"), "'as_of': impossible date"),
        (("--date", "fiscal_year_end"), "--date: 'fiscal_year_end' is not KEY=DATE"),
        (("--date", "nosuch=2020-01-01"), "'dates.nosuch': unknown date key"),
        (("--date", "fiscal_year_end=2020-01-01", "--date", "fiscal_year_end=2021-01-01"), "given twice"),
        (("--purpose", "nosuch"), "'purpose': not a purpose of jetpak-dk"),
    ):
        code, out, err = run(capsys, "report", "jetpak-dk", *argv)
        assert (code, out, err.count("\n")) == (2, "", 1), argv
        assert needle in err, err


def test_diff_same_policy_has_no_rows(capsys):
    code, out, _ = run(capsys, "diff", "jetpak-dk", "jetpak-dk", "--json", "--strict")
    assert code == 0
    data = json.loads(out)
    assert data["a"] == data["b"] == "jetpak-dk" and data["rows"] == []


@pytest.mark.skipif(shutil.which("lawbasis") is None, reason="console script not installed (dev venv runs from source)")
def test_console_script(tmp_path):
    path = write(tmp_path, [MARKETING_EMAIL])
    done = subprocess.run(["lawbasis", "evaluate", "--strict", path], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert json.loads(done.stdout)[0]["retention"]["until"] == "2028-06-30"
    done = subprocess.run(["lawbasis", "evaluate", str(tmp_path / "missing.json")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
