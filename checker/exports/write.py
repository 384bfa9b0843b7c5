"""Compose, compile and write one model's export files, each atomically (temp file, then rename)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from detachcheck.checker.engine.compiled.compile import CompiledModel, compile_system
from detachcheck.checker.exports.invariants import ExportedProperties, exported_properties
from detachcheck.checker.exports.names import model_stem, promela_file_stem, tla_module_name
from detachcheck.checker.exports.promela import to_promela
from detachcheck.checker.exports.tla import to_tla
from detachcheck.fsm.releases import Release
from detachcheck.fsm.system import compose

FORMATS = ("tla", "promela")


@dataclass(frozen=True)
class Export:
    """A compiled model with its tabulated properties and the stem its files are named after."""

    model: CompiledModel
    props: ExportedProperties
    stem: str

    @property
    def tla_module(self) -> str:
        return tla_module_name(self.stem)

    def files(self, fmt: str) -> dict[str, str]:
        """File name -> text for one format."""
        if fmt == "tla":
            module, cfg = to_tla(self.model, self.tla_module, self.props)
            return {f"{self.tla_module}.tla": module, f"{self.tla_module}.cfg": cfg}
        if fmt == "promela":
            return {f"{promela_file_stem(self.stem)}.pml": to_promela(self.model, self.props)}
        raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")


def build_export(release: Release, volumes: int, requests: int, operator: bool = False,
                 processes: bool = True) -> Export:
    """Compose and compile `release` at this size, and tabulate its always/at_rest properties."""
    model = compile_system(compose(release, volumes, requests, operator, processes))
    return Export(model, exported_properties(model), model_stem(release.name, volumes, requests, operator, processes))


def atomic_write(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as open() would create it, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_export(export: Export, fmt: str, outdir: Path) -> list[Path]:
    """Write the export's files for `fmt` into `outdir` (created if missing); their paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in export.files(fmt).items():
        atomic_write(outdir / name, text)
        written.append(outdir / name)
    return written
