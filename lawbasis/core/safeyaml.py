"""Reading files from a rule directory, which is a trust boundary: bounded, contained, strict YAML.

A rule directory may come from someone else (a shared repository, a download). Loading it must not
read outside it, hang on a FIFO, exhaust memory on a device or an alias bomb, nor echo the content of
a file into an error message (an error would otherwise tell whether a string occurs in a file the
directory points at). So:

* every file is opened by a path that resolves inside the directory (no absolute paths, no ``..``,
  no symlink leading out), must be a regular file (checked on the open descriptor, which is opened
  non-blocking so a FIFO cannot hang the open) and is read up to a size limit, never further;
* bytes must be UTF-8; the error names the line of the first bad byte;
* YAML is composed with bounds on nesting depth, on aliases and on the node count an alias would
  expand to (checked on libyaml's events before libyaml composes, or by ``yaml.SafeLoader``'s
  pure-Python composer, which also names every problem), then constructed with string keys only
  and no duplicate key (PyYAML keeps the last duplicate silently; YAML 1.1 reads ``yes:`` as True);
* a YAML error shows at most the offending line, cut to ``MAX_SNIPPET`` characters.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from yaml.events import AliasEvent, MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lawbasis.core.errors import RuleFileError

MAX_RULE_FILE = 1_000_000  # bytes; the largest shipped rule file is about 40 kB
MAX_TEXT_FILE = 5_000_000  # bytes; the longest shipped policy text is about 30 kB
MAX_DEPTH = 100  # nesting of collections; a rule file needs about 8
MAX_ALIASES = 100  # alias nodes per file; the shipped files use none
MAX_NODES = 50_000  # nodes per file with every alias expanded; a shipped file has at most 1,500
MAX_SNIPPET = 200  # characters of the offending line shown in an error


def short(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages that quote a value."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def contained(root: Path, relative: str, file: str, what: str) -> Path:
    """``root / relative`` resolved, refused unless it stays inside the (resolved) ``root``."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or Path(relative).is_absolute() or relative.startswith("~"):
        raise RuleFileError(file, None, f"{what} {short(relative)} must be a path relative to the rule directory")
    if ".." in pure.parts or "\x00" in relative:
        raise RuleFileError(file, None, f"{what} {short(relative)} must not contain '..'")
    base = root.resolve()
    try:
        target = (base / pure).resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a symlink loop, unreadable directory
        raise RuleFileError(file, None, f"{what} {short(relative)} does not exist in the rule directory") from None
    if not target.is_relative_to(base):
        raise RuleFileError(file, None, f"{what} {short(relative)} leads outside the rule directory")
    return target


