"""Handlers for sentence-pair classification (AutoModelForSequenceClassification on text pairs).

Paraphrase (MRPC), entailment (MNLI) and similar models read both texts in one sequence,
`[CLS] text [SEP] text_pair [SEP]`, with token type ids telling them apart. A pair longer than
the model's window is truncated from the longer text first, never refused.

Request:  {"inputs": {"text", "text_pair"} | [{"text", "text_pair"}, ...], "parameters": {"top_k": int}}
Response: per pair, every label (or the top_k) with its score, highest first (a list of such
          lists for a list input). Scores are a softmax; a one-logit model gets a sigmoid.
"""

from typing import Any, Dict, List, NamedTuple, Optional

from task_common import (
    BATCH_SIZE,
    InvalidInputError,
    Runtime,
    as_list,
    check_parameters,
    complete,
    decode_json,
    encode_json,
    length_sorted_batches,
    max_sequence_length,
    ranked,
    require_fields,
    split_envelope,
    torch_runtime,
)

FIELDS = ("text", "text_pair")


class ModelBundle(NamedTuple):
    tokenizer: Any
    model: Any
    labels: List[str]
    runtime: Runtime
    max_length: int


class Request(NamedTuple):
    pairs: List[Dict[str, str]]
    single: bool
    top_k: Optional[int]


def model_fn(model_dir: str) -> ModelBundle:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    runtime = torch_runtime()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir)
    model.to(runtime.device)
    model.eval()
    config = model.config
    labels = [config.id2label[i] for i in range(config.num_labels)]
    limit = max_sequence_length(tokenizer.model_max_length, getattr(config, "max_position_embeddings", None))
    return ModelBundle(tokenizer, model, labels, runtime, limit)


def input_fn(body: Any, content_type: Optional[str]) -> Request:
    payload = decode_json(body, content_type)
    inputs, parameters = split_envelope(payload, "an object with 'text' and 'text_pair', or a list of them", bare_objects=True)
    check_parameters(parameters, ("top_k",))
    raw, single = as_list(inputs, "objects with 'text' and 'text_pair'")
    pairs = [require_fields(pair, "inputs" if single else f"inputs[{i}]", FIELDS) for i, pair in enumerate(raw)]
    return Request(pairs, single, _top_k(parameters.get("top_k")))


def _top_k(value: Any) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError("'parameters.top_k' must be a positive integer or null")
    return value


def predict_fn(data: Request, bundle: ModelBundle) -> Any:
    pairs = data.pairs
    results: List[Any] = [None] * len(pairs)
    lengths = [len(pair["text"]) + len(pair["text_pair"]) for pair in pairs]
    with bundle.runtime.inference_mode():
        for batch in length_sorted_batches(lengths, BATCH_SIZE):
            encoded = bundle.tokenizer(
                [pairs[i]["text"] for i in batch],
                [pairs[i]["text_pair"] for i in batch],
                padding=True,
                truncation="longest_first",
                max_length=bundle.max_length,
                return_tensors="pt",
            ).to(bundle.runtime.device)
            logits = bundle.model(**encoded).logits.float().tolist()
            for index, row in zip(batch, logits):
                results[index] = ranked(row, bundle.labels)[: data.top_k]
    complete(results, len(pairs))
    return results[0] if data.single else results


def output_fn(prediction: Any, accept: Optional[str]) -> str:
    return encode_json(prediction, accept)
