"""Build explain/data/frames.json: the traceback frame table used to infer a Nova release.

For every Nova tag of the modelled series (all 15.x, 16.x, 17.x and 23.x point tags, the
ocata-eol, pike-eol, queens-eol and wallaby-eom tags, and master) the script records, for
each function that shows up in detach-path tracebacks, its first and last line and a short
hash of every line (first 8 hex digits of the sha1 of the stripped source text, which is what
a Python traceback prints under its `File "...", line N, in func` line). A frame matches a tag
when a function of that name in that file covers the line and the line's hash equals the hash
of the printed source text.

Each tag is also mapped to the modelled release (fsm/releases.py) of its series whose behaviour
switches it matches best; the switches are derived from the tag's history (which fix commits
it contains) or its code, and the ones that differ from the chosen release are listed.

Usage: python tools/build_frames.py [--nova DIR] [--releases PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

from build_log_catalogue import ROOT, find_functions, git_rev, git_show, module_at

DEFAULT_NOVA = Path("/work/.mirror/openstack+nova/repo")
DEFAULT_RELEASES = ROOT / "fsm" / "releases.py"
DEFAULT_OUT = ROOT / "explain" / "data" / "frames.json"

FUNCTIONS: dict[str, tuple[str, ...]] = {
    "nova/compute/manager.py": ("detach_volume", "do_detach_volume", "_detach_volume", "_driver_detach_volume"),
    "nova/virt/block_device.py": ("detach", "_do_detach", "driver_detach"),
    "nova/virt/libvirt/driver.py": ("detach_volume", "_disconnect_volume", "_detach_with_retry",
                                    "_detach_from_persistent", "_detach_from_live_with_retry",
                                    "_detach_from_live_and_wait_for_event", "_detach_sync"),
    "nova/virt/libvirt/guest.py": ("detach_device_with_retry", "_do_wait_and_retry_detach", "_try_detach_device",
                                   "detach_device"),
    "nova/virt/libvirt/volume/iscsi.py": ("disconnect_volume",),
    "nova/volume/cinder.py": ("terminate_connection", "detach", "attachment_delete", "roll_detaching"),
}
SERIES = {"15": ("ocata", "ocata-eol"), "16": ("pike", "pike-eol"), "17": ("queens", "queens-eol"),
          "23": ("wallaby", "wallaby-eom")}
EOL_TAGS = {"ocata-eol": "15", "pike-eol": "16", "queens-eol": "17", "wallaby-eom": "23"}

# Switch -> (commits that introduce the behaviour, commits that remove it). A tag has the
# behaviour when it contains one of the first and none of the second (commits and their
# backports as listed in docs/release-switches.md; each was checked in the mirror).
SWITCH_COMMITS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "detach_lock": (("2e4e203c1a", "f0b833a352", "17b3d5734a", "3310c3cbf5"), ()),
    "reboot_lock": (("9ad54f3dac", "939cd9b177", "304d3f62a4", "7d14b6a517", "16fb8ac3f4"), ()),
    "disk_not_found_skips_disconnect": (("ROOT",), ("ce531dd1b7", "92bd7ea118", "d6a072b5c5")),
    "bdm_destroyed_before_os_detach": (("ROOT",), ("bea6ff62af",)),
    "event_based_detach": (("e56cc4f439", "30317e6b3f"), ()),
    "api_compute_up_check": (("db8213af83",), ()),
    "cinder_timeout_retried": (("f6206269b7", "7168314dd1"), ()),
    "attachment_delete_ignores_404": (("8f4b740ca5", "9b1c078112"), ()),
    "shelve_offload_terminates_connections": (("e89e1bdc60", "286fa12ad1", "8365eb6cb9"), ()),
    "nova_manage_volume_attachment": (("e906a8c0ec",), ()),
    "offloaded_detach_terminates": (("26e32ce858", "1e59ed99c7"), ()),
    "offloaded_detach_reads_bdm_first": (("b8704a1d1c",), ()),
    "ocata_persistent_miss_is_disk_not_found": (("ROOT",), ("d39934ad6a", "539d3bbb8a")),
}
# "Avoid exploding if guest refuses to detach a volume" dropped the roll-back of a
# DeviceDetachFailed; "block_device: Rollback volumes to in-use on DeviceDetachFailed" restored it.
DDF_AVOID = ("b16c0f1053", "804215017f", "81992142f6")
DDF_RESTORE = ("3a4b4b91b0", "a890c34036", "6864804e61", "838ecb3383")
NOT_NOVA = ("cinder_attachment_deletion_allowed", "cinder_reset_in_use_needs_attachment")

# The seed's traceback (shared/seed/000_2211a441efd8faf8.txt): file, line, function, printed source.
# The document prints "encryption-encryption)" for the first frame, a transcription slip for
# "encryption=encryption)" (the keyword argument of the driver call); the table also reports the
# tags that match with that frame's text left unchecked.
SEED_FRAMES = (
    ("nova/compute/manager.py", 4822, "_driver_detach_volume", "encryption=encryption)"),
    ("nova/virt/libvirt/driver.py", 1348, "detach_volume", "wait_for_detach()"),
    ("nova/virt/libvirt/guest.py", 428, "_do_wait_and_retry_detach", "reason=reason)"),
    ("nova/virt/libvirt/guest.py", 448, "detach_device", 'LOG.debug("detach device xml: %s", device_xml)'),
)


def line_hash(text: str) -> str:
    """First 8 hex digits of the sha1 of a stripped source line."""
    return hashlib.sha1(text.strip().encode()).hexdigest()[:8]


def git(nova: str, *args: str) -> str:
    """Output of a git command in the nova mirror."""
    return subprocess.run(["git", "-C", nova, *args], capture_output=True, text=True, check=True).stdout


def series_tags(nova: str) -> list[str]:
    """The point tags of the modelled series, the eol/eom tags and master, in version order."""
    tags = [t for t in git(nova, "tag").split() if re.fullmatch(r"(15|16|17|23)\.\d+\.\d+", t)]
    tags.sort(key=lambda t: tuple(int(p) for p in t.split(".")))
    return [*tags, *EOL_TAGS, "master"]


def read_releases(path: Path) -> tuple[list[str], dict[str, dict[str, bool]]]:
    """SWITCH_DOCS order and each release's switches, read from fsm/releases.py with ast."""
    tree = ast.parse(path.read_text())
    keys: list[str] = []
    releases: dict[str, dict[str, bool]] = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "SWITCH_DOCS"
                                                 for t in node.targets) and isinstance(node.value, ast.Dict)):
            keys = [k.value for k in node.value.keys if isinstance(k, ast.Constant)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_release":
            name, bits = node.args[0].value, node.args[3].value
            if len(bits) != len(keys):
                raise SystemExit(f"build_frames: {path}: {name} has {len(bits)} switches for {len(keys)} names")
            releases[name] = {k: b == "T" for k, b in zip(keys, bits, strict=True)}
    if not keys or not releases:
        raise SystemExit(f"build_frames: cannot read SWITCH_DOCS / _release(...) from {path}")
    return keys, releases


def derive_switches(nova: str, tags: list[str], keys: list[str]) -> dict[str, dict[str, bool | None]]:
    """Each tag's switch values, from the fix commits it contains or from its code; None where
    a switch is not decided by Nova's code (Cinder switches, or a switch this script does not know)."""
    listed = {c for spec in SWITCH_COMMITS.values() for group in spec for c in group if c != "ROOT"}
    listed |= set(DDF_AVOID + DDF_RESTORE)
    # A change counts by its subject line, so that its backport to any branch (cherry-picks keep
    # the subject) is found in the tag's history even where the docs list only one commit.
    subjects = {short: git(nova, "log", "-1", "--format=%s", short).strip() for short in sorted(listed)}
    wanted = set(subjects.values())
    containing: dict[str, set[str]] = {short: set() for short in subjects}
    for tag in tags:
        present = wanted & set(git(nova, "log", "--format=%s", tag).splitlines())
        for short, subject in subjects.items():
            if subject in present:
                containing[short].add(tag)
    values: dict[str, dict[str, bool | None]] = {}
    for tag in tags:
        has = {c for c, where in containing.items() if tag in where}
        row: dict[str, bool | None] = {}
        for key in keys:
            if key in SWITCH_COMMITS:
                add, remove = SWITCH_COMMITS[key]
                row[key] = ("ROOT" in add or bool(has & set(add))) and not has & set(remove)
            elif key == "device_detach_failed_rolls_back":
                row[key] = not (has & set(DDF_AVOID) and not has & set(DDF_RESTORE))
            elif key == "new_style_attachments":
                # Queens+ create Cinder attachments in the compute manager (shelve-offload,
                # rebuild, live migration); Pike only in API.swap_volume, never reached.
                module = module_at(nova, tag, "nova/compute/manager.py")
                row[key] = module is not None and any(
                    isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                    and n.func.attr == "attachment_create" for n in ast.walk(module))
            elif key == "api_refuses_root_detach":
                row[key] = any("root device volume" in (git_show(nova, tag, p) or "") for p in
                               ("nova/api/openstack/compute/volumes.py",
                                "nova/api/openstack/compute/volume_attachments.py"))
            else:
                row[key] = None
        values[tag] = row
    return values


def candidates(tag: str) -> tuple[str, ...]:
    """The modelled releases a tag may map to: its series' GA and last release."""
    if tag == "master":
        return ("master",)
    return SERIES[EOL_TAGS.get(tag, tag.split(".")[0])]


def function_table(nova: str, tag: str) -> dict[str, dict[str, list]]:
    """{file: {qualname: [first, last, hashes]}} for the traced functions at a tag."""
    table: dict[str, dict[str, list]] = {}
    for path, names in FUNCTIONS.items():
        source = git_show(nova, tag, path)
        module = module_at(nova, tag, path)
        if source is None or module is None:
            continue
        lines = source.splitlines()
        found: dict[str, list] = {}
        for name in names:
            for func in find_functions(module, name):
                first, last = func.node.lineno, func.node.end_lineno
                found[func.qualname] = [first, last, "".join(line_hash(t) for t in lines[first - 1:last])]
        table[path] = dict(sorted(found.items()))
    return table


def match_frames(tags: dict[str, dict], bodies: dict[str, list],
                 frames: tuple[tuple[str, int, str, str | None], ...]) -> list[str]:
    """The tags where every frame (file, line, function, source text or None) matches."""
    matched = []
    for tag, info in tags.items():
        ok = True
        for path, line, name, text in frames:
            hit = False
            for qualname, digest in info["functions"].get(path, {}).items():
                first, last, hashes = bodies[digest]
                if qualname.split(".")[-1] != name or not first <= line <= last:
                    continue
                if text is None or hashes[8 * (line - first):8 * (line - first + 1)] == line_hash(text):
                    hit = True
            ok = ok and hit
        if ok:
            matched.append(tag)
    return matched


def build(nova: str, releases_path: Path) -> dict:
    """The frame table as a JSON-ready dict."""
    keys, releases = read_releases(releases_path)
    tags = series_tags(nova)
    switches = derive_switches(nova, tags, keys)
    bodies: dict[str, list] = {}
    out_tags: dict[str, dict] = {}
    for tag in tags:
        functions: dict[str, dict[str, str]] = {}
        for path, found in function_table(nova, tag).items():
            functions[path] = {}
            for qualname, body in found.items():
                digest = hashlib.sha1(json.dumps(body).encode()).hexdigest()[:12]
                bodies[digest] = body
                functions[path][qualname] = digest
        row = switches[tag]
        scored = []
        for name in candidates(tag):
            diff = sorted(k for k, v in row.items() if v is not None and v != releases[name][k])
            scored.append((len(diff), name, diff))
        best = min(scored)
        out_tags[tag] = {
            "commit": git_rev(nova, tag),
            "release": best[1],
            "mismatch": best[2],
            "switches": {k: v for k, v in row.items() if v is not None},
            "functions": functions,
        }
    seed_tags = match_frames(out_tags, bodies, SEED_FRAMES)
    loose = tuple((p, n, f, None if p.endswith("manager.py") else t) for p, n, f, t in SEED_FRAMES)
    loose_tags = match_frames(out_tags, bodies, loose)
    return {
        "about": "Generated by tools/build_frames.py from the nova git mirror and fsm/releases.py. "
                 "bodies[digest] = [first line, last line, 8 hex digits of sha1(stripped line) per line]; "
                 "tags[tag].functions[file][qualname] = digest. A traceback frame (file, line, function, "
                 "source text) matches a tag when a function with that last name component covers the line "
                 "and the line's hash equals the hash of the stripped text. Do not edit by hand.",
        "hash": "sha1(line.strip())[:8]",
        "functions": {path: list(names) for path, names in FUNCTIONS.items()},
        "bodies": dict(sorted(bodies.items())),
        "tags": out_tags,
        "tag_order": tags,
        "seed_check": {"frames": [list(f) for f in SEED_FRAMES], "matching_tags": seed_tags,
                       "releases": sorted({out_tags[t]["release"] for t in seed_tags}),
                       "matching_tags_without_manager_text": loose_tags},
    }


def dump(table: dict) -> str:
    """Compact, deterministic JSON: one line per body and per tag."""
    parts = ["{"]
    for key in ("about", "hash", "functions", "seed_check", "tag_order"):
        parts.append(f"{json.dumps(key)}: {json.dumps(table[key], sort_keys=True)},")
    parts.append('"bodies": {')
    parts.append(",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in table["bodies"].items()))
    parts.append("},")
    parts.append('"tags": {')
    parts.append(",\n".join(f"{json.dumps(t)}: {json.dumps(table['tags'][t], sort_keys=True)}"
                            for t in table["tag_order"]))
    parts.append("}")
    parts.append("}")
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nova", type=Path, default=DEFAULT_NOVA, help="nova git mirror")
    parser.add_argument("--releases", type=Path, default=DEFAULT_RELEASES, help="fsm/releases.py")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    table = build(str(args.nova), args.releases)
    text = dump(table)
    json.loads(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    seed = table["seed_check"]
    print(f"{args.out}: {len(table['tags'])} tags, {len(table['bodies'])} distinct function bodies; "
          f"seed frames match {', '.join(seed['matching_tags']) or 'nothing'} ({', '.join(seed['releases'])})")
    return 0 if seed["matching_tags"] else 1


if __name__ == "__main__":
    sys.exit(main())
