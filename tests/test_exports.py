"""The TLA+ and Promela exports: names, structure, determinism, and the `export` command."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from detachcheck.checker.exports.names import identifier, model_stem, slot_names, tla_module_name, unique, value_symbols
from detachcheck.checker.exports.tla import action_names
from detachcheck.checker.exports.write import build_export, write_export
from detachcheck.cli import main
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.variants import VARIANTS


@pytest.fixture(scope="module")
def pike():
    return build_export(RELEASES["pike"], 1, 2)


def test_names_are_identifiers_and_unique():
    assert identifier("request[1].volume") == "request_1_volume"
    assert identifier("api.get_volume:ok req=1 vol=root") == "api_get_volume_ok_req_1_vol_root"
    assert identifier("1abc") == "x1abc"
    assert unique(["a-b", "a_b", "do"], frozenset({"do"})) == ("a_b", "a_b_2", "do_2")
    stem = model_stem("pike+lock-detach", 1, 2, processes=False)
    assert tla_module_name(stem) == "Pike_lock_detach_v1_r2_detach_only"


def test_value_symbols_are_shared_per_component_and_distinct(pike):
    system = pike.model.system
    symbols = value_symbols(system)
    volume_root, volume_1 = system.slot_index("volume", "root"), system.slot_index("volume", "1")
    assert symbols[volume_root] == symbols[volume_1]
    assert "volume_in_use_attached" in symbols[volume_root]
    distinct = {(s.component, v): sym for s, syms in zip(system.slots, symbols, strict=True)
                for v, sym in zip(s.values, syms, strict=True)}
    assert len(set(distinct.values())) == len(distinct)


def test_tla_module_has_every_slot_action_and_invariant(pike):
    files = pike.files("tla")
    module, cfg = files["Pike_v1_r2.tla"], files["Pike_v1_r2.cfg"]
    assert module.startswith("---- MODULE Pike_v1_r2 ----") and module.rstrip().endswith("====")
    for name in slot_names(pike.model.system):
        assert re.search(rf"^    {name},?\s+\\\*", module, re.M), name
    for action in pike.model.actions:
        assert f"\\* {action.label}\n" in module
    next_ = module.split("\nNext ==\n")[1].split("\n\n")[0]
    assert sorted(re.findall(r"\\/ (\w+)$", next_, re.M)) == sorted(action_names(pike.model))  # each once
    invariants = [inv.prop.id for inv in pike.props.invariants]
    assert cfg.split("INVARIANTS\n")[1].split() == invariants
    assert "\nbdm_matches_attachment ==\n    AtRest =>\n" in module  # at_rest: guarded
    assert "\nroot_volume_never_detached ==\n    /\\ ~(volume_root # \"in-use/attached\")" in module


def test_promela_has_every_action_and_one_assertion_per_invariant(pike):
    text = pike.files("promela")["pike_v1_r2.pml"]
    assert len(re.findall(r"^        :: .* -> .* /\* (.*) \*/$", text, re.M)) == len(pike.model.actions) + 1
    for inv in pike.props.invariants:
        assert f"hidden byte {inv.prop.id};" in text and f"assert({inv.prop.id});" in text
    assert "bdm_matches_attachment = (!AT_REST || (" in text
    assert "mtype volume_root;" in text


def test_exports_are_deterministic():
    first, second = (build_export(RELEASES["queens"], 1, 1) for _ in range(2))
    assert first is not second
    assert first.files("tla") | first.files("promela") == second.files("tla") | second.files("promela")


def test_several_initial_states_become_one_set_per_slot():
    # queens: each data volume's BDM style is legacy or attachment_id at the start
    module = build_export(RELEASES["queens"], 2, 1).files("tla")["Queens_v2_r1.tla"]
    assert '    /\\ style_1 \\in {"legacy", "attachment_id"}\n' in module.split("Init ==")[1]


def test_write_is_atomic_and_leaves_no_temporary_file(tmp_path, pike):
    written = write_export(pike, "promela", tmp_path / "out")
    assert [p.name for p in written] == ["pike_v1_r2.pml"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["pike_v1_r2.pml"]
    assert written[0].stat().st_mode & 0o777 != 0o600


def test_export_command_writes_the_files(tmp_path, capsys):
    assert main(["export", "--release", "pike-broken-root-check", "--requests", "1", "--detach-only",
                 "--to", "tla", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Pike_broken_root_check_v1_r1_detach_only.cfg",
                                                        "Pike_broken_root_check_v1_r1_detach_only.tla"]
    assert "12 invariants" in capsys.readouterr().out
    assert "pike-broken-root-check" in VARIANTS


def run(*args):
    return subprocess.run([sys.executable, "-m", "detachcheck", *args], capture_output=True, text=True)


@pytest.mark.parametrize(("args", "needle"), [
    (["--to", "tla", "FILE"], "not a directory"),
    (["--to", "promela", "FILE/sub"], "is a file"),
    (["--to", "coq", "DIR"], "invalid choice: 'coq'"),
    (["--to", "tla", "--volumes", "4", "DIR"], "--volumes must be 1..3"),
    (["--to", "tla", "--release", "havana", "DIR"], "invalid choice: 'havana'"),
    (["DIR"], "--to"),
])
def test_export_bad_input_is_one_line_and_exit_2(args, needle, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("")
    args = [str(afile) if a == "FILE" else str(afile / "sub") if a == "FILE/sub" else
            str(tmp_path / "out") if a == "DIR" else a for a in args]
    proc = run("export", *args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert afile.read_text() == ""
