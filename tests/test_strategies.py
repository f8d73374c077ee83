"""lawbasis.strategies: what they draw is valid, respects constraints and covers the space."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lawbasis
from lawbasis.core.activity import DATE_ORDER
from lawbasis.strategies import (
    activities,
    activity_dates,
    activity_dicts,
    invalid_activity_cases,
    invalid_activity_dicts,
    policy_purposes,
)
from tests.conftest import scaled


def test_public_import_path() -> None:
    from lawbasis.strategies import activities as imported

    assert imported is activities


@given(activities())
def test_activities_are_valid_and_in_order(activity: lawbasis.Activity) -> None:
    assert lawbasis.Activity.from_dict(activity.to_dict()) == activity
    for earlier, later in DATE_ORDER:
        if earlier in activity.dates and later in activity.dates:
            assert activity.dates[earlier] <= activity.dates[later]
    assert ("consent_withdrawn" in activity.dates) <= (activity.consent == "withdrawn")
    assert ("objection_received" in activity.dates) <= (activity.objection != "none")
    assert activity.as_of is not None


@given(
    activities("jetpak-dk", "marketing", customer_status="customer", objection="general", consent=st.sampled_from(["given", "explicit"]))
)
def test_constraints_fix_fields(activity: lawbasis.Activity) -> None:
    assert (activity.policy, activity.purpose) == ("jetpak-dk", "marketing")
    assert activity.customer_status == "customer" and activity.objection == "general"
    assert activity.consent in ("given", "explicit")


@given(activities("jetpak-se", required_dates=["contact_collected", "contract_ended"], date_keys=["fiscal_year_end"]))
def test_required_and_restricted_date_keys(activity: lawbasis.Activity) -> None:
    assert {"contact_collected", "contract_ended"} <= set(activity.dates) <= {"contact_collected", "contract_ended", "fiscal_year_end"}
    assert activity.dates["contact_collected"] <= activity.dates["contract_ended"]


def test_strategies_reach_every_policy_purpose_and_value() -> None:
    seen: set[tuple[str, str]] = set()
    consents: set[str] = set()
    keys: set[str] = set()

    @settings(scaled(1.0, at_least=100), derandomize=True)
    @given(activities())
    def collect(activity: lawbasis.Activity) -> None:
        seen.add((activity.policy, activity.purpose))
        consents.add(activity.consent)
        keys.update(activity.dates)

    collect()
    policies = {p for p, _ in seen}
    assert policies == {p.id for p in lawbasis.default_engine().policies()}
    assert consents == {"none", "given", "explicit", "withdrawn"}
    assert len(keys) >= 7


@given(activity_dates("withdrawn", "general", required=["contact_collected", "consent_withdrawn", "objection_received"]))
def test_activity_dates_respect_order_and_coupling(dates: dict) -> None:
    assert dates["contact_collected"] <= dates["consent_withdrawn"]
    assert dates["contact_collected"] <= dates["objection_received"]
    lawbasis.Activity(policy="p", purpose="q", consent="withdrawn", objection="general", dates=dates)


@given(activity_dates())
def test_activity_dates_without_withdrawal_or_objection_leave_those_keys_out(dates: dict) -> None:
    assert "consent_withdrawn" not in dates and "objection_received" not in dates


@scaled(0.5)
@given(activity_dicts())
def test_activity_dicts_are_json_and_evaluate(data: dict) -> None:
    text = json.dumps(data)
    decision = lawbasis.evaluate(json.loads(text))
    assert (decision.policy, decision.purpose) == (data["policy"], data["purpose"])


@given(invalid_activity_cases())
def test_invalid_cases_are_refused_naming_the_field(case: tuple) -> None:
    field, facts = case
    with pytest.raises(lawbasis.InputError) as info:
        lawbasis.evaluate(facts)
    assert info.value.field == field


@given(invalid_activity_dicts())
def test_invalid_dicts_are_refused(facts: object) -> None:
    with pytest.raises(lawbasis.LawbasisError):
        lawbasis.evaluate(facts)  # type: ignore[arg-type]


def test_policy_purposes_of_one_policy() -> None:
    pairs: set[tuple[str, str]] = set()

    @settings(scaled(0.6, at_least=60), derandomize=True)
    @given(policy_purposes("jetpak-dk"))
    def collect(pair: tuple[str, str]) -> None:
        pairs.add(pair)

    collect()
    assert pairs == {("jetpak-dk", p.id) for p in lawbasis.default_engine().purposes("jetpak-dk")}


def test_user_rule_directory_through_engine_argument() -> None:
    engine = lawbasis.Engine(lawbasis.default_rules_dir())
    purposes: set[str] = set()

    @settings(scaled(0.3, at_least=30), derandomize=True)
    @given(activities("jetpak-se", engine=engine))
    def collect(activity: lawbasis.Activity) -> None:
        purposes.add(activity.purpose)
        engine.evaluate(activity)

    collect()
    assert "bookkeeping" in purposes


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"policy": "nope"}, "policy"),
        ({"policy": "jetpak-dk", "purpose": "nope"}, "purpose"),
        ({"purpose": "marketing"}, "purpose"),
        ({"consent": "maybe"}, "consent"),
        ({"colour": "red"}, "colour"),
        ({"dispute": "yes"}, "dispute"),
        ({"required_dates": ["yesterday"]}, "date_keys"),
    ],
)
def test_bad_strategy_arguments_fail_at_once(kwargs: dict, field: str) -> None:
    with pytest.raises(lawbasis.InputError) as info:
        activities(**kwargs)
    assert info.value.field == field


def test_activity_dates_refuses_impossible_requirements() -> None:
    with pytest.raises(lawbasis.InputError, match="consent is 'given'"):
        activity_dates("given", required=["consent_withdrawn"])
    with pytest.raises(lawbasis.InputError, match="objection is 'none'"):
        activity_dates(required=["objection_received"])


# --- the scenario-file plugin, as a user's repository sees it ----------------------------------

pytest_plugins = ["pytester"]

SCENARIO_FILE = """\
facts: {policy: jetpak-dk, as_of: 2026-01-01}
scenarios:
  - name: holds
    facts: {purpose: marketing, channel: email, consent: given, dates: {contract_ended: 2025-06-30}}
    expect: {lawful: yes, bases: [a], retention: {until: 2028-06-30}, cites_include: ["GDPR Art. 21(2)"]}

  - name: wrong continuation
    facts: {purpose: marketing, channel: email, consent: given}
    expect:
      objection: {applies: 21(2), continues: true}
      findings_include: [no_such_finding]
  - name: bad input expected
    facts: {purpose: marketing, consent: maybe}
    expect: {error: InputError, field: consent}
