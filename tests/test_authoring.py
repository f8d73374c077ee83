"""Authoring tools: ``lawbasis new`` (a skeleton from a policy text) and ``lawbasis check`` (every problem at once)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import lawbasis
from lawbasis.authoring import new_policy, skeleton, slug
from lawbasis.cli import app as cli
from lawbasis.core.errors import InputError, LawbasisError, RuleFileError
from lawbasis.engine.check import check_directory, find_headings, nearest_text
from lawbasis.engine.rulefile import load_directory, normalise_space

RULES = Path(lawbasis.default_rules_dir())
TEXTS = sorted(p.name for p in (RULES / "policies").glob("*.txt"))
LAWS = ("gdpr.yaml", "dk.yaml", "se.yaml")

JACKON_HEADINGS = [
    "Persondataerklæring; netbaseret behandling af personoplysninger",
    "Vigtige begreber",
    "Hvilke personoplysninger behandler vi?",
    "Hvordan indhentes informationen?",
    "Formålet med den indhentede information",
    "Hvordan beskytter vi dine oplysninger?",
    "Rettigheder",
    "Hvordan rettes eller slettes oplysningerne?",
    "Udlevering af information til tredjepart?",
]
JETPAK_DA_HEADINGS = [
    "Vores behandling af dine personoplysninger",
    "Administration og opfyldelse af aftale og varetagelse af vores juridiske interesser i tilfælde af en tvist",
    "Markedsføring, herunder kundetilpasset annoncering",
    "Metode- og forretningsudvikling",
    "Salgsaktiviteter",
    "Administration i forbindelse med virksomhedsovertagelse, omstrukturering af Jetpak mv.",
    "Opfyld vores juridiske forpligtelser og træffe foranstaltninger mod kriminalitet",
]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def policy_id(text_name: str) -> str:
    return text_name.split("-")[0] + ("-se" if text_name.endswith("-sv.txt") else "-dk")


def fill_first_placeholder(rule_file: Path) -> None:
    """What a user does first: uncomment one placeholder rule and name the controller."""
    lines = rule_file.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  # - id:"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("  #     - law:"))
    for i in range(start, end + 1):
        lines[i] = lines[i].replace("  # ", "  ", 1)
    text = "\n".join(lines) + "\n"
    rule_file.write_text(text.replace("TODO the controller's legal name", "ACME A/S"), encoding="utf-8")


def planted_line(path: Path, rule_id: str) -> int:
    """The line of a rule's ``- id:`` item, counted independently of the code under test."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if re.match(rf"^\s*- id: {re.escape(rule_id)}\s*$", line):
            return number
    raise AssertionError(rule_id)


# --- lawbasis new ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text_name", TEXTS)
def test_new_writes_one_purpose_and_one_block_per_heading(tmp_path: Path, text_name: str) -> None:
    pid = policy_id(text_name)
    source = RULES / "policies" / text_name
    rules, text, scenarios = new_policy(pid, source, tmp_path / "d")
    assert text.read_bytes() == source.read_bytes()
    assert scenarios == tmp_path / "d" / "tests" / f"{pid}.scenarios.yaml"
    headings = [h.text for h in find_headings(source.read_text(encoding="utf-8"))]
    assert len(headings) >= 5
    data = yaml.safe_load(rules.read_text(encoding="utf-8"))
    assert data["policy"]["id"] == pid and data["policy"]["text"] == f"policies/{pid}.txt"
    assert data["policy"]["country"] == pid[-2:].upper()
    assert data["policy"]["language"] == ("sv" if text_name.endswith("-sv.txt") else "da")
    assert [p["heading"] for p in data["purposes"].values()] == headings
    assert data["rules"] is None  # every rule is still a commented placeholder
    body = rules.read_text(encoding="utf-8")
    sections = [yaml.safe_load(m.group(1)) for m in re.finditer(r"^  #   section: (.*)$", body, re.MULTILINE)]
    assert sections == headings
    banners = re.findall(r"^  # =+\n  # (.*)\n  # =+$", body, re.MULTILINE)
    assert banners == headings


