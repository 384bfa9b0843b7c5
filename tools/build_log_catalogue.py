"""Build explain/data/log_catalogue.json from tools/log_catalogue_spec.toml and the git mirrors.

For every spec entry and every modelled release the script reads the entry's file at the
release's tag (``git show TAG:path``), finds the named function, and picks the one LOG call
whose format string contains the entry's ``match`` fragment. It records the exact format
string, the level, the logger name, the line numbers (the call's first line, printed by
Python >= 3.8, and the line Python 2.7 prints: the line where the call's last argument
starts), a citation, and a regular expression for the printed message. A release where the
call does not exist is left out. A ``match`` that finds several calls in one release, none
in any release, or a set of releases other than the spec's ``releases`` list, is an error.

Usage: python tools/build_log_catalogue.py [--spec PATH] [--mirrors DIR] [--protocol PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT / "tools" / "log_catalogue_spec.toml"
DEFAULT_OUT = ROOT / "explain" / "data" / "log_catalogue.json"
DEFAULT_PROTOCOL = ROOT / "fsm" / "protocol.py"
DEFAULT_MIRRORS = Path("/work/.mirror")

LEVELS = {"debug": "debug", "info": "info", "warning": "warning", "warn": "warning",
          "error": "error", "exception": "exception", "critical": "critical"}
LOGGER_NAMES = {"LOG", "logger", "LOGGER"}
TRANSLATORS = {"_", "_LI", "_LW", "_LE", "_LC", "mask_password", "text_type", "str", "safe_decode"}
PRINTF = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?(?P<flags>[#0\- +]*)(?P<width>\*|\d+)?(?:\.(?P<prec>\*|\d+))?"
    r"(?P<length>[hlL])?(?P<conv>[diouxXeEfFgGcrsa%])")
FIELD_PATTERNS = {"d": r"-?\d+", "i": r"-?\d+", "u": r"\d+", "o": r"[0-7]+", "x": r"[0-9a-f]+",
                  "X": r"[0-9A-F]+", "e": r"-?[\d.]+e[-+]\d+", "E": r"-?[\d.]+E[-+]\d+",
                  "f": r"-?[\d.]+", "F": r"-?[\d.]+", "g": r"-?[\d.e+-]+", "G": r"-?[\d.E+-]+",
                  "c": r".", "r": r".*?", "s": r".*?", "a": r".*?"}


USAGE = ("Match `regex` against the message part of a line: after the oslo.log prefix, the request context "
         "bracket and an '[instance: <uuid>] ' prefix, without the DEBUG suffix ' <funcName> <path>:<lineno>' "
         "(devstack: ' {{(pid=N) <funcName> <path>:<lineno>}}'). Where error_summary is true the line may end "
         "with ': <ExceptionClass>: <text>' (possibly over several lines): use regex_summary. When several "
         "entries of one logger match, prefer the one with the most literal_chars. The DEBUG suffix prints "
         "line_py2 under Python 2.7/3.6 and line under Python >= 3.8.")


class SpecError(Exception):
    """The spec does not match the code."""


# ---------------------------------------------------------------- git and parsing


@cache
def git_show(repo_dir: str, tag: str, path: str) -> str | None:
    """The text of `path` at `tag`, or None if the file does not exist there."""
    proc = subprocess.run(["git", "-C", repo_dir, "show", f"{tag}:{path}"],
                          capture_output=True, text=True, check=False)
    return proc.stdout if proc.returncode == 0 else None


@cache
def git_rev(repo_dir: str, tag: str) -> str:
    """The commit a tag points to."""
    proc = subprocess.run(["git", "-C", repo_dir, "rev-parse", f"{tag}^{{commit}}"],
                          capture_output=True, text=True, check=True)
    return proc.stdout.strip()


@cache
def module_at(repo_dir: str, tag: str, path: str) -> ast.Module | None:
    """The parsed module `path` at `tag`, or None if the file does not exist there."""
    source = git_show(repo_dir, tag, path)
    return None if source is None else parse_python(source)


def parse_python(source: str) -> ast.Module:
    """Parse Python 2/3 source with Python 3.11; `async` used as a name (Py2/3.6 code) is renamed
    to an identifier of the same length so that line and column numbers are kept."""
    try:
        return ast.parse(source)
    except SyntaxError:
        return ast.parse(re.sub(r"\basync\b", "asynx", source))


@dataclass
class Function:
    """A function or method found in a module, with its qualified name."""

    qualname: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    classes: list[ast.ClassDef] = field(default_factory=list)


_FUNCTIONS: dict[int, list[Function]] = {}


def functions(tree: ast.Module) -> list[Function]:
    """Every function in the module (nested ones included), in source order (memoised)."""
    if id(tree) in _FUNCTIONS:
        return _FUNCTIONS[id(tree)]
    found: list[Function] = []

    def walk(node: ast.AST, prefix: list[str], classes: list[ast.ClassDef]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                found.append(Function(".".join([*prefix, child.name]), child, classes))
                walk(child, [*prefix, child.name], classes)
            elif isinstance(child, ast.ClassDef):
                walk(child, [*prefix, child.name], [*classes, child])
            elif not isinstance(child, ast.expr | ast.expr_context | ast.arguments | ast.keyword):
                walk(child, prefix, classes)

    walk(tree, [], [])
    _FUNCTIONS[id(tree)] = found
    return found


def find_functions(tree: ast.Module, name: str) -> list[Function]:
    """Functions whose qualified name is `name` or ends with `.name`."""
    return [f for f in functions(tree) if f.qualname == name or f.qualname.endswith("." + name)]


def own_nodes(fn: ast.AST) -> list[ast.AST]:
    """The nodes of a function body, not descending into nested functions or classes."""
    out: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(fn))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


# ---------------------------------------------------------------- format strings


def _joined(node: ast.JoinedStr) -> str:
    """An f-string as a `{expr}` template."""
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value).replace("{", "{{").replace("}", "}}"))
        else:
            assert isinstance(value, ast.FormattedValue)
            parts.append("{" + ast.unparse(value.value) + "}")
    return "".join(parts)


def _assignments(scope: ast.AST, name: str, before: int) -> list[ast.expr]:
    """The values `name` may hold at line `before`: the last assignment in `scope` before that
    line, together with its alternatives when it sits in a branch (if/try) that does not
    contain the line (e.g. `msg = ...` in both the try and the except clause)."""
    body = own_nodes(scope) if not isinstance(scope, ast.Module) else scope.body
    assigns = sorted((n for n in body if isinstance(n, ast.Assign) and n.lineno < before
                      and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)),
                     key=lambda n: n.lineno)
    if not assigns:
        return []
    last = assigns[-1]
    branches = [n for n in body if isinstance(n, ast.If | ast.Try)
                and n.lineno <= last.lineno <= n.end_lineno and not n.lineno <= before <= n.end_lineno]
    if not branches:
        return [last.value]
    outer = min(branches, key=lambda n: n.lineno)
    return [a.value for a in assigns if outer.lineno <= a.lineno <= outer.end_lineno]


def _class_attr(classes: list[ast.ClassDef], attr: str) -> list[ast.expr]:
    """Values given to `attr` in the body of the enclosing classes (innermost first)."""
    for cls in reversed(classes):
        for node in cls.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attr
                                                    for t in node.targets):
                return [node.value]
    return []


@dataclass
class Scope:
    """Where names in a LOG call are resolved: the function, its classes and the module."""

    fn: ast.AST
    classes: list[ast.ClassDef]
    module: ast.Module
    line: int


def templates(node: ast.expr, scope: Scope, depth: int = 0) -> list[tuple[str, bool]]:
    """The format strings an expression can evaluate to, each with a flag telling whether the
    string was %-interpolated before it was logged (so the logger gets the finished text)."""
    if depth > 6:
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [(node.value, False)]
    if isinstance(node, ast.JoinedStr):
        return [(_joined(node), True)]
    if isinstance(node, ast.Call) and len(node.args) == 1:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in TRANSLATORS:
            return templates(node.args[0], scope, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return [(t, True) for t, _ in templates(node.left, scope, depth + 1)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [(a + b, pa or pb) for a, pa in templates(node.left, scope, depth + 1)
                for b, pb in templates(node.right, scope, depth + 1)]
    if isinstance(node, ast.Name):
        values = _assignments(scope.fn, node.id, scope.line) or _assignments(scope.module, node.id, 10**9)
        return [t for v in values for t in templates(v, scope, depth + 1)]
    if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")):
        return [t for v in _class_attr(scope.classes, node.attr) for t in templates(v, scope, depth + 1)]
    return []


def format_regex(fmt: str, braces: bool = False) -> str:
    """A regular expression for the text a format string prints.

    `%s`, `%r` and `%(name)s` become non-greedy groups (named where the format names them;
    a name used twice becomes a back-reference), numeric conversions match numbers, `%%` is a
    percent sign; with `braces`, `{expr}` fields of an f-string are groups too. The expression
    is anchored at both ends and matches across newlines (some messages are multi-line).
    """
    out: list[str] = []
    seen: set[str] = set()
    pos = 0
    field_re = re.compile(r"\{\{|\}\}|\{([^{}]*)\}") if braces else PRINTF
    for m in field_re.finditer(fmt):
        out.append(re.escape(fmt[pos:m.start()]))
        pos = m.end()
        if braces:
            text = m.group(0)
            if text in ("{{", "}}"):
                out.append(re.escape(text[0]))
                continue
            key = re.sub(r"\W", "_", m.group(1).split(".")[-1].split("(")[0]) or None
            pattern = ".*?"
        else:
            conv = m.group("conv")
            if conv == "%":
                out.append("%")
                continue
            key = m.group("key")
            pattern = FIELD_PATTERNS[conv]
        if key and key.isidentifier():
            if key in seen:
                out.append(f"(?P={key})")
            else:
                seen.add(key)
                out.append(f"(?P<{key}>{pattern})")
        else:
            out.append(f"({pattern})")
    out.append(re.escape(fmt[pos:]))
    return "(?s)^" + "".join(out) + "$"


# ---------------------------------------------------------------- LOG calls


@dataclass
class LogCall:
    """One LOG call in a function at one tag."""

    qualname: str
    level: str
    line: int
    line_py2: int
    formats: list[tuple[str, bool]]
    instance: bool
    exc_info: bool
    in_except: bool
    guards: tuple[str, ...] = ()


def _walk_guarded(fn: ast.AST) -> Iterator[tuple[ast.AST, tuple[str, ...], bool]]:
    """Yield (node, guards, in_except) for the nodes of a function's own body: `guards` holds the
    source of every enclosing `if` test and `except` type, `in_except` whether an `except`
    clause encloses the node."""
    stack: list[tuple[ast.AST, tuple[str, ...], bool]] = [(c, (), False) for c in ast.iter_child_nodes(fn)]
    while stack:
        node, guards, in_except = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        yield node, guards, in_except
        if isinstance(node, ast.If):
            inner = (*guards, ast.unparse(node.test))
            stack.extend((c, inner, in_except) for c in node.body)
            stack.extend((c, (*guards, "not " + ast.unparse(node.test)), in_except) for c in node.orelse)
            stack.append((node.test, guards, in_except))
        elif isinstance(node, ast.ExceptHandler):
            label = "except " + (ast.unparse(node.type) if node.type else "")
            stack.extend((c, (*guards, label), True) for c in node.body)
        else:
            stack.extend((c, guards, in_except) for c in ast.iter_child_nodes(node))


def log_calls(func: Function, module: ast.Module) -> list[LogCall]:
    """The LOG calls in a function's own body, in source order."""
    calls = []
    for node, guards, in_except in _walk_guarded(func.node):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in LEVELS and isinstance(node.func.value, ast.Name)
                and node.func.value.id in LOGGER_NAMES and node.args):
            continue
        scope = Scope(func.node, func.classes, module, node.lineno)
        kwargs = {k.arg: k.value for k in node.keywords if k.arg}
        exc_info = "exc_info" in kwargs and not (isinstance(kwargs["exc_info"], ast.Constant)
                                                 and not kwargs["exc_info"].value)
        calls.append(LogCall(
            qualname=func.qualname, level=LEVELS[node.func.attr], line=node.lineno,
            line_py2=max(n.lineno for n in ast.walk(node) if isinstance(n, ast.expr)),
            formats=templates(node.args[0], scope), instance=bool({"instance", "instance_uuid"} & set(kwargs)),
            exc_info=exc_info, in_except=in_except, guards=guards))
    return sorted(calls, key=lambda c: c.line)


