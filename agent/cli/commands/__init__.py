"""agent/commands."""
