"""MySQL DSN → pymysql connection arguments, shared by the read-only adapter, the demo loader and the advisor's
writable scratch connection (each then sets its own session)."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pymysql.cursors

from dbsage.tools.engines.limits import SessionLimits
from dbsage.tools.errors import UsageError


def connect_kwargs(dsn: str, limits: SessionLimits) -> dict[str, Any]:
    """pymysql arguments from `mysql://user:password@host:port/db?unix_socket=/path` (mariadb:// alike)."""
    parts = urlsplit(dsn)
    query = parse_qs(parts.query)
    try:
        port = parts.port or 3306
    except ValueError:
        raise UsageError("the port in the MySQL DSN is not a number", "use mysql://user@host:3306/db") from None
    unknown = set(query) - {"unix_socket", "charset"}
    if unknown:
        raise UsageError(f"unknown MySQL DSN option(s): {', '.join(sorted(unknown))}",
                         "supported: ?unix_socket=/path/to/mysqld.sock, ?charset=utf8mb4")
    # Our own client-side ceiling sits above the server's statement limit, so the server's clearer error wins.
    io_timeout = math.ceil(limits.statement_timeout_ms / 1000) + 5
    return {
        "host": parts.hostname or "localhost",
        "port": port,
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else "",
        "database": unquote(parts.path.lstrip("/")) or None,
        "unix_socket": query.get("unix_socket", [None])[0],
        "charset": query.get("charset", ["utf8mb4"])[0],
        "program_name": "dbsage",
        "connect_timeout": limits.connect_timeout_s,
        "read_timeout": io_timeout,
        "write_timeout": io_timeout,
        "autocommit": False,
        "cursorclass": pymysql.cursors.DictCursor,
    }
