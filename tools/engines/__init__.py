"""Engine adapters. The only package that imports database drivers."""

from dbsage.tools.engines.base import Engine, SessionLimits, connect

__all__ = ["Engine", "SessionLimits", "connect"]
