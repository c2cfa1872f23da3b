"""What the Slack bot is allowed to do, read from `dbsage.toml` and the environment (never from chat).

    [slack]
    approvers = ["U012ABCDEF", "S0ADMINS"]   # user ids; ids starting with S are user groups (usergroups:read)
    direct_messages = "prod-replica"         # the connection direct messages talk to (none: DMs are refused)
    questions_per_minute = 6                 # per Slack user

    [slack.channels]
    C0123456789 = "prod-replica"             # channel id → a connection name from [connections]

Tokens come from the environment only: SLACK_BOT_TOKEN always, SLACK_APP_TOKEN for Socket Mode, SLACK_SIGNING_SECRET
for HTTP. DBSAGE_SLACK_API_URL points the Web API client at another base URL (an enterprise proxy, a test's stand-in).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from dbsage.tools.errors import ConfigError

DEFAULT_QUESTIONS_PER_MINUTE = 6
_USER_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")  # U…/W… users (W: Enterprise Grid), S… user groups
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


@dataclass(frozen=True)
class SlackSettings:
    approvers: frozenset[str] = frozenset()  # user ids
    approver_groups: frozenset[str] = frozenset()  # user group ids, resolved to members at click time
    channels: dict[str, str] = field(default_factory=dict)  # channel id → connection name
    direct_messages: str | None = None
    questions_per_minute: int = DEFAULT_QUESTIONS_PER_MINUTE

    def connection_for(self, channel: str, channel_type: str | None) -> str | None:
        """The connection a channel talks to; a direct message (channel type im, ids D…) uses `direct_messages`."""
        if channel in self.channels:
            return self.channels[channel]
        if channel_type == "im" or channel.startswith("D"):
            return self.direct_messages
        return None


def _approvers(value: Any, where: str) -> tuple[frozenset[str], frozenset[str]]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"[slack] approvers in {where} is not a list of Slack ids",
                          'write it as approvers = ["U012ABCDEF"] (user ids, or S… user group ids)')
    bad = [v for v in value if not _USER_ID.match(v)]
    if bad:
        raise ConfigError(f"[slack] approvers in {where} holds {bad[0]!r}, which is not a Slack user or group id",
                          "use the member id (Slack profile → ⋯ → Copy member ID), e.g. U012ABCDEF")
    return (frozenset(v for v in value if not v.startswith("S")), frozenset(v for v in value if v.startswith("S")))


def _channels(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"[slack.channels] in {where} is not a table of channel id = connection name",
                          'write lines like C0123456789 = "prod-replica" under [slack.channels]')
    bad = [k for k in value if not _CHANNEL_ID.match(k)]
    if bad:
        raise ConfigError(f"[slack.channels] in {where} maps {bad[0]!r}, which is not a Slack channel id",
                          "use the channel id (channel details → bottom of the About tab), e.g. C0123456789")
    return dict(value)


def load_settings(config: dict[str, Any] | None = None, where: str = "dbsage.toml") -> SlackSettings:
    """The [slack] section of `config` (default: the dbsage.toml found by tools.targets.load_config)."""
    if config is None:
        from dbsage.tools.targets import load_config

        config, path = load_config()
        where = str(path) if path else where
    section = config.get("slack", {})
    if not isinstance(section, dict):
        raise ConfigError(f"`slack` in {where} is not a table", "write it as a [slack] section")
    users, groups = _approvers(section.get("approvers", []), where)
    rate = section.get("questions_per_minute", DEFAULT_QUESTIONS_PER_MINUTE)
    if not isinstance(rate, int) or isinstance(rate, bool) or rate < 1:
        raise ConfigError(f"[slack] questions_per_minute in {where} must be a whole number ≥ 1", "e.g. 6")
    dms = section.get("direct_messages")
    if dms is not None and not isinstance(dms, str):
        raise ConfigError(f"[slack] direct_messages in {where} must be a connection name", 'e.g. "prod-replica"')
    return SlackSettings(approvers=users, approver_groups=groups,
                         channels=_channels(section.get("channels", {}), where), direct_messages=dms,
                         questions_per_minute=rate)


def env_secret(name: str, why: str) -> str:
    """A token from the environment; a ConfigError naming where it comes from when it is missing."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set ({why})",
                          f"export {name}=… from your Slack app's configuration (README: 'dbsage slack')")
    return value


def api_url() -> str | None:
    """DBSAGE_SLACK_API_URL as the Web API base URL (ending in '/', as slack_sdk expects), or None for Slack's."""
    value = os.environ.get("DBSAGE_SLACK_API_URL", "").strip()
    if not value:
        return None
    return value if value.endswith("/") else value + "/"
