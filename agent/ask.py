"""One question, one answer: with the configured model when there is one, else with the plain router.

Shared by `dbsage ask` and the MCP `ask` tool. Every answer is recorded as a transcript under the state dir.
"""

from __future__ import annotations

from collections.abc import Callable

from dbsage.agent.answer import Answer
from dbsage.agent.model import ModelConfig, ModelError, load_model_config
from dbsage.agent.toolkit.context import ToolContext
from dbsage.agent.transcripts import Transcript


def answer_question(ctx: ToolContext, question: str, *, front_end: str, use_model: bool = True,
                    on_token: Callable[[str], None] | None = None, chat_model: object | None = None) -> Answer:
    """Answer with a model (configured, or `chat_model` given by a caller such as a test), else the router.

    Raises ModelError with the transcript's path in its hint when the model API fails; the transcript keeps the
    conversation up to the failure.
    """
    config: ModelConfig | None = load_model_config() if use_model and chat_model is None else None
    model_name = config.display if config else ("scripted" if chat_model is not None else None)
    transcript = Transcript.start(front_end=front_end, target=ctx.target.display, model=model_name,
                                  secret_values=config.secret_values() if config else ())
    if chat_model is None:
        if config is None:
            from dbsage.agent.router import answer

            return answer(ctx, question, transcript)
        from dbsage.agent.model import make_chat_model

        chat_model = make_chat_model(config)
    from dbsage.agent.loop import AgentLoop

    model = chat_model
    loop = AgentLoop(ctx, model, transcript=transcript, config=config, on_token=on_token)
    try:
        return loop.ask(question)
    except ModelError as error:
        error.hint = f"{error.hint or 'retry later'} (transcript: {transcript.path})"
        raise
