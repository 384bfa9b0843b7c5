"""A `detachcheck` command of this checkout against the same command of another revision, or of this
checkout with other options, timed as whole processes in turn (A B A B ...), with the ratio per pair.

    python bench/ab.py --rev c3b0b97 -- check --release all
    python bench/ab.py --peer-args "--jobs 1" -- check --release all

The other revision is checked out in a temporary git worktree and imported from there (its
packages laid out as `pyproject.toml` maps them), with this environment's dependencies. Each run
is in a fresh empty directory; the first run of each is a warm-up, not counted.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def layout(checkout: Path, into: Path) -> Path:
    """A directory importing `checkout`'s packages under their names (symlinks, as pyproject maps them)."""
    dirs = tomllib.loads((checkout / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    top = into / "detachcheck"
    top.mkdir(parents=True)
    for item in (checkout / dirs["detachcheck"]).iterdir():
        (top / item.name).symlink_to(item)
    for name, path in dirs.items():
        if name != "detachcheck":
            (into / name.replace(".", "/")).symlink_to(checkout / path)
    return into


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS bytes of the largest process, exit status) of one run in a fresh directory."""
    with tempfile.TemporaryDirectory() as cwd:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        return time.perf_counter() - start, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", help="the peer: this git revision (default: this checkout)")
    parser.add_argument("--peer-args", default="", help="the peer's command differs by these arguments")
    parser.add_argument("-n", type=int, default=5, help="counted runs of each (default 5)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- and the detachcheck command")
    args = parser.parse_args()
    command = [a for a in args.command if a != "--"]
    ours = [sys.executable, "-m", "detachcheck", *command]
    peer = [*ours, *shlex.split(args.peer_args)]
    env_a, env_b = dict(os.environ), dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        label = "this checkout" + (f" {args.peer_args}" if args.peer_args and not args.rev else "")
        if args.rev:
            tree = Path(tmp) / "tree"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), args.rev],
                           check=True)
            try:
                env_b["PYTHONPATH"] = str(layout(tree, Path(tmp) / "site"))
                label = f"revision {args.rev}" + (f" {args.peer_args}" if args.peer_args else "")
                rows = compare(ours, peer, env_a, env_b, args.n)
            finally:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
        else:
            rows = compare(ours, peer, env_a, env_b, args.n)
    a, b = zip(*rows, strict=True)
    print(f"A: this checkout: detachcheck {' '.join(command)}")
    print(f"B: {label}: detachcheck {' '.join(peer[3:])}")
    print(f"{len(rows)} runs each after one warm-up, alternating; {os.cpu_count()} cores")
    print(f"A wall s median {statistics.median(x[0] for x in a):.2f} (min {min(x[0] for x in a):.2f}), "
          f"peak {max(x[1] for x in a) / 2**20:.0f} MiB (largest process)")
    print(f"B wall s median {statistics.median(x[0] for x in b):.2f} (min {min(x[0] for x in b):.2f}), "
          f"peak {max(x[1] for x in b) / 2**20:.0f} MiB (largest process)")
    print(f"A/B wall, pair by pair: median {statistics.median(x[0] / y[0] for x, y in rows):.3f}")


def compare(ours: list[str], peer: list[str], env_a: dict[str, str], env_b: dict[str, str],
            n: int) -> list[tuple[tuple[float, int, int], tuple[float, int, int]]]:
    rows = []
    for i in range(n + 1):
        a, b = timed(ours, env_a), timed(peer, env_b)
        if a[2] != b[2]:
            raise SystemExit(f"the two commands exited {a[2]} and {b[2]}")
        if i:
            rows.append((a, b))
    return rows


if __name__ == "__main__":
    main()
