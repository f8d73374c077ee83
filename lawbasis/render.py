"""Readable renderings of a Decision: plain text for terminals, HTML for notebooks."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from lawbasis.core.decision import cite_text

if TYPE_CHECKING:
    from lawbasis.core.decision import Decision
    from lawbasis.engine.rulefile import Cite


def _objected(d: Decision) -> bool:
    """Whether the facts hold an objection on as_of (one received later has not happened yet)."""
    received = d.activity.dates.get("objection_received")
    return d.activity.objection != "none" and not (received is not None and received > d.as_of)


def _objection_outcome(d: Decision) -> str:
    """What the objection does: the one in the facts, or the one that would apply if the person objected."""
    obj = d.objection
    outcome = "processing may continue" if obj.continues else "processing must stop"
    if not obj.continues and obj.applies == "21(1)" and any(b.letter not in "ef" for b in d.bases):
        outcome = "processing on (e)/(f) must stop; the other bases go on"
    return outcome if _objected(d) else f"if the person objects: {outcome}"


def _conclusion_lines(d: Decision) -> list[str]:
    bases = ", ".join(
        f"({b.letter}) {b.name} [{b.article}]"
        + ("" if b.stated_in_policy else " (from the law, not the policy)")
        + (" (stopped)" if b.stopped else "")
        for b in d.bases
    )
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
        f"  objection:    {applies}; {_objection_outcome(d)} ({obj.reason})",
        f"  may process:  {'yes' if d.may_process else 'no'}"
        + (f"  ({', '.join(d.may_process_reasons)})" if d.may_process_reasons else ""),
        f"  retention:    {window}; until {until}; then {r.action}" + ("" if r.stated_in_policy else " (not stated in the policy)"),
        f"  today:        {d.action_today} the data",
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
        replaced = f" (replaces {step.replaces})" if step.replaces else ""
        lines.append(f"    {i:2}. {step.rule}{replaced} -> {concluded}")
        for cite in step.cites:
            lines.append(f"        cites {cite_text(cite)}")
    return "\n".join(lines)


_SEVERITY_COLOURS = {"violation": "#b03a2e", "warning": "#b9770e", "info": "#2874a6"}
_BOX = "font-family:sans-serif;font-size:13px;line-height:1.4;max-width:60em"
_CELL = "text-align:left;padding:2px 10px 2px 0;vertical-align:top"


def _cite_html(cite: Cite) -> str:
    e = html.escape
    parts = []
    if cite.quote is not None:
        lang = cite.language  # the quote carries its text's language: no engine is consulted
        where = e(cite.policy or "") + (f", <i>{e(cite.section)}</i>" if cite.section else "")
        lang_attr = f" lang='{e(lang)}'" if lang else ""
        parts.append(f"{where}: <q{lang_attr}>{e(cite.quote)}</q>")
    if cite.law is not None:
        parts.append(f"<span class='law'>{e(cite.law)}</span>")
    return " &mdash; ".join(parts)


def _badge(text: str, good: bool | None) -> str:
    colour = {True: "#1e8449", False: "#b03a2e", None: "#7f8c8d"}[good]
    return f"<span style='background:{colour};color:white;border-radius:3px;padding:0 6px;font-weight:bold'>{html.escape(text)}</span>"


def _concluded_html(concluded: dict[str, object]) -> str:
    e = html.escape
    parts = []
    for kind, value in concluded.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            fields = ", ".join(f"{k}={v}" for k, v in item.items()) if isinstance(item, dict) else str(item)
            parts.append(f"<code>{e(kind)}</code> {e(fields)}")
    return "; ".join(parts)


def to_html(d: Decision) -> str:
    """The decision as an HTML fragment for notebooks (``Decision._repr_html_``)."""
    e = html.escape
    lawful_good = {"yes": True, "no": False}.get(d.lawful)
    head = (
        f"<h4 style='margin:4px 0'>{e(d.policy)} / {e(d.purpose)} "
        f"<small style='font-weight:normal'>as of {d.as_of.isoformat()}</small></h4>"
        f"<p>lawful {_badge(d.lawful, lawful_good)} &nbsp; may process "
        f"{_badge('yes' if d.may_process else 'no', d.may_process)}"
        + (f" <small>({e(', '.join(d.may_process_reasons))})</small>" if d.may_process_reasons else "")
        + "</p>"
    )
    bases = (
        "".join(
            f"<tr><td style='{_CELL}'>({e(b.letter)})</td><td style='{_CELL}'>{e(b.name)}</td>"
            f"<td style='{_CELL}'><a href='{e(b.dpv)}'>{e(b.article)}</a></td>"
            f"<td style='{_CELL}'>{'stated in the policy' if b.stated_in_policy else 'from the law, not the policy'}"
            f"{'; <b>stopped</b>' if b.stopped else ''}</td></tr>"
            for b in d.bases
        )
        or f"<tr><td style='{_CELL}' colspan='4'>none</td></tr>"
    )
    obj = d.objection
    objection = (
        f"Art. {e(obj.applies)}" if obj.applies else "no right to object reaches this processing"
    ) + f"; {e(_objection_outcome(d))} <small>({e(obj.reason)})</small>"
    r = d.retention
    if r.period is None and r.until is None and not r.extended:
        window = "no retention period stated" if not r.stated_in_policy else "open-ended"
    else:
        window = f"{e(r.period or '-')} from <code>{e(r.from_ or '-')}</code>"
    if r.extended:
        until = "held past the window by a pending dispute (no end date)"
    elif r.until is not None:
        until = f"<b>{r.until.isoformat()}</b>"
    else:
        until = "unknown (the anchor date is not in the facts)" if r.period else "none"
    retention = f"{window}; until {until}; then <b>{e(r.action)}</b>" + (
        "" if r.stated_in_policy else " <small>(not stated in the policy)</small>"
    )
    table = (
        f"<table style='border-collapse:collapse'>"
        f"<tr><th style='{_CELL}'>bases</th><td style='{_CELL}'><table style='border-collapse:collapse'>{bases}</table></td></tr>"
        f"<tr><th style='{_CELL}'>objection</th><td style='{_CELL}'>{objection}</td></tr>"
        f"<tr><th style='{_CELL}'>retention</th><td style='{_CELL}'>{retention}</td></tr></table>"
    )
    findings = ""
    if d.findings:
        groups = []
        for severity in ("violation", "warning", "info"):
            items = [f for f in d.findings if f.severity == severity]
            if not items:
                continue
            colour = _SEVERITY_COLOURS[severity]
            lis = "".join(f"<li><code>{e(f.code)}</code>: {e(f.message)}</li>" for f in items)
            groups.append(f"<div><b style='color:{colour}'>{severity} ({len(items)})</b><ul style='margin:2px 0'>{lis}</ul></div>")
        findings = f"<h5 style='margin:6px 0 2px'>Findings</h5>{''.join(groups)}"
    steps = "".join(
        f"<li><code>{e(s.rule)}</code> &rarr; {_concluded_html(s.concluded)}<ul style='margin:0'>"
        + "".join(f"<li>{_cite_html(c)}</li>" for c in s.cites)
        + "</ul></li>"
        for s in d.trace
    )
    trace = f"<details><summary>Trace ({len(d.trace)} rules fired)</summary><ol>{steps}</ol></details>"
    return f"<div class='lawbasis-decision' style='{_BOX}'>{head}{table}{findings}{trace}</div>"


def _outcome_items(outcomes: Any, text: Callable[[Mapping[str, Any]], str]) -> str:
    e = html.escape
    items = []
    for o in outcomes:
        when = tuple(o.when)
        suffix = "" if when == ("always",) else f" <small>when {e('; '.join(when))}</small>"
        items.append(f"{e(text(o.value))}{suffix}")
    return "<br>".join(items) or "&mdash;"


def _report_retention(v: Mapping[str, Any]) -> str:
    if v.get("period") is None and v.get("from") is None:
        window = "no period" if v.get("stated_in_policy") else "not stated"
    else:
        window = f"{v.get('period') or '-'} from {v.get('from') or '-'}"
    return window + f", then {v.get('action')}" + (", held past the window (dispute)" if v.get("extended") else "")


def _report_objection(v: Mapping[str, Any]) -> str:
    applies = f"Art. {v['applies']}" if v.get("applies") else "no right to object"
    return f"{applies}, {'continues' if v.get('continues') else 'stops'} ({v.get('reason')})"


def report_html(report: Any) -> str:
    """A policy report (``lawbasis.analysis.report.PolicyReport``) as HTML for notebooks.

    A summary table with one row per purpose (lawful, bases, objection, retention, finding counts by
    severity), then one collapsible section per purpose with the findings grouped by severity.
    """
    e = html.escape
    rows = []
    sections = []
    for p in report.purposes:
        counts: dict[str, int] = {}
        for o in p.findings:
            counts[str(o.value["severity"])] = counts.get(str(o.value["severity"]), 0) + 1
        badges = (
            " ".join(
                f"<b style='color:{_SEVERITY_COLOURS[s]}'>{counts[s]} {s}</b>" for s in ("violation", "warning", "info") if s in counts
            )
            or "none"
        )
        rows.append(
            f"<tr><td style='{_CELL}'><code>{e(p.purpose)}</code></td>"
            f"<td style='{_CELL}'>{_outcome_items(p.lawful, lambda v: str(v['lawful']))}</td>"
            f"<td style='{_CELL}'>{_outcome_items(p.bases, lambda v: str(v['bases']))}</td>"
            f"<td style='{_CELL}'>{_outcome_items(p.objection, _report_objection)}</td>"
            f"<td style='{_CELL}'>{_outcome_items(p.retention, _report_retention)}</td>"
            f"<td style='{_CELL}'>{badges}</td></tr>"
        )
        groups = []
        for severity in ("violation", "warning", "info"):
            items = [o for o in p.findings if o.value["severity"] == severity]
            if items:
                lis = "".join(
                    f"<li><code>{e(str(o.value['code']))}</code>"
                    + ("" if tuple(o.when) == ("always",) else f" <small>(when {e('; '.join(o.when))})</small>")
                    + f": {e(str(o.value['message']))}</li>"
                    for o in items
                )
                groups.append(f"<b style='color:{_SEVERITY_COLOURS[severity]}'>{severity}</b><ul style='margin:2px 0'>{lis}</ul>")
        heading = f"<q lang='{e(report.language)}'>{e(p.heading)}</q>"
        sections.append(
            f"<details><summary><code>{e(p.purpose)}</code> &mdash; {heading}</summary>"
            + (f"<p>{e(p.description)}</p>" if p.description else "")
            + ("".join(groups) or "<p>No findings.</p>")
            + "</details>"
        )
    head = "".join(f"<th style='{_CELL}'>{h}</th>" for h in ("purpose", "lawful", "bases", "objection", "retention", "findings"))
    return (
        f"<div class='lawbasis-report' style='{_BOX};max-width:none'>"
        f"<h4 style='margin:4px 0'>Policy report: {e(report.policy)} "
        f"<small style='font-weight:normal'>{e(report.controller)}, language {e(report.language)}, national law "
        f"{e(report.country)}; as of {report.as_of.isoformat()}, {report.evaluations} evaluations</small></h4>"
        f"<table style='border-collapse:collapse'><tr>{head}</tr>{''.join(rows)}</table>"
        f"<h5 style='margin:6px 0 2px'>Findings by purpose</h5>{''.join(sections)}</div>"
    )
