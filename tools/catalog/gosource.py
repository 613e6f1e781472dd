"""A reader for the Go source of Terraform's AWS provider: enough of Go's lexical structure to
find every top-level function and method, the comment annotations above it, the import aliases
of its file, and the calls in its body — without a Go toolchain.

What it understands: line and block comments, interpreted, raw and rune literals (so braces
inside them do not count), ``func name(`` and ``func (r *T) name(`` declarations, ``type T struct``
bodies (for embedded types), and import blocks. What it does not do is type-check: a method call
``x.name(`` is resolved to every method called ``name`` in the package, which over-approximates
(a superset of the calls, never fewer).

A tree is read from one or more roots in order of precedence: a function defined in an earlier
root hides the one of the same package and name in a later root. That lets a partial copy of a
newer provider version (only the functions that matter, with the commit they were read at in a
``// stored: REPO PATH@COMMIT`` first line) sit on top of a full checkout of an older one.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

_STORED = re.compile(r"^// stored: (?P<repo>\S+) (?P<path>\S+)@(?P<commit>\S+)")
_INDEX_ID = re.compile(r"(?:unknown-index-id-|INDEXID)(\d+)|UNKNOWN-COMMIT \(read_file id (\d+)")
HOME_REPOSITORY = "hashicorp/terraform-provider-aws"
_IMPORT_LINE = re.compile(r'^\s*(?:(?P<alias>[A-Za-z_][A-Za-z0-9_]*|\.)\s+)?"(?P<path>[^"]+)"')
_FUNC = re.compile(r"^func\s+(?:\(\s*(?:\w+\s+)?\*?(?P<recv>\w+)(?:\[[^\]]*\])?\s*\)\s*)?(?P<name>\w+)\s*[\[(]",
                   re.M)
_TYPE_STRUCT = re.compile(r"^type\s+(?P<name>\w+)(?:\[[^\]]*\])?\s+struct\s*\{", re.M)


@dataclass(frozen=True)
class Origin:
    """Where a piece of source was read: repository, path and commit."""

    repo: str
    path: str
    commit: str

    def cite(self, function: str) -> str:
        """``path@commit:function`` (``repo:`` first for a fork's copy; ``index-id-N`` for a
        version the stored index gave without its commit)."""
        where = "" if self.repo == HOME_REPOSITORY else f"{self.repo}:"
        return f"{where}{self.path}@{self.commit[:12]}:{function}"


@dataclass
class Function:
    """A top-level function or method of a Go package."""

    package: str          # the package's directory, e.g. internal/service/ecr
    name: str
    receiver: str | None  # the receiver's type for a method
    body: str             # from the opening brace to the closing one, comments and literals blanked
    signature: str        # from ``func`` to the opening brace (parameter names are not package calls)
    annotations: tuple[str, ...]  # the ``// @...`` comment lines right above the declaration
    origin: Origin
    imports: dict[str, str]  # alias -> import path, for the file it is in

    @property
    def key(self) -> tuple[str, str | None, str]:
        return (self.package, self.receiver, self.name)

    def cite(self) -> str:
        name = f"{self.receiver}.{self.name}" if self.receiver else self.name
        return self.origin.cite(name)


@dataclass
class Package:
    """The functions, methods and struct types of one package directory, across roots."""

    path: str
    functions: dict[str, Function] = field(default_factory=dict)       # plain functions by name
    methods: dict[str, list[Function]] = field(default_factory=dict)   # methods by name
    embeds: dict[str, list[str]] = field(default_factory=dict)         # struct type -> embedded types
    types: set[str] = field(default_factory=set)                       # every type the package declares
    literals: list[tuple[str, Function]] = field(default_factory=list)  # "aws_..." string literals by function
    aliases: dict[str, str] = field(default_factory=dict)  # exported name -> the function it is (exports.go)
    operations: dict[str, str] | None = None  # SDK operation -> package, filled on first use


def blank(text: str) -> str:
    """The text with comments and the contents of string/rune literals replaced by spaces (newlines
    kept), so braces and parentheses can be counted; string literals keep their quotes and any
    ``aws_...`` type name they hold (the annotations and Metadata methods name types that way)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c in "\"'`":
            j = i + 1
            while j < n and text[j] != c:
                if c != "`" and text[j] == "\\":
                    j += 1
                elif c != "`" and text[j] == "\n":
                    break
                j += 1
            inner = text[i + 1:j]
            keep = c == '"' and re.fullmatch(r"aws_[a-z0-9_]+", inner) is not None
            out.append(c + (inner if keep else "".join(ch if ch == "\n" else " " for ch in inner)) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _matching_brace(text: str, start: int) -> int:
    """The index just past the brace that closes the one at ``start`` (text already blanked)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    raise ValueError("unbalanced braces")


def _imports(blanked: str, raw: str) -> dict[str, str]:
    aliases: dict[str, str] = {}
    lines: list[str] = []
    for match in re.finditer(r"^import\s*\((.*?)^\)", raw, re.M | re.S):
        lines.extend(match.group(1).splitlines())
    lines.extend(m.group(1) for m in re.finditer(r"^import\s+(.+)$", raw, re.M) if "(" not in m.group(1))
    for line in lines:
        m = _IMPORT_LINE.match(line)
        if m is None:
            continue
        path = m.group("path")
        alias = m.group("alias") or path.rstrip("/").rsplit("/", 1)[-1]
        if re.fullmatch(r"v\d+", alias):  # .../terraform-plugin-sdk/v2 is imported as its parent's name
            alias = path.rstrip("/").rsplit("/", 2)[-2]
        aliases[alias] = path
    return aliases


def _annotations(raw_lines: list[str], line_index: int) -> tuple[str, ...]:
    found: list[str] = []
    i = line_index - 1
    while i >= 0 and raw_lines[i].startswith("//"):
        if raw_lines[i].startswith("// @"):
            found.append(raw_lines[i][3:].strip())
        i -= 1
    return tuple(reversed(found))


_ALIAS = re.compile(r"^\s*([A-Z]\w*)\s*=\s*([a-zA-Z_]\w*)\s*$", re.M)


def read_file(path: Path, package: str, origin: Origin) -> tuple[list[Function], dict[str, list[str]]]:
    """The functions and struct embeddings of one Go file."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    first = raw.split("\n", 1)[0]
    stored = _STORED.match(first)
    if stored:
        index = _INDEX_ID.search(first)
        commit = f"index-id-{index.group(1) or index.group(2)}" if index else stored["commit"]
        origin = Origin(stored["repo"], stored["path"], commit)
    blanked = blank(raw)
    imports = _imports(blanked, raw)
    raw_lines = raw.split("\n")
    functions: list[Function] = []
    for m in _FUNC.finditer(blanked):
        brace = blanked.find("{", m.end())
        if brace < 0:
            continue
        # A signature's parentheses come first; the body is the first brace at depth 0 after them.
        depth, i = 0, m.end() - 1
        while i < len(blanked):
            ch = blanked[i]
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth -= 1
            elif ch == "{" and depth == 0:
                # `interface{}` / `struct{}` in a signature are followed by more signature text
                if blanked[i - 9:i].rstrip().endswith(("interface", "struct")):
                    i = _matching_brace(blanked, i)
                    continue
                break
            elif ch == "\n" and depth == 0 and blanked[m.start():i].count("\n") > 30:
                break
            i += 1
        if i >= len(blanked) or blanked[i] != "{":
            continue  # a declaration without a body (assembly stub)
        line_index = blanked.count("\n", 0, m.start())
        try:
            end = _matching_brace(blanked, i)
        except ValueError:
            raise ValueError(f"{path}: the body of {m.group('name')} (line {line_index + 1}) has unbalanced "
                             "braces") from None
        functions.append(Function(package, m.group("name"), m.group("recv"), blanked[i:end],
                                  blanked[m.start():i], _annotations(raw_lines, line_index), origin, imports))
    embeds: dict[str, list[str]] = {}
    # `var ( DeleteNetworkInterface = deleteNetworkInterface )`: the exported names other packages call.
    for block in re.finditer(r"^var\s*\((.*?)^\)", blanked, re.M | re.S):
        for alias in _ALIAS.finditer(block.group(1)):
            embeds.setdefault("=" + alias.group(1), []).append(alias.group(2))
    for m in re.finditer(r"^type\s+(\w+)|^\t(\w+)\s+(?:struct|interface|func|\[|map|\*?[a-z]\w*\.|string|int|bool)",
                         blanked, re.M):
        embeds.setdefault("", []).append(m.group(1) or m.group(2))
    for m in _TYPE_STRUCT.finditer(blanked):
        body = blanked[m.end() - 1:_matching_brace(blanked, m.end() - 1)]
        embeds[m.group("name")] = [line.strip().lstrip("*") for line in body.strip("{}").splitlines()
                                   if re.fullmatch(r"\s*\*?[A-Za-z_][A-Za-z0-9_.]*\s*", line)]
    return functions, embeds


def git_origin(root: Path, repo: str) -> str:
    """The commit a checkout is at (``unknown`` when it is not a git checkout)."""
    try:
        return subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], check=True, capture_output=True,
                              text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


