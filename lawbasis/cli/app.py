"""The ``lawbasis`` command line (SPEC section 6).

Exit status: 0 success; 1 a finding of severity ``violation`` in the output when ``--strict``;
2 bad input (a LawbasisError, invalid JSON, an unreadable file, a bad option, a missing optional
dependency), always as one line on stderr; 3 an unexpected internal error (a defect, not the
user's input), also one line.

Output the terminal's encoding cannot show (``PYTHONIOENCODING=ascii``, say) is still written whole:
JSON with ``\\uXXXX`` escapes (the same data), text with backslash escapes; ``sweep`` writes its CSV
as UTF-8 bytes whatever the terminal, exactly as ``--output FILE`` would.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from lawbasis.cli.sweep import add_sweep_parser, run_sweep
from lawbasis.core.errors import LawbasisError

EXIT_OK, EXIT_VIOLATION, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _BadInput(Exception):
    """Bad input found by the CLI itself (file, JSON); becomes exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage plus message
        raise _BadInput(f"{message} (see '{self.prog} --help')")


def _common(parser: argparse.ArgumentParser, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--rules", metavar="DIR", default=default, help="use the rule directory DIR instead of the built-in rules")
    parser.add_argument(
        "--strict",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="exit with status 1 if the output holds a finding of severity 'violation'",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lawbasis",
        description="Executable privacy policies: GDPR legal basis, objection and retention decisions.",
        epilog="Exit status: 0 success, 1 a violation finding with --strict, 2 bad input, 3 internal error.",
    )
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("policies", help="list the policies: id, controller, language, purpose count")
    _common(p, top=False)

    p = sub.add_parser("purposes", help="list a policy's purpose ids with their quoted headings")
    p.add_argument("policy", metavar="POLICY")
    _common(p, top=False)

    p = sub.add_parser("evaluate", help="decide activities from a JSON file (object or list) or '-' for stdin")
    p.add_argument("file", metavar="FILE|-")
    p.add_argument("--explain", action="store_true", help="print a readable account with the cited clauses instead of JSON")
    _common(p, top=False)

    p = sub.add_parser("report", help="every purpose's bases, objection outcome, retention and findings")
    p.add_argument("policy", metavar="POLICY")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--as-of", metavar="DATE", dest="as_of", help="the day every evaluation is asked on (ISO date; default today)")
    p.add_argument(
        "--date",
        metavar="KEY=DATE",
        action="append",
        default=[],
        dest="dates",
        help="a date every evaluation carries (a key of 'dates', e.g. fiscal_year_end=2023-12-31); repeatable",
    )
    p.add_argument(
        "--purpose",
        metavar="PURPOSE",
        action="append",
        dest="purposes",
        help="report only this purpose (repeatable; default every purpose)",
    )
    _common(p, top=False)

    p = sub.add_parser("diff", help="where two policies (language versions) give different answers")
    p.add_argument("policy_a", metavar="POLICY_A")
    p.add_argument("policy_b", metavar="POLICY_B")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    _common(p, top=False)

    p = sub.add_parser("schema", help="the JSON Schema of an activity (the built-in facts, plus the rule directory's own)")
    _common(p, top=False)
    add_sweep_parser(sub)
    return parser


def _engine(rules: str | None) -> Any:
    from lawbasis.engine.host import Engine, default_engine

    if rules is None:
        return default_engine()
    if not Path(rules).is_dir():
        raise _BadInput(f"--rules: {rules!r} is not a directory")
    return Engine(rules_dir=rules)


def _read_json(name: str) -> Any:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _BadInput(f"cannot read {name!r}: {getattr(exc, 'strerror', None) or exc}") from None
    source = "stdin" if name == "-" else repr(name)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _BadInput(f"invalid JSON in {source}: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:  # json's parser recurses once per nested array or object
        raise _BadInput(f"invalid JSON in {source}: arrays or objects nested too deeply") from None
    except ValueError as exc:  # an integer past Python's int-string limit (4300 digits)
        reason = str(exc).partition(":")[0]  # not the advice to call sys.set_int_max_str_digits()
        raise _BadInput(f"invalid JSON in {source}: {reason}") from None


def _encodable(text: str, stream: Any) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _dump(data: Any) -> str:
    text = json.dumps(data, indent=2, ensure_ascii=False)
    # a terminal that cannot show the text gets the same JSON with \uXXXX escapes
    return text if _encodable(text, sys.stdout) else json.dumps(data, indent=2, ensure_ascii=True)


def _write(stream: Any, text: str) -> None:
    """Write ``text`` whole: characters the stream's encoding lacks as backslash escapes."""
    if not _encodable(text, stream):
        encoding = getattr(stream, "encoding", None) or "utf-8"
        try:
            text = text.encode(encoding, "backslashreplace").decode(encoding)
        except LookupError:
            text = text.encode("ascii", "backslashreplace").decode("ascii")
    stream.write(text)


def _cmd_policies(args: argparse.Namespace) -> tuple[str, bool]:
    infos = _engine(args.rules).policies()
    rows = [("id", "controller", "language", "purposes")] + [(p.id, p.controller, p.language, str(len(p.purposes))) for p in infos]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows), False


def _cmd_purposes(args: argparse.Namespace) -> tuple[str, bool]:
    purposes = _engine(args.rules).purposes(args.policy)
    width = max((len(p.id) for p in purposes), default=0)
    lines = [f'{p.id:<{width}}  "{p.heading}"' + (f"  ({p.description})" if p.description else "") for p in purposes]
    return "\n".join(lines), False


def _cmd_evaluate(args: argparse.Namespace) -> tuple[str, bool]:
    data = _read_json(args.file)
    if isinstance(data, dict):
        items, single = [data], True
    elif isinstance(data, list):
        items, single = data, False
    else:
        raise _BadInput(f"expected a JSON object or a list of objects, got {type(data).__name__}")
    engine = _engine(args.rules)
    decisions = []
    for i, item in enumerate(items):
        try:
            decisions.append(engine.evaluate(item))
        except LawbasisError as exc:
            raise LawbasisError(str(exc) if single else f"item {i}: {exc}") from None
    violation = any(f.severity == "violation" for d in decisions for f in d.findings)
    if args.explain:
        return "\n\n".join(d.explain() for d in decisions), violation
    out = decisions[0].to_dict() if single else [d.to_dict() for d in decisions]
    return _dump(out), violation


def _report_dates(items: Sequence[str]) -> dict[str, str]:
    dates: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise _BadInput(f"--date: {item!r} is not KEY=DATE (e.g. fiscal_year_end=2023-12-31)")
        if key.strip() in dates:
            raise _BadInput(f"--date: {key.strip()!r} given twice")
        dates[key.strip()] = value.strip()
    return dates


def _cmd_report(args: argparse.Namespace) -> tuple[str, bool]:
    from lawbasis.analysis.report import report

    r = report(_engine(args.rules), args.policy, as_of=args.as_of, dates=_report_dates(args.dates), purposes=args.purposes)
    violation = "violation" in r.severities()
    if args.format == "json":
        return _dump(r.to_dict()), violation
    if args.format == "markdown":
        return r.to_markdown().rstrip("\n"), violation
    return r.to_text(), violation


def _cmd_diff(args: argparse.Namespace) -> tuple[str, bool]:
    from lawbasis.analysis.diff import diff, render_text, to_json

    rows = diff(_engine(args.rules), args.policy_a, args.policy_b)
    violation = any(r.aspect.startswith("finding ") and "violation" in (r.a, r.b) for r in rows)
    if args.json:
        return _dump(to_json(rows, args.policy_a, args.policy_b)), violation
    return render_text(rows, args.policy_a, args.policy_b).rstrip("\n"), violation


def _cmd_schema(args: argparse.Namespace) -> tuple[str, bool]:
    from lawbasis.core.vocabulary import BUILTIN
    from lawbasis.engine.rulefile import load_directory

    if args.rules is None:
        return _dump(BUILTIN.activity_schema()), False
    if not Path(args.rules).is_dir():
        raise _BadInput(f"--rules: {args.rules!r} is not a directory")
    return _dump(load_directory(args.rules).vocabulary.activity_schema()), False


_COMMANDS = {
    "policies": _cmd_policies,
    "purposes": _cmd_purposes,
    "evaluate": _cmd_evaluate,
    "report": _cmd_report,
    "diff": _cmd_diff,
    "schema": _cmd_schema,
}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _message(exc: BaseException) -> str:
    """The error and its notes (bulk adds the row as a note) on one line."""
    return _one_line("; ".join([str(exc), *getattr(exc, "__notes__", ())]))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (the console script exits with it)."""
    try:
        args = build_parser().parse_args(list(argv) if argv is not None else None)
        if args.command == "sweep":
            return run_sweep(args)
        output, violation = _COMMANDS[args.command](args)
        _write(sys.stdout, output + "\n")
        sys.stdout.flush()
    except SystemExit as exc:  # --help (status 0)
        return int(exc.code or 0)
    except (LawbasisError, _BadInput) as exc:
        _write(sys.stderr, f"lawbasis: error: {_message(exc)}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into a reader that stopped early (head)
        return EXIT_OK
    except KeyboardInterrupt:
        sys.stderr.write("lawbasis: interrupted\n")
        return 130
    except Exception as exc:  # noqa: BLE001 - a defect: still one line, never a traceback
        _write(sys.stderr, f"lawbasis: internal error: {type(exc).__name__}: {_message(exc)}\n")
        return EXIT_INTERNAL
    return EXIT_VIOLATION if violation and args.strict else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
