"""Which chat model the agent talks to, and what its API errors mean in words a user can act on.

Any OpenAI-compatible endpoint works (OpenAI, Azure OpenAI's v1 endpoint, Ollama, vLLM, LM Studio, llama.cpp's
server): the model name, the base URL and the key come from the environment (`DBSAGE_MODEL`, `OPENAI_BASE_URL`,
`OPENAI_API_KEY`) or from a `[model]` table in dbsage.toml; the environment wins. The key is a SecretStr: it never
reaches a log, a transcript or the output (`ModelConfig.display` and `repr` leave it out).

langchain/openai are imported only inside the functions that need them, so the CLI starts instantly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field, SecretStr

from dbsage.agent.transcripts import scrub
from dbsage.tools.errors import ConfigError, DbsageError
from dbsage.tools.redact import redact

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
# Local servers (Ollama, vLLM, LM Studio, llama.cpp) ignore the key, but the OpenAI client insists on one.
LOCAL_PLACEHOLDER_KEY = "not-needed"


class ModelError(DbsageError):
    """The chat model could not answer. The conversation so far is kept; the hint says what to do."""


class ModelNotConfigured(ModelError):
    """A model was asked for but the key or the endpoint is missing."""


class ModelAuthFailed(ModelError):
    """The endpoint refused the API key (401/403)."""


class ModelNotFound(ModelError):
    """The endpoint does not serve the model name (404)."""


class ModelRateLimited(ModelError):
    """Still rate limited (429) after retrying with backoff."""


class ModelTimeout(ModelError):
    """The endpoint did not answer in time."""


class ModelUnreachable(ModelError):
    """No connection to the endpoint."""


class ModelServerError(ModelError):
    """The endpoint failed (5xx) after retries, or answered with something that is not a chat completion."""


class ModelConfig(BaseModel):
    """A resolved model configuration. `api_key` is secret: print `display`, never the object's fields."""

    model: str
    base_url: str | None = None
    api_key: SecretStr | None = Field(default=None, repr=False)
    timeout_s: float = 60.0
    max_retries: int = 3
    temperature: float | None = 0.0
    source: str = "environment"

    @property
    def display(self) -> str:
        where = self.base_url or "https://api.openai.com/v1"
        return f"{self.model} at {redact(where)}"

    def secret_values(self) -> tuple[str, ...]:
        """Values to mask in transcripts besides what redact() recognises by shape."""
        key = self.api_key.get_secret_value() if self.api_key else ""
        return (key,) if key and key != LOCAL_PLACEHOLDER_KEY else ()


def _file_settings() -> tuple[dict[str, Any], str | None]:
    from dbsage.tools.targets import load_config

    config, path = load_config()
    table = config.get("model", {})
    if not isinstance(table, dict):
        raise ConfigError(f"[model] in {path} must be a table", 'write [model] then name = "…" on the next line')
    return table, str(path) if path else None


def _file_key(table: Mapping[str, Any], env: Mapping[str, str], where: str) -> str | None:
    """The key from the config file: preferably by the name of the variable that holds it (`api_key_env`)."""
    if "api_key_env" in table:
        name = str(table["api_key_env"])
        if not env.get(name):
            raise ModelNotConfigured(f"{where} says the API key is in ${name}, which is not set",
                                     f"export {name}=… (or remove api_key_env from [model])")
        return env[name]
    value = table.get("api_key")
    return str(value) if value else None


