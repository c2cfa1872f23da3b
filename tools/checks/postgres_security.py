"""Security checks: superuser logins, password expiry where the site uses it, md5 passwords, ssl, CREATE on
schemas for everyone, trust/password lines in pg_hba.conf, and dbsage itself logging in as a superuser."""

from __future__ import annotations

from dbsage.tools.advisor.candidate import quote_ident
from dbsage.tools.checks.model import Facts, Finding, Thresholds
from dbsage.tools.checks.postgres_configuration import settings_of


def superusers(facts: Facts, limits: Thresholds) -> list[Finding]:
    extra = [r["name"] for r in facts.get("roles", [])
             if r["superuser"] and r["can_login"] and r["name"] != "postgres"]
    if not extra:
        return []
    return [Finding(
        id="security.extra_superusers", family="security", severity="medium", object=", ".join(extra),
        title=f"login roles with superuser besides postgres: {', '.join(extra)}",
        evidence={"roles": extra},
        fix="\n".join(f"ALTER ROLE {quote_ident(name)} NOSUPERUSER;  -- grant what it needs instead (pg_monitor, "
                      "ownership …)"
                      for name in extra),
    )]


def agent_superuser(facts: Facts, limits: Thresholds) -> list[Finding]:
    env = (facts.get("environment") or [{}])[0]
    if not env.get("superuser"):
        return []
    return [Finding(
        id="security.dbsage_superuser", family="security", severity="medium", object=env["login"],
        title=f"dbsage logs in as {env['login']}, a superuser: it should use a read-only role",
        evidence={"login": env["login"], "superuser": True},
        fix=env.get("read_only_role_sql"),
    )]


def password_expiry(facts: Facts, limits: Thresholds) -> list[Finding]:
    roles = [r for r in facts.get("roles", []) if r["can_login"]]
    if not any(r["valid_until"] is not None for r in roles):
        return []  # the site does not use expiry: nothing to hold the others to
    missing = [r["name"] for r in roles if r["valid_until"] is None and not r["superuser"]]
    if not missing:
        return []
    return [Finding(
        id="security.password_without_expiry", family="security", severity="low", object=", ".join(missing),
        title=f"password expiry is used here, but not for: {', '.join(missing)}",
        evidence={"roles_without_expiry": missing,
                  "roles_with_expiry": [r["name"] for r in roles if r["valid_until"] is not None]},
        fix="\n".join(f"ALTER ROLE {quote_ident(name)} VALID UNTIL '<date>';" for name in missing),
    )]


def md5_passwords(facts: Facts, limits: Thresholds) -> list[Finding]:
    s = settings_of(facts)
    found = []
    if s.get("password_encryption", {}).get("setting") == "md5":
        found.append(Finding(
            id="security.password_encryption_md5", family="security", severity="medium",
            object="password_encryption", title="new passwords are hashed with md5",
            evidence={"password_encryption": "md5"},
            fix="ALTER SYSTEM SET password_encryption = 'scram-sha-256'; SELECT pg_reload_conf();",
        ))
    md5 = [r["name"] for r in facts.get("role_passwords", []) if r["md5"]]
    if md5:
        found.append(Finding(
            id="security.md5_password_hashes", family="security", severity="medium", object=", ".join(md5),
            title=f"roles with md5 password hashes: {', '.join(md5)}", evidence={"roles": md5},
            fix="-- with password_encryption = 'scram-sha-256', set each password again:\n"
                + "\n".join(f"\\password {quote_ident(name)}" for name in md5),
        ))
    return found


def ssl_off(facts: Facts, limits: Thresholds) -> list[Finding]:
    s = settings_of(facts)
    if s.get("ssl", {}).get("setting") != "off":
        return []
    return [Finding(
        id="security.ssl_off", family="security", severity="medium", object="ssl",
        title="ssl is off: passwords and data cross the network in clear text",
        evidence={"ssl": "off"},
        fix="-- install a certificate (ssl_cert_file, ssl_key_file), then:\nALTER SYSTEM SET ssl = on; "
            "SELECT pg_reload_conf();  -- and use hostssl lines in pg_hba.conf",
    )]


def public_create(facts: Facts, limits: Thresholds) -> list[Finding]:
    schemas = [r["schema"] for r in facts.get("schema_privileges", [])]
    return [Finding(
        id="security.public_create", family="security", severity="medium", object=schema,
        title=f"every role may create objects in schema {schema}",
        evidence={"schema": schema, "grantee": "PUBLIC", "privilege": "CREATE"},
        fix=f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC;",
    ) for schema in schemas]


def hba(facts: Facts, limits: Thresholds) -> list[Finding]:
    groups = {
        "trust_network": ("high", "trust authentication for network connections: no password asked"),
        "trust_local": ("low", "trust authentication on the local socket: any OS user can log in as anyone"),
        "password": ("medium", "cleartext password authentication"),
    }
    lines: dict[str, list[dict]] = {key: [] for key in groups}
    for line in facts.get("hba", []):
        if line["auth_method"] == "trust":
            lines["trust_local" if line["type"] == "local" else "trust_network"].append(line)
        elif line["auth_method"] == "password":
            lines["password"].append(line)
    return [Finding(
        id=f"security.hba_{key}", family="security", severity=groups[key][0],
        object="pg_hba.conf", title=groups[key][1],
        evidence={"lines": [f"line {x['line_number']}: {x['type']} {','.join(x['database'] or [])} "
                            f"{','.join(x['user_name'] or [])} {x['address'] or ''}".strip() for x in found]},
        fix="-- in pg_hba.conf, use scram-sha-256 on these lines, then SELECT pg_reload_conf();",
    ) for key, found in lines.items() if found]


RULES = [superusers, agent_superuser, password_expiry, md5_passwords, ssl_off, public_create, hba]
