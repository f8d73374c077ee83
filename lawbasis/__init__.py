"""lawbasis: executable privacy policies.

Facts about a personal-data processing activity go in; forward-chaining rules (rule files in
``rules/``, run by durable_rules) give the GDPR Art. 6(1) basis, the outcome of an objection or a
consent withdrawal, and the retention window, each conclusion citing the policy text and the law.

>>> import lawbasis
>>> d = lawbasis.evaluate({"policy": "jetpak-dk", "purpose": "marketing", "channel": "email",
...                        "consent": "given", "dates": {"contract_ended": "2025-06-30"}})
>>> d.basis_letters, d.objection.applies, d.retention.until.isoformat()
(['a'], '21(2)', '2028-06-30')
"""
from ._activity import Activity, Dates
from ._decision import Basis, Decision, Finding, Objection, Retention, TraceStep
from ._engine import Engine, PolicyInfo, default_engine, default_rules_dir, evaluate, evaluate_many
from ._errors import (
    EngineError,
    InputError,
    LawbasisError,
    RuleFileError,
    UnknownPolicyError,
    UnknownPurposeError,
)
from ._report import PolicyReport
from ._report import policy_report as report

__version__ = "0.1.0"

__all__ = [
    "Activity",
    "Basis",
    "Dates",
    "Decision",
    "Engine",
    "EngineError",
    "Finding",
    "InputError",
    "LawbasisError",
    "Objection",
    "PolicyInfo",
    "Retention",
    "RuleFileError",
    "TraceStep",
    "UnknownPolicyError",
    "UnknownPurposeError",
    "default_engine",
    "default_rules_dir",
    "evaluate",
    "evaluate_many",
    "PolicyReport",
    "report",
    "__version__",
]
