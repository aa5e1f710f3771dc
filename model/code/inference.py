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
import os
import warnings
from typing import Any, Callable, ContextManager, List, Mapping, NamedTuple, Optional, Sequence, Tuple

JSON = "application/json"
MAX_INPUTS = 256
# Length grouping (plan_batches): a batch holds at most this many texts and padded tokens, and a
# new batch starts where joining the current one would add more padding tokens than one extra
# forward pass costs (measured on CPU for BERT-base: a call's fixed cost is about that of 32 tokens).
MAX_BATCH_TEXTS = 64
MAX_BATCH_TOKENS = 8192
BATCH_OVERHEAD_TOKENS = 32
# Set by the deployment (lib/container-env.ts) on the SageMaker model and by local mode.
QUANTIZATION_ENV = "MODEL_QUANTIZATION"
QUANTIZATIONS = ("none", "dynamic-int8")
THREADS_ENV = "MODEL_TORCH_THREADS"
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
    quantization = quantization_from_env(os.environ)
    threads = threads_from_env(os.environ)
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if threads is not None:
        torch.set_num_threads(threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir)
    model.to(device)
    model.eval()
    if quantization == "dynamic-int8" and device.type == "cpu":
        with warnings.catch_warnings():
            # torch >= 2.10 flags torch.ao.quantization as deprecated; the DLCs' torch 2.6 does not.
            warnings.simplefilter("ignore")
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
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


def quantization_from_env(env: Mapping[str, str]) -> str:
    value = env.get(QUANTIZATION_ENV, "") or "none"
    if value not in QUANTIZATIONS:
        raise ValueError(f"{QUANTIZATION_ENV}={value!r}: must be one of {', '.join(QUANTIZATIONS)}")
    return value


def threads_from_env(env: Mapping[str, str]) -> Optional[int]:
    value = env.get(THREADS_ENV, "")
    if value == "":
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{THREADS_ENV}={value!r}: must be a positive whole number")
    return int(value)


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
    results: List[Any] = [None] * len(texts)
    with bundle.inference_mode():
        counted = bundle.tokenizer(texts, truncation=True, max_length=bundle.max_length)
        lengths = [len(ids) for ids in counted["input_ids"]]
        for batch in plan_batches(lengths):
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


def plan_batches(
    lengths: Sequence[int],
    max_texts: int = MAX_BATCH_TEXTS,
    max_tokens: int = MAX_BATCH_TOKENS,
    overhead_tokens: int = BATCH_OVERHEAD_TOKENS,
) -> List[List[int]]:
    """Groups text indices by token length so that each batch pads little.

    Texts are taken shortest first; the next text joins the current batch unless that would pad
    the batch's texts by more than `overhead_tokens` in all, or exceed `max_texts` texts or
    `max_tokens` padded tokens. Every index appears exactly once.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: List[List[int]] = []
    current: List[int] = []
    for index in order:
        if current:
            width = lengths[index]
            added_padding = len(current) * (width - lengths[current[-1]])
            too_big = len(current) + 1 > max_texts or (len(current) + 1) * width > max_tokens
            if added_padding > overhead_tokens or too_big:
                batches.append(current)
                current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


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