def test_new_finds_the_headings_of_jackon_and_jetpak() -> None:
    jackon = [h.text for h in find_headings((RULES / "policies" / "jackon-da.txt").read_text(encoding="utf-8"))]
    assert [h for h in jackon if h in JACKON_HEADINGS] == JACKON_HEADINGS
    # no body text, bullet or list item is taken for a heading, but for one sentence standing alone
    assert set(jackon) - set(JACKON_HEADINGS) == {"Jackon behandler ikke nogen form for sensitive personoplysninger"}
    jetpak = [h.text for h in find_headings((RULES / "policies" / "jetpak-da.txt").read_text(encoding="utf-8"))]
    # the sub-headings "Retsgrundlag:", "Tilbageholdelsesperiode:" ... end with a colon: they are not sections
    assert jetpak == JETPAK_DA_HEADINGS


def test_headings_of_a_text_without_blank_lines_and_with_nested_numbering() -> None:
    sunclass = find_headings((RULES / "policies" / "sunclass-da.txt").read_text(encoding="utf-8"))
    texts = [h.text for h in sunclass]
    for heading in ("1. Dine personoplysninger", "Hvad er en personoplysning?", "Opfyldelse af en aftale", "Sletning", "Microsoft"):
        assert heading in texts
    # items of an unmarked list (each starting "Til ...") are not headings
    assert not [t for t in texts if t.startswith("Til ")]
    cekura = {h.text: h.rank for h in find_headings((RULES / "policies" / "cekura-da.txt").read_text(encoding="utf-8"))}
    # the purposes numbered 1.-3. inside section 4 nest under it; 5. continues the outer numbering
    assert cekura["4. Vi bruger personoplysninger til følgende formål og med de nævnte behandlingsgrundlag."] == 1
    assert cekura["2. Markedsføring, analyser og segmentering"] == 2
    assert cekura["5. Videregivelse af dine personoplysninger"] == 1


def test_headings_numbered_in_capitals_and_announced_by_a_list() -> None:
    text = "\n".join(
        [
            "PRIVACY NOTICE",
            "",
            "We process data for:",
            "  • Newsletters.",
            "  • Billing",
            "",
            "Newsletters.",
            "We send them when you ask.",
            "",
            "8.2 Billing records",
            "We keep invoices for five years.",
            "",
            "Billing",
            "",
            "This line ends with a period and is a paragraph.",
            "",
            "Your rights",
            "===========",
            "You may object at any time, and we will stop.",
        ]
    )
    assert [(h.text, h.rank, h.sure) for h in find_headings(text)] == [
        ("PRIVACY NOTICE", 99, True),
        ("Newsletters.", 99, True),  # ends with a period, but the list above announces it
        ("8.2 Billing records", 1, True),
        ("Billing", 99, True),
        ("Your rights", 99, True),
    ]


@pytest.mark.parametrize("text_name", TEXTS)
def test_skeleton_loads_once_one_rule_is_filled_in(tmp_path: Path, text_name: str) -> None:
    pid = policy_id(text_name)
    directory = tmp_path / "d"
    rules, _, _ = new_policy(pid, RULES / "policies" / text_name, directory)
    with pytest.raises(RuleFileError, match=r"rules: None is not of type 'array'"):
        load_directory(directory)
    fill_first_placeholder(rules)
    base = load_directory(directory)
    (rule,) = base.rules
    first = next(iter(base.policies[pid].purposes))
    assert rule.id == f"{pid}/{first}/todo" and rule.purposes == (first,)
    assert rule.then == (("candidate", {"letter": "b", "stated": "true"}),)
    assert rule.cites[0].section == base.policies[pid].purposes[first].heading
    assert check_directory(directory) == []


def test_skeleton_scenario_file_runs_against_the_new_rules(tmp_path: Path) -> None:
    from lawbasis.testing.scenarios import load_scenarios
    from lawbasis.testing.scenarios import run as run_scenario

    directory = tmp_path / "d"
    rules, _, scenarios = new_policy("jetpak-dk", RULES / "policies" / "jetpak-da.txt", directory)
    fill_first_placeholder(rules)
    for law in LAWS:  # a rule directory holds the law files it needs
        shutil.copy(RULES / law, directory / law)
    (scenario,) = load_scenarios(scenarios)
    assert scenario.rules == str(directory.resolve())
    assert scenario.facts["purpose"] == "vores_behandling_af_dine"
    assert run_scenario(scenario) == []


