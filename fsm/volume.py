"""Cinder volume: `status/attach_status` of one volume, as Cinder's DB holds them.

Strings are Cinder's own (cinder/objects/fields.py VolumeStatus, VolumeAttachStatus).
"""

from fsm.lifecycle import Lifecycle, t

IN_USE = "in-use/attached"
DETACHING = "detaching/attached"
AVAILABLE = "available/detached"

_API = "cinder/volume/api.py"

VOLUME = Lifecycle(
    name="volume",
    doc="Cinder volume status/attach_status",
    states=(IN_USE, DETACHING, AVAILABLE),
    initial=IN_USE,
    transitions=(
        t("begin_detaching", IN_USE, DETACHING,
          f"{_API} API.begin_detaching (conditional update in-use+attached -> detaching) @ pike"),
        t("roll_detaching", DETACHING, IN_USE,
          f"{_API} API.roll_detaching (conditional update detaching -> in-use) @ pike"),
        t("detach", (DETACHING, IN_USE), AVAILABLE,
          "cinder/db/sqlalchemy/api.py volume_detached (no attachment left -> available/detached) @ pike"),
    ),
    state_docs={
        IN_USE: "attached to the instance",
        DETACHING: "begin_detaching succeeded; only roll_detaching, os-detach or reset-state move it",
        AVAILABLE: "no attachment left",
    },
)


def status(state: str) -> str:
    """The Cinder `status` part of a volume state (`in-use/attached` -> `in-use`)."""
    return state.split("/", 1)[0]
