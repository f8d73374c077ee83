"""Every readable rendering lawbasis gives: a Decision as text and HTML, a policy report and a diff as
text, Markdown and HTML, and a citation as one line.

Rendering reads only the objects it is given (a quote carries its text's language in ``Cite.language``),
never an engine: the same object renders the same whatever engines exist. The types come from the layers
below and above only for type checking, so this module imports nothing of lawbasis when it runs.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lawbasis.analysis.diff import Clause, DiffRow, PolicyDiff
    from lawbasis.analysis.report import Outcome, PolicyReport, PurposeReport
    from lawbasis.core.decision import Decision
    from lawbasis.engine.rulefile import Cite

#: severities, most severe first (the order of ``Decision.findings``)
_SEVERITIES = ("violation", "warning", "info")


def cite_text(cite: Cite) -> str:
    """One citation on one line: ``policy, section: “quote” — law`` (the JSON form of a finding's cites)."""
    parts = []
    if cite.quote is not None:
        where = f"{cite.policy}" + (f", {cite.section}" if cite.section else "")
        parts.append(f"{where}: \u201c{cite.quote}\u201d")
    if cite.law is not None:
        parts.append(cite.law)
    return " \u2014 ".join(parts)


# --- a decision ------------------------------------------------------------------------------------


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
    """The decision as plain text (``Decision.explain()``): conclusions first, then each rule that fired."""
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
        for severity in _SEVERITIES:
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


# --- a policy report --------------------------------------------------------------------------------


def _when(when: tuple[str, ...]) -> str:
    return "; ".join(when)


def _objection_text(v: Mapping[str, Any]) -> str:
    applies = f"Art. {v['applies']}" if v["applies"] else "no right to object"
    return f"{applies}, {'continues' if v['continues'] else 'stops'} ({v['reason']})"


def _window_text(v: Mapping[str, Any]) -> str:
    if v["period"] is None and v["from"] is None:
        return "no period" if v["stated_in_policy"] else "not stated"
    return f"{v['period'] or '-'} from {v['from'] or '-'}"


def _retention_text(v: Mapping[str, Any]) -> str:
    window = _window_text(v)
    # the end date is known only where the dates given fix the window's anchor
    ends = f", ends {v['window_until']}" if v.get("window_until") else ""
    extra = ", held past the window (dispute)" if v["extended"] else ""
    stated = "" if v["stated_in_policy"] else " [not in policy]"
    return f"{window}{ends}, then {v['action']}{extra}{stated}"


def _facts_text(r: PolicyReport) -> str:
    dates = r.fixed["dates"]
    given = ", ".join(f"{k}={v}" for k, v in dates.items()) if dates else "none"
    return f"As of {r.as_of.isoformat()}; dates: {given}"


def _cells(p: PurposeReport) -> dict[str, list[str]]:
    def cell(outcomes: tuple[Outcome, ...], text: Callable[[Mapping[str, Any]], str]) -> list[str]:
        single = len(outcomes) == 1
        return [text(o.value) + ("" if single and o.when == ("always",) else f" when {_when(o.when)}") for o in outcomes]

    return {
        "lawful": cell(p.lawful, lambda v: str(v["lawful"])),
        "bases": cell(p.bases, lambda v: str(v["bases"])),
        "objection": cell(p.objection, _objection_text),
        "may_process": cell(p.may_process, lambda v: "yes" if v["may_process"] else "no"),
        "today": cell(p.action_today, lambda v: str(v["action_today"])),
        "retention": cell(p.retention, _retention_text),
        "findings": [
            f"[{o.value['severity']}] {o.value['code']}" + ("" if o.when == ("always",) else f" when {_when(o.when)}") for o in p.findings
        ],
    }


def _uniq(values: Iterable[str]) -> str:
    return " / ".join(dict.fromkeys(values))


def _severity_counts(p: PurposeReport) -> dict[str, int]:
    counts = dict.fromkeys(_SEVERITIES, 0)
    for o in p.findings:
        counts[str(o.value["severity"])] += 1
    return {s: n for s, n in counts.items() if n}


def report_text(r: PolicyReport) -> str:
    """A policy report as plain text: a summary table, then each purpose's answers and findings."""
    lines = [
        f"Policy report: {r.policy} ({r.controller}, {r.language}, national law {r.country})",
        f"{_facts_text(r)} (a withdrawal or objection date only where the facts hold one); {r.evaluations} evaluations.",
        "",
    ]
    summary = [("purpose", "lawful", "bases", "objection", "retention", "findings")]
    for p in r.purposes:
        summary.append(
            (
                p.purpose,
                _uniq(str(o.value["lawful"]) for o in p.lawful),
                _uniq(str(o.value["bases"]) for o in p.bases),
                _uniq(f"{o.value['applies'] or '-'} {'continues' if o.value['continues'] else 'stops'}" for o in p.objection),
                _uniq(_window_text(o.value) for o in p.retention),
                ", ".join(f"{n} {s}" for s, n in _severity_counts(p).items()) or "none",
            )
        )
    widths = [max(len(row[i]) for row in summary) for i in range(len(summary[0]))]
    for i, row in enumerate(summary):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    for p in r.purposes:
        lines += ["", f"== {p.purpose}: \u201c{p.heading}\u201d" + (f" ({p.description})" if p.description else "")]
        varied = ", ".join(f"{name} in {{{', '.join(classes)}}}" for name, classes in p.varied) or "nothing (no rule tests the facts)"
        lines.append(f"   varied: {varied}; {p.evaluations} evaluations")
        cells = _cells(p)
        for key in ("lawful", "bases", "objection", "may_process", "today", "retention"):
            for j, text in enumerate(cells[key]):
                lines.append(f"   {key if j == 0 else '':<11} {text}")
        if p.findings:
            lines.append("   findings:")
            for o in p.findings:
                where = "" if o.when == ("always",) else f" (when {_when(o.when)})"
                lines.append(f"     [{o.value['severity']}] {o.value['code']}{where}: {o.value['message']}")
        else:
            lines.append("   findings:  none")
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def report_markdown(r: PolicyReport) -> str:
    """A policy report as Markdown: a summary table, then a findings table per purpose."""
    lines = [
        f"# Policy report: `{r.policy}`",
        "",
        f"{r.controller} \u2014 language `{r.language}`, national law {r.country}. {_facts_text(r)}; "
        f"{r.evaluations} evaluations over the fact grid of each purpose.",
        "",
        "| purpose | lawful | bases | objection | may process | today | retention | findings |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in r.purposes:
        cells = _cells(p)
        row = [f"`{p.purpose}`"] + [
            "<br>".join(_md(t) for t in cells[k]) or "\u2014"
            for k in ("lawful", "bases", "objection", "may_process", "today", "retention", "findings")
        ]
        lines.append("| " + " | ".join(row) + " |")
    for p in r.purposes:
        lines += ["", f"## `{p.purpose}` \u2014 \u201c{_md(p.heading)}\u201d", ""]
        if p.description:
            lines += [p.description, ""]
        varied = ", ".join(f"`{name}` \u2208 {{{', '.join(classes)}}}" for name, classes in p.varied) or "nothing"
        lines += [f"Varied: {varied} ({p.evaluations} evaluations).", ""]
        if p.findings:
            lines += ["| severity | code | when | message |", "|---|---|---|---|"]
            for o in p.findings:
                lines.append(f"| {o.value['severity']} | `{o.value['code']}` | {_md(_when(o.when))} | {_md(str(o.value['message']))} |")
        else:
            lines.append("No findings.")
    return "\n".join(lines) + "\n"


def _outcome_items(outcomes: Iterable[Outcome], text: Callable[[Mapping[str, Any]], str]) -> str:
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


def report_html(report: PolicyReport) -> str:
    """A policy report as HTML for notebooks (``PolicyReport._repr_html_``).

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
        badges = " ".join(f"<b style='color:{_SEVERITY_COLOURS[s]}'>{counts[s]} {s}</b>" for s in _SEVERITIES if s in counts) or "none"
        rows.append(
            f"<tr><td style='{_CELL}'><code>{e(p.purpose)}</code></td>"
            f"<td style='{_CELL}'>{_outcome_items(p.lawful, lambda v: str(v['lawful']))}</td>"
            f"<td style='{_CELL}'>{_outcome_items(p.bases, lambda v: str(v['bases']))}</td>"
            f"<td style='{_CELL}'>{_outcome_items(p.objection, _report_objection)}</td>"
            f"<td style='{_CELL}'>{_outcome_items(p.retention, _report_retention)}</td>"
            f"<td style='{_CELL}'>{badges}</td></tr>"
        )
        groups = []
        for severity in _SEVERITIES:
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


# --- a diff --------------------------------------------------------------------------------------------


def _diff_facts(d: PolicyDiff) -> str:
    return (
        f"as of {d.as_of.isoformat()}, dates "
        + ", ".join(f"{k}={v}" for k, v in d.dates.items())
        + f", consent_withdrawn={d.consent_withdrawn} and objection_received={d.objection_received} where the facts allow"
    )


def _sides(d: PolicyDiff, row: DiffRow) -> tuple[tuple[str, tuple[Clause, ...]], tuple[str, tuple[Clause, ...]]]:
    return (d.a, row.clauses_a), (d.b, row.clauses_b)


def diff_text(d: PolicyDiff) -> str:
    """A diff as plain text (``lawbasis diff``): per row both answers, the facts, and each side's clauses."""
    head = f"Differences {d.a} -> {d.b} ({_diff_facts(d)})"
    if not d.rows:
        return head + "\nNo differences.\n"
    lines = [head, f"{len(d.rows)} differences.", ""]
    width = max(len(d.a), len(d.b))
    for row in d.rows:
        lines.append(f"{row.purpose} / {row.aspect}  ({row.combinations} combination{'s' if row.combinations != 1 else ''})")
        lines.append(f"  {d.a:<{width}}  {row.a}")
        lines.append(f"  {d.b:<{width}}  {row.b}")
        lines.append(f"  {'when':<{width}}  " + "; ".join(row.when))
        for policy, clauses in _sides(d, row):
            if not clauses:
                lines.append(f"  {policy} clause: (none stated)")
            for c in clauses:
                lines.append(f"  {policy} clause: \u201c{c.quote}\u201d [{c.rule}]")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def diff_markdown(d: PolicyDiff) -> str:
    """A diff as Markdown: one table row per difference, then the clauses each side rests on."""
    lines = [f"# Differences `{d.a}` \u2192 `{d.b}`", "", f"Every combination asked {_md(_diff_facts(d))}.", ""]
    if not d.rows:
        return "\n".join([*lines, "No differences."]) + "\n"
    lines += [f"| purpose | aspect | `{d.a}` | `{d.b}` | when | combinations |", "|---|---|---|---|---|---|"]
    for row in d.rows:
        lines.append(f"| `{row.purpose}` | {_md(row.aspect)} | {_md(row.a)} | {_md(row.b)} | {_md(_when(row.when))} | {row.combinations} |")
    for row in d.rows:
        lines += ["", f"## `{row.purpose}` / {_md(row.aspect)}", ""]
        for policy, clauses in _sides(d, row):
            if not clauses:
                lines.append(f"- `{policy}`: (no clause stated)")
            for c in clauses:
                lines.append(f"- `{policy}`: \u201c{_md(c.quote)}\u201d (`{c.rule}`)")
    return "\n".join(lines) + "\n"


def _clause_html(c: Clause) -> str:
    # a policy quote in its text's language; a provision (a finding of the law rules) as plain text
    return f"<q lang='{html.escape(c.language)}'>{html.escape(c.quote)}</q>" if c.language else html.escape(c.quote)


def diff_html(d: PolicyDiff) -> str:
    """A diff as HTML for notebooks (``PolicyDiff._repr_html_``): one table row per difference."""
    e = html.escape
    head = "".join(f"<th style='{_CELL}'>{e(h)}</th>" for h in ("purpose", "aspect", d.a, d.b, "when", "clauses"))
    rows = []
    for row in d.rows:
        clauses = "<br>".join(
            f"<code>{e(policy)}</code>: " + ("; ".join(_clause_html(c) for c in cs) or "none stated") for policy, cs in _sides(d, row)
        )
        rows.append(
            f"<tr><td style='{_CELL}'><code>{e(row.purpose)}</code></td><td style='{_CELL}'>{e(row.aspect)}</td>"
            f"<td style='{_CELL}'>{e(row.a)}</td><td style='{_CELL}'>{e(row.b)}</td>"
            f"<td style='{_CELL}'>{e(_when(row.when))}</td><td style='{_CELL}'>{clauses}</td></tr>"
        )
    table = f"<table style='border-collapse:collapse'><tr>{head}</tr>{''.join(rows)}</table>" if rows else "<p>No differences.</p>"
    return (
        f"<div class='lawbasis-diff' style='{_BOX};max-width:none'>"
        f"<h4 style='margin:4px 0'>Differences {e(d.a)} &rarr; {e(d.b)} "
        f"<small style='font-weight:normal'>{e(_diff_facts(d))}; {len(d.rows)} differences</small></h4>{table}</div>"
    )
