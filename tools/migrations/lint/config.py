"""The `[lint]` section of dbsage.toml (read like the rest of the config: working directory, then config dir).

    [lint]
    disable = ["prefer-text", "lock-timeout-missing"]     # rules turned off
    assume_in_transaction = true                          # the migration tool wraps each file in a transaction
    small_rows = 10000                                    # under this (and small_bytes) a table is "small"
    huge_rows = 10000000

    [lint.severity]
    drop-column = "error"                                 # change a rule's severity
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dbsage.tools.errors import ConfigError
from dbsage.tools.migrations.lint.runner import LintSettings
from dbsage.tools.migrations.lint.sizes import Thresholds
from dbsage.tools.targets import load_config


def load_settings() -> LintSettings:
    config, path = load_config()
    return settings_from(config.get("lint", {}), str(path))


def settings_from(section: Any, where: str = "dbsage.toml") -> LintSettings:
    """Settings from a parsed `[lint]` table; unknown rule names are an error (a typo would silently do nothing)."""
    from dbsage.tools.migrations.lint.catalog import all_rules

    if not isinstance(section, dict):
        raise ConfigError(f"`lint` in {where} is not a table", "write it as [lint] with disable = [\"rule-id\"]")
    known = all_rules()
    disabled = section.get("disable", [])
    severity = section.get("severity", {})
    if not isinstance(disabled, list) or not isinstance(severity, dict):
        raise ConfigError(f"[lint] in {where}: disable must be a list and [lint.severity] a table",
                          'e.g. disable = ["prefer-text"]')
    unknown = sorted({str(r) for r in [*disabled, *severity]} - set(known))
    if unknown:
        raise ConfigError(f"[lint] in {where} names unknown rules: {', '.join(unknown)}",
                          "`dbsage lint --list-rules` prints every rule id")
    bad = {k: v for k, v in severity.items() if v not in ("error", "warning", "info")}
    if bad:
        raise ConfigError(f"[lint.severity] in {where}: {bad} — severities are error, warning or info",
                          'e.g. drop-column = "error"')
    limits = Thresholds()
    sizes = {k: int(section[k]) for k in ("small_rows", "small_bytes", "huge_rows", "huge_bytes") if k in section}
    return LintSettings(disabled=set(disabled), severity=dict(severity), thresholds=replace(limits, **sizes),
                        assume_in_transaction=bool(section.get("assume_in_transaction", False)))
