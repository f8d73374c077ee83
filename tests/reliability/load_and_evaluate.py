"""Load a rule directory and evaluate activities in this process (run by tests/test_reliability_engine.py).

``python load_and_evaluate.py RULES_DIR ACTIVITIES_JSON`` prints one JSON line and exits 0 with the
decisions, or 3 with the RuleFileError's file, rule and message if the directory is refused at load.
Anything else (a signal, an abort, another exit status) is what the caller reports as a failure.
"""

from __future__ import annotations

import json
import sys

import lawbasis


def main() -> int:
    rules, activities = sys.argv[1], json.loads(sys.argv[2])
    try:
        engine = lawbasis.Engine(rules, memo_size=0)
    except lawbasis.RuleFileError as exc:
        print(json.dumps({"refused": str(exc), "file": exc.file, "rule": exc.rule}), flush=True)
        return 3
    decisions = []
    for activity in activities:
        try:
            decisions.append(engine.evaluate(activity).to_dict())
        except lawbasis.EngineError as exc:  # a rule set may conflict; what matters is the process survives
            decisions.append({"engine_error": str(exc)})
    # the same activities again: nothing left behind by the first round changes an answer
    again = []
    for activity in activities:
        try:
            again.append(engine.evaluate(activity).to_dict())
        except lawbasis.EngineError as exc:
            again.append({"engine_error": str(exc)})
    print(json.dumps({"decisions": decisions, "stable": decisions == again}, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
