"""lawbasis: executable privacy policies.

Facts about a personal-data processing activity go in; forward-chaining rules (rule files in
``rules/``, run by durable_rules) give the GDPR Art. 6(1) basis, the outcome of an objection or a
consent withdrawal, and the retention window, each conclusion citing the policy text and the law.

>>> import lawbasis
>>> d = lawbasis.evaluate({"policy": "jetpak-dk", "purpose": "marketing", "channel": "email",
...                        "consent": "given", "dates": {"contract_ended": "2025-06-30"}})
>>> d.basis_letters, d.objection.applies, d.retention.until.isoformat()
(['a'], '21(2)', '2028-06-30')

The names below are imported when first used, so ``import lawbasis`` (and the pytest plugin) stays
light until an engine is needed.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

#: public name -> the module that defines it
_EXPORTS = {
    "Activity": "lawbasis.core.activity",
    "Dates": "lawbasis.core.activity",
    "Basis": "lawbasis.core.decision",
    "Decision": "lawbasis.core.decision",
    "Finding": "lawbasis.core.decision",
    "Objection": "lawbasis.core.decision",
    "Retention": "lawbasis.core.decision",
    "TraceStep": "lawbasis.core.decision",
    "EngineError": "lawbasis.core.errors",
    "InputError": "lawbasis.core.errors",
    "LawbasisError": "lawbasis.core.errors",
    "RuleFileError": "lawbasis.core.errors",
    "UnknownPolicyError": "lawbasis.core.errors",
    "UnknownPurposeError": "lawbasis.core.errors",
    "Cite": "lawbasis.engine.rulefile",
    "Policy": "lawbasis.engine.rulefile",
    "Purpose": "lawbasis.engine.rulefile",
    "Engine": "lawbasis.engine.host",
    "default_engine": "lawbasis.engine.host",
    "default_rules_dir": "lawbasis.engine.host",
    "evaluate": "lawbasis.engine.host",
    "evaluate_many": "lawbasis.engine.host",
    "PolicyReport": "lawbasis.analysis.report",
    "report": "lawbasis.analysis.report",
    "PolicyDiff": "lawbasis.analysis.diff",
    "diff": "lawbasis.analysis.diff",
}
#: old public name -> the name that replaced it (the old one still works, with a DeprecationWarning)
_DEPRECATED = {"PolicyInfo": "Policy"}

if TYPE_CHECKING:
    from lawbasis.analysis.diff import PolicyDiff, diff
    from lawbasis.analysis.report import PolicyReport, report
    from lawbasis.core.activity import Activity, Dates
    from lawbasis.core.decision import Basis, Decision, Finding, Objection, Retention, TraceStep
    from lawbasis.core.errors import (
        EngineError,
        InputError,
        LawbasisError,
        RuleFileError,
        UnknownPolicyError,
        UnknownPurposeError,
    )
    from lawbasis.engine.host import (
        Engine,
        default_engine,
        default_rules_dir,
        evaluate,
        evaluate_many,
    )
    from lawbasis.engine.rulefile import Cite, Policy, Purpose


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:
        new = _DEPRECATED[name]
        warnings.warn(f"lawbasis.{name} is deprecated; use lawbasis.{new}", DeprecationWarning, stacklevel=2)
        return __getattr__(new)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lawbasis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "Activity",
    "Basis",
    "Cite",
    "Dates",
    "Decision",
    "Engine",
    "EngineError",
    "Finding",
    "InputError",
    "LawbasisError",
    "Objection",
    "Policy",
    "PolicyDiff",
    "PolicyReport",
    "Purpose",
    "Retention",
    "RuleFileError",
    "TraceStep",
    "UnknownPolicyError",
    "UnknownPurposeError",
    "__version__",
    "default_engine",
    "default_rules_dir",
    "diff",
    "evaluate",
    "evaluate_many",
    "report",
]