def read_bounded(path: Path, limit: int, file: str, what: str) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes, read without blocking."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise RuleFileError(file, None, f"{what} cannot be read: {exc.strerror or errno.errorcode.get(exc.errno or 0, '')}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise RuleFileError(file, None, f"{what} is not a regular file")
        if info.st_size > limit:
            raise RuleFileError(file, None, f"{what} is {info.st_size} bytes; at most {limit} are read")
        chunks = []
        size = 0
        while size <= limit:  # the file may grow after fstat: read at most limit + 1 bytes
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise RuleFileError(file, None, f"{what} cannot be read: {exc.strerror}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise RuleFileError(file, None, f"{what} is larger than {limit} bytes")
    data = b"".join(chunks)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RuleFileError(file, None, f"{what} is not UTF-8: byte 0x{data[exc.start]:02x} at line {line}") from None


class _StrictMappings:
    """String keys only, no duplicate key (shared by both loaders)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        # Checked before SafeConstructor flattens merge keys ("<<"), so that a key a mapping
        # overrides after merging another is not taken for a duplicate, as YAML specifies.
        if isinstance(node, MappingNode):
            seen: dict[str, int] = {}
            for key_node, _ in node.value:
                line = key_node.start_mark.line + 1
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                    shown = key_node.value if isinstance(key_node, ScalarNode) else f"a {key_node.id}"
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"key {short(shown)} is not a string (quote it: YAML 1.1 reads 123, yes, no, "
                        "on, off, null as numbers, booleans or null)",
                        key_node.start_mark,
                    )
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"duplicate key {short(key_node.value)} (first at line {seen[key_node.value]})",
                        key_node.start_mark,
                    )
                seen[key_node.value] = line
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc,no-any-return]


class _BoundedLoader(_StrictMappings, yaml.SafeLoader):
    """SafeLoader composing with bounds on depth, aliases and expanded size; strict mappings."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._nodes = 0
        self._weight: dict[int, int] = {}  # id(node) -> nodes it stands for, aliases expanded

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        mark: yaml.Mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        if self.check_event(AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise yaml.composer.ComposerError(None, None, f"more than {MAX_ALIASES} aliases", mark)
            node = super().compose_node(parent, index)
            self._count(self._weight.get(id(node), 1), mark)
            return node
        opens = self.check_event(SequenceStartEvent, MappingStartEvent)
        if opens:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            if opens:
                self._depth -= 1
        weight = 1
        if isinstance(node, SequenceNode):
            weight += sum(self._weight.get(id(child), 1) for child in node.value)
        elif isinstance(node, MappingNode):
            weight += sum(self._weight.get(id(k), 1) + self._weight.get(id(v), 1) for k, v in node.value)
        if weight > 1:
            self._weight[id(node)] = weight
        self._count(1, mark)
        return node

    def _count(self, nodes: int, mark: yaml.Mark) -> None:
        self._nodes += nodes
        if self._nodes > MAX_NODES:
            raise yaml.composer.ComposerError(None, None, f"more than {MAX_NODES} nodes once aliases are expanded", mark)


def _snippet(exc: yaml.YAMLError, text: str) -> str:
    """The error's own words and position, and at most the offending line (shortened)."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return str(exc).splitlines()[0][:MAX_SNIPPET] if str(exc) else type(exc).__name__
    mark = exc.problem_mark or exc.context_mark
    parts = [p for p in (exc.context, exc.problem) if p]
    head = "; ".join(parts) or "invalid YAML"
    if mark is None:
        return head
    lines = text.splitlines()
    line = lines[mark.line] if 0 <= mark.line < len(lines) else ""
    line = line.strip()
    if len(line) > MAX_SNIPPET:
        line = line[: MAX_SNIPPET - 3] + "..."
    where = f" at line {mark.line + 1}, column {mark.column + 1}"
    return head + where + (f": {line}" if line else "")


_CLoader: Any = getattr(yaml, "CSafeLoader", None)  # libyaml, where PyYAML was built with it


class _Refused(Exception):
    """The quick path's bounds were crossed: the pure-Python path says where and why."""


def _within_bounds(text: str) -> None:
    """The document's events (libyaml's parser keeps its own stack: no recursion), checked against the
    bounds the pure-Python composer applies: depth, aliases, nodes with every alias expanded."""
    open_: list[list[Any]] = []  # per open collection: [nodes it stands for, anchor]
    weights: dict[str, int] = {}  # anchor -> nodes it stands for
    aliases = nodes = 0
    for event in yaml.parse(text, Loader=_CLoader):
        kind = type(event)
        anchor: str | None = getattr(event, "anchor", None)
        if kind is ScalarEvent:
            weight = 1
            if anchor is not None:
                weights[anchor] = 1
        elif kind is AliasEvent:
            aliases += 1
            weight = weights.get(anchor or "", 1)
            if aliases > MAX_ALIASES:
                raise _Refused
        elif kind is SequenceStartEvent or kind is MappingStartEvent:
            open_.append([1, anchor])
            nodes += 1
            if len(open_) > MAX_DEPTH or nodes > MAX_NODES:
                raise _Refused
            continue
        elif kind is SequenceEndEvent or kind is MappingEndEvent:
            weight, closed = open_.pop()
            if closed is not None:
                weights[closed] = weight
            if open_:
                open_[-1][0] += weight
            continue
        else:  # stream and document events
            continue
        nodes += weight
        if nodes > MAX_NODES:
            raise _Refused
        if open_:
            open_[-1][0] += weight


if _CLoader is not None:

    class _QuickLoader(_StrictMappings, _CLoader):  # type: ignore[misc,valid-type]
        """libyaml's parser and composer, SafeConstructor with strict mappings."""


def load_yaml(text: str, file: str) -> Any:
    """One YAML document of a rule file, built with the bounds above.

    With libyaml, a document is first parsed in C for its events and checked against the bounds (before
    libyaml's composer, which recurses: a document nested too deep must not reach it), then composed in C (ten times faster than PyYAML's pure-Python parser, which made up most of building
    an engine); a document that crosses a bound or is not valid YAML is read again by the pure-Python
    composer, which stops at the bound and names the problem as it always did.
    """
    if _CLoader is not None:
        try:
            _within_bounds(text)
            quick = _QuickLoader(text)
            try:
                return quick.get_single_data()
            finally:
                quick.dispose()
        except (yaml.YAMLError, _Refused, RecursionError):
            pass  # below, the pure-Python composer names the problem
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise RuleFileError(file, None, f"not valid YAML: {_snippet(exc, text)}") from None
    except RecursionError:  # unreachable with MAX_DEPTH well under the interpreter's limit
        raise RuleFileError(file, None, f"not valid YAML: nested deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()
