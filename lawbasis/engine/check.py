"""``lawbasis check``: every problem of a rule directory at once, each with its file, line and rule.

Loading a rule directory stops at the first problem; an author fixing a new policy file wants them
all. This module runs the loader's own validators (:mod:`lawbasis.engine.rulefile`) file by file and
rule by rule, collecting each ``RuleFileError`` instead of stopping, and adds what only an author
needs:

* a quote that is not verbatim gets the nearest passage of the text as a hint ("did you mean");
* a quote must lie under its rule's ``section`` heading: between that heading and the next one.

Plain-text policies have no markup, so headings are recognised by their look (:func:`find_headings`):
numbered headings (``1. ...``, ``8.2 ...``), lines in capitals, underlined lines, questions on a line
of their own, and short lines that stand alone between blank lines or introduce a longer paragraph.
A recognised heading may be a false one (a short sentence on its own line), so the section check
only ends a section at the headings that are surely headings (numbered, in capitals, underlined,
questions, or repeating an item of a list earlier in the text, the way a list of purposes announces
the sections that follow) and at the headings some rule names as its ``section``. Numbered headings
nest: the section of ``4. ...`` runs to the next heading numbered at the same depth or above, across
the unnumbered headings inside it.
"""

from __future__ import annotations

import difflib
import heapq
import re
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

from lawbasis.core.errors import RuleFileError
from lawbasis.core.safeyaml import MAX_RULE_FILE, MAX_TEXT_FILE, contained, load_yaml, read_bounded
from lawbasis.core.vocabulary import BUILTIN, Vocabulary
from lawbasis.engine.rulefile import (
    QUOTE_NOT_FOUND,
    Law,
    Policy,
    Rule,
    RuleBase,
    _schema_error,
    check_rule,
    load_policy,
    load_vocabulary,
    normalise_space,
    rule_files,
)

#: Seconds spent looking for the nearest passage to one quote (the hint is a courtesy: a text of
#: several megabytes must not make ``check`` slow).
HINT_BUDGET = 0.5
#: A passage this similar to the quote (difflib's ratio) is offered as the hint; below, none is.
HINT_MIN_RATIO = 0.6
#: Longest hint shown, in characters.
HINT_MAX = 400

_RANK_UNNUMBERED = 99  # below every numbered depth
_BULLET = re.compile(r"^(?:[-\u2022*\u00b7\u2013\u2014\u25aa\u25e6\u2023\u25cf\u25cb\u25a0\u25a1>]|\(?[a-zA-Z0-9]{1,3}\))\s*")
_NUMBERED = re.compile(r"^(\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}\.)\s+(\S.*)$")
_RULE_LINE = re.compile(r"^(?:={3,}|-{3,}|~{3,})$")
_LINK = re.compile(r"@|https?:|www\.", re.IGNORECASE)


@attrs.frozen
class Heading:
    """A heading of a plain-text policy, as :func:`find_headings` recognised it."""

    #: the line, whitespace-normalised (so it is found verbatim in the loader's text)
    text: str
    #: 1-based line number in the text file
    line: int
    #: numbered headings: their depth (``4.`` is 1, ``8.2`` is 2); every other heading ranks below
    rank: int
    #: numbered, in capitals, a question, or announced by a list earlier in the text
    sure: bool


@attrs.frozen
class Problem:
    """One problem ``lawbasis check`` found: where (file, line, rule) and what."""

    file: str
    line: int | None
    rule: str | None
    problem: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return where + (f": rule {self.rule!r}" if self.rule else "") + f": {self.problem}"


# --- headings ---------------------------------------------------------------------------------


def _starts_upper(text: str) -> bool:
    first = next((c for c in text if c.isalpha() or c.isdigit()), "")
    return first.isalpha() and first.isupper()


_LAST_ITEM = re.compile(r",?\s+(?:samt|og|and|och|eller|or|sowie|und|et|ou)$", re.IGNORECASE)


def _item(text: str) -> str:
    """A list item's text without its bullet, its closing punctuation and a closing "and" (", samt")."""
    return _LAST_ITEM.sub("", _BULLET.sub("", text, count=1).rstrip(" .;,:")).rstrip(" .;,:").casefold()