def load_model_config(env: Mapping[str, str] | None = None) -> ModelConfig | None:
    """The configured model, or None when none is configured (then `ask` answers with the plain router).

    Raises ModelNotConfigured when a model is named but nothing can authenticate to it.
    """
    env = os.environ if env is None else env
    table, path = _file_settings()
    where = f"[model] in {path}" if path else "the environment"
    name = env.get("DBSAGE_MODEL") or table.get("name") or table.get("model")
    base_url = env.get("OPENAI_BASE_URL") or table.get("base_url")
    key = env.get("OPENAI_API_KEY") or _file_key(table, env, where)
    if not name and not key:
        return None
    if not key and not base_url:
        raise ModelNotConfigured(
            f"model {name!r} is configured but no API key is set",
            "export OPENAI_API_KEY=… for OpenAI/Azure, or OPENAI_BASE_URL=http://… for a local server "
            "(Ollama, vLLM, LM Studio, llama.cpp need no key); unset DBSAGE_MODEL to use the plain router",
        )
    return ModelConfig(
        model=str(name or DEFAULT_OPENAI_MODEL),
        base_url=str(base_url) if base_url else None,
        api_key=SecretStr(key or LOCAL_PLACEHOLDER_KEY),
        timeout_s=float(env.get("DBSAGE_MODEL_TIMEOUT") or table.get("timeout_s", 60.0)),
        max_retries=int(table.get("max_retries", 3)),
        temperature=table.get("temperature", 0.0),
        source="environment" if env.get("DBSAGE_MODEL") or env.get("OPENAI_API_KEY") else where,
    )


def make_chat_model(config: ModelConfig) -> Any:
    """A langchain ChatOpenAI for the endpoint. The openai client retries 429/5xx/timeouts with backoff itself
    (honouring Retry-After); `explain_api_error` turns what is left into a typed error."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=config.model,
        base_url=config.base_url,
        api_key=config.api_key,
        timeout=config.timeout_s,
        max_retries=config.max_retries,
        temperature=config.temperature,
        use_responses_api=False,  # chat completions: the one API every compatible server speaks
    )


def explain_api_error(exc: BaseException, config: ModelConfig) -> ModelError | None:
    """Map an openai/httpx exception to a typed ModelError with what to do next; None if it is not an API error."""
    import openai

    where = config.display
    status = getattr(exc, "status_code", None)
    # A gateway may echo the key, and a key need not have a recognisable shape: mask it by value too.
    detail = scrub(str(getattr(exc, "message", None) or exc), config.secret_values())[:300]
    if isinstance(exc, openai.APITimeoutError):
        return ModelTimeout(f"{where} did not answer within {config.timeout_s:.0f} s",
                            "retry; raise DBSAGE_MODEL_TIMEOUT (seconds) or timeout_s in [model] for a slow server")
    if isinstance(exc, openai.APIConnectionError):
        return ModelUnreachable(f"cannot reach {where}: {detail}",
                                "check OPENAI_BASE_URL and that the server is running")
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ModelAuthFailed(f"{where} refused the API key ({status})",
                               "check OPENAI_API_KEY (it is never printed); for Azure use the resource's key")
    if isinstance(exc, openai.NotFoundError):
        return ModelNotFound(f"{where}: model {config.model!r} not found (404): {detail}",
                             "check DBSAGE_MODEL against the models the endpoint serves (GET /v1/models)")
    if isinstance(exc, openai.RateLimitError):
        return ModelRateLimited(f"{where} is rate limiting (429) after {config.max_retries} retries: {detail}",
                                "wait a minute and ask again; the conversation so far is kept in the transcript")
    if isinstance(exc, openai.APIStatusError):
        return ModelServerError(f"{where} failed ({status}): {detail}",
                                "retry later; the conversation so far is kept in the transcript")
    if isinstance(exc, openai.APIError):
        return ModelServerError(f"{where} sent an unusable answer: {detail}", "retry, or try another model")
    if isinstance(exc, ValueError) and any(sign in str(exc) for sign in _NOT_A_COMPLETION):
        page = "an HTML page" if "<html" in str(exc).lower() or "<!doctype" in str(exc).lower() else "no completion"
        return ModelServerError(f"{where} did not answer like a chat-completions API (it sent {page})",
                                "check OPENAI_BASE_URL: it must be the API's base URL (often ending in /v1), not a "
                                "web page; a proxy in between may need signing in")
    return None


# What langchain-openai raises when the endpoint answered 200 with something else (a web page, a proxy's sign-in):
# the body is not JSON, or the stream holds no data lines.
_NOT_A_COMPLETION = ("Unexpected response type from OpenAI-compatible endpoint", "No generation chunks were returned",
                     "No generations found in stream")