def test_skeleton_quotes_the_first_sentence_under_each_heading() -> None:
    text = "Nyhedsbrev\n\nVi sender kun nyhedsbrevet, hvis du har givet samtykke. Du kan altid framelde dig.\n"
    rules, scenarios = skeleton("acme-dk", text, "policies/acme-dk.txt")
    assert '  #     - quote: "Vi sender kun nyhedsbrevet, hvis du har givet samtykke."' in rules
    assert '  nyhedsbrev:\n    heading: "Nyhedsbrev"' in rules
    assert "rules: .." in scenarios and "policy: acme-dk" in scenarios


def test_slug_makes_purpose_ids() -> None:
    assert slug("4. Markedsføring, herunder kundetilpasset annoncering") == "markedsfoering_herunder_kundetilpasset"
    assert slug("Säljaktiviteter") == "saljaktiviteter"
    assert slug("???") == "purpose"


def test_new_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "d"
    (directory / "tests").mkdir(parents=True)
    existing = directory / "tests" / "acme-dk.scenarios.yaml"
    existing.write_text("mine\n", encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        new_policy("acme-dk", RULES / "policies" / "jackon-da.txt", directory)
    assert info.value.file == str(existing) and "already exists" in info.value.problem
    assert existing.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in directory.rglob("*")) == ["acme-dk.scenarios.yaml", "tests"]


