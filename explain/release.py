"""Which modelled release wrote these logs: the evidence, and the release it points to.

Four kinds of evidence, each a set of releases it allows:
- traceback frames (file, line, function, source text) and DEBUG suffixes (file, function, line)
  matched against explain/data/frames.json, a table of the detach-path functions at every Nova tag
  (tools/build_frames.py); a tag maps to the modelled release it behaves like;
- DEBUG suffix line numbers of catalogued messages, which move between releases;
- wording that only some releases print (the catalogue says which);
- the request-context format (Ocata's nova-compute prints `- - -]`) and a `version` in a
  start-up line.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from detachcheck.explain.catalogue import Catalogue, _rel_path
from detachcheck.explain.records import Frame, Record
from detachcheck.fsm.releases import RELEASES

_VERSION = re.compile(r"Starting \S+ node \(version (?P<version>\d+\.\d+\.\d+)")
_OCATA_CONTEXT = re.compile(r" [0-9a-f]{32} [0-9a-f]{32} - - -\] ")


@dataclass
class Evidence:
    """One piece of evidence: what was seen and the releases it allows."""

    text: str
    releases: frozenset[str]


@dataclass
class Inference:
    """The release chosen, why, and how sure."""

    release: str | None
    evidence: list[str] = field(default_factory=list)
    allowed: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@functools.lru_cache(maxsize=1)
def frames_table() -> dict[str, Any]:
    """explain/data/frames.json."""
    text = resources.files("detachcheck.explain").joinpath("data/frames.json").read_text(encoding="utf-8")
    return json.loads(text)


def _hash(text: str) -> str:
    return hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:8]


def frame_tags(frame: Frame, check_text: bool = True) -> frozenset[str] | None:
    """The Nova tags whose code has this frame (None: a file or function the table does not cover)."""
    table = frames_table()
    rel = _rel_path(frame.path)
    if rel not in table["functions"] or frame.function not in table["functions"][rel]:
        return None
    out = set()
    for tag, info in table["tags"].items():
        for qualname, digest in info["functions"].get(rel, {}).items():
            if qualname.rsplit(".", 1)[-1] != frame.function:
                continue
            first, last, hashes = table["bodies"][digest]
            if not first <= frame.line <= last:
                continue
            if check_text and frame.text:
                at = (frame.line - first) * 8
                if hashes[at:at + 8] != _hash(frame.text):
                    continue
            out.add(tag)
    return frozenset(out)


def _short(frame: Frame) -> str:
    return f"{_rel_path(frame.path).rsplit('/', 1)[-1]} line {frame.line} in {frame.function}"


def _frame_evidence(records: Sequence[Record]) -> tuple[Evidence | None, tuple[str, ...]]:
    """The Nova tags every detach-path frame (and DEBUG suffix) matches, as evidence."""
    frames: dict[tuple[str, int, str], Frame] = {}
    for r in records:
        for f in r.frames:
            frames.setdefault((_rel_path(f.path), f.line, f.function), f)
        if r.suffix is not None:
            func, path, line = r.suffix
            frames.setdefault((_rel_path(path), line, func), Frame(path, line, func, ""))
    matched: list[tuple[Frame, frozenset[str]]] = []
    loosened: list[Frame] = []
    for f in frames.values():
        tags = frame_tags(f)
        if tags is None:
            continue
        if not tags:  # the printed source text matches no tag: a damaged paste? judge by the line alone
            loose = frame_tags(f, check_text=False)
            if loose:
                tags = loose
                loosened.append(f)
        matched.append((f, tags))
    if not matched:
        return None, ()
    common = frozenset.intersection(*(t for _, t in matched))
    table = frames_table()
    order = {t: i for i, t in enumerate(table["tag_order"])}
    tags = tuple(sorted(common, key=lambda t: order.get(t, 0)))
    releases = frozenset(table["tags"][t]["release"] for t in tags)
    shown = [_short(f) for f, _ in sorted(matched, key=lambda m: (m[0].path, m[0].line))]
    names = ", ".join(shown[:4]) + (f" and {len(shown) - 4} more" if len(shown) > 4 else "")
    if tags:
        text = f"traceback frames and DEBUG suffixes ({names}) match nova {_span(tags)}"
        if loosened:
            text += (f" ({', '.join(_short(f) for f in loosened)} judged by line alone: its printed source "
                     f"{', '.join(repr(f.text) for f in loosened)} matches no tag's code)")
    else:
        text = f"traceback frames and DEBUG suffixes ({names}) match no single nova tag"
    return Evidence(text, releases), tags


def _span(tags: Sequence[str]) -> str:
    return ", ".join(tags) if len(tags) <= 5 else f"{tags[0]} .. {tags[-1]} ({len(tags)} tags)"


def _suffix_evidence(records: Iterable[Record], catalogue: Catalogue) -> list[Evidence]:
    """DEBUG suffix line numbers of catalogued messages: the releases that print that line number."""
    out: dict[str, set[str]] = {}
    for r in records:
        if r.suffix is None:
            continue
        func, path, line = r.suffix
        rel = _rel_path(path)
        allowed = set()
        known = False
        for release in catalogue.releases:
            for e in catalogue.find(r, release)[0]:
                if e.file == rel:
                    known = True
                    if line in (e.line, e.line_py2):
                        allowed.add(release)
        if known:
            key = f"{rel.rsplit('/', 1)[-1]}:{line} ({func})"
            out[key] = out.get(key, set(allowed)) & allowed if key in out else allowed
    return [Evidence(f"DEBUG line {key} is printed by {_list(rels)}", frozenset(rels)) for key, rels in out.items()]


def _wording_evidence(records: Iterable[Record], catalogue: Catalogue) -> list[Evidence]:
    """Messages (by catalogue entry) that only some releases print."""
    every = frozenset(catalogue.releases)
    seen: dict[str, frozenset[str]] = {}
    for r in records:
        rels = catalogue.releases_matching(r)
        if not rels or rels == every:
            continue
        entries = {e.id for rel in sorted(rels) for e in catalogue.find(r, rel)[0]}
        key = ", ".join(sorted(entries))
        seen[key] = seen[key] & rels if key in seen else rels
    return [Evidence(f"wording of {key} is printed by {_list(rels)}", rels) for key, rels in sorted(seen.items())]


def _context_evidence(records: Iterable[Record]) -> list[Evidence]:
    out = []
    ocata = [r for r in records if r.service == "nova-compute" and _OCATA_CONTEXT.search(r.text.split("\n", 1)[0])]
    if ocata:
        out.append(Evidence("nova-compute's request context ends in `- - -]` (nova 15.x drops the domains)",
                            frozenset({"ocata", "ocata-eol"})))
    for r in records:
        m = _VERSION.search(r.message)
        if m:
            version = m.group("version")
            table = frames_table()
            if version in table["tags"]:
                rel = table["tags"][version]["release"]
                out.append(Evidence(f"nova-compute says `version {version}` at start-up (nova {version} behaves "
                                    f"like {rel})", frozenset({rel})))
            break
    return out


def _list(releases: Iterable[str]) -> str:
    order = list(RELEASES)
    return ", ".join(sorted(releases, key=lambda r: order.index(r) if r in order else len(order)))


def _summary(kind: str, items: list[Evidence]) -> list[str]:
    """Many pieces of one kind as one line: how many, and the releases they all allow."""
    if len(items) <= 1:
        return [e.text for e in items]
    common = frozenset.intersection(*(e.releases for e in items))
    names = [name for e in items for name in e.text.split(" is printed by ")[0].removeprefix("DEBUG line ")
             .removeprefix("wording of ").split(", ")]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    if common:
        return [f"{kind} of {len(names)} messages ({shown}): only {_list(common)} print them all"]
    return [e.text for e in items]


def infer(records: Sequence[Record], catalogue: Catalogue) -> Inference:
    """The release the records point to, with the evidence (release None: no evidence, or it conflicts)."""
    items: list[Evidence] = []
    frames, tags = _frame_evidence(records)
    if frames is not None:
        items.append(frames)
    suffixes = _suffix_evidence(records, catalogue)
    context = _context_evidence(records)
    wording = _wording_evidence(records, catalogue)
    items += suffixes + context + wording
    order = list(RELEASES)
    informative = [e for e in items if e.releases and e.releases != frozenset(order)]
    texts = ([frames.text] if frames else []) + _summary("the DEBUG line numbers", suffixes) + \
        [e.text for e in context] + _summary("the wording", [e for e in wording if e.releases != frozenset(order)])
    if not informative:
        return Inference(None, texts + ["no line tells the release apart"], ())
    allowed = frozenset(order)
    for e in informative:
        allowed &= e.releases
    if not allowed:
        score = {r: sum(r in e.releases for e in informative) for r in order}
        top = max(score.values())
        best = tuple(r for r in order if score[r] == top)
        return Inference(None, [*texts, f"the evidence conflicts: {_list(best)} fit {top} of {len(informative)} "
                                        "pieces"], best)
    ranked = tuple(r for r in order if r in allowed)
    chosen = ranked[0]
    if tags:
        table = frames_table()
        exact = [r for r in ranked if any(table["tags"][t]["release"] == r and not table["tags"][t]["mismatch"]
                                          for t in tags)]
        chosen = exact[0] if exact else next((r for r in ranked if any(table["tags"][t]["release"] == r
                                                                       for t in tags)), chosen)
        differ = sorted({s for t in tags if table["tags"][t]["release"] == chosen
                         for s in table["tags"][t]["mismatch"]})
        if differ:
            texts.append(f"those tags differ from the model of {chosen} in: {', '.join(differ)}")
    if len(ranked) > 1:
        texts.append(f"the evidence allows {_list(ranked)}: using {chosen}, the closest modelled one")
    return Inference(chosen, texts, ranked, tags)
