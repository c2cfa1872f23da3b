"""Load TPC-H (tpchgen-cli data) into the bench database with primary keys only, and read the 22 queries.

The data comes from the `tpchgen-cli` package (offline, SF1 in ~10 s); the queries from `duckdb-extension-tpch`
(`tpch_queries()`), adapted to PostgreSQL where their spelling differs (see `pg_query`).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg

TABLES = {
    "region": "r_regionkey integer PRIMARY KEY, r_name char(25), r_comment varchar(152)",
    "nation": "n_nationkey integer PRIMARY KEY, n_name char(25), n_regionkey integer, n_comment varchar(152)",
    "part": "p_partkey integer PRIMARY KEY, p_name varchar(55), p_mfgr char(25), p_brand char(10), "
            "p_type varchar(25), p_size integer, p_container char(10), p_retailprice decimal(15,2), "
            "p_comment varchar(23)",
    "supplier": "s_suppkey integer PRIMARY KEY, s_name char(25), s_address varchar(40), s_nationkey integer, "
                "s_phone char(15), s_acctbal decimal(15,2), s_comment varchar(101)",
    "partsupp": "ps_partkey integer, ps_suppkey integer, ps_availqty integer, ps_supplycost decimal(15,2), "
                "ps_comment varchar(199), PRIMARY KEY (ps_partkey, ps_suppkey)",
    "customer": "c_custkey integer PRIMARY KEY, c_name varchar(25), c_address varchar(40), c_nationkey integer, "
                "c_phone char(15), c_acctbal decimal(15,2), c_mktsegment char(10), c_comment varchar(117)",
    "orders": "o_orderkey integer PRIMARY KEY, o_custkey integer, o_orderstatus char(1), "
              "o_totalprice decimal(15,2), o_orderdate date, o_orderpriority char(15), o_clerk char(15), "
              "o_shippriority integer, o_comment varchar(79)",
    "lineitem": "l_orderkey integer, l_partkey integer, l_suppkey integer, l_linenumber integer, "
                "l_quantity decimal(15,2), l_extendedprice decimal(15,2), l_discount decimal(15,2), "
                "l_tax decimal(15,2), l_returnflag char(1), l_linestatus char(1), l_shipdate date, "
                "l_commitdate date, l_receiptdate date, l_shipinstruct char(25), l_shipmode char(10), "
                "l_comment varchar(44), PRIMARY KEY (l_orderkey, l_linenumber)",
}


def loaded(dsn: str, scale: float) -> bool:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT to_regclass('public.bench_loaded') IS NOT NULL").fetchone()
        if not row or not row[0]:
            return False
        done = conn.execute("SELECT scale FROM bench_loaded").fetchone()
        return bool(done and float(done[0]) == scale)


def load(dsn: str, scale: float = 1.0) -> None:
    """(Re)create the TPC-H tables with primary keys only and load them; skipped when already loaded."""
    if loaded(dsn, scale):
        return
    with tempfile.TemporaryDirectory(prefix="tpch-") as folder:
        exe = Path(sys.executable).parent / "tpchgen-cli"
        subprocess.run([str(exe), "csv", "-s", str(scale), "--output-dir", folder], check=True)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS bench_loaded")
            for table, columns in TABLES.items():
                conn.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
                conn.execute(f"CREATE TABLE {table} ({columns})")
                print(f"loading {table}…", file=sys.stderr, flush=True)
                with open(Path(folder) / f"{table}.csv", "rb") as data, conn.cursor().copy(
                        f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                    while chunk := data.read(1 << 20):
                        copy.write(chunk)
            conn.execute("VACUUM ANALYZE")
            conn.execute("CREATE TABLE bench_loaded (scale float)")
            conn.execute("INSERT INTO bench_loaded VALUES (%s)", (scale,))


def data_size(dsn: str) -> int:
    """Bytes of the TPC-H tables (heap + TOAST, without indexes): the base for the budget percentages."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT sum(pg_table_size(c.oid)) FROM pg_class c WHERE c.relname = ANY(%s) "
                           "AND c.relkind = 'r'", (list(TABLES),)).fetchone()
    return int(row[0]) if row and row[0] else 0


def tpch_queries() -> list[tuple[str, str]]:
    """The 22 TPC-H queries from duckdb-extension-tpch, adapted to PostgreSQL."""
    import duckdb
    import duckdb_extension_tpch

    path = (Path(duckdb_extension_tpch.__file__).parent / "extensions" / f"v{duckdb.__version__}"
            / "tpch.duckdb_extension")
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{path}'")
    rows = con.execute("SELECT query_nr, query FROM tpch_queries() ORDER BY query_nr").fetchall()
    return [(f"tpch-q{int(n):02d}", pg_query(sql)) for n, sql in rows]


def pg_query(sql: str) -> str:
    """DuckDB's spelling → PostgreSQL's, where they differ."""
    return sql.strip().rstrip(";")


if __name__ == "__main__":
    load(sys.argv[1])
    print(data_size(sys.argv[1]))