def find_headings(raw: str) -> list[Heading]:
    """The headings of a plain-text policy, top to bottom."""
    lines = [normalise_space(line) for line in raw.splitlines()]
    listed = {_item(s) for s in lines if s and _BULLET.match(s) and len(s) <= 200}
    out: list[Heading] = []
    numbers: list[tuple[int, ...]] = []  # the last number seen at each depth of nesting
    for i, s in enumerate(lines):
        if not s or len(s) > 160:
            continue
        prev = lines[i - 1] if i > 0 else ""
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        words = s.split()
        numbered = _NUMBERED.match(s)
        if numbered:
            body = numbered.group(2)
            # "1. indgå en aftale ..." is a list; a heading starts with a capital and is one sentence
            if _starts_upper(body) and len(words) <= 20 and not re.search(r"[.!?] \S", body) and not body.endswith(":"):
                number = tuple(int(p) for p in numbered.group(1).split(".") if p)
                out.append(Heading(s, i + 1, _depth(number, numbers), True))
            continue
        if _BULLET.match(s) or _LINK.search(s) or not _starts_upper(s) or len(words) > 25:
            continue
        if _RULE_LINE.match(nxt):  # underlined, as Markdown and reStructuredText write headings
            out.append(Heading(s, i + 1, _RANK_UNNUMBERED, True))
            continue
        letters = [c for c in s if c.isalpha()]
        if len(letters) >= 4 and all(c.isupper() for c in letters) and len(s) <= 80:
            if not nxt or len(nxt) >= 40:  # not a name in an address block ("ACME A/S" above a street)
                out.append(Heading(s, i + 1, _RANK_UNNUMBERED, True))
            continue
        if s.endswith("?"):
            if len(words) <= 15 and not re.search(r"[.!?] \S", s[:-1]):
                out.append(Heading(s, i + 1, _RANK_UNNUMBERED, True))
            continue
        announced = _item(s) in listed
        if s[-1] in ".:;,!" and not (announced and s.endswith(".")):
            continue
        if announced:
            out.append(Heading(s, i + 1, _RANK_UNNUMBERED, True))
            continue
        alone = not prev and not nxt
        first = words[0].casefold()
        introduces = (
            bool(nxt)
            and len(s) <= 100
            and len(words) <= 15
            and len(nxt) >= max(40, len(s) + 20)
            and not prev.endswith(":")  # the first item of a list
            and nxt.split()[0].casefold() != first
            and not (prev and prev.split()[0].casefold() == first)  # an item of an unmarked list
        )
        if alone or introduces:
            out.append(Heading(s, i + 1, _RANK_UNNUMBERED, False))
    return out


def _depth(number: tuple[int, ...], numbers: list[tuple[int, ...]]) -> int:
    """How deep a numbered heading nests, given the last number at each depth (updated in place).

    ``8.2`` after ``8.`` is a level down; ``5.`` after ``4.`` is a sibling. A numbering that starts
    again at 1 (a policy listing its purposes as ``1.``, ``2.`` inside its section ``4.``) nests
    under the heading before it, until a number continues an outer sequence (``5.`` after them).
    """
    for level in range(len(numbers) - 1, -1, -1):
        last = numbers[level]
        sibling = len(number) == len(last) and number[:-1] == last[:-1] and number[-1] == last[-1] + 1
        child = number[:-1] == last and number[-1] == 1
        if sibling or child:
            depth = level + 1 if sibling else level + 2
            del numbers[depth - 1 :]
            numbers.append(number)
            return depth
    if numbers and number[-1] != 1:  # a gap in the numbering (10. missing): a sibling of the deepest
        numbers[-1] = number
        return len(numbers)
    numbers.append(number)
    return len(numbers)


# --- sections -----------------------------------------------------------------------------------


@attrs.frozen
class _Boundary:
    start: int  # offset in the normalised text
    rank: int
    text: str


