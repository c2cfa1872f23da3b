"""Engine adapters. The only package that imports database drivers."""

from dbsage.tools.engines.base import Engine, SessionLimits, connect, connect_postgres

__all__ = ["Engine", "SessionLimits", "connect", "connect_postgres"]
