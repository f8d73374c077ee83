"""``lawbasis new``: the skeleton of a policy's rule file, drawn from the headings of its text.

A privacy team encoding its own policy starts from the text. :func:`new_policy` copies the text into
the rule directory (``policies/POLICY-ID.txt``), writes ``POLICY-ID.yaml`` with the policy metadata
to fill in, one purpose and one block per heading of the text (the verbatim heading as the block's
``section``, a commented placeholder rule citing the first sentence under it), and a scenario file
(``tests/POLICY-ID.scenarios.yaml``) that runs the new rules. Nothing is overwritten, nothing is
written outside the directory, and the text is read like any rule-directory file: bounded, UTF-8,
a regular file.

The skeleton loads as soon as one rule is filled in; ``lawbasis check DIR`` then reports every
problem at once. The format is described in docs/reference/rule-format.md.
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import os
import re
import unicodedata
from pathlib import Path

from lawbasis.core.errors import InputError, RuleFileError
from lawbasis.core.safeyaml import MAX_TEXT_FILE, read_bounded
from lawbasis.engine.check import Heading, find_headings
from lawbasis.engine.rulefile import normalise_space

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: Control characters a policy text cannot hold (a binary file that happens to decode as UTF-8).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# letters NFKD does not take apart; the rest (å, ä, ö, é ...) lose their accents
_FOLD = str.maketrans(
    {"æ": "ae", "ø": "oe", "ß": "ss", "Æ": "ae", "Ø": "oe", "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l", "đ": "d", "þ": "th"}
)

#: A few function words per language, to guess the ``language`` field (the user confirms it).
_STOPWORDS = {
    "da": {"og", "af", "til", "er", "det", "at", "en", "vi", "du", "med", "dine", "som", "ikke", "hvis", "vores"},
    "sv": {"och", "av", "till", "är", "det", "att", "en", "vi", "du", "med", "dina", "som", "inte", "om", "våra"},
    "nb": {"og", "av", "til", "er", "det", "å", "en", "vi", "du", "med", "dine", "som", "ikke", "hvis", "våre"},
    "en": {"and", "of", "to", "is", "the", "that", "a", "we", "you", "with", "your", "as", "not", "if", "our"},
    "de": {"und", "der", "die", "das", "ist", "zu", "wir", "sie", "mit", "ihre", "nicht", "wenn", "unsere", "den", "von"},
    "nl": {"en", "van", "de", "het", "is", "een", "wij", "u", "met", "uw", "niet", "als", "onze", "voor", "te"},
    "fi": {"ja", "on", "ei", "että", "me", "sinun", "jos", "tai", "kanssa", "mukaan", "tietoja", "henkilötietoja"},
    "fr": {"et", "de", "la", "le", "les", "est", "vous", "nous", "des", "vos", "avec", "pas", "si", "nos", "pour"},
}


def slug(heading: str, limit: int = 40) -> str:
    """A purpose id made from a heading: lower case ASCII words joined by ``_``, at most ``limit`` long."""
    text = _NUMBER.sub("", heading).translate(_FOLD)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", text)
    out = ""
    for word in words:
        if out and len(out) + 1 + len(word) > limit:
            break
        out = f"{out}_{word}" if out else word[:limit]
    return out or "purpose"


_NUMBER = re.compile(r"^\s*\d{1,3}(?:\.\d{1,3})*\.?\s+")


def guess_language(text: str) -> str | None:
    """The language whose function words the text uses most, if it clearly uses some."""
    words = re.findall(r"\w+", text.casefold())[:20000]
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    lang, best = max(scores.items(), key=lambda item: item[1])
    return lang if best >= 5 else None


def _first_sentence(lines: list[str], heading: Heading, end_line: int) -> str | None:
    """The first sentence of the text under ``heading`` (before ``end_line``), for a placeholder quote."""
    for line in lines[heading.line : end_line - 1]:
        line = normalise_space(line)
        if not line:
            continue
        body = re.sub(r"^(?:[-\u2022*\u00b7\u2013]|\(?[a-z0-9]{1,3}\))\s+", "", line)
        match = re.match(r"(.+?[.!?:])(?:\s|$)", body)
        sentence = match.group(1) if match else body
        if len(sentence) > 200:
            sentence = sentence[:200].rsplit(" ", 1)[0]
        return sentence
    return None


def skeleton(policy_id: str, text: str, text_file: str, today: _dt.date | None = None) -> tuple[str, str]:
    """The rule file and the scenario file ``lawbasis new`` writes for a policy text."""
    headings = find_headings(text)
    lines = text.splitlines()
    suffix = policy_id.rsplit("-", 1)[-1] if "-" in policy_id else ""
    country = suffix.upper() if re.fullmatch(r"[a-z]{2}", suffix) else "XX"
    language = guess_language(text)
    ids: dict[str, int] = {}
    purposes: list[tuple[str, Heading]] = []
    for heading in headings:
        base = slug(heading.text)
        ids[base] = ids.get(base, 0) + 1
        purposes.append((base if ids[base] == 1 else f"{base}_{ids[base]}", heading))

    q = _yaml_string
    out = [
        f"# The rules of {policy_id}, encoded from {text_file} top to bottom.",
        "# Written by `lawbasis new`; the format: docs/reference/rule-format.md. Check it with",
        "# `lawbasis check DIR`: every problem at once, with its line.",
        "#",
        "# 1. Fill in the metadata below (the controller, and the language and country guessed here).",
        "# 2. Keep under `purposes` the headings that are purposes; delete the rest. A purpose without",
        "#    a heading of its own may quote a list item or a sentence instead: every heading is",
        "#    checked to appear verbatim in the text.",
        "# 3. Under each heading's block, turn the placeholder into the rules that clause makes: the",
        "#    bases it states (`candidate`), its retention window (`retention`), consent it promises",
        "#    (`consent_required`), flags the GDPR rules read, and findings. Every rule cites the text",
        "#    verbatim (`quote`, checked to lie under the block's `section`) and the law it applies.",
        "policy:",
        f"  id: {policy_id}",
        "  controller: TODO the controller's legal name",
        f"  language: {language or 'xx'}  # ISO 639-1 code of the text's language{' (guessed)' if language else ''}",
        f"  country: {country}  # ISO 3166-1 code of the country whose law applies{' (from the id)' if country != 'XX' else ''}",
        f"  text: {q(text_file)}",
        "",
        "purposes:",
    ]
    if not purposes:
        out.append("  # no heading was recognised in the text: name each purpose and quote its words verbatim")
        out.append("  purpose:")
        out.append(f"    heading: {q(_first_sentence(lines, Heading('', 0, 0, False), len(lines) + 1) or 'TODO')}")
    for pid, heading in purposes:
        out.append(f"  {pid}:")
        out.append(f"    heading: {q(heading.text)}")
    out.append("")
    out.append("rules:")
    ends = [h.line for h in headings[1:]] + [len(lines) + 1]
    for (pid, heading), end in zip(purposes, ends, strict=True):
        first = _first_sentence(lines, heading, end)
        out += [
            "  # " + "=" * 92,
            f"  # {heading.text}",
            "  # " + "=" * 92,
            f"  # - id: {policy_id}/{pid}/todo",
            f"  #   purpose: {pid}",
            f"  #   section: {q(heading.text)}",
            "  #   when:                       # all must hold; leave out for a clause that always applies",
            "  #     - activity: {customer_status: customer}",
            "  #   then:                       # e.g. candidate, retention, consent_required, flag, finding",
            "  #     - candidate: {letter: b, stated: true}",
            "  #   cites:",
            f"  #     - quote: {q(first) if first else '<a sentence under this heading, verbatim>'}",
            "  #     - law: GDPR Art. 6(1)(b)",
            "",
        ]
    rules = "\n".join(out).rstrip("\n") + "\n"

    today = today or _dt.date.today()
    first_purpose = purposes[0][0] if purposes else "purpose"
    scenarios = "\n".join(
        [
            f"# Scenarios for {policy_id}: `pytest` runs each as a test (docs/howto/scenario-files.md).",
            "# `expect` takes any part of the decision: lawful, bases, objection, may_process,",
            "# action_today, retention, findings, findings_include, fired_include, cites_include, ...",
            "rules: ..  # the rule directory, relative to this file",
            f"facts: {{policy: {policy_id}, as_of: {today.isoformat()}}}",
            "scenarios:",
            f"  - name: {first_purpose} is a purpose of {policy_id}",
            f"    facts: {{purpose: {first_purpose}}}",
            f"    expect: {{policy: {policy_id}, purpose: {first_purpose}}}",
            "  # - name: a customer's contract data",
            f"  #   facts: {{purpose: {first_purpose}, customer_status: customer, dates: {{contract_ended: 2025-06-30}}}}",
            '  #   expect: {lawful: "yes", bases: [b], retention: {until: 2028-06-30}}',
            "",
        ]
    )
    return rules, scenarios


def _yaml_string(text: str) -> str:
    # a JSON string is a YAML double-quoted scalar: every character kept, nothing read as YAML syntax
    return json.dumps(text, ensure_ascii=False)


def _target(root: Path, relative: str) -> Path:
    """``root / relative``, refused if it exists (even as a dangling link) or leads outside ``root``."""
    path = root / relative
    shown = str(path)
    if os.path.lexists(path):
        raise RuleFileError(shown, None, "already exists; lawbasis new never overwrites a file (remove it or choose another id)")
    parent = path.parent
    while not parent.exists() and parent != root:
        if os.path.lexists(parent):  # a dangling symlink in place of a directory
            raise RuleFileError(str(parent), None, "is a broken symbolic link; lawbasis new writes only inside the directory")
        parent = parent.parent
    if not parent.resolve().is_relative_to(root.resolve()):
        raise RuleFileError(str(parent), None, f"leads outside {root} (a symbolic link); lawbasis new writes only inside the directory")
    return path


def _write_new(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        raise RuleFileError(str(path), None, f"cannot be written: {exc.strerror or errno.errorcode.get(exc.errno or 0, '')}") from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
        out.write(content)


def new_policy(policy_id: str, text: str | os.PathLike[str], directory: str | os.PathLike[str] = "rules") -> list[Path]:
    """Write the skeleton of a new policy into ``directory``; the paths written, rule file first.

    Refuses (``LawbasisError``) an id that is not lower-case letters, digits, ``-`` and ``_``; a text
    that is not a readable UTF-8 text file of at most 5 MB; any file that already exists; and a
    path that leads out of ``directory`` through a symbolic link. Nothing is written then.
    """
    if not isinstance(policy_id, str) or not _ID.match(policy_id):
        raise InputError("POLICY-ID", policy_id, "lower-case letters, digits, '-' and '_', at most 64 (e.g. acme-dk)", "not a policy id")
    source = Path(text)
    content = read_bounded(source, MAX_TEXT_FILE, str(source), "policy text")
    bad = _CONTROL.search(content)
    if bad:
        line = content.count("\n", 0, bad.start()) + 1
        raise RuleFileError(str(source), None, f"policy text holds control character {bad.group()!r} at line {line}: not a plain text")
    if not normalise_space(content):
        raise RuleFileError(str(source), None, "policy text is empty")
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise RuleFileError(str(root), None, "is not a directory")
    text_file = f"policies/{policy_id}.txt"
    targets = [_target(root, f"{policy_id}.yaml"), _target(root, text_file), _target(root, f"tests/{policy_id}.scenarios.yaml")]
    rules, scenarios = skeleton(policy_id, content, text_file)
    root.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for path, body in zip(targets, (rules, content, scenarios), strict=True):
            _write_new(path, body)
            written.append(path)
    except BaseException:
        for path in written:  # all three or none: a half-made policy would fail the next load
            path.unlink(missing_ok=True)
        raise
    return targets