class _Sections:
    """Where each section of one normalised text begins and ends, for the quote-under-section check."""

    def __init__(self, raw: str, named: Iterable[str]) -> None:
        lines = [normalise_space(line) for line in raw.splitlines()]
        offsets: list[int] = []
        pos = 0
        kept: list[str] = []
        for line in lines:
            offsets.append(pos)
            if line:
                kept.append(line)
                pos += len(line) + 1
        self.text = " ".join(kept)
        headings = find_headings(raw)
        by_line = {h.line: h for h in headings}
        boundaries: dict[int, _Boundary] = {}
        for h in headings:
            if h.sure:
                boundaries[offsets[h.line - 1]] = _Boundary(offsets[h.line - 1], h.rank, h.text)
        self.starts: dict[str, list[int]] = {}
        for section in {normalise_space(n) for n in named}:
            # the heading on its own line; failing that, a list item (a purpose announced in a list)
            found = [i for i, line in enumerate(lines) if line and line.rstrip(":") == section.rstrip(":")]
            if not found:
                found = [i for i, line in enumerate(lines) if line and _BULLET.sub("", line, count=1).rstrip(":") == section.rstrip(":")]
            if found:
                starts = [offsets[i] for i in found]
                for i, start in zip(found, starts, strict=True):
                    rank = by_line[i + 1].rank if i + 1 in by_line else _RANK_UNNUMBERED
                    boundaries.setdefault(start, _Boundary(start, rank, lines[i]))
            else:  # not a line of its own: the section begins where its words do
                starts = [m.start() for m in re.finditer(re.escape(section), self.text)]
                for start in starts:
                    boundaries.setdefault(start, _Boundary(start, _RANK_UNNUMBERED, section))
            self.starts[section] = starts
        self.boundaries = sorted(boundaries.values(), key=lambda b: b.start)
        # each section ends at the next heading of its rank or above (a stack, one pass)
        self.ends = [len(self.text)] * len(self.boundaries)
        open_: list[int] = []
        for index, boundary in enumerate(self.boundaries):
            while open_ and self.boundaries[open_[-1]].rank >= boundary.rank:
                self.ends[open_.pop()] = boundary.start
            open_.append(index)
        self.end_at = {b.start: end for b, end in zip(self.boundaries, self.ends, strict=True)}

    def span_of(self, start: int) -> tuple[int, int]:
        return start, self.end_at[start]

    def under(self, section: str, quote: str) -> tuple[bool, str | None]:
        """Whether ``quote`` lies under ``section``; if not, the heading it lies under (None: before any)."""
        section = normalise_space(section)
        quote = normalise_space(quote)
        places = [m.start() for m in re.finditer(re.escape(quote), self.text)]
        spans = [self.span_of(start) for start in self.starts.get(section, [])]
        if not places or any(lo <= p < hi for p in places for lo, hi in spans):
            return True, None
        place = places[0]
        inner = None
        for boundary, end in zip(self.boundaries, self.ends, strict=True):
            if boundary.start <= place < end:
                inner = boundary.text  # the last one that contains it is the innermost
        return False, inner


# --- the nearest passage --------------------------------------------------------------------------


def nearest_text(text: str, quote: str, budget: float = HINT_BUDGET) -> str | None:
    """The passage of ``text`` (normalised) most like ``quote``, or None if nothing is close enough.

    Windows of the quote's length in words are ranked by the words they share with it (one pass over
    the text), then the best few are compared character by character (difflib), widened and narrowed
    by a few words. The search stops after about ``budget`` seconds with the best found so far.
    """
    now = time.monotonic()
    scan_deadline, deadline = now + 0.8 * budget, now + budget
    quote = normalise_space(quote)
    wanted = [_key(w) for w in quote.split()]
    n = len(wanted)
    if not n:
        return None
    need = Counter(wanted)
    have: Counter[str] = Counter()
    shared = 0
    best: list[tuple[int, int]] = []  # (shared words, window start): a min-heap of the top few
    spans: list[tuple[int, int]] = []
    keys: list[str] = []
    # one lazy pass, so that the budget bounds the reading of the text as well as the ranking
    for end, match in enumerate(re.finditer(r"\S+", text)):
        spans.append(match.span())
        word = _key(match.group())
        keys.append(word)
        have[word] += 1
        if have[word] <= need[word]:
            shared += 1
        start = end - n + 1
        if start > 0:
            gone = keys[start - 1]
            if have[gone] <= need[gone]:
                shared -= 1
            have[gone] -= 1
        if start >= 0:
            item = (shared, start)
            if len(best) < 8:
                heapq.heappush(best, item)
            elif item > best[0]:
                heapq.heapreplace(best, item)
        if end % 4096 == 4095 and time.monotonic() > scan_deadline:
            break
    if not spans:
        return None
    if not best:  # a text shorter than the quote: the whole of it
        best = [(shared, 0)]
    found: tuple[float, str] | None = None
    # the best window is always compared in full (a few dozen short comparisons); the others while
    # the budget lasts
    for rank, (_, start) in enumerate(sorted(best, reverse=True)):
        if rank and time.monotonic() > deadline:
            break
        for lo in range(max(0, start - 2), min(len(spans), start + 3)):
            for size in range(max(1, n - 3), n + 4):
                hi = min(len(spans), lo + size)
                passage = text[spans[lo][0] : spans[hi - 1][1]]
                ratio = difflib.SequenceMatcher(None, quote, passage, autojunk=False).ratio()
                if found is None or ratio > found[0]:
                    found = (ratio, passage)
    if found is None or found[0] < HINT_MIN_RATIO:
        return None
    passage = found[1]
    if passage[-1] in ",;:" and not quote.endswith(passage[-1]):  # windows are whole words: "derefter,"
        passage = passage[:-1]
    return passage if len(passage) <= HINT_MAX else passage[: HINT_MAX - 3] + "..."


