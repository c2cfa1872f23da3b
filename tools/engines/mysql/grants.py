"""What a MySQL/MariaDB login may do, read from `SHOW GRANTS`, and the recipe for a read-only user. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dbsage.tools.engines.mysql.catalog import quote_ident

_GRANT = re.compile(
    r"^GRANT\s+(?P<privileges>.+?)\s+ON\s+(?:(?:TABLE|FUNCTION|PROCEDURE|PACKAGE\s+BODY|PACKAGE)\s+)?"
    r"(?P<object>\S+)\s+TO\s+.+?(?P<grant_option>\s+WITH\s+GRANT\s+OPTION)?\s*$",
    re.I | re.S,
)
_COLUMN_LIST = re.compile(r"\s*\([^)]*\)")
# Privileges that change data, schema or the server. SELECT, SHOW VIEW, PROCESS, LOCK TABLES, CREATE TEMPORARY
# TABLES (session-private) and REPLICATION CLIENT only read or observe.
_WRITES = {
    "ALL", "ALL PRIVILEGES", "SUPER", "INSERT", "UPDATE", "DELETE", "DELETE HISTORY", "CREATE", "DROP", "ALTER",
    "INDEX", "CREATE VIEW", "CREATE ROUTINE", "ALTER ROUTINE", "TRIGGER", "EVENT", "FILE", "EXECUTE",
    "CREATE USER", "CREATE TABLESPACE", "RELOAD", "SHUTDOWN", "GRANT OPTION", "CREATE ROLE", "DROP ROLE",
}
_SUPER = {"ALL", "ALL PRIVILEGES", "SUPER"}
# Schemas whose routines are read-only reports; EXECUTE on them is what a monitoring login needs.
_READ_ONLY_ROUTINE_SCHEMAS = {"`sys`", "sys"}


@dataclass
class GrantSummary:
    superuser: bool = False
    write_privileges: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)


def _split_privileges(text: str) -> list[str]:
    """'SELECT (a, b), INSERT' → ['SELECT', 'INSERT']: column lists hold commas, so drop them before splitting."""
    return [p.strip().upper() for p in _COLUMN_LIST.sub("", text).split(",") if p.strip()]


def summarise_grants(lines: list[str], limit: int = 8) -> GrantSummary:
    """Read `SHOW GRANTS` output: superuser (ALL/SUPER on *.*), examples of write privileges, granted roles."""
    summary = GrantSummary()
    for line in lines:
        match = _GRANT.match(line.strip())
        if match is None:
            role = re.match(r"^GRANT\s+(\S+)\s+TO\s+", line.strip(), re.I)
            if role:  # a role grant: its privileges apply only once the role is active
                summary.roles.append(role[1])
            continue
        privileges = _split_privileges(match["privileges"])
        if "PROXY" in privileges:
            continue
        target = match["object"]
        if target == "*.*" and _SUPER.intersection(privileges):
            summary.superuser = True
        writes = [p for p in privileges if p in _WRITES or p.endswith(" ADMIN") or p.endswith("_ADMIN")]
        if target.split(".")[0] in _READ_ONLY_ROUTINE_SCHEMAS:
            writes = [p for p in writes if p != "EXECUTE"]
        if match["grant_option"]:
            writes.append("GRANT OPTION")
        if writes:
            summary.write_privileges.append(f"{', '.join(writes)} on {target}")
    summary.write_privileges = summary.write_privileges[:limit]
    return summary


def read_only_user_sql(database: str | None, user: str = "dbsage_ro", host: str = "%") -> str:
    """The least-privilege login dbsage should use: reads data, the catalog and the statistics; changes nothing."""
    account = f"'{user}'@'{host}'"
    scope = f"{quote_ident(database)}.*" if database else "`your_database`.*"
    return "\n".join([
        f"CREATE USER {account} IDENTIFIED BY 'choose-a-password';",
        f"GRANT SELECT, SHOW VIEW ON {scope} TO {account};",
        f"GRANT PROCESS ON *.* TO {account};  -- other sessions, InnoDB status",
        f"GRANT SELECT ON `performance_schema`.* TO {account};  -- statement digests, index usage",
        f"GRANT SELECT, EXECUTE ON `sys`.* TO {account};  -- sys views call sys's own formatting functions",
        f"GRANT SELECT ON `mysql`.`innodb_index_stats` TO {account};  -- index sizes",
    ])
