"""MCP resources and prompts: what a client can attach to its model's context without calling a tool.

Resources (read-only, the same compact summaries the tools return, database text inside data markers):
- `dbsage://schema` — every table, view or collection, bounded (list_objects)
- `dbsage://schema/{name}` — one object in full: columns, constraints, indexes (describe_object)
- `dbsage://checkup` — the health checkup: findings with evidence and fixes (checkup)

Prompts (the user's text goes in; they steer a client's model to dbsage's tools and never to filing a proposal
unasked):
- `review_migration(migration)` — is this migration safe to run here (locks, rewrites, size, undo, safe rewrite)?
- `why_is_this_slow(sql)` — the plan, the tables, what an index would change.
"""

from __future__ import annotations

from typing import Any

from dbsage.agent.injection import DATA_NOTE, as_data
from dbsage.agent.mcp.sizing import HARD_CAP_CHARS, clip_text
from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.toolkit.registry import call

MAX_PROMPT_INPUT = 100_000  # a migration or a statement pasted by the user: bounded like the tools' inputs


def _read(ctx: ToolContext, tool: str, arguments: dict[str, Any]) -> str:
    """A tool's summary as resource text; a failure raises the SDK's ResourceError with the typed message."""
    from mcp.server.mcpserver.exceptions import ResourceError

    from dbsage.agent.hints import hint_for

    outcome = call(ctx, tool, arguments)
    if not outcome.ok:
        hint = hint_for("mcp", outcome.error_type, outcome.hint)
        raise ResourceError(f"{outcome.error_type or 'error'}: {outcome.error}" + (f" (hint: {hint})" if hint else ""))
    head = f"[{tool} result {outcome.handle}; full result: the fetch_result tool with handle='{outcome.handle}']"
    return "\n".join([head, DATA_NOTE, as_data(clip_text(outcome.summary, HARD_CAP_CHARS - 500, outcome.handle))])


def add_resources(server: Any, ctx: ToolContext) -> None:
    import anyio

    @server.resource("dbsage://schema", name="schema", mime_type="text/plain",
                     description="Every table, view or collection of the database dbsage serves (bounded), with "
                                 "rows, size, indexes and whether it has a primary key")
    async def schema() -> str:
        return await anyio.to_thread.run_sync(_read, ctx, "list_objects", {})

    @server.resource("dbsage://schema/{name}", name="object", mime_type="text/plain",
                     description="One table, view or collection in full: columns, constraints, indexes")
    async def schema_object(name: str) -> str:
        return await anyio.to_thread.run_sync(_read, ctx, "describe_object", {"name": name})

    @server.resource("dbsage://checkup", name="checkup", mime_type="text/plain",
                     description="The health checkup: findings with severity, evidence and a fix; the scorecard")
    async def checkup() -> str:
        return await anyio.to_thread.run_sync(_read, ctx, "checkup", {})


def _bounded(text: str) -> str:
    from dbsage.tools.errors import UsageError

    if len(text) > MAX_PROMPT_INPUT:
        raise UsageError(f"the text is {len(text)} characters; at most {MAX_PROMPT_INPUT} are taken",
                         "pass the part that matters")
    return text


def review_migration_text(migration: str, engine: str) -> str:
    return (
        f"Review this migration before it runs on the {engine} database dbsage is connected to:\n\n"
        f"```sql\n{_bounded(migration)}\n```\n\n"
        "For each statement say: the lock it takes and for how long, whether it rewrites the table, how big the "
        "table is here (describe_object, list_objects), whether it can be undone, and the safe way to write it "
        "(draft_migration gives the safe multi-step pattern for an intent). Cite best practices as [kb:id] from "
        "search_knowledge. End with a verdict: safe to run as is, safe with the changes you list, or not safe. "
        "Do not file a proposal unless I ask for one.")


def why_slow_text(sql: str, engine: str) -> str:
    return (
        f"Why is this query slow on the {engine} database dbsage is connected to?\n\n"
        f"```sql\n{_bounded(sql)}\n```\n\n"
        "Use explain_query for the plan (analyze=true only if it is a plain read), describe_object for the tables "
        "it reads, top_statements for how often it runs, and what_if_indexes or advise_indexes (propose=false) to "
        "show what an index would change, with the cost before and after. Say what is slow and why in words, and "
        "the fix. Do not file a proposal unless I ask for one.")


def add_prompts(server: Any, ctx: ToolContext) -> None:
    engine = ctx.target.engine

    @server.prompt(name="review_migration", title="Review this migration",
                   description="Is this migration safe to run on this database? Locks, rewrites, table sizes, undo, "
                               "and the safe rewrite, with dbsage's tools")
    def review_migration(migration: str) -> str:
        return review_migration_text(migration, engine)

    @server.prompt(name="why_is_this_slow", title="Why is this slow?",
                   description="Why is this query slow here? The plan, the tables, what an index would change")
    def why_is_this_slow(sql: str) -> str:
        return why_slow_text(sql, engine)
