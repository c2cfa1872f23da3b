"""Per-turn limits of the agent loop: a question ends, whatever the model does.

A turn may run at most `max_seconds` of wall time, make at most `max_tool_calls` tool calls, at most
`max_parallel_calls` of them in one step (one model message), and take at most `max_steps` model steps. A call over
a limit is not run: the model is told so and asked to answer from what it has; the answer's `status` is "stopped"
with `stopped_reason` saying which limit (the per-step limit only refuses the extra calls). Defaults suit an
interactive question; set them in dbsage.toml or the environment (the environment wins):

    [agent]
    max_seconds = 120         # DBSAGE_TURN_SECONDS
    max_tool_calls = 25       # DBSAGE_TURN_TOOL_CALLS
    max_parallel_calls = 5    # DBSAGE_TURN_PARALLEL_CALLS
    max_steps = 12            # DBSAGE_TURN_STEPS
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from dbsage.tools.errors import ConfigError

_ENV = {"max_seconds": "DBSAGE_TURN_SECONDS", "max_tool_calls": "DBSAGE_TURN_TOOL_CALLS",
        "max_parallel_calls": "DBSAGE_TURN_PARALLEL_CALLS", "max_steps": "DBSAGE_TURN_STEPS"}


class TurnLimits(BaseModel):
    max_seconds: float = Field(default=120.0, gt=0, le=3_600)
    max_tool_calls: int = Field(default=25, ge=1, le=500)
    max_parallel_calls: int = Field(default=5, ge=1, le=50)
    max_steps: int = Field(default=12, ge=1, le=200)


def load_turn_limits(env: Mapping[str, str] | None = None) -> TurnLimits:
    """The limits from [agent] in dbsage.toml, then the environment; ConfigError naming the bad value."""
    from dbsage.tools.targets import load_config

    env = os.environ if env is None else env
    config, path = load_config()
    table = config.get("agent", {})
    if not isinstance(table, dict):
        raise ConfigError(f"[agent] in {path} must be a table", "write [agent] then max_seconds = 120 below it")
    values: dict[str, Any] = {key: table[key] for key in _ENV if key in table}
    values |= {key: env[name] for key, name in _ENV.items() if env.get(name)}
    try:
        return TurnLimits.model_validate(values)
    except ValidationError as exc:
        problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        where = " or ".join(filter(None, [f"[agent] in {path}" if path else None, "the environment"]))
        raise ConfigError(f"bad turn limit in {where}: {problem}",
                          "use positive numbers, e.g. max_seconds = 120, max_tool_calls = 25") from None