def test_new_refuses_a_bad_policy_id(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        new_policy("../Acme", RULES / "policies" / "jackon-da.txt", tmp_path)
    assert info.value.field == "POLICY-ID" and info.value.value == "../Acme"
    assert list(tmp_path.iterdir()) == []


# --- untrusted input ------------------------------------------------------------------------------


def test_new_refuses_a_huge_text(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as out:
        out.truncate(6_000_000)  # sparse: no disk used
    with pytest.raises(RuleFileError) as info:
        new_policy("acme-dk", huge, tmp_path / "d")
    assert info.value.file == str(huge) and "6000000 bytes; at most 5000000 are read" in info.value.problem
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not UTF-8: byte 0x89 at line 1"),
        (b"Heading\n\nText\x00with a NUL\n", "control character '\\x00' at line 3"),
        (b"  \n\n\t\n", "policy text is empty"),
    ],
)
def test_new_refuses_a_text_that_is_not_plain_text(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "policy.txt"
    path.write_bytes(content)
    with pytest.raises(RuleFileError) as info:
        new_policy("acme-dk", path, tmp_path / "d")
    assert problem in info.value.problem and info.value.file == str(path)
    assert not (tmp_path / "d").exists()


def test_new_refuses_a_directory_whose_symlink_leads_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    directory = tmp_path / "d"
    directory.mkdir()
    (directory / "policies").symlink_to(outside)
    with pytest.raises(RuleFileError) as info:
        new_policy("acme-dk", RULES / "policies" / "jackon-da.txt", directory)
    assert "leads outside" in info.value.problem and info.value.file == str(directory / "policies")
    assert list(outside.iterdir()) == [] and sorted(p.name for p in directory.iterdir()) == ["policies"]


def test_new_refuses_a_dangling_symlink_in_place_of_a_file(tmp_path: Path) -> None:
    directory = tmp_path / "d"
    directory.mkdir()
    target = tmp_path / "elsewhere.yaml"
    (directory / "acme-dk.yaml").symlink_to(target)
    with pytest.raises(RuleFileError, match="already exists"):
        new_policy("acme-dk", RULES / "policies" / "jackon-da.txt", directory)
    assert not target.exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_new_with_a_fifo_as_text_exits_2_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "policy.txt"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-m", "lawbasis.cli", "new", "acme-dk", "--text", str(fifo), "--dir", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("lawbasis: error: ") and "is not a regular file" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "d").exists()


def test_check_reports_a_policy_text_symlink_leading_out(jetpak_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret\n", encoding="utf-8")
    (jetpak_copy / "policies" / "jetpak-da.txt").unlink()
    (jetpak_copy / "policies" / "jetpak-da.txt").symlink_to(outside)
    problems = check_directory(jetpak_copy)
    assert [(p.file, p.rule) for p in problems] == [("jetpak-dk.yaml", None)]
    assert "leads outside the rule directory" in problems[0].problem and "secret" not in problems[0].problem
    # its rules are not reported once more per quote: the one cause is enough
    assert problems[0].line == planted_line_of_key(jetpak_copy / "jetpak-dk.yaml", "policy")


def planted_line_of_key(path: Path, key: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(f"{key}:"))


# --- lawbasis check -------------------------------------------------------------------------------


def test_check_on_the_built_in_rules_is_clean() -> None:
    assert check_directory(RULES) == []


def test_check_reports_every_planted_problem_with_file_line_and_rule(jetpak_copy: Path) -> None:
    path = jetpak_copy / "jetpak-dk.yaml"
    text = path.read_text(encoding="utf-8")
    base = load_directory(jetpak_copy)
    rules = [r for r in base.rules if r.file == "jetpak-dk.yaml" and r.cites[0].quote]
    a = next(r for r in rules if " og " in (r.cites[0].quote or "") and len(r.cites) == 1 + sum(1 for c in r.cites if c.law))
    b = next(r for r in rules[10:] if not r.when and r is not a)
    c = next(r for r in rules[20:] if r not in (a, b))
    # 1. a quote with one word changed
    quote = a.cites[0].quote
    assert quote is not None and " og " in quote
    text = text.replace(quote, quote.replace(" og ", " samt ", 1), 1)
    # 2. a value the vocabulary does not have, in a rule of its own
    text = text.replace(f"- id: {b.id}\n", f"- id: {b.id}\n    when:\n      - activity: {{customer_status: vip}}\n", 1)
    # 3. a rule id given twice
    text = text.replace(f"- id: {c.id}\n", f"- id: {a.id}\n", 1)
    path.write_text(text, encoding="utf-8")
    problems = check_directory(jetpak_copy)
    assert len(problems) == 3, problems
    assert [(p.file, p.rule, p.line) for p in problems] == [
        ("jetpak-dk.yaml", a.id, planted_line(path, a.id)),
        ("jetpak-dk.yaml", b.id, planted_line(path, b.id)),
        ("jetpak-dk.yaml", a.id, [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == f"- id: {a.id}"][1]),
    ]
    assert problems[0].problem.startswith("quote not found verbatim in the text of jetpak-dk")
    assert f"did you mean: {normalise_space(quote)!r}" in problems[0].problem
    assert "activity.customer_status: 'vip' is not one of prospect, customer, former_customer" in problems[1].problem
    assert problems[2].problem == "duplicate rule id (also in jetpak-dk.yaml)"
    # loading stops at the first of them
    with pytest.raises(RuleFileError, match="quote not found verbatim"):
        load_directory(jetpak_copy)


def test_check_reports_each_bad_rule_of_a_file_that_fails_its_schema(jetpak_copy: Path) -> None:
    path = jetpak_copy / "jetpak-dk.yaml"
    base = load_directory(jetpak_copy)
    ids = [r.id for r in base.rules if r.file == "jetpak-dk.yaml"]
    text = path.read_text(encoding="utf-8")
    text = text.replace(f"- id: {ids[1]}\n", f"- id: {ids[1]}\n    colour: red\n", 1)
    text = text.replace(f"- id: {ids[5]}\n", f"- id: {ids[5]}\n    when: nothing\n", 1)
    path.write_text(text, encoding="utf-8")
    problems = check_directory(jetpak_copy)
    assert [(p.rule, p.line) for p in problems] == [(ids[1], planted_line(path, ids[1])), (ids[5], planted_line(path, ids[5]))]
    assert problems[0].problem.startswith("rules/1: Additional properties are not allowed ('colour' was unexpected)")
    assert problems[1].problem.startswith("rules/5/when: ")


def test_nearest_text_for_a_quote_with_one_word_changed() -> None:
    text = normalise_space((RULES / "policies" / "jetpak-da.txt").read_text(encoding="utf-8"))
    original = "Dine personoplysninger opbevares i kontraktperiodens varighed og op til 36 måneder derefter"  # then ","
    assert original in text
    assert nearest_text(text, original.replace("36", "24")) == original
    assert nearest_text(text, original.replace("varighed", "længde")) == original
    assert nearest_text(text, "Completely unrelated English words about penguins and glaciers.") is None
    # a text shorter than the quote: the whole text is the nearest passage
    assert nearest_text("kort tekst", "kort tekst her") == "kort tekst"


def test_nearest_text_stops_at_its_budget_on_a_large_text() -> None:
    needle = "the needle sentence we are looking for at the very end"
    quote = "the needle sentence we were looking for at the very end"
    # five times the longest shipped text: found
    text = " ".join(f"word{i % 997}" for i in range(25_000)) + " " + needle
    assert nearest_text(text, quote) == needle
    # with no time at all, the search gives up early instead of scanning the whole text
    assert nearest_text(" ".join(f"word{i % 997}" for i in range(400_000)) + " " + needle, quote, budget=0) is None


def test_check_reports_a_quote_under_the_wrong_section(jetpak_copy: Path) -> None:
    path = jetpak_copy / "jetpak-dk.yaml"
    base = load_directory(jetpak_copy)
    rule = next(
        r
        for r in base.rules
        if r.id.startswith("jetpak-dk/marketing/") and r.cites[0].section == "Markedsføring, herunder kundetilpasset annoncering"
    )
    text = path.read_text(encoding="utf-8")
    head, sep, tail = text.partition(f"- id: {rule.id}\n")
    tail = tail.replace("section: Markedsføring, herunder kundetilpasset annoncering", "section: Salgsaktiviteter", 1)
    path.write_text(head + sep + tail, encoding="utf-8")
    problems = check_directory(jetpak_copy)
    assert len(problems) >= 1 and {p.rule for p in problems} == {rule.id}
    assert all(p.line == planted_line(path, rule.id) for p in problems)
    assert problems[0].problem.endswith("found under section 'Markedsføring, herunder kundetilpasset annoncering', not 'Salgsaktiviteter'")
    # loading accepts it: the heading and the quote are both verbatim in the text
    load_directory(jetpak_copy)


def test_check_counts_a_quote_inside_a_nested_section_as_under_the_outer_one(tmp_path: Path) -> None:
    directory = tmp_path / "d"
    text = "1. Formål\n\nVi bruger data.\n\n1.1 Nyhedsbrev\n\nVi sender nyhedsbreve med samtykke.\n\n2. Opbevaring\n\nVi sletter efter et år.\n"
    source = tmp_path / "acme.txt"
    source.write_text(text, encoding="utf-8")
    rules, _, _ = new_policy("acme-dk", source, directory)
    body = rules.read_text(encoding="utf-8").replace("TODO the controller's legal name", "ACME A/S").replace("language: xx", "language: da")
    body = body.replace(
        "rules:\n",
        "rules:\n"
        + "".join(
            f"  - id: acme-dk/r{i}\n    section: {section!r}\n    then: [{{flag: {{name: x{i}}}}}]\n    cites: [{{quote: {quote!r}}}]\n"
            for i, (section, quote) in enumerate(
                [
                    ("1. Formål", "Vi sender nyhedsbreve med samtykke."),  # inside 1.1, which is inside 1.
                    ("1.1 Nyhedsbrev", "Vi sender nyhedsbreve med samtykke."),
                    ("1.1 Nyhedsbrev", "Vi sletter efter et år."),  # under 2., not 1.1
                    ("2. Opbevaring", "Vi bruger data."),  # under 1., not 2.
                ]
            )
        ),
        1,
    )
    rules.write_text(body, encoding="utf-8")
    problems = check_directory(directory)
    assert [(p.rule, p.problem) for p in problems] == [
        ("acme-dk/r2", "quote 'Vi sletter efter et år.' found under section '2. Opbevaring', not '1.1 Nyhedsbrev'"),
        ("acme-dk/r3", "quote 'Vi bruger data.' found under section '1. Formål', not '2. Opbevaring'"),
    ]


def test_check_names_the_placeholders_new_leaves(tmp_path: Path) -> None:
    directory = tmp_path / "d"
    rules, _, _ = new_policy("acme", RULES / "policies" / "jackon-da.txt", directory)
    problems = check_directory(directory)
    assert [(p.file, p.line, p.problem) for p in problems] == [
        ("acme.yaml", planted_line_of_key(rules, "rules"), "rules: no rule yet (fill in one of the commented placeholders)")
    ]
    fill_first_placeholder(rules)
    rules.write_text(rules.read_text(encoding="utf-8").replace("controller: ACME A/S", "controller: TODO"), encoding="utf-8")
    problems = check_directory(directory)
    assert [p.problem.split(":")[0] for p in problems] == ["policy.controller", "policy.country"]


def test_check_reports_what_only_compiling_shows(jetpak_copy: Path) -> None:
    path = jetpak_copy / "jetpak-dk.yaml"
    base = load_directory(jetpak_copy)
    rule = next(r for r in base.rules if r.file == "jetpak-dk.yaml" and not r.when)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(f"- id: {rule.id}\n", f"- id: {rule.id}\n    when:\n      - fact: flag\n        name: nobody_concludes_this\n", 1),
        encoding="utf-8",
    )
    problems = check_directory(jetpak_copy)
    assert [(p.file, p.line, p.rule) for p in problems] == [("jetpak-dk.yaml", planted_line(path, rule.id), rule.id)]
    assert problems[0].problem == "can never fire: no rule for policy jetpak-dk concludes flag 'nobody_concludes_this'"


# --- the command line -----------------------------------------------------------------------------


def test_cli_check_exit_codes(capsys: pytest.CaptureFixture[str], jetpak_copy: Path, tmp_path: Path) -> None:
    code, out, err = run(capsys, "check", str(RULES))
    assert (code, err) == (0, "") and out == f"{RULES}: no problems found\n"
    path = jetpak_copy / "jetpak-dk.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("purpose: marketing\n", "purpose: marketting\n"), encoding="utf-8")
    code, out, err = run(capsys, "check", str(jetpak_copy))
    lines = out.splitlines()
    assert code == 2 and err == ""
    assert len(lines) > 2 and lines[-1] == f"{len(lines) - 1} problems in {jetpak_copy}"
    assert all(
        re.match(r"^jetpak-dk\.yaml:\d+: rule 'jetpak-dk/marketing/[^']+': purpose 'marketting' is not declared", line)
        for line in lines[:-1]
    )
    code, out, err = run(capsys, "check", str(tmp_path / "missing"))
    assert code == 2 and out.startswith(f"{tmp_path / 'missing'}: rule directory does not exist")


def test_cli_new_writes_then_refuses_to_overwrite(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    directory = tmp_path / "d"
    text = str(RULES / "policies" / "jackon-da.txt")
    code, out, err = run(capsys, "new", "acme-dk", "--text", text, "--dir", str(directory))
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"wrote {directory / 'acme-dk.yaml'}"
    assert f"lawbasis check {directory}" in out
    assert (directory / "policies" / "acme-dk.txt").is_file() and (directory / "tests" / "acme-dk.scenarios.yaml").is_file()
    before = (directory / "acme-dk.yaml").read_bytes()
    code, out, err = run(capsys, "new", "acme-dk", "--text", text, "--dir", str(directory))
    assert code == 2 and out == ""
    assert (
        err
        == f"lawbasis: error: {directory / 'acme-dk.yaml'}: already exists; lawbasis new never overwrites a file (remove it or choose another id)\n"
    )
    assert (directory / "acme-dk.yaml").read_bytes() == before
    code, out, err = run(capsys, "new", "acme-dk", "--dir", str(directory))
    assert code == 2 and "--text" in err


def test_every_error_of_new_is_a_lawbasis_error(tmp_path: Path) -> None:
    with pytest.raises(LawbasisError):
        new_policy("acme-dk", tmp_path / "missing.txt", tmp_path / "d")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(RuleFileError, match="is not a directory"):
        new_policy("acme-dk", RULES / "policies" / "jackon-da.txt", tmp_path / "file")


# --- the docs a new user follows ------------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs"
needs_docs = pytest.mark.skipif(not DOCS.is_dir(), reason="docs/ is not beside the tests (installed elsewhere)")


@needs_docs
def test_every_yaml_block_of_the_scenario_how_to_loads(tmp_path: Path) -> None:
    from lawbasis.testing.scenarios import load_scenarios

    page = (DOCS / "howto" / "scenario-files.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", page, re.DOTALL)
    assert len(blocks) >= 2
    keys = set()
    for i, block in enumerate(blocks):
        path = tmp_path / "tests" / f"block{i}.scenarios.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(block, encoding="utf-8")
        scenarios = load_scenarios(path)
        assert scenarios, f"block {i} holds no scenario"
        keys |= {key for s in scenarios for key in s.expect}
    # the page shows the rules key and action_today at work, not only in prose
    assert any("rules:" in block for block in blocks)
    assert {"action_today", "may_process", "bases", "retention", "findings_include", "error"} <= keys


@needs_docs
def test_the_scenario_how_to_names_every_expect_key() -> None:
    from lawbasis.testing import scenarios

    page = (DOCS / "howto" / "scenario-files.md").read_text(encoding="utf-8")
    for key in (*scenarios._DECISION_KEYS, *scenarios._EXTRA_KEYS, *scenarios._FILE_KEYS):
        assert f"`{key}`" in page, key


@needs_docs
def _generic_anchor(value: str) -> str:
    return re.sub(r"^end_of_(year|month)\(\w+\)$", r"end_of_\1(KEY)", value)


def test_rule_format_lists_every_field_and_allowed_value() -> None:
    from lawbasis.core.vocabulary import ACTIVITY_FIELDS, KINDS
    from lawbasis.engine.rulefile import SCHEMA

    page = (DOCS / "reference" / "rule-format.md").read_text(encoding="utf-8")
    missing = []
    for kind, fields in KINDS.items():
        if f"`{kind}`" not in page:
            missing.append(kind)
        for field, allowed in fields.items():
            if f"`{field}`" not in page and f"`{kind}.{field}`" not in page:
                missing.append(f"{kind}.{field}")
            # an anchor of any date key is documented once, as end_of_year(KEY) / end_of_month(KEY)
            missing += [f"{kind}.{field}={v}" for v in allowed or () if f"`{v}`" not in page and f"`{_generic_anchor(v)}`" not in page]
    for field, allowed in ACTIVITY_FIELDS.items():
        generic = re.sub(r"^(has|passed)_.*", r"\1_<date key>", field)
        if f"`{field}`" not in page and f"`{generic}`" not in page:
            missing.append(f"activity.{field}")
        missing += [f"activity.{field}={v}" for v in allowed or () if f"`{v}`" not in page]
    policy_file, law_file = SCHEMA["oneOf"]
    for header in ("policy", "law"):
        branch = policy_file if header == "policy" else law_file
        for field in branch["properties"][header]["properties"]:
            if f"`{header}.{field}`" not in page:
                missing.append(f"{header}.{field}")
    for field in policy_file["properties"]["purposes"]["additionalProperties"]["properties"]:
        if f"`purposes.<id>.{field}`" not in page:
            missing.append(f"purposes.{field}")
    rule = policy_file["properties"]["rules"]["items"]
    missing += [f"rule.{field}" for field in rule["properties"] if f"`{field}`" not in page]
    missing += [f"cite.{field}" for field in rule["properties"]["cites"]["items"]["properties"] if f"`{field}`" not in page]
    assert missing == []


@needs_docs
def test_cli_reference_documents_new_and_check() -> None:
    page = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    assert "| `lawbasis new POLICY-ID --text FILE [--dir DIR]` |" in page
    assert "| `lawbasis check DIR` |" in page
    assert "## `lawbasis new`" in page and "## `lawbasis check`" in page
