"""Rendered migrations run by the real tools where they install here, against the throwaway PostgreSQL:

- Alembic (PyPI): `upgrade head` then `downgrade base`, through its command API, with a minimal env.py;
- Django (PyPI): `migrate shop` then `migrate shop zero` in a subprocess with a tiny settings module;
- Sequelize, TypeORM, Drizzle (npm, installed into a cache folder outside the repository): each tool's own runner
  (`migration.up(queryInterface)`, `DataSource.runMigrations()` / `undoLastMigration()` after `tsc`, drizzle-orm's
  `migrate()`), plus `node --check` and `tsc --noEmit`. Skipped, with the reason, when npm cannot install them;
- Prisma and Flyway cannot run here (Prisma's engines and Flyway's JVM are downloads outside the registries): their
  layout is checked, and every SQL file parses with pglast as PostgreSQL would read it.

Each run compares the catalog before, after up (changed) and after down (restored).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pglast
import pytest
from test_draft_apply import PG_SETUP, draft_live, snapshot

from dbsage.tools.migrations.draft import DraftRequest, draft_migration
from dbsage.tools.migrations.draft.model import MigrationDraft
from dbsage.tools.migrations.render import FORMATS, render_draft, write_files

WHEN = datetime(2026, 12, 5, 12, 0, 0, tzinfo=UTC)
FK = dict(intent="add-foreign-key", table="orders", columns=["customer_id"], references="customers(id)")
RENAME = dict(intent="rename-column", table="orders", columns=["note"], new_name="remark")
SIMPLE = dict(intent="add-column", table="orders", columns=["status"], type="text", default="'new'", not_null=True)
NODE_PACKAGES = ["typescript@5", "typeorm@0.3", "sequelize@6", "pg@8", "drizzle-orm@0.45"]


def render_into(folder: Path, draft: MigrationDraft, fmt: str, when: datetime = WHEN) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return write_files(render_draft(draft, fmt, out_dir=folder, when=when), folder)


# -- Alembic ---------------------------------------------------------------------------------------------------------

ALEMBIC_ENV = """
from alembic import context
from sqlalchemy import create_engine

with create_engine(context.config.get_main_option("sqlalchemy.url")).connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
"""


def test_alembic_upgrade_and_downgrade(make_pg_db: Callable[..., str], tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    dsn = make_pg_db(PG_SETUP)
    before = snapshot(dsn)
    (tmp_path / "env.py").write_text(ALEMBIC_ENV)
    render_into(tmp_path, draft_live(dsn, FK), "alembic")
    later = WHEN.replace(minute=5)
    files = render_into(tmp_path, draft_live(dsn, RENAME), "alembic", when=later)
    assert len(files) == 2 and all(f.parent.name == "versions" for f in files)
    assert "autocommit_block()" in (tmp_path / "versions").joinpath(files[0].name).read_text()
    config = Config()
    config.set_main_option("script_location", str(tmp_path))
    config.set_main_option("sqlalchemy.url", dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    command.upgrade(config, "head")
    after = snapshot(dsn)
    assert "remark" in after["tables"]["public.orders"]["columns"]
    assert "note" not in after["tables"]["public.orders"]["columns"]
    assert any(c[0] == "orders_customer_id_fkey" for c in after["tables"]["public.orders"]["constraints"])
    command.downgrade(config, "base")
    restored = snapshot(dsn)
    restored["tables"].pop("public.alembic_version")  # Alembic's own bookkeeping table
    assert restored == before


# -- Django ----------------------------------------------------------------------------------------------------------

def test_django_migrate_and_back(make_pg_db: Callable[..., str], tmp_path: Path) -> None:
    dsn = make_pg_db(PG_SETUP)
    before = snapshot(dsn)
    app = tmp_path / "shop"
    (app / "migrations").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "migrations" / "__init__.py").write_text("")
    render_into(app / "migrations", draft_live(dsn, FK), "django")
    files = render_into(app / "migrations", draft_live(dsn, RENAME), "django")
    assert [f.name[:4] for f in files] == ["0002", "0003"]  # numbered after the existing 0001
    assert "('shop', '0002_" in files[1].read_text()  # the contract phase depends on the expand phase
    parts = re.match(r"postgresql://(\w+)@([\d.]+):(\d+)/(\w+)", dsn)
    assert parts is not None
    (tmp_path / "settings.py").write_text(textwrap.dedent(f"""
        SECRET_KEY = "test"
        INSTALLED_APPS = ["shop"]
        USE_TZ = True
        DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql", "USER": "{parts[1]}",
                                   "HOST": "{parts[2]}", "PORT": "{parts[3]}", "NAME": "{parts[4]}"}}}}
    """))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings", "PYTHONPATH": str(tmp_path)}

    def manage(*args: str) -> None:
        run = subprocess.run([sys.executable, "-m", "django", *args], env=env, capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 0, run.stderr[-3000:]

    manage("migrate", "shop")
    after = snapshot(dsn)
    assert "remark" in after["tables"]["public.orders"]["columns"]
    assert any(c[0] == "orders_customer_id_fkey" for c in after["tables"]["public.orders"]["constraints"])
    manage("migrate", "shop", "zero")
    restored = snapshot(dsn)
    restored["tables"].pop("public.django_migrations")
    assert restored == before


# -- Node tools ------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def node_modules() -> Path:
    """typescript, typeorm, sequelize, pg, drizzle-orm from npm, in a cache folder outside the repository."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm are not installed")
    cache = Path(os.environ.get("DBSAGE_NODE_CACHE", Path.home() / ".cache" / "dbsage-test-node"))
    cache.mkdir(parents=True, exist_ok=True)
    wanted = ["typescript", "typeorm", "sequelize", "pg", "drizzle-orm"]
    if not all((cache / "node_modules" / name).is_dir() for name in wanted):
        run = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", *NODE_PACKAGES], cwd=cache,
                             capture_output=True, text=True, timeout=300)
        if run.returncode != 0:
            pytest.skip(f"npm could not install {' '.join(NODE_PACKAGES)}: {run.stderr.strip()[-300:]}")
    return cache / "node_modules"


