"""`detachcheck explain` benchmark: lines/s reading a large generated nova-compute log, against peers
measured in the same run on the same file, and peak memory at two sizes (it must stay flat).

The log is built from the Ocata log fixture (tests/fixtures/logs/two-files-ocata/nova-compute.log: a whole
detach with its retries, DEBUG lines, XML and tracebacks), again and again with fresh UUIDs and request
ids (other instances, other volumes, other requests), and the seed incident's own lines once in the middle:
one Ocata compute host's log. Usage:
    python bench/bench_explain.py [--size-mb 200] [--repeat 3] [--keep DIR]
Peers: `grep -c VOLUME` and a plain Python loop (`for line in f: if VOLUME in line`) over the same file.
Each measurement runs in its own process (peak RSS is its own); timings are the best of --repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "tests" / "fixtures" / "logs"
SEED = LOGS / "seed-ocata" / "nova-compute.log"
VOLUME = "e0bd76b1-5bb8-45dc-9691-39933b122db7"
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")


def _template() -> tuple[list[bytes], int]:
    """The other fixtures' lines, split around their UUIDs: (pieces, number of UUID slots)."""
    text = (LOGS / "two-files-ocata" / "nova-compute.log").read_bytes()
    pieces: list[bytes] = []
    last = 0
    for m in UUID.finditer(text):
        pieces.append(text[last:m.start()])
        last = m.end()
    pieces.append(text[last:])
    return pieces, len(pieces) - 1


def generate(path: Path, size: int) -> int:
    """Write a log of about `size` bytes; the number of lines."""
    pieces, slots = _template()
    seed = SEED.read_bytes()
    written = lines = 0
    half = False
    with open(path, "wb") as out:
        n = 0
        while written < size:
            ids = [uuid.UUID(int=(n * 1_000_003 + i) * 2654435761 % (1 << 128)).hex for i in range(slots)]
            chunk = b"".join(p + (f"{ids[i][:8]}-{ids[i][8:12]}-{ids[i][12:16]}-{ids[i][16:20]}-{ids[i][20:]}"
                                   .encode() if i < slots else b"") for i, p in enumerate(pieces))
            out.write(chunk)
            written += len(chunk)
            lines += chunk.count(b"\n")
            n += 1
            if not half and written >= size // 2:
                out.write(seed)
                written += len(seed)
                lines += seed.count(b"\n")
                half = True
    return lines


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, path: str) -> None:
    """One measurement, in its own process: prints JSON."""
    start = time.perf_counter()
    if kind == "explain":
        from detachcheck.explain.pipeline import explain_logs
        from detachcheck.explain.report import build
        data = build(explain_logs([Path(path)], release=None, volume=VOLUME))
        result = {"release": data["release"], "fits": data["fits"], "observed": len(data["observed"])}
    else:
        needle = VOLUME.encode()
        n = 0
        with open(path, "rb") as stream:
            for line in stream:
                if needle in line:
                    n += 1
        result = {"matches": n}
    print(json.dumps({"seconds": time.perf_counter() - start, "peak_mib": _peak_mib(), **result}))


def _measure(kind: str, path: Path, repeat: int) -> dict:
    best: dict | None = None
    for _ in range(repeat):
        if kind == "grep":
            start = time.perf_counter()
            proc = subprocess.run(["grep", "-c", VOLUME, str(path)], capture_output=True, text=True, check=False)
            got = {"seconds": time.perf_counter() - start, "peak_mib": None, "matches": proc.stdout.strip()}
        else:
            proc = subprocess.run([sys.executable, __file__, "--child", kind, str(path)], capture_output=True,
                                  text=True, check=True)
            got = json.loads(proc.stdout)
        if best is None or got["seconds"] < best["seconds"]:
            best = got
    assert best is not None
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="write the generated logs here and keep them")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-explain-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"# detachcheck explain benchmark: Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs")
    print("size MiB | lines | reader | seconds | lines/s | MB/s | peak MiB | result")
    try:
        for size in (args.size_mb // 4, args.size_mb):
            path = folder / f"nova-compute-{size}mb.log"
            lines = generate(path, size << 20)
            mib = path.stat().st_size / (1 << 20)
            for kind in ("grep", "python-loop", "explain"):
                r = _measure(kind, path, args.repeat)
                rate = lines / r["seconds"]
                peak = f"{r['peak_mib']:.0f}" if r["peak_mib"] is not None else "-"
                result = {k: v for k, v in r.items() if k not in ("seconds", "peak_mib")}
                print(f"{mib:.0f} | {lines:,} | {kind} | {r['seconds']:.2f} | {rate:,.0f} | {mib / r['seconds']:,.0f} "
                      f"| {peak} | {json.dumps(result)}")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
