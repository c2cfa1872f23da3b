"""dbsage: a conversational DBA assistant over guarded, read-only tools."""

__version__ = "0.1.0"