def option_defaults(module: ast.Module, option: str) -> list[tuple[int, str]]:
    """(line, default) of every oslo.config option named `option` declared in a module."""
    found = []
    for node in ast.walk(module):
        if (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                and node.args[0].value == option):
            for kw in node.keywords:
                if kw.arg == "default":
                    scope = Scope(module, [], module, node.lineno)
                    found += [(node.lineno, t) for t, _ in templates(kw.value, scope)]
    return found


def logger_name(module: ast.Module, path: str, override: str | None) -> str:
    """The logger name of a module's LOG: `getLogger(__name__)` is the module path."""
    if override:
        return override
    dotted = path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
    for node in module.body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "LOG" for t in node.targets)
                and isinstance(node.value, ast.Call) and node.value.args):
            arg = node.value.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                return arg.value
            return dotted
    raise SpecError(f"{path}: no module-level LOG = getLogger(...)")


# ---------------------------------------------------------------- protocol vocabulary


def protocol_vocabulary(path: Path) -> dict[str, set[str]]:
    """Step names of fsm/protocol.py and the outcome names each can have (read with ast)."""
    tree = ast.parse(path.read_text())
    module_values = {t.id: n.value for n in tree.body if isinstance(n, ast.Assign)
                     for t in n.targets if isinstance(t, ast.Name)}
    module_funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}

    def outcome_names(node: ast.AST, depth: int = 0) -> set[str]:
        names: set[str] = set()
        if depth > 5:
            return names
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
                if sub.func.id == "Outcome" and sub.args and isinstance(sub.args[0], ast.Constant):
                    names.add(sub.args[0].value)
                elif sub.func.id in module_funcs:
                    names |= outcome_names(module_funcs[sub.func.id], depth + 1)
            elif isinstance(sub, ast.Name) and sub.id in module_values and sub.id.startswith("_"):
                names |= outcome_names(module_values[sub.id], depth + 1)
        return names

    vocabulary: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Step":
            kw = {k.arg: k.value for k in node.keywords}
            if isinstance(kw.get("name"), ast.Constant) and "outcomes" in kw:
                vocabulary.setdefault(kw["name"].value, set()).update(outcome_names(kw["outcomes"]))
    return vocabulary