def node(script: str, cwd: Path, modules: Path) -> str:
    run = subprocess.run(["node", "-e", script], cwd=cwd, capture_output=True, text=True, timeout=180,
                         env={**os.environ, "NODE_PATH": str(modules)})
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


def up_then_down(script: str, cwd: Path, modules: Path, dsn: str) -> tuple[str, dict[str, Any]]:
    """Run a node script that applies migrations, prints one line, waits for a line on stdin, then reverts them;
    return that line and the catalog snapshot taken in between."""
    (cwd / "run.js").write_text(script)  # a file, not -e: typeorm reads require.main's path
    proc = subprocess.Popen(["node", "run.js"], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "NODE_PATH": str(modules)})
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        _, err = proc.communicate(timeout=60)
        pytest.fail(f"the migrations did not run: {err[-3000:]}")
    middle = snapshot(dsn)
    _, err = proc.communicate("go\n", timeout=180)
    assert proc.returncode == 0, err[-3000:]
    return line, middle


def test_sequelize_migrations_run_up_and_down(make_pg_db: Callable[..., str], tmp_path: Path,
                                              node_modules: Path) -> None:
    dsn = make_pg_db(PG_SETUP)
    before = snapshot(dsn)
    files = render_into(tmp_path, draft_live(dsn, FK), "sequelize")
    files += render_into(tmp_path, draft_live(dsn, RENAME), "sequelize", when=WHEN.replace(minute=5))
    for file in files:
        subprocess.run(["node", "--check", str(file)], check=True, timeout=60)
    names = json.dumps([str(f) for f in sorted(files)])
    script = f"""
const {{ Sequelize }} = require('sequelize');
(async () => {{
  const sequelize = new Sequelize({json.dumps(dsn)}, {{ logging: false }});
  const files = {names};
  for (const f of files) await require(f).up(sequelize.getQueryInterface(), Sequelize);
  console.log('UP');
  await new Promise((r) => process.stdin.once('data', r));
  for (const f of files.reverse()) await require(f).down(sequelize.getQueryInterface(), Sequelize);
  await sequelize.close();
}})().catch((e) => {{ console.error(e); process.exit(1); }});
"""
    line, after = up_then_down(script, tmp_path, node_modules, dsn)
    assert line.strip() == "UP"
    assert "remark" in after["tables"]["public.orders"]["columns"]
    assert snapshot(dsn) == before


def test_typeorm_migrations_typecheck_run_and_revert(make_pg_db: Callable[..., str], tmp_path: Path,
                                                     node_modules: Path) -> None:
    dsn = make_pg_db(PG_SETUP)
    before = snapshot(dsn)
    source = tmp_path / "src"
    files = render_into(source, draft_live(dsn, FK), "typeorm")
    files += render_into(source, draft_live(dsn, RENAME), "typeorm", when=WHEN.replace(minute=5))
    assert "public transaction = false;" in files[0].read_text()
    assert "migration:revert --transaction none" in files[0].read_text()  # revert ignores the flag
    (tmp_path / "node_modules").symlink_to(node_modules)
    tsc = [str(node_modules / ".bin" / "tsc"), "--strict", "--target", "es2020", "--module", "commonjs",
           "--moduleResolution", "node", "--skipLibCheck", "--experimentalDecorators"]
    checked = subprocess.run([*tsc, "--noEmit", *map(str, files)], cwd=tmp_path, capture_output=True, text=True,
                             timeout=180)
    assert checked.returncode == 0, checked.stdout[-3000:]
    subprocess.run([*tsc, "--outDir", str(tmp_path / "dist"), *map(str, files)], cwd=tmp_path, check=True,
                   timeout=180)
    script = f"""
const {{ DataSource }} = require('typeorm');
(async () => {{
  const ds = new DataSource({{ type: 'postgres', url: {json.dumps(dsn)},
                             migrations: [{json.dumps(str(tmp_path / 'dist') + '/*.js')}],
                               migrationsTransactionMode: 'each', logging: false }});
  await ds.initialize();
  const ran = await ds.runMigrations();
  console.log(JSON.stringify(ran.map((m) => m.name)));
  await new Promise((r) => process.stdin.once('data', r));
  for (let i = 0; i < ran.length; i++) await ds.undoLastMigration({{ transaction: 'none' }});
  await ds.destroy();
}})().catch((e) => {{ console.error(e); process.exit(1); }});
"""
    ran, after = up_then_down(script, tmp_path, node_modules, dsn)
    assert len(json.loads(ran)) == 3
    assert "remark" in after["tables"]["public.orders"]["columns"]
    restored = snapshot(dsn)
    restored["tables"].pop("public.migrations")  # TypeORM's own bookkeeping table
    assert restored == before


