"""Apply: an approved proposal's up run on the live database with the write login, step by step, with a record that
stays true however it ends. Only `dbsage proposals apply` (a person, at the CLI) reaches this package.

Map: `model` (ApplyRecord, ApplyStep, ApplySettings), `runner` (`plan` then `apply`: groups, lock_timeout /
statement_timeout, bounded retries of lock timeouts with backoff, stop at the first failure), `inverse` (the down
for the steps that ran), `relint` (the live lint just before applying), `write_target` (the write login:
`[connections.NAME] write_dsn` or `--write-db`). The engine's write session is tools/engines/<engine>/writer.py.
"""

from dbsage.tools.migrations.apply.model import ApplyRecord, ApplySettings, ApplyStep
from dbsage.tools.migrations.apply.runner import apply, plan

__all__ = ["ApplyRecord", "ApplySettings", "ApplyStep", "apply", "plan"]