# ---------------------------------------------------------------- building


def _version_tuple(version: str) -> tuple[int, ...]:
    """'3.30.0' -> (3, 30, 0); a non-numeric version (master) sorts last."""
    try:
        return tuple(int(p) for p in version.split("."))
    except ValueError:
        return (10**6,)


def _step_pairs(entry: dict) -> list[tuple[str, str]]:
    """Every (step, outcome) an entry names: its own, per release, by exception, message or frame."""
    pairs = [(entry["step"], entry.get("outcome", ""))]
    for table in ("step_in", "by_exception", "by_message", "by_frame"):
        pairs += [tuple(v) for v in entry.get(table, {}).values()]
    return pairs


def check_entry_fields(entry: dict, vocabulary: dict[str, set[str]], services: set[str], repos: dict) -> None:
    """Fail on a spec entry whose fields are missing or name no real step/outcome."""
    for key in ("id", "service", "repo", "file", "function", "match", "step", "releases"):
        if key not in entry:
            raise SpecError(f"entry {entry.get('id', '?')}: missing {key}")
    if entry["service"] not in services:
        raise SpecError(f"{entry['id']}: unknown service {entry['service']}")
    if entry["repo"] not in repos:
        raise SpecError(f"{entry['id']}: unknown repo {entry['repo']}")
    if entry.get("kind", "log") == "option" and not ("level" in entry and "logger" in entry):
        raise SpecError(f"{entry['id']}: an option entry needs level and logger")
    if not entry["step"] and not entry.get("meaning"):
        raise SpecError(f"{entry['id']}: a context-only entry (step = \"\") needs a meaning")
    for step, outcome in _step_pairs(entry):
        if not step:
            continue
        if step not in vocabulary:
            raise SpecError(f"{entry['id']}: unknown step {step}")
        if outcome not in vocabulary[step]:
            raise SpecError(f"{entry['id']}: step {step} has no outcome {outcome!r}")