def _key(word: str) -> str:
    return word.casefold().strip(_PUNCTUATION)


_PUNCTUATION = "".join(chr(c) for c in range(0x2070) if not chr(c).isalnum() and not chr(c).isspace())


# --- lines ----------------------------------------------------------------------------------------


def _rule_lines(text: str) -> dict[int, int]:
    """1-based line of each item of the top-level ``rules`` list, by its index.

    Read from the text (the bounded loader keeps no positions): the items of a block list under
    ``rules:`` are the lines that start with its ``- `` at the list's indentation.
    """
    lines = text.splitlines()
    out: dict[int, int] = {}
    inside = False
    indent: int | None = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not inside:
            if re.match(r"^rules\s*:\s*(#.*)?$", line):
                inside = True
            continue
        if not stripped or stripped.startswith("#"):
            continue
        here = len(line) - len(line.lstrip(" "))
        if here == 0 and not line.startswith("-"):
            break  # the next top-level key
        if stripped.startswith("- ") or stripped == "-":
            if indent is None:
                indent = here
            if here == indent:
                out[len(out)] = number
    return out


def _key_line(text: str, key: str) -> int | None:
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _yaml_line(problem: str) -> int | None:
    match = re.search(r" at line (\d+)", problem)
    return int(match.group(1)) if match else None


# --- the check ------------------------------------------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, exc: RuleFileError, line: int | None = None) -> None:
        self.problems.append(Problem(exc.file, line, exc.rule, exc.problem))


def check_directory(directory: str | Path) -> list[Problem]:
    """Every problem of a rule directory, in file order; empty when it loads and every quote sits right."""
    root = Path(directory)
    found = _Collector()
    try:
        paths = rule_files(root)
    except RuleFileError as exc:
        found.add(exc)
        return found.problems
    read = _read_files(root, paths, found)
    vocabulary = BUILTIN
    try:
        vocabulary = load_vocabulary(read.declared)
    except RuleFileError as exc:
        found.add(exc, _key_line(read.sources.get(exc.file, ""), "facts"))
    policies, texts, laws = _declare_all(root, read, found)
    rules = _check_rules(read, policies, vocabulary, found)
    _check_sections(rules, texts, found)
    if not found.problems:
        # the directory's own facts, or conflicts analysis cannot see the fields its rules test
        base = RuleBase(str(root), policies, laws, tuple(r for r, _ in rules), vocabulary=vocabulary)
        _check_compiled(base, {(r.file, r.id): line for r, line in rules}, found)
    return found.problems


@attrs.define
class _Read:
    """The files of a directory as read: rule files by name, their text, vocabulary files, and the
    policies whose file or text could not be read (so quoting them is not reported again)."""

    raw: dict[str, Any] = attrs.Factory(dict)
    sources: dict[str, str] = attrs.Factory(dict)
    unreadable: set[str] = attrs.Factory(set)
    declared: dict[str, Any] = attrs.Factory(dict)  # the directory's facts: blocks