@dataclass
class Tree:
    """Go packages read from roots in order of precedence."""

    packages: dict[str, Package] = field(default_factory=dict)

    @classmethod
    def read(cls, roots: Sequence[tuple[Path, str, str]], packages: Iterable[str]) -> Tree:
        """``roots``: (directory, repository, commit) in order of precedence; ``packages``: the
        package directories to read (``internal/service/ecr`` ...)."""
        tree = cls()
        for package in packages:
            pkg = tree.packages.setdefault(package, Package(package))
            for root, repo, commit in roots:
                directory = root / package
                if not directory.is_dir():
                    continue
                for path in sorted(directory.glob("*.go")):
                    if path.name.endswith("_test.go"):
                        continue
                    rel = str(path.relative_to(root))
                    functions, embeds = read_file(path, package, Origin(repo, rel, commit))
                    for fn in functions:
                        if fn.receiver is None:
                            pkg.functions.setdefault(fn.name, fn)
                        else:
                            same = pkg.methods.setdefault(fn.name, [])
                            if all(other.receiver != fn.receiver for other in same):
                                same.append(fn)
                        for literal in re.findall(r'"(aws_[a-z0-9_]+)"', fn.body):
                            pkg.literals.append((literal, fn))
                    for name, embedded in embeds.items():
                        if name == "":
                            pkg.types.update(embedded)
                        elif name.startswith("="):
                            pkg.aliases.setdefault(name[1:], embedded[0])
                        else:
                            pkg.embeds.setdefault(name, embedded)
        return tree

    def all_functions(self) -> Iterator[Function]:
        for pkg in self.packages.values():
            yield from pkg.functions.values()
            for same in pkg.methods.values():
                yield from same