@cache
def source_has(repo_dir: str, tags: tuple[str, ...], text: str, path: str = "*.py") -> bool:
    """Whether `text` occurs in the repo (in `path`, or any Python file) at one of the tags."""
    proc = subprocess.run(["git", "-C", repo_dir, "grep", "-q", "-F", text, *tags, "--", path],
                          capture_output=True, check=False)
    return proc.returncode == 0


def check_fragments(entry: dict, spec: dict, mirrors: Path) -> None:
    """Fail unless every `by_message` fragment is text of the sources (the entry's repo, nova,
    cinder or os-brick) and every `by_frame` key `path:function` names a real function."""
    releases = spec["releases"].values()

    def has(repo: str, text: str, path: str = "*.py") -> bool:
        repo_dir = str(mirrors / spec["repos"][repo] / "repo")
        return source_has(repo_dir, tuple(dict.fromkeys(r[repo] for r in releases)), text, path)

    for fragment in entry.get("by_message", {}):
        if not any(has(repo, fragment) for repo in dict.fromkeys((entry["repo"], "nova", "cinder", "os-brick"))):
            raise SpecError(f"{entry['id']}: by_message {fragment!r} is not in the sources")
    for key in entry.get("by_frame", {}):
        path, _, func = key.partition(":")
        repo = path.split("/")[0].replace("_", "-")
        if repo not in spec["repos"] or not has(repo, f"def {func}(", path):
            raise SpecError(f"{entry['id']}: by_frame {key!r} names no function in the sources")


