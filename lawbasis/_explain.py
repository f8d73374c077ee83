"""Readable renderings of a Decision: plain text for terminals, HTML for notebooks."""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ._decision import cite_text

if TYPE_CHECKING:
    from ._decision import Decision


def _conclusion_lines(d: Decision) -> list[str]:
    bases = ", ".join(f"({b.letter}) {b.name} [{b.article}]" + ("" if b.stated_in_policy else " (from the law, not the policy)") for b in d.bases)
    r = d.retention
    if r.period is None and r.until is None:
        window = "no retention period stated"
    else:
        window = f"{r.period or '-'} from {r.from_ or '-'}"
    until = "held past the window by a pending dispute" if r.extended else (r.until.isoformat() if r.until else "unknown")
    obj = d.objection
    applies = f"Art. {obj.applies}" if obj.applies else "no right to object reaches this processing"
    return [
        f"{d.policy} / {d.purpose} (as of {d.as_of.isoformat()})",
        f"  lawful:       {d.lawful}" + (f"  ({', '.join(d.lawful_reasons)})" if d.lawful_reasons else ""),
        f"  bases:        {bases or 'none'}",
        f"  objection:    {applies}; processing {'may continue' if obj.continues else 'must stop'} ({obj.reason})",
        f"  may process:  {'yes' if d.may_process else 'no'}" + (f"  ({', '.join(d.may_process_reasons)})" if d.may_process_reasons else ""),
        f"  retention:    {window}; until {until}; then {r.action}" + ("" if r.stated_in_policy else " (not stated in the policy)"),
    ]


def explain(d: Decision) -> str:
    lines = _conclusion_lines(d)
    if d.findings:
        lines.append("  findings:")
        for f in d.findings:
            lines.append(f"    [{f.severity}] {f.code}: {f.message}")
    lines.append("  trace:")
    for i, step in enumerate(d.trace, 1):
        concluded = "; ".join(
            f"{kind} " + ", ".join(f"{k}={v}" for k, v in (val if isinstance(val, dict) else {"items": val}).items())
            for kind, val in step.concluded.items()
        )
        lines.append(f"    {i:2}. {step.rule} -> {concluded}")
        for cite in step.cites:
            lines.append(f"        cites {cite_text(cite)}")
    return "\n".join(lines)


def to_html(d: Decision) -> str:
    e = html.escape
    rows = "".join(f"<tr><td>{e(line.split(':', 1)[0].strip())}</td><td>{e(line.split(':', 1)[1].strip())}</td></tr>" for line in _conclusion_lines(d)[1:])
    findings = "".join(
        f"<li><b>{e(f.severity)}</b> <code>{e(f.code)}</code>: {e(f.message)}</li>" for f in d.findings
    )
    trace = "".join(
        f"<li><code>{e(s.rule)}</code><ul>" + "".join(f"<li>{e(cite_text(c))}</li>" for c in s.cites) + "</ul></li>"
        for s in d.trace
    )
    return (
        f"<div class='lawbasis-decision'><h4>{e(d.policy)} / {e(d.purpose)}</h4><table>{rows}</table>"
        + (f"<h5>Findings</h5><ul>{findings}</ul>" if findings else "")
        + f"<details><summary>Trace ({len(d.trace)} rules)</summary><ol>{trace}</ol></details></div>"
    )