def _read_files(root: Path, paths: list[Path], found: _Collector) -> _Read:
    read = _Read()
    for path in paths:
        source = None
        try:
            # as the loader reads it: inside the directory, bounded, strict YAML
            source = read_bounded(contained(root, path.name, path.name, "rule file"), MAX_RULE_FILE, path.name, "rule file")
            data = load_yaml(source, path.name)
        except RuleFileError as exc:
            found.add(exc, _yaml_line(exc.problem))
            if source is not None:  # the policy it defines, so that quoting it is not reported again
                read.unreadable.update(re.findall(r"^policy\s*:\s*\n\s+id\s*:\s*['\"]?([a-z0-9][a-z0-9_-]*)", source, re.MULTILINE))
            continue
        read.sources[path.name] = source
        if isinstance(data, dict) and "facts" in data:  # a vocabulary file, not a rule file
            read.declared[path.name] = data
            continue
        if _shape(path.name, data, source, found):
            read.raw[path.name] = data
        elif isinstance(data, dict) and isinstance(data.get("policy"), dict) and isinstance(data["policy"].get("id"), str):
            read.unreadable.add(data["policy"]["id"])
    return read


def _declare_all(root: Path, read: _Read, found: _Collector) -> tuple[dict[str, Policy], dict[str, str], dict[str, Law]]:
    """The policies (with their texts as written, lines intact, for the headings) and laws the files declare."""
    policies: dict[str, Policy] = {}
    texts: dict[str, str] = {}
    laws: dict[str, Law] = {}
    for name, data in read.raw.items():
        source = read.sources[name]
        if "policy" not in data:
            meta = data["law"]
            if meta["id"] in laws:
                found.add(
                    RuleFileError(name, None, f"law {meta['id']!r} is also defined in {laws[meta['id']].file}"), _key_line(source, "law")
                )
                continue
            laws[meta["id"]] = Law(meta["id"], meta["title"], tuple(meta["countries"]) if "countries" in meta else None, name)
            continue
        meta = data["policy"]
        if meta["id"] in policies:
            problem = f"policy {meta['id']!r} is also defined in {policies[meta['id']].file}"
            found.add(RuleFileError(name, None, problem), _key_line(source, "policy"))
            continue

        def heading_problem(exc: RuleFileError, source: str = source) -> None:
            found.add(exc, _key_line(source, "purposes"))

        try:
            policies[meta["id"]] = load_policy(root, name, data, heading_problem)
        except RuleFileError as exc:
            found.add(exc, _key_line(source, "policy"))
            read.unreadable.add(meta["id"])
            continue
        for field, placeholder in (("controller", "TODO"), ("language", "xx"), ("country", "XX")):
            if meta[field].startswith(placeholder):
                problem = f"policy.{field}: {meta[field]!r} is the placeholder lawbasis new wrote; fill it in"
                found.add(RuleFileError(name, None, problem), _key_line(source, f"  {field}"))
        texts[meta["id"]] = read_bounded(contained(root, meta["text"], name, "policy text"), MAX_TEXT_FILE, name, "policy text")
    return policies, texts, laws


def _check_rules(read: _Read, policies: dict[str, Policy], vocabulary: Vocabulary, found: _Collector) -> list[tuple[Rule, int | None]]:
    """Every rule checked on its own, each with the line of its ``- id:``."""
    rules: list[tuple[Rule, int | None]] = []
    seen: dict[str, str] = {}
    for name, data in read.raw.items():
        if "policy" in data and data["policy"]["id"] in read.unreadable:
            continue  # its text could not be read: reported once above, not again for every quote
        scope = data["policy"]["id"] if "policy" in data else f"law:{data['law']['id']}"
        own_policy = data["policy"]["id"] if "policy" in data else None
        lines = _rule_lines(read.sources[name])
        for index, item in enumerate(data["rules"]):
            rule_id = item["id"]
            line = lines.get(index)
            if rule_id in seen:
                found.add(RuleFileError(name, rule_id, f"duplicate rule id (also in {seen[rule_id]})"), line)
                continue
            seen[rule_id] = name

            def report(
                exc: RuleFileError, line: int | None = line, item: dict[str, Any] = item, own_policy: str | None = own_policy
            ) -> None:
                if any(exc.problem == f"quote names unknown policy {pid!r}" for pid in read.unreadable):
                    return  # the text is unreadable: reported once above, not again for every quote
                if exc.problem.startswith(QUOTE_NOT_FOUND):
                    exc = _with_hint(exc, item, own_policy, policies)
                found.add(exc, line)

            rule = check_rule(name, item, scope, own_policy, policies, report, vocabulary)
            if rule is not None:
                rules.append((rule, line))
    return rules


