"""How people see each result type in a terminal: one module per typed result, each with `print_…(result, console)`.

schema (SchemaSnapshot), query (QueryResult), explain (ExplainResult), top (TopReport), check (CheckReport),
advice (AdviceReport), server (ServerReport), proposals (Proposal), answer (Answer), demo_setup (the demo's set-up).
Database text is data: print it as `Text(...)` or with `markup=False`, never as rich markup.
To add one: `render/<result>.py` with a function that takes the result and a Console (default: output.stdout).
"""
