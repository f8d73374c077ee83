"""The public API: what users receive is public, listed in ``__all__``, and renders from its own data."""

from __future__ import annotations

import importlib
import inspect
import shutil
import types
import warnings
from pathlib import Path

import pytest

import lawbasis
from lawbasis.engine import host

AS_OF = "2026-11-22"
MARKETING = {"policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given", "as_of": AS_OF}


# --- the types users receive ------------------------------------------------------------------------------


def test_the_types_methods_return_are_exported() -> None:
    engine = lawbasis.default_engine()
    policy = engine.policy("jetpak-dk")
    assert type(policy) is lawbasis.Policy
    assert all(type(p) is lawbasis.Policy for p in engine.policies())
    assert [p.id for p in engine.policies()] == sorted(p.id for p in engine.policies())
    assert all(type(p) is lawbasis.Purpose for p in engine.purposes("jetpak-dk"))
    # policies() lists the same objects policy() returns: one type, not a copy with other fields
    assert {p.id: p for p in engine.policies()}["jetpak-dk"] is policy
    assert list(policy.purposes) == [p.id for p in engine.purposes("jetpak-dk")]
    d = lawbasis.evaluate(MARKETING)
    cites = [c for step in d.trace for c in step.cites]
    assert cites and all(type(c) is lawbasis.Cite for c in cites)
    assert {"Cite", "Policy", "Purpose", "PolicyDiff", "diff", "report"} <= set(lawbasis.__all__)


def test_policy_info_is_a_deprecated_alias_of_policy() -> None:
    with pytest.warns(DeprecationWarning, match="lawbasis.Policy"):
        alias = lawbasis.PolicyInfo
    assert alias is lawbasis.Policy
    assert "PolicyInfo" not in lawbasis.__all__


def test_cli_policies_output_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    from lawbasis.cli import app

    assert app.main(["policies"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["id", "controller", "language", "purposes"]
    row = next(line for line in lines if line.startswith("jetpak-dk "))
    assert row.split()[-2:] == ["da", str(len(lawbasis.default_engine().policy("jetpak-dk").purposes))]


# --- the rendering bug: a Decision renders from its own data, whatever engines exist -----------------------


def test_the_same_decision_renders_the_same_whether_or_not_the_default_engine_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering reads ``Cite.language``, never ``engine.host._default`` (which once gave ``lang='da'`` only after
    the default engine had been built)."""
    with lawbasis.Engine() as engine:
        d = engine.evaluate(MARKETING)
        monkeypatch.setattr(host, "_default", None)
        before_html, before_text = d._repr_html_(), d.explain()
        assert host._default is None  # rendering built no engine
        monkeypatch.undo()
        lawbasis.default_engine()
        assert host._default is not None
        assert d._repr_html_() == before_html and d.explain() == before_text
    assert "lang='da'" in before_html


def test_a_custom_rule_directory_renders_its_own_policys_language(tmp_path: Path) -> None:
    """A rule directory whose jetpak-dk is declared Swedish renders ``lang='sv'``, although the default engine
    (built first) has a Danish jetpak-dk of the same id."""
    shipped = lawbasis.default_engine()
    assert shipped.policy("jetpak-dk").language == "da"
    rules = tmp_path / "rules"
    shutil.copytree(lawbasis.default_rules_dir(), rules)
    policy_file = rules / "jetpak-dk.yaml"
    text = policy_file.read_text(encoding="utf-8")
    assert "  language: da\n" in text
    policy_file.write_text(text.replace("  language: da\n", "  language: sv\n", 1), encoding="utf-8")
    with lawbasis.Engine(rules) as engine:
        assert engine.policy("jetpak-dk").language == "sv"
        d = engine.evaluate(MARKETING)
    quoted = [c for step in d.trace for c in step.cites if c.quote is not None]
    assert quoted and {c.language for c in quoted} == {"sv"}
    out = d._repr_html_()
    assert out.count("lang='sv'") == len(quoted) and "lang='da'" not in out
    assert "lang='da'" in shipped.evaluate(MARKETING)._repr_html_()


# --- __all__ --------------------------------------------------------------------------------------------

PUBLIC_MODULES = ["lawbasis", "lawbasis.bulk", "lawbasis.strategies", "lawbasis.invariants", "lawbasis.explore", "lawbasis.plot"]
_NEEDS = {"lawbasis.bulk": "pandas", "lawbasis.strategies": "hypothesis", "lawbasis.explore": "pandas", "lawbasis.plot": "matplotlib"}


def _module(name: str) -> types.ModuleType:
    if name in _NEEDS:
        pytest.importorskip(_NEEDS[name])
    return importlib.import_module(name)


def public_callables(module: types.ModuleType) -> set[str]:
    """Public callables the module defines: in itself or, for a facade such as ``lawbasis.bulk``, in its own
    subpackage (not names it imports from other layers, such as ``Decision``)."""
    if module.__name__ == "lawbasis":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            names = {n for n in dir(module) if not n.startswith("_") and n not in lawbasis._DEPRECATED}
        values = {n: getattr(module, n) for n in names}
        # the standard library's names the package module uses itself (``Any``) are not lawbasis's
        return {n for n, v in values.items() if callable(v) and (getattr(v, "__module__", None) or "").startswith("lawbasis")}
    package = module.__name__.rpartition(".")[0]
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and callable(value)
        and not inspect.ismodule(value)
        and (getattr(value, "__module__", None) or "").startswith(package + ".")
    }


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_public_callable_is_in_all(name: str) -> None:
    module = _module(name)
    callables = public_callables(module)
    assert callables, name  # the module was read
    assert sorted(callables - set(module.__all__)) == []
    for item in module.__all__:  # and every listed name exists
        assert hasattr(module, item), f"{name}.__all__ lists {item!r}, which it does not have"


def test_lawbasis_all_is_its_lazy_exports() -> None:
    assert set(lawbasis.__all__) - {"__version__"} == set(lawbasis._EXPORTS)


def test_invariants_all_lists_every_check() -> None:
    invariants = _module("lawbasis.invariants")
    checks = {n for n, v in vars(invariants).items() if n.startswith("check_") and inspect.isfunction(v)}
    assert "check_action_today" in checks
    assert sorted(checks - set(invariants.__all__)) == []
    # every check but check_all is one of the INVARIANTS check_all runs
    assert {f.__name__ for f in invariants.INVARIANTS} == checks - {"check_all"}
