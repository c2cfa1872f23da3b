"""Where dbsage keeps its own files, and who is using it: one place for every front end and store.

The state dir holds the proposals database and the transcripts. It is `platformdirs.user_state_dir("dbsage")`,
or DBSAGE_STATE_DIR when set (tests point it at a temporary folder). `current_user()` is the OS login that signs a
person's decisions (approve, reject, export).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path


def state_dir() -> Path:
    """The folder for dbsage's own data; created by whoever writes into it."""
    override = os.environ.get("DBSAGE_STATE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_state_dir

    return Path(user_state_dir("dbsage"))


def current_user() -> str:
    """The OS login name, or `uid N` where the system has no name for the user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (container without passwd entry)
        return f"uid {os.getuid()}"