def _find(entry: dict, repo_dir: str, tag: str) -> list[dict]:
    """The LOG calls (or option defaults) at `tag` that the entry's match selects."""
    where = [(entry["file"], entry["function"])] + [(a["file"], a["function"]) for a in entry.get("alt", [])]
    found = []
    for path, fname in where:
        module = module_at(repo_dir, tag, path)
        if module is None:
            continue
        if entry.get("kind", "log") == "option":
            for line, fmt in option_defaults(module, entry["match"]):
                found.append({"file": path, "function": "<module>", "line": line, "line_py2": line,
                              "level": entry["level"], "logger": entry["logger"], "format": fmt,
                              "preformatted": True, "instance": False, "traceback": False,
                              "in_except": False})
            continue
        for func in find_functions(module, fname):
            for call in log_calls(func, module):
                if entry.get("level", call.level) != call.level:
                    continue
                if entry.get("guard") and not any(entry["guard"] in g for g in call.guards):
                    continue
                for fmt, pre in call.formats:
                    if entry["match"] in fmt:
                        found.append({"file": path, "function": call.qualname, "line": call.line,
                                      "line_py2": call.line_py2, "level": call.level,
                                      "logger": logger_name(module, path, entry.get("logger")),
                                      "format": fmt, "preformatted": pre, "instance": call.instance,
                                      "traceback": call.level == "exception" or call.exc_info,
                                      "in_except": call.in_except})
    return found


