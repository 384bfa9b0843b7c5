"""The compiled-template cache: reused by a later environment, skipped when it cannot be written."""

from __future__ import annotations

import errno
import tempfile

import pytest
from jinja2 import Environment, FileSystemLoader

from detachcheck.checker.outputs.render import TEMPLATE_DIR, _Cache, template_cache


def _env(cache: _Cache) -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATE_DIR), keep_trailing_newline=True, bytecode_cache=cache)


def test_a_second_environment_reads_the_compiled_template(tmp_path):
    cache = _Cache(str(tmp_path), "__test_%s.cache")
    first = _env(cache).get_template("report.md.j2")
    assert [p.name for p in tmp_path.iterdir()] and all(p.name.startswith("__test_") for p in tmp_path.iterdir())
    second_env = _env(cache)
    second_env.compile = lambda *a, **k: pytest.fail("compiled again")  # type: ignore[method-assign]
    second = second_env.get_template("report.md.j2")
    assert second.name == first.name and second is not first


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", full)  # what jinja writes the cache with
    assert _env(_Cache(str(tmp_path))).get_template("report.md.j2").name == "report.md.j2"
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_entry_is_compiled_again(tmp_path):
    from jinja2.bccache import bc_magic
    cache = _Cache(str(tmp_path), "__test_%s.cache")
    _env(cache).get_template("report.md.j2")
    for entry in tmp_path.iterdir():  # the right header, then no pickled checksum
        entry.write_bytes(bc_magic + b"\x00not a pickle")
    assert _env(cache).get_template("report.md.j2").name == "report.md.j2"


def test_each_environment_and_its_options_name_their_own_entries(tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("autoescape = False\n")
    b.write_text("autoescape = True\n")
    patterns = {template_cache("html", a).pattern, template_cache("html", b).pattern,  # type: ignore[union-attr]
                template_cache("text", a).pattern}  # type: ignore[union-attr]
    assert len(patterns) == 3 and all(p.startswith("__detachcheck_") for p in patterns)