"""


def _plugin_args(request: pytest.FixtureRequest) -> list[str]:
    # installed: the pytest11 entry point already loads it; from source: load it by hand
    return [] if request.config.pluginmanager.hasplugin("lawbasis") else ["-p", "lawbasis.testing.pytest_plugin"]


def test_scenario_file_failure_names_file_line_and_field(pytester: pytest.Pytester, request: pytest.FixtureRequest) -> None:
    pytester.makefile(".scenarios.yaml", mine=SCENARIO_FILE)
    result = pytester.runpytest_subprocess(*_plugin_args(request), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    assert "mine.scenarios.yaml:7: scenario 'wrong continuation'" in out
    assert "  objection.continues: expected True, got False" in out
    assert "  findings_include: expected ['no_such_finding'], got [" in out


def test_malformed_scenario_file_is_a_collection_error(pytester: pytest.Pytester, request: pytest.FixtureRequest) -> None:
    pytester.makefile(".scenarios.yaml", bad="scenarios:\n  - name: x\n    facts: {purpose: marketing}\n    expect: {colour: red}\n")
    result = pytester.runpytest_subprocess(*_plugin_args(request), "-p", "no:cacheprovider")
    assert result.ret != 0
    assert "bad.scenarios.yaml:2: scenario 'x': unknown expect keys ['colour']" in result.stdout.str()


def test_scenario_files_cannot_execute_code(pytester: pytest.Pytester, request: pytest.FixtureRequest) -> None:
    pytester.makefile(".scenarios.yaml", evil="scenarios: !!python/object/apply:os.system ['echo pwned > pwned']\n")
    result = pytester.runpytest_subprocess(*_plugin_args(request), "-p", "no:cacheprovider")
    assert result.ret != 0
    assert not (pytester.path / "pwned").exists()
    assert "evil.scenarios.yaml" in result.stdout.str() and "not valid YAML" in result.stdout.str()