def build(spec: dict, mirrors: Path, vocabulary: dict[str, set[str]]) -> dict:
    """The catalogue as a JSON-ready dict."""
    releases: dict[str, dict] = spec["releases"]
    repos: dict[str, str] = spec["repos"]
    services = set(spec["services"])
    entries: dict[str, dict] = {}
    for entry in spec["entry"]:
        check_entry_fields(entry, vocabulary, services, repos)
        if entry["id"] in entries:
            raise SpecError(f"duplicate id {entry['id']}")
        repo_dir = str(mirrors / repos[entry["repo"]] / "repo")
        check_fragments(entry, spec, mirrors)
        by_release: dict[str, dict] = {}
        for rel_name, rel in releases.items():
            tag = rel[entry["repo"]]
            found = _find(entry, repo_dir, tag)
            if len(found) > 1:
                if "occurrence" not in entry:
                    lines = ", ".join(f"{f['file']}:{f['line']}" for f in found)
                    raise SpecError(f"{entry['id']} @ {rel_name} ({tag}): match {entry['match']!r} finds "
                                    f"{len(found)} LOG calls: {lines}")
                found = [found[entry["occurrence"]]]
            if not found:
                continue
            rec = found[0]
            level = rec["level"]
            summary = (level in ("warning", "error", "exception", "critical")
                       and (rec["traceback"] or rec["in_except"])
                       and _version_tuple(rel["oslo.log"]) >= (3, 27))
            braces = rec["preformatted"] and "{" in rec["format"] and "%" not in rec["format"]
            record = {
                "tag": tag,
                "commit": git_rev(repo_dir, tag),
                "file": rec["file"],
                "function": rec["function"],
                "line": rec["line"],
                "line_py2": rec["line_py2"],
                "level": level,
                "printed_level": "ERROR" if level == "exception" else level.upper(),
                "logger": rec["logger"],
                "format": rec["format"],
                "preformatted": rec["preformatted"],
                "regex": format_regex(rec["format"], braces=braces),
                "literal_chars": len(PRINTF.sub("", rec["format"])),
                "instance_prefix": rec["instance"],
                "traceback": rec["traceback"],
                "in_except": rec["in_except"],
                "error_summary": summary,
                "citation": f"{rec['file']}:{rec['line']} {rec['function']} @ {tag}",
            }
            if summary:
                record["regex_summary"] = record["regex"][:-1] + r": (?P<error_summary>.+)$"
            step = entry.get("step_in", {}).get(rel_name)
            if step:
                record["step"], record["outcome"] = step
            by_release[rel_name] = record
        observed = [r for r in releases if r in by_release]
        if not observed:
            raise SpecError(f"{entry['id']}: match {entry['match']!r} finds no LOG call in any release")
        if observed != entry["releases"]:
            raise SpecError(f"{entry['id']}: spec says releases {entry['releases']}, the code has {observed}")
        out = {k: v for k, v in entry.items() if k not in ("alt", "releases", "step_in")}
        out["alt"] = [f"{a['file']} {a['function']}" for a in entry.get("alt", [])]
        out["by_release"] = by_release
        entries[entry["id"]] = out
    return {
        "about": "Generated by tools/build_log_catalogue.py from tools/log_catalogue_spec.toml and the "
                 "nova/cinder/os-brick/oslo git mirrors. Do not edit by hand.",
        "usage": USAGE,
        "releases": releases,
        "line_formats": spec.get("line_formats", {}),
        "entries": entries,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC)
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS,
                        help="directory holding openstack+<repo>/repo git mirrors")
    parser.add_argument("--protocol", type=Path, default=DEFAULT_PROTOCOL)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    spec = tomllib.loads(args.spec.read_text())
    try:
        catalogue = build(spec, args.mirrors, protocol_vocabulary(args.protocol))
    except SpecError as err:
        print(f"build_log_catalogue: {err}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(catalogue, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    args.out.write_text(text)
    n_rel = sum(len(e["by_release"]) for e in catalogue["entries"].values())
    print(f"{args.out}: {len(catalogue['entries'])} entries, {n_rel} entry-release records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