def _with_hint(exc: RuleFileError, item: dict[str, Any], own_policy: str | None, policies: dict[str, Policy]) -> RuleFileError:
    """The problem of a quote that is not verbatim, with the nearest passage of its text."""
    for cite in item["cites"]:
        quote, policy = cite.get("quote"), cite.get("policy", own_policy)
        if isinstance(quote, str) and exc.problem == f"{QUOTE_NOT_FOUND} {policy}: {quote!r}" and policy in policies:
            hint = nearest_text(policies[policy].text, quote)
            more = f"; did you mean: {hint!r}" if hint else "; no similar passage found"
            return RuleFileError(exc.file, exc.rule, exc.problem + more)
    return exc


_LAW_STUB = {"law": {"id": "x", "title": "x"}}


def _shape(name: str, data: Any, source: str, found: _Collector) -> bool:
    """Schema errors of one file: one per rule at fault and one for the rest. True if it has none."""
    try:
        _schema_error(name, data)
        return True
    except RuleFileError as exc:
        first = exc
    if isinstance(data, dict) and "rules" in data and data["rules"] is None:
        # a skeleton from `lawbasis new` before its first rule: say what to do, not "None is not an array"
        found.add(RuleFileError(name, None, "rules: no rule yet (fill in one of the commented placeholders)"), _key_line(source, "rules"))
        return False
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        found.add(first, 1)
        return False
    reported = 0
    try:
        _schema_error(name, {**data, "rules": []})
    except RuleFileError as exc:
        top = next((k for k in ("purposes", "policy", "law") if exc.problem.startswith(k)), None)
        found.add(exc, (_key_line(source, top) if top else None) or 1)
        reported += 1
    lines = _rule_lines(source)
    for index, item in enumerate(data["rules"]):
        # the rule alone under a valid header: its own errors, then named by its place in the file
        try:
            _schema_error(name, {**_LAW_STUB, "rules": [item]})
        except RuleFileError as exc:
            problem = re.sub(r"^rules/0\b", f"rules/{index}", exc.problem)
            rule = f"#{index + 1}" if exc.rule == "#1" else exc.rule
            found.add(RuleFileError(name, rule, problem), lines.get(index))
            reported += 1
    if not reported:  # a problem the split did not show (it always should): the loader's own
        found.add(first, 1)
    return False


def _check_sections(rules: list[tuple[Rule, int | None]], raws: dict[str, str], found: _Collector) -> None:
    named: dict[str, set[str]] = {pid: set() for pid in raws}
    for rule, _ in rules:
        for cite in rule.cites:
            if cite.quote is not None and cite.section is not None and cite.policy in named:
                named[cite.policy].add(cite.section)
    sections = {pid: _Sections(raws[pid], named[pid]) for pid in raws}
    for rule, line in rules:
        for cite in rule.cites:
            if cite.quote is None or cite.section is None or cite.policy not in sections:
                continue
            ok, actual = sections[cite.policy].under(cite.section, cite.quote)
            if not ok:
                where = f"under section {actual!r}" if actual else "before the first heading"
                found.add(RuleFileError(rule.file, rule.id, f"quote {_shorten(cite.quote)!r} found {where}, not {cite.section!r}"), line)


def _shorten(text: str, limit: int = 80) -> str:
    text = normalise_space(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_compiled(base: RuleBase, lines: dict[tuple[str, str], int | None], found: _Collector) -> None:
    """What only compiling shows: rules that can never fire, negation cycles, contradictions, limits."""
    from lawbasis.engine.compiler import compile_policy

    seen: set[str] = set()
    for pid in sorted(base.policies):
        try:
            compile_policy(base, pid, f"lawbasis-check:{pid}")
        except RuleFileError as exc:
            problem = Problem(exc.file, lines.get((exc.file, exc.rule or "")), exc.rule, exc.problem)
            if str(problem) not in seen:  # a law rule's problem shows once, not once per policy
                seen.add(str(problem))
                found.problems.append(problem)