def test_drizzle_migrator_reads_the_journal(make_pg_db: Callable[..., str], tmp_path: Path,
                                            node_modules: Path) -> None:
    """drizzle-orm's migrate() runs pending migrations in one transaction: a single-transaction draft runs as is."""
    dsn = make_pg_db(PG_SETUP)
    folder = tmp_path / "drizzle"
    render_into(folder, draft_live(dsn, SIMPLE), "drizzle")
    journal = json.loads((folder / "meta" / "_journal.json").read_text())
    assert journal["dialect"] == "postgresql" and journal["entries"][0]["tag"].startswith("0000_")
    script = f"""
const {{ drizzle }} = require('drizzle-orm/node-postgres');
const {{ migrate }} = require('drizzle-orm/node-postgres/migrator');
const {{ Pool }} = require('pg');
(async () => {{
  const pool = new Pool({{ connectionString: {json.dumps(dsn)} }});
  await migrate(drizzle(pool), {{ migrationsFolder: {json.dumps(str(folder))} }});
  await pool.end();
}})().catch((e) => {{ console.error(e); process.exit(1); }});
"""
    node(script, tmp_path, node_modules)
    columns = snapshot(dsn)["tables"]["public.orders"]["columns"]
    assert columns["status"][1] is False
    # a second draft appends to the journal, as drizzle-kit does
    render_into(folder, draft_live(dsn, FK), "drizzle", when=WHEN.replace(minute=5))
    entries = json.loads((folder / "meta" / "_journal.json").read_text())["entries"]
    assert [e["idx"] for e in entries] == [0, 1] and "statement-breakpoint" in (folder / f"{entries[1]['tag']}.sql") \
        .read_text()


# -- layouts the tools cannot run here ---------------------------------------------------------------------------

def _parse(path: Path) -> list[Any]:
    return list(pglast.parse_sql(path.read_text()))


def test_prisma_layout_keeps_concurrently_alone(tmp_path: Path) -> None:
    draft = draft_migration(DraftRequest(**FK), server_version="15")
    files = render_into(tmp_path, draft, "prisma")
    migrations = sorted(f for f in files if f.name == "migration.sql")
    assert all(re.fullmatch(r"\d{14}_add_foreign_key_orders_customer_id_\d", f.parent.name) for f in migrations)
    assert len(migrations) == 3 and len({f.parent.name[:14] for f in migrations}) == 3  # ordered by timestamp
    for file in migrations:
        statements = _parse(file)
        text = file.read_text()
        if "CONCURRENTLY" in text:
            assert len(statements) == 1, f"{file}: CONCURRENTLY must be alone in its migration"
        assert "BEGIN;" not in text
    assert any(f.name == "down.sql" for f in files)


def test_flyway_versions_undo_and_script_config(tmp_path: Path) -> None:
    draft = draft_migration(DraftRequest(**FK), server_version="15")
    files = render_into(tmp_path, draft, "flyway")
    names = sorted(f.name for f in files)
    versioned = [n for n in names if re.fullmatch(r"V\d+_\d+_\d+__add_foreign_key_orders_customer_id\.sql", n)]
    undo = [n for n in names if re.fullmatch(r"U\d+_\d+_\d+__add_foreign_key_orders_customer_id\.sql", n)]
    assert len(versioned) == len(undo) == 3
    concurrent = next(n for n in versioned if "CONCURRENTLY" in (tmp_path / n).read_text())
    assert (tmp_path / f"{concurrent}.conf").read_text().strip().endswith("executeInTransaction=false")
    for name in versioned + undo:
        _parse(tmp_path / name)
    assert "DROP CONSTRAINT" in (tmp_path / undo[-1]).read_text()


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_renders_a_two_phase_draft_as_two_migrations(fmt: str, tmp_path: Path) -> None:
    draft = draft_migration(DraftRequest(**RENAME, type="text"), server_version="15")
    files = render_into(tmp_path, draft, fmt)
    text = "\n".join(f.read_text() for f in files)
    assert "expand" in text and "contract" in text and "Deploy application code" in text
    paths = [str(f.relative_to(tmp_path)).lower() for f in files]
    assert any("contract" in p for p in paths) and any("expand" in p for p in paths)


def test_existing_files_are_never_overwritten(tmp_path: Path) -> None:
    from dbsage.tools.errors import DbsageError

    draft = draft_migration(DraftRequest(**FK), server_version="15")
    render_into(tmp_path, draft, "sql")
    with pytest.raises(DbsageError, match="exists already"):
        render_into(tmp_path, draft, "sql")
