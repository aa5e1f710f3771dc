"""Handlers for sentence embeddings (AutoModel plus pooling).

A plain encoder directory (BertModel, MPNetModel, ...) is mean-pooled over the attention mask. A
sentence-transformers layout (modules.json) is read the way sentence-transformers reads it: the
Transformer module's directory and max_seq_length, the Pooling module's modes (cls, max, mean,
mean_sqrt_len, concatenated in that order); a Normalize module changes nothing, since vectors are
L2-normalised by default. Any other module (Dense, ...) is refused at load, never skipped.

Request:  {"inputs": str | [str, ...], "parameters": {"normalize": bool (default true)}}
Response: one vector (list of floats) per input, in input order (a list of them for a list input).
"""

import json
import os
from typing import Any, List, NamedTuple, Optional, Tuple

from task_common import (
    BATCH_SIZE,
    Runtime,
    as_list,
    bool_parameter,
    check_parameters,
    complete,
    decode_json,
    encode_json,
    length_sorted_batches,
    max_sequence_length,
    require_string,
    split_envelope,
    torch_runtime,
)

ST = "sentence_transformers.models."
POOLING_MODES = ("cls", "max", "mean", "mean_sqrt_len")
_POOLING_KEYS = {
    "cls": "pooling_mode_cls_token",
    "max": "pooling_mode_max_tokens",
    "mean": "pooling_mode_mean_tokens",
    "mean_sqrt_len": "pooling_mode_mean_sqrt_len_tokens",
}
_UNSUPPORTED_POOLING = ("pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken")


class Layout(NamedTuple):
    """Where the encoder is, how it is pooled and how much text it reads."""

    encoder_dir: str
    pooling: Tuple[str, ...]
    max_seq_length: Optional[int]


class ModelBundle(NamedTuple):
    tokenizer: Any
    model: Any
    runtime: Runtime
    max_length: int
    pooling: Tuple[str, ...]


class Request(NamedTuple):
    texts: List[str]
    single: bool
    normalize: bool


def read_layout(model_dir: str) -> Layout:
    modules_file = os.path.join(model_dir, "modules.json")
    if not os.path.exists(modules_file):
        return Layout(model_dir, ("mean",), None)
    modules = _read_json(modules_file)
    if not isinstance(modules, list):
        raise RuntimeError(f"{modules_file}: expected a list of modules")
    encoder_dir: Optional[str] = None
    pooling: Tuple[str, ...] = ("mean",)
    for module in modules:
        kind = str(module.get("type", ""))
        path = os.path.join(model_dir, str(module.get("path", "")))
        if kind == ST + "Transformer":
            encoder_dir = path
        elif kind == ST + "Pooling":
            pooling = _pooling_modes(os.path.join(path, "config.json"))
        elif kind != ST + "Normalize":
            raise RuntimeError(f"{modules_file}: module {kind or module!r} is not supported (Transformer, Pooling, Normalize are)")
    if encoder_dir is None:
        raise RuntimeError(f"{modules_file}: no {ST}Transformer module")
    return Layout(encoder_dir, pooling, _max_seq_length(encoder_dir))


def _read_json(file: str) -> Any:
    with open(file, encoding="utf-8") as handle:
        return json.load(handle)


def _pooling_modes(config_file: str) -> Tuple[str, ...]:
    if not os.path.exists(config_file):
        raise RuntimeError(f"{config_file} is missing (the Pooling module's configuration)")
    config = _read_json(config_file)
    unsupported = [key for key in _UNSUPPORTED_POOLING if config.get(key)]
    if unsupported:
        raise RuntimeError(f"{config_file}: {', '.join(unsupported)} is not supported ({', '.join(POOLING_MODES)} are)")
    modes = tuple(mode for mode in POOLING_MODES if config.get(_POOLING_KEYS[mode]))
    if not modes:
        raise RuntimeError(f"{config_file}: no pooling mode is enabled")
    return modes


def _max_seq_length(encoder_dir: str) -> Optional[int]:
    config_file = os.path.join(encoder_dir, "sentence_bert_config.json")
    if not os.path.exists(config_file):
        return None
    value = _read_json(config_file).get("max_seq_length")
    return value if isinstance(value, int) and value > 0 else None


def model_fn(model_dir: str) -> ModelBundle:
    from transformers import AutoModel, AutoTokenizer

    layout = read_layout(model_dir)
    runtime = torch_runtime()
    tokenizer = AutoTokenizer.from_pretrained(layout.encoder_dir)
    model = AutoModel.from_pretrained(layout.encoder_dir)
    model.to(runtime.device)
    model.eval()
    limit = max_sequence_length(tokenizer.model_max_length, getattr(model.config, "max_position_embeddings", None))
    if layout.max_seq_length is not None:
        limit = min(limit, layout.max_seq_length)
    return ModelBundle(tokenizer, model, runtime, limit, layout.pooling)


def input_fn(body: Any, content_type: Optional[str]) -> Request:
    payload = decode_json(body, content_type)
    inputs, parameters = split_envelope(payload, "a string or a list of strings")
    check_parameters(parameters, ("normalize",))
    raw, single = as_list(inputs, "strings")
    texts = [require_string(text, "inputs" if single else f"inputs[{i}]") for i, text in enumerate(raw)]
    return Request(texts, single, bool_parameter(parameters, "normalize", True))


def pool(hidden: Any, mask: Any, modes: Tuple[str, ...]) -> Any:
    """Pooled vectors of a batch: hidden [B, T, H], mask [B, T] -> [B, H * len(modes)]."""
    import torch

    weights = mask.unsqueeze(-1).to(hidden.dtype)
    counts = weights.sum(dim=1).clamp(min=1e-9)
    parts = []
    for mode in modes:
        if mode == "cls":
            parts.append(hidden[:, 0])
        elif mode == "max":
            parts.append(hidden.masked_fill(weights == 0, torch.finfo(hidden.dtype).min).max(dim=1).values)
        elif mode == "mean":
            parts.append((hidden * weights).sum(dim=1) / counts)
        else:
            parts.append((hidden * weights).sum(dim=1) / counts.sqrt())
    return torch.cat(parts, dim=-1)


def predict_fn(data: Request, bundle: ModelBundle) -> Any:
    import torch

    texts = data.texts
    results: List[Any] = [None] * len(texts)
    with bundle.runtime.inference_mode():
        for batch in length_sorted_batches([len(text) for text in texts], BATCH_SIZE):
            encoded = bundle.tokenizer(
                [texts[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=bundle.max_length,
                return_tensors="pt",
            ).to(bundle.runtime.device)
            hidden = bundle.model(**encoded).last_hidden_state
            vectors = pool(hidden, encoded["attention_mask"], bundle.pooling)
            if data.normalize:
                vectors = torch.nn.functional.normalize(vectors, p=2, dim=-1)
            for index, vector in zip(batch, vectors.float().tolist()):
                results[index] = vector
    complete(results, len(texts))
    return results[0] if data.single else results


def output_fn(prediction: Any, accept: Optional[str]) -> str:
    return encode_json(prediction, accept)
