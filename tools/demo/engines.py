"""Which demo an engine gets: its planted problems, its app's queries and (MySQL, MongoDB) the scratch database the
advisor may write. The report's sections ask here with the engine's name, so they never branch on an engine
themselves."""

from __future__ import annotations

from typing import Any

from dbsage.tools.targets import Target

MYSQL_SCRATCH = "dbsage_demo_scratch"


def demo_queries(engine: str) -> list[tuple[str, str]]:
    """(name, sql) of the demo app's queries on `engine`, in file order."""
    if engine == "mysql":
        from dbsage.tools.engines.mysql.demo import mysql_workload

        return mysql_workload()
    if engine == "mongo":
        from dbsage.tools.demo.mongo_problems import MONGO_QUERIES

        return list(MONGO_QUERIES)
    from dbsage.tools.demo.workload import workload

    return [(q.name, q.sql) for q in workload()]


def demo_problems(engine: str) -> tuple[Any, ...]:
    """The planted problems (id, table, objects, finding, fix, query) of `engine`'s demo."""
    if engine == "mysql":
        from dbsage.tools.demo.mysql_problems import MYSQL_PROBLEMS

        return MYSQL_PROBLEMS
    if engine == "mongo":
        from dbsage.tools.demo.mongo_problems import MONGO_PROBLEMS

        return MONGO_PROBLEMS
    from dbsage.tools.demo.problems import PROBLEMS

    return PROBLEMS


def demo_scratch(target: Target) -> str | None:
    """A database on the demo's server that the advisor may write (MySQL and MongoDB verify indexes on a copy); None
    where the engine prices hypothetical indexes itself."""
    if target.engine not in ("mysql", "mongo"):
        return None
    from urllib.parse import urlsplit

    return urlsplit(target.dsn)._replace(path=f"/{MYSQL_SCRATCH}").geturl()
