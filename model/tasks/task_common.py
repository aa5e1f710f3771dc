"""Request/response plumbing shared by the task handlers in model/tasks/<task>/inference.py.

A service's archive ships one task's code/ directory: the packer copies this file next to the
task's inference.py (code/task_common.py), where the toolkit (and the local model server) can
import it, because both put code/ on sys.path. Only logic that is the same for every task lives
here; everything about a model class stays in the task's own module.

Stdlib only: torch is imported by model_fn, so parsing can be tested without it.
"""

import json
import math
from typing import Any, Callable, ContextManager, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

JSON = "application/json"
BATCH_SIZE = 16
MAX_INPUTS = 256
# Tokenizers without model_max_length report a huge sentinel (int(1e30)).
_UNSET_MAX_LENGTH = 1_000_000


class InvalidInputError(ValueError):
    """A request the client must fix; the toolkit answers it with HTTP 400."""


class Runtime(NamedTuple):
    """Where the model runs, and the context that disables autograd around it."""

    device: Any
    inference_mode: Callable[[], ContextManager[Any]]


def torch_runtime() -> Runtime:
    import torch

    return Runtime(torch.device("cuda" if torch.cuda.is_available() else "cpu"), torch.inference_mode)


def max_sequence_length(tokenizer_max: Optional[int], position_embeddings: Optional[int], fallback: int = 512) -> int:
    """The tokenizer's limit, capped by the model's position embeddings when it has them."""
    limits = [limit for limit in (tokenizer_max, position_embeddings) if limit is not None and limit < _UNSET_MAX_LENGTH]
    return min(limits) if limits else fallback


def decode_json(body: Any, content_type: Optional[str]) -> Any:
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != JSON:
        raise InvalidInputError(f"unsupported content type {content_type!r}: send {JSON}")
    if isinstance(body, (bytes, bytearray)):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInputError(f"request body is not UTF-8: {error}") from None
    try:
        return json.loads(body)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"request body is not valid JSON: {error}") from None


def split_envelope(payload: Any, inputs_hint: str, bare_objects: bool = False) -> Tuple[Any, Dict[str, Any]]:
    """`{"inputs": ..., "parameters": {...}}` -> (inputs, parameters); a bare payload is the inputs.

    With `bare_objects`, an object without "inputs" or "parameters" is itself one input (the
    `{"question", "context"}` form the Hub widgets send).
    """
    if not isinstance(payload, dict):
        return payload, {}
    if bare_objects and not {"inputs", "parameters"} & set(payload):
        return payload, {}
    unknown = sorted(set(payload) - {"inputs", "parameters"})
    if unknown:
        raise InvalidInputError(f"unknown field(s) {unknown}: expected 'inputs' and optional 'parameters'")
    if "inputs" not in payload:
        raise InvalidInputError(f"missing field 'inputs' ({inputs_hint})")
    parameters = payload.get("parameters")
    if parameters is None:
        return payload["inputs"], {}
    if not isinstance(parameters, dict):
        raise InvalidInputError("'parameters' must be an object")
    return payload["inputs"], parameters


def check_parameters(parameters: Mapping[str, Any], allowed: Sequence[str]) -> None:
    unknown = sorted(set(parameters) - set(allowed))
    if unknown:
        raise InvalidInputError(f"unsupported parameter(s) {unknown}: accepted are {sorted(allowed)}")


def as_list(inputs: Any, describe: str) -> Tuple[List[Any], bool]:
    """One input or a non-empty list of at most MAX_INPUTS; `single` tells which was sent."""
    if not isinstance(inputs, list):
        return [inputs], True
    if not inputs:
        raise InvalidInputError(f"'inputs' must not be an empty list (send {describe})")
    if len(inputs) > MAX_INPUTS:
        raise InvalidInputError(f"'inputs' has {len(inputs)} items, at most {MAX_INPUTS} are allowed")
    return list(inputs), False


def require_string(value: Any, where: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{where} must be a string, got {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise InvalidInputError(f"{where} must not be empty")
    return value


def require_fields(value: Any, where: str, fields: Sequence[str]) -> Dict[str, str]:
    """An object with exactly `fields`, each a non-empty string."""
    if not isinstance(value, dict):
        raise InvalidInputError(f"{where} must be an object with {', '.join(repr(f) for f in fields)}, got {type(value).__name__}")
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise InvalidInputError(f"{where} has unknown field(s) {unknown}: expected {list(fields)}")
    for field in fields:
        if field not in value:
            raise InvalidInputError(f"{where} is missing {field!r}")
    return {field: require_string(value[field], f"{where}.{field}") for field in fields}


def int_parameter(parameters: Mapping[str, Any], name: str, low: int, high: int, default: Optional[int]) -> Optional[int]:
    value = parameters.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInputError(f"'parameters.{name}' must be an integer from {low} to {high}")
    return value


def float_parameter(parameters: Mapping[str, Any], name: str, low: float, high: float, default: Optional[float]) -> Optional[float]:
    value = parameters.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise InvalidInputError(f"'parameters.{name}' must be a number from {low} to {high}")
    return float(value)


def bool_parameter(parameters: Mapping[str, Any], name: str, default: bool) -> bool:
    value = parameters.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidInputError(f"'parameters.{name}' must be true or false")
    return value


def length_sorted_batches(lengths: Sequence[int], batch_size: int = BATCH_SIZE) -> List[List[int]]:
    """Indices grouped into batches of similar length, which keeps padding (wasted compute) small."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def complete(results: List[Any], expected: int) -> List[Any]:
    """A batch must answer every input: a hole is a bug, never a shorter answer."""
    missing = [index for index, result in enumerate(results) if result is None]
    if len(results) != expected or missing:
        raise RuntimeError(f"internal error: {expected} inputs but results for {len(results) - len(missing)}")
    return results


def ranked(logits: Sequence[float], labels: Sequence[str]) -> List[Dict[str, Any]]:
    """Every label with its score, highest first: softmax, or a sigmoid for a one-logit model."""
    if len(logits) == 1:
        scores = [1.0 / (1.0 + math.exp(-logits[0]))]
    else:
        peak = max(logits)
        exps = [math.exp(value - peak) for value in logits]
        total = sum(exps)
        scores = [e / total for e in exps]
    scored = [{"label": label, "score": float(score)} for label, score in zip(labels, scores)]
    return sorted(scored, key=lambda item: item["score"], reverse=True)


def encode_json(prediction: Any, accept: Optional[str]) -> str:
    media_type = (accept or JSON).split(";")[0].strip().lower()
    if media_type not in (JSON, "*/*"):
        raise InvalidInputError(f"unsupported accept type {accept!r}: only {JSON} is produced")
    return json.dumps(prediction)
