"""Installs like a real package: build the sdist and the wheel (from the sdist), install the wheel
in a fresh virtual environment (dependencies from the package index, through pip's cache), and run
`detachcheck check` and `replay` in a directory that has nothing of the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".git", ".venv", "reports", "diagrams", "bench", "docs", "build", "dist", "__pycache__", ".hypothesis",
        ".pytest_cache", ".ruff_cache", ".ci"}
PACKAGE_DATA = ["checker/outputs/templates/report.md.j2", "checker/outputs/templates/report.html.j2"]


def run(*cmd: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=cwd, env=env, timeout=600)
    assert proc.returncode == 0, f"{cmd}: {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """sdist and wheel built from a copy of the sources (the checkout itself is left untouched)."""
    src = tmp_path_factory.mktemp("src") / "detachcheck"
    shutil.copytree(ROOT, src, ignore=lambda d, names: [n for n in names if n in SKIP or n.endswith(".egg-info")])
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--outdir", out, src)
    return out


@pytest.mark.packaging
def test_sdist_and_wheel_carry_the_package_data(dist):
    [sdist] = dist.glob("detachcheck-*.tar.gz")
    [wheel] = dist.glob("detachcheck-*-py3-none-any.whl")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for path in ["pyproject.toml", "README.md", *PACKAGE_DATA, "detachcheck/cli.py", "fsm/protocol.py"]:
        assert path in names, path
    with zipfile.ZipFile(wheel) as whl:
        files = set(whl.namelist())
        entry_points = next(whl.read(n).decode() for n in files if n.endswith("entry_points.txt"))
    for path in PACKAGE_DATA:
        assert f"detachcheck/{path}" in files
    assert not [n for n in files if n.startswith(("tests/", "fsm/", "checker/"))]  # one namespace only
    assert "detachcheck = detachcheck.cli:main" in entry_points
    assert "[pytest11]" in entry_points and "detachcheck.pytest_plugin" in entry_points


@pytest.mark.packaging
def test_wheel_installs_and_runs_outside_the_checkout(dist, tmp_path):
    [wheel] = dist.glob("detachcheck-*-py3-none-any.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    # this interpreter's pip installs into the new environment: no pip bootstrap, pip's cache reused
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-compile",
        "--disable-pip-version-check", wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    where = run(python, "-c", "import detachcheck.checker.outputs.render as r; print(r.TEMPLATE_DIR)",
                cwd=elsewhere, env=env)
    assert str(venv) in where and str(ROOT) not in where
    out = run(venv / "bin" / "detachcheck", "check", "--release", "pike", "--reports", "r", cwd=elsewhere, env=env)
    assert "available_implies_not_in_guest" in out and "states:" in out
    for suffix in (".md", ".json", ".html"):
        assert (elsewhere / "r" / f"pike{suffix}").stat().st_size > 0
    trace = elsewhere / "r" / "traces" / "pike" / "available_implies_not_in_guest.trace"
    proc = subprocess.run([venv / "bin" / "detachcheck", "replay", trace], capture_output=True, text=True,
                          cwd=elsewhere, env=env)
    assert proc.returncode == 1 and "violated: available_implies_not_in_guest" in proc.stdout, proc.stderr
    assert run(venv / "bin" / "detachcheck", "--version", env=env).startswith("detachcheck 0.")
