"""Handlers for the SageMaker Hugging Face inference toolkit (text classification).

The toolkit imports this module from /opt/ml/model/code and calls model_fn once, then
input_fn -> predict_fn -> output_fn per request. Its handler wraps any exception raised here
in PredictionException(str(error), 400), so InvalidInputError messages reach the caller as
a 400 (SageMaker Runtime reports it as ModelError with OriginalStatusCode 400).

torch and transformers are imported inside model_fn so the module imports without them
(unit tests inject a stand-in tokenizer and model through ModelBundle).
"""

import json
import math
from typing import Any, Callable, ContextManager, List, NamedTuple, Optional, Tuple

JSON = "application/json"
BATCH_SIZE = 16
MAX_INPUTS = 256
# Tokenizers without model_max_length report a huge sentinel (int(1e30)).
_UNSET_MAX_LENGTH = 1_000_000


class InvalidInputError(ValueError):
    """A request the client must fix; the toolkit answers it with HTTP 400."""


class ModelBundle(NamedTuple):
    tokenizer: Any
    model: Any
    labels: List[str]
    device: Any
    max_length: int
    inference_mode: Callable[[], ContextManager[Any]]


class Request(NamedTuple):
    inputs: List[str]
    single: bool
    top_k: Optional[int]


def model_fn(model_dir: str) -> ModelBundle:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir)
    model.to(device)
    model.eval()
    config = model.config
    labels = [config.id2label[i] for i in range(config.num_labels)]
    return ModelBundle(
        tokenizer=tokenizer,
        model=model,
        labels=labels,
        device=device,
        max_length=max_sequence_length(tokenizer.model_max_length, config.max_position_embeddings),
        inference_mode=torch.inference_mode,
    )


def max_sequence_length(tokenizer_max: Optional[int], position_embeddings: int) -> int:
    if tokenizer_max is None or tokenizer_max >= _UNSET_MAX_LENGTH:
        return position_embeddings
    return min(tokenizer_max, position_embeddings)


def input_fn(body: Any, content_type: Optional[str]) -> Request:
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != JSON:
        raise InvalidInputError(f"unsupported content type {content_type!r}: send {JSON}")
    if isinstance(body, (bytes, bytearray)):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInputError(f"request body is not UTF-8: {error}") from None
    try:
        payload = json.loads(body)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"request body is not valid JSON: {error}") from None

    parameters: Any = None
    if isinstance(payload, dict):
        unknown = sorted(set(payload) - {"inputs", "parameters"})
        if unknown:
            raise InvalidInputError(f"unknown field(s) {unknown}: expected 'inputs' and optional 'parameters'")
        if "inputs" not in payload:
            raise InvalidInputError("missing field 'inputs' (a string or a list of strings)")
        inputs = payload["inputs"]
        parameters = payload.get("parameters")
    else:
        inputs = payload
    texts, single = _parse_inputs(inputs)
    return Request(inputs=texts, single=single, top_k=_parse_top_k(parameters))


def _parse_inputs(inputs: Any) -> Tuple[List[str], bool]:
    if isinstance(inputs, str):
        return [inputs], True
    if not isinstance(inputs, list):
        raise InvalidInputError(f"'inputs' must be a string or a list of strings, got {type(inputs).__name__}")
    if not inputs:
        raise InvalidInputError("'inputs' must not be an empty list")
    if len(inputs) > MAX_INPUTS:
        raise InvalidInputError(f"'inputs' has {len(inputs)} items, at most {MAX_INPUTS} are allowed")
    for index, text in enumerate(inputs):
        if not isinstance(text, str):
            raise InvalidInputError(f"inputs[{index}] must be a string, got {type(text).__name__}")
    return list(inputs), False


def _parse_top_k(parameters: Any) -> Optional[int]:
    if parameters is None:
        return None
    if not isinstance(parameters, dict):
        raise InvalidInputError("'parameters' must be an object")
    unknown = sorted(set(parameters) - {"top_k"})
    if unknown:
        raise InvalidInputError(f"unsupported parameter(s) {unknown}: only 'top_k' is accepted")
    top_k = parameters.get("top_k")
    if top_k is None:
        return None
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise InvalidInputError("'parameters.top_k' must be a positive integer or null")
    return top_k


def predict_fn(data: Request, bundle: ModelBundle) -> Any:
    texts = data.inputs
    # Batching texts of similar length keeps padding (and wasted compute) small.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    results: List[Any] = [None] * len(texts)
    with bundle.inference_mode():
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            encoded = bundle.tokenizer(
                [texts[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=bundle.max_length,
                return_tensors="pt",
            ).to(bundle.device)
            logits = bundle.model(**encoded).logits.tolist()
            for index, row in zip(batch, logits):
                results[index] = _ranked(row, bundle.labels)[: data.top_k]
    return results[0] if data.single else results


def _ranked(logits: List[float], labels: List[str]) -> List[dict]:
    peak = max(logits)
    exps = [math.exp(value - peak) for value in logits]
    total = sum(exps)
    scored = [{"label": label, "score": float(e / total)} for label, e in zip(labels, exps)]
    return sorted(scored, key=lambda item: item["score"], reverse=True)


def output_fn(prediction: Any, accept: Optional[str]) -> str:
    media_type = (accept or JSON).split(";")[0].strip().lower()
    if media_type not in (JSON, "*/*"):
        raise InvalidInputError(f"unsupported accept type {accept!r}: only {JSON} is produced")
    return json.dumps(prediction)
