"""MongoDB adapter (pymongo).

The client carries every limit: `timeoutMS` (client-side operation timeout) makes pymongo put `maxTimeMS` on every
command it sends, so the server stops any operation that runs too long, whoever calls `client` or `database()`;
server-selection, connect and socket timeouts bound the network; `appname=dbsage` names the sessions; reads go to a
secondary when there is one. Reading what the server returns is in mongo_shapes.py (pure, tested on recorded
mongod documents as well as on the test server).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pymongo
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import (
    ConfigurationError,
    ConnectionFailure,
    ExecutionTimeout,
    InvalidURI,
    NetworkTimeout,
    OperationFailure,
    PyMongoError,
)

from dbsage.tools.capabilities import Capability, ServerReport
from dbsage.tools.engines.base import EngineBase, SessionLimits
from dbsage.tools.engines.mongo.shapes import (
    CollectionStorage,
    index_from_spec,
    index_usage,
    infer_fields,
    json_schema_descriptions,
    key_constraints,
    login_report,
    profiler_capability,
    storage_from_stats,
    topology_capability,
    validator_constraint,
    version_text,
)
from dbsage.tools.errors import CapabilityMissing, DatabaseError, TargetUnreachable, UsageError
from dbsage.tools.query_result import QueryResult
from dbsage.tools.redact import redact, redact_dsn
from dbsage.tools.schema import ObjectKind, SchemaSnapshot, Table
from dbsage.tools.targets import Target

if TYPE_CHECKING:
    from dbsage.tools.activity import ActivityReport
    from dbsage.tools.advisor.backend import WhatIfBackend
    from dbsage.tools.advisor.report import AdviceReport
    from dbsage.tools.advisor.workload import WorkloadStatement
    from dbsage.tools.checks import CheckReport, Thresholds
    from dbsage.tools.explain import ExplainResult
    from dbsage.tools.top import TopReport

SYSTEM_DATABASES = ("admin", "local", "config")
_AUTH_FAILED = 18
_UNAUTHORIZED = 13
_COMMAND_NOT_FOUND = 59
Document = dict[str, Any]


class MongoEngine(EngineBase):
    name = "mongo"

    def __init__(self, target: Target, limits: SessionLimits, sample_size: int = 200, max_depth: int = 3,
                 max_sampled: int = 200) -> None:
        self.target = target
        self.limits = limits
        self.sample_size = sample_size
        self.max_sampled = max_sampled  # collections read in full (sample, indexes, stats) by one schema listing
        self.max_depth = max_depth
        # Read the database from the path ourselves: pymongo's parser would resolve DNS for mongodb+srv:// here.
        self._default_db: str | None = unquote(urlsplit(target.dsn).path.lstrip("/")) or None
        self._client: pymongo.MongoClient[Document] | None = None
        self._probed = False

    # -- connections ---------------------------------------------------------------------------------------------

    @property
    def client(self) -> pymongo.MongoClient[Document]:
        """The client; every command it sends carries maxTimeMS (from timeoutMS)."""
        if self._client is None:
            connect_ms = self.limits.connect_timeout_s * 1000
            try:
                self._client = pymongo.MongoClient(
                    self.target.dsn, appname="dbsage", timeoutMS=self.limits.statement_timeout_ms,
                    serverSelectionTimeoutMS=connect_ms, connectTimeoutMS=connect_ms,
                    socketTimeoutMS=self.limits.statement_timeout_ms + 5_000, readPreference="secondaryPreferred",
                    connect=False,
                )
            except (ConfigurationError, InvalidURI) as exc:
                raise UsageError(f"the MongoDB URI is not valid: {redact(str(exc))}",
                                 "use mongodb://user:password@host:27017/db?authSource=admin") from None
        return self._client

    def _probe(self) -> None:
        """Reach the server once, within the connect timeout: a clear error now beats an operation timeout later.

        (With timeoutMS set, pymongo lets server selection run for the whole operation timeout.)"""
        if not self._probed:
            with pymongo.timeout(min(self.limits.connect_timeout_s, self.limits.statement_timeout_ms / 1000)):
                self.client.admin.command("ping")
            self._probed = True

    def database(self, name: str | None = None) -> Database[Document]:
        """A database handle (the URI's database by default, else `test` like mongosh)."""
        return self.client[name or self._default_db or "test"]

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Driver errors → typed errors; the URI's password never reaches the message."""
        try:
            yield
        except (ExecutionTimeout, NetworkTimeout) as exc:
            if self._probed:  # the server was reachable: this operation ran out of its time limit
                raise DatabaseError(
                    f"MongoDB operation exceeded its time limit ({self.limits.statement_timeout_ms} ms): "
                    f"{redact(str(exc)).strip()}", "narrow the request, or raise the limit") from None
            raise self._unreachable(exc) from None
        except (ConnectionFailure, OperationFailure) as exc:
            if isinstance(exc, ConnectionFailure) or exc.code == _AUTH_FAILED:
                raise self._unreachable(exc) from None
            raise DatabaseError(f"MongoDB error: {redact(str(exc)).strip()}") from None
        except PyMongoError as exc:
            raise DatabaseError(f"MongoDB error: {redact(str(exc)).strip()}") from None

    def _unreachable(self, exc: Exception) -> TargetUnreachable:
        # drop pymongo's topology dump: the first clause says what went wrong
        reason = redact_dsn(str(exc), self.target.dsn).split(", Timeout:")[0].split(" (configured timeouts")[0].strip()
        return TargetUnreachable(
            f"cannot connect to {self.target.display}: {reason}",
            "check the server is running and the URI (--db or DBSAGE_DB) has the right host, user, password and "
            "authSource",
        )

    def run(self, statement: str | dict[str, Any], *, max_rows: int | None = None) -> QueryResult:
        """The protocol's `run`: a command document, as a dict or its JSON text (run_mongo)."""
        if isinstance(statement, str):
            try:
                statement = json.loads(statement)
            except json.JSONDecodeError as exc:
                raise UsageError(f"a MongoDB target takes a JSON command document ({exc.msg})",
                                 'e.g. dbsage sql \'{"find": "orders", "filter": {"status": "new"}}\'') from None
        if not isinstance(statement, dict):
            raise UsageError("a MongoDB command is a JSON object", 'e.g. {"find": "orders", "filter": {}}')
        return self.run_mongo(statement, max_rows=max_rows)

    def run_mongo(self, operation: dict[str, Any], *, max_rows: int | None = None) -> QueryResult:
        """One command document through the read-only guard, then run it bounded (mongo_query)."""
        from dbsage.tools.engines.mongo.query import run_mongo
        from dbsage.tools.guard import check_mongo

        check_mongo(operation)  # a refusal never opens a connection
        with self._errors():
            self._probe()
        return run_mongo(self, operation, max_rows=max_rows)

    # -- diagnosis (each in its own module of this folder) ---------------------------------------------------------

    def explain(self, statement: str, analyze: bool = False) -> ExplainResult:
        """explain (executionStats; allPlansExecution with `analyze`) of a find/aggregate/count/distinct written in
        mongosh syntax or as a JSON command document, with insights tied to its stages."""
        from dbsage.tools.engines.mongo.explain import explain_statement

        return explain_statement(self, statement, analyze=analyze)

    def top_statements(self, sort: str = "total", limit: int = 20, include_utility: bool = False) -> TopReport:
        """The heaviest query shapes from the profiler (system.profile), with what runs now ($currentOp); how to turn
        the profiler on when it is off. MongoDB has no utility statements: `include_utility` changes nothing."""
        from dbsage.tools.engines.mongo.top import top_statements

        return top_statements(self, sort=sort, limit=limit)

    def activity(self, limit: int = 50) -> ActivityReport:
        """Operations running now and sessions idle inside a transaction ($currentOp; mongo/activity.py)."""
        from dbsage.tools.engines.mongo.activity import activity

        return activity(self, limit)

    def checks(self, thresholds: Thresholds | None = None) -> CheckReport:
        """The checkup: indexes for the profiled query shapes, unused/redundant/ESR-breaking/TTL indexes, document
        sizes and arrays from a sample, validation, replica set and oplog, users, auth and TLS."""
        from dbsage.tools.engines.mongo.checks import run_checks

        return run_checks(self, thresholds)

    def what_if(self) -> AbstractContextManager[WhatIfBackend]:
        raise CapabilityMissing("MongoDB has no hypothetical indexes",
                                "dbsage advise verifies candidates on a scratch copy instead: "
                                "--scratch mongodb://host/scratch_db")

    def advise_workload(self, statements: list[WorkloadStatement] | None, options: Any,
                        progress: Any = None) -> AdviceReport:
        """ESR index candidates for the workload's query shapes (files, else the profiler): verified on
        options.scratch, else labelled heuristic."""
        from dbsage.tools.engines.mongo.advise import advise_workload

        return advise_workload(self, statements, options, progress)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
            self._probed = False

    # -- introspection -------------------------------------------------------------------------------------------

    def _database_names(self) -> list[str]:
        if self._default_db:
            return [self._default_db]
        names = self.client.list_database_names()
        return sorted(n for n in names if n not in SYSTEM_DATABASES)

    def _scope(self, object_name: str | None) -> list[tuple[str, str | None]]:
        """(database, collection or None) pairs to read. Collection names may hold dots, so try them whole first."""
        databases = self._database_names()
        if not object_name:
            return [(db, None) for db in databases]
        head, _, rest = object_name.partition(".")
        if rest and head not in databases and head in self.client.list_database_names():
            return [(head, rest)]
        if rest and head in databases and not self._exists(head, object_name):
            return [(head, rest)]
        return [(db, object_name) for db in databases]

    def _exists(self, database: str, collection: str) -> bool:
        return bool(self.client[database].list_collection_names(filter={"name": collection}))

    def introspect(self, object_name: str | None = None) -> SchemaSnapshot:
        with self._errors():
            self._probe()
            tables: list[Table] = []
            for db_name, collection in self._scope(object_name):
                db = self.database(db_name)
                specs = db.list_collections(filter={"name": collection} if collection else {})
                for spec in sorted(specs, key=lambda s: s["name"]):
                    if spec["name"].startswith("system."):
                        continue
                    # Each read costs a $sample of up to sample_size documents and three more commands: a listing of
                    # a deployment with thousands of collections reads the first max_sampled and names the rest.
                    read = collection is not None or len(tables) < self.max_sampled
                    tables.append(self._collection(db, spec) if read else self._unread(db, spec))
        return SchemaSnapshot(engine=self.name, target=self.target.display,
                              database=self._default_db or "(all databases)", tables=tables)

    def _collection(self, db: Database[Document], spec: Mapping[str, Any]) -> Table:
        options = spec.get("options", {})
        coll = db[spec["name"]]
        columns = infer_fields(self._sample(coll), max_depth=self.max_depth,
                               comments=json_schema_descriptions(options.get("validator")))
        if spec.get("type") == "view":
            pipeline = options.get("pipeline", [])
            return Table(schema_name=db.name, name=spec["name"], kind="view", columns=columns,
                         comment=f"view on {options.get('viewOn')} ({len(pipeline)} pipeline "
                                 f"stage{'' if len(pipeline) == 1 else 's'})")
        index_specs = list(coll.list_indexes())
        storage = self._storage(db, spec["name"])
        usage = self._index_usage(coll)
        constraints = key_constraints(index_specs)
        validator = validator_constraint(options)
        if validator:
            constraints.append(validator)
        return Table(
            schema_name=db.name, name=spec["name"], kind="collection", columns=columns, constraints=constraints,
            indexes=[index_from_spec(s, storage.index_sizes.get(s["name"]),
                                     None if usage is None else usage.get(s["name"], 0)) for s in index_specs],
            row_estimate=storage.count, size_bytes=storage.total_bytes,
        )

    def _unread(self, db: Database[Document], spec: Mapping[str, Any]) -> Table:
        kind: ObjectKind = "view" if spec.get("type") == "view" else "collection"
        return Table(schema_name=db.name, name=spec["name"], kind=kind,
                     comment=f"not sampled: more than {self.max_sampled} collections; describe it by name")

    def _sample(self, coll: Collection[Document]) -> list[Document]:
        """A bounded random sample: $sample reads `sample_size` documents, never the whole collection."""
        return list(coll.aggregate([{"$sample": {"size": self.sample_size}}]))

    def _storage(self, db: Database[Document], name: str) -> CollectionStorage:
        # The collStats command is deprecated since 6.2 but still answers on 8.x (and on the test server, whose
        # $collStats storageStats are zeros); a server without it gets $collStats, which reads the same way.
        try:
            return storage_from_stats([db.command("collStats", name)])
        except OperationFailure as exc:
            if exc.code == _UNAUTHORIZED:
                return CollectionStorage()
            if exc.code != _COMMAND_NOT_FOUND:
                raise
        try:
            return storage_from_stats(db[name].aggregate([{"$collStats": {"storageStats": {}}}]))
        except OperationFailure:
            return CollectionStorage()

    @staticmethod
    def _index_usage(coll: Collection[Document]) -> dict[str, int] | None:
        """Operations per index since the server started; None when $indexStats is refused or unsupported."""
        try:
            return index_usage(coll.aggregate([{"$indexStats": {}}]))
        except OperationFailure:
            return None

    # -- capabilities --------------------------------------------------------------------------------------------

    def server_report(self) -> ServerReport:
        database = self._default_db or "test"
        with self._errors():
            self._probe()
            admin = self.client.admin
            build = admin.command("buildInfo")
            hello = admin.command("hello")
            status = self.database(database).command("connectionStatus", showPrivileges=True)
            profile = self._optional_command(database, {"profile": -1})
            access_control = None
            if not status.get("authInfo", {}).get("authenticatedUsers"):
                access_control = self._optional_command("admin", {"listDatabases": 1, "nameOnly": True}) is None
        capabilities = [topology_capability(hello)]
        if profile is not None:
            capabilities.insert(0, profiler_capability(profile, database))
        else:
            capabilities.insert(0, Capability(name="profiler", available=None,
                                              detail=f"this login may not read the profiler level of {database}",
                                              fix='grant the "dbAdmin" role on the database, or ask a DBA'))
        return ServerReport(engine=self.name, target=self.target.display, version=version_text(build),
                            capabilities=capabilities, login=login_report(status, database, access_control))

    def _optional_command(self, database: str, command: Mapping[str, Any]) -> Document | None:
        try:
            return self.client[database].command(dict(command))
        except OperationFailure as exc:
            if exc.code in (_UNAUTHORIZED, _COMMAND_NOT_FOUND):
                return None
            raise
