"""Handlers for extractive question answering (AutoModelForQuestionAnswering).

Written against the model class, not pipeline(): transformers 5 removed the question-answering
pipeline, while the inference container runs 4.x. Contexts longer than the window are read in
overlapping windows (`stride` tokens shared between neighbours), never truncated away; an
answer is the context text between the character offsets of its first and last token, so word
pieces come back merged and `start`/`end` index the context as sent, counted in UTF-16 code units
(what JavaScript's string indexes and the API's character limits count; Python counts code points,
so a character outside the BMP, an emoji, counts twice).

Request:  {"inputs": {"question", "context"} | [{"question", "context"}, ...],
           "parameters": {"top_k": 1-20, "max_answer_len": 1-512 tokens}}
Response: per item, up to top_k answers {"answer", "score", "start", "end"}, best first
          (a list of such lists for a list input).
"""

import math
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

from task_common import (
    BATCH_SIZE,
    InvalidInputError,
    Runtime,
    as_list,
    check_parameters,
    complete,
    decode_json,
    encode_json,
    int_parameter,
    length_sorted_batches,
    max_sequence_length,
    require_fields,
    split_envelope,
    torch_runtime,
)

# The question-answering pipeline's defaults: a 384-token window, neighbours sharing 128 tokens.
WINDOW_TOKENS = 384
STRIDE_TOKENS = 128
MAX_TOP_K = 20
DEFAULT_MAX_ANSWER_TOKENS = 30
# Start and end candidates kept per window before pairing them (the n-best of the SQuAD scripts).
N_BEST = 20
PARAMETERS = ("top_k", "max_answer_len")


class ModelBundle(NamedTuple):
    tokenizer: Any
    model: Any
    runtime: Runtime
    max_length: int
    stride: int


class Request(NamedTuple):
    items: List[Dict[str, str]]
    single: bool
    top_k: int
    max_answer_len: int


class Span(NamedTuple):
    score: float
    start: int
    end: int


def model_fn(model_dir: str) -> ModelBundle:
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    runtime = torch_runtime()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    if not tokenizer.is_fast:
        raise RuntimeError(f"{model_dir}: question answering needs a fast tokenizer (tokenizer.json) for character offsets")
    # Logits are read by position, so padding must come after the tokens.
    tokenizer.padding_side = "right"
    model = AutoModelForQuestionAnswering.from_pretrained(model_dir)
    model.to(runtime.device)
    model.eval()
    limit = max_sequence_length(tokenizer.model_max_length, getattr(model.config, "max_position_embeddings", None))
    max_length = min(WINDOW_TOKENS, limit)
    return ModelBundle(tokenizer, model, runtime, max_length, min(STRIDE_TOKENS, max_length // 2))


def input_fn(body: Any, content_type: Optional[str]) -> Request:
    payload = decode_json(body, content_type)
    inputs, parameters = split_envelope(payload, "an object with 'question' and 'context', or a list of them", bare_objects=True)
    check_parameters(parameters, PARAMETERS)
    raw, single = as_list(inputs, "objects with 'question' and 'context'")
    where = (lambda i: "inputs") if single else (lambda i: f"inputs[{i}]")
    items = [require_fields(item, where(i), ("question", "context")) for i, item in enumerate(raw)]
    return Request(
        items=items,
        single=single,
        top_k=int_parameter(parameters, "top_k", 1, MAX_TOP_K, 1),
        max_answer_len=int_parameter(parameters, "max_answer_len", 1, 512, DEFAULT_MAX_ANSWER_TOKENS),
    )


class Window(NamedTuple):
    """A stretch of one item's context that fits the model's window next to its question."""

    item: int
    text: str
    # Character offset of `text` in the item's context.
    base: int
    tokens: int


def context_windows(items: Sequence[Dict[str, str]], bundle: ModelBundle) -> List[Window]:
    """Every context cut at token boundaries into windows sharing `stride` tokens with the next.

    Cut here rather than by the tokenizer's overflow: tokenizers 0.23 returns a single overflow
    for a pair (the rest of a long context is lost), and transformers 5 has no API to add
    special tokens to pre-split ids.
    """
    tokenizer = bundle.tokenizer
    specials = tokenizer.num_special_tokens_to_add(pair=True)
    questions = tokenizer([item["question"] for item in items], add_special_tokens=False)["input_ids"]
    contexts = tokenizer([item["context"] for item in items], add_special_tokens=False, return_offsets_mapping=True)
    windows: List[Window] = []
    for index, item in enumerate(items):
        room = bundle.max_length - len(questions[index]) - specials
        if room <= bundle.stride:
            allowed = bundle.max_length - bundle.stride - specials - 1
            raise InvalidInputError(
                f"inputs[{index}].question is {len(questions[index])} tokens long; at most {allowed} fit the model's window"
            )
        offsets = contexts["offset_mapping"][index]
        if not offsets:
            raise InvalidInputError(f"inputs[{index}].context has no text the model can read")
        begin = 0
        while True:
            end = min(begin + room, len(offsets))
            base = offsets[begin][0]
            windows.append(Window(index, item["context"][base : offsets[end - 1][1]], base, len(questions[index]) + specials + end - begin))
            if end == len(offsets):
                break
            begin = end - bundle.stride
    return windows


def predict_fn(data: Request, bundle: ModelBundle) -> Any:
    tokenizer = bundle.tokenizer
    windows = context_windows(data.items, bundle)
    candidates: List[Dict[Tuple[int, int], float]] = [{} for _ in data.items]
    with bundle.runtime.inference_mode():
        for batch in length_sorted_batches([window.tokens for window in windows], BATCH_SIZE):
            encoded = tokenizer(
                [data.items[windows[w].item]["question"] for w in batch],
                [windows[w].text for w in batch],
                padding=True,
                # A safety net only: re-tokenizing a window's text gives the tokens it was cut from.
                truncation="only_second",
                max_length=bundle.max_length,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
            inputs = {name: encoded[name].to(bundle.runtime.device) for name in tokenizer.model_input_names if name in encoded}
            output = bundle.model(**inputs)
            for row, w in enumerate(batch):
                window = windows[w]
                spans = best_spans(
                    output.start_logits[row].tolist(),
                    output.end_logits[row].tolist(),
                    [sequence == 1 for sequence in encoded.sequence_ids(row)],
                    [tuple(pair) for pair in encoded["offset_mapping"][row].tolist()],
                    data.max_answer_len,
                )
                found = candidates[window.item]
                for span in spans:
                    key = (window.base + span.start, window.base + span.end)
                    # Overlapping windows see the same span: keep its best score.
                    found[key] = max(span.score, found.get(key, 0.0))
    results: List[Any] = [None] * len(data.items)
    for index, (item, found) in enumerate(zip(data.items, candidates)):
        if found:
            best = sorted(found.items(), key=lambda entry: entry[1], reverse=True)[: data.top_k]
            results[index] = [_answer(item["context"], start, end, score) for (start, end), score in best]
    complete(results, len(data.items))
    return results[0] if data.single else results


def _answer(context: str, start: int, end: int, score: float) -> Dict[str, Any]:
    return {"answer": context[start:end], "score": score, "start": utf16_offset(context, start), "end": utf16_offset(context, end)}


def utf16_offset(text: str, index: int) -> int:
    """The UTF-16 code-unit offset of code-point offset `index` in `text` (the API's clients index in UTF-16)."""
    return len(text[:index].encode("utf-16-le", "surrogatepass")) // 2


def _softmax(values: Sequence[float], mask: Sequence[bool]) -> List[float]:
    peak = max(value for value, keep in zip(values, mask) if keep)
    exps = [math.exp(value - peak) if keep else 0.0 for value, keep in zip(values, mask)]
    total = sum(exps)
    return [e / total for e in exps]


def best_spans(
    start_logits: Sequence[float],
    end_logits: Sequence[float],
    is_context: Sequence[bool],
    offsets: Sequence[Tuple[int, int]],
    max_answer_len: int,
) -> List[Span]:
    """The window's best context spans: score is P(start) * P(end), both softmaxed over context tokens."""
    usable = [keep and offsets[i][1] > offsets[i][0] for i, keep in enumerate(is_context)]
    if not any(usable):
        return []
    p_start = _softmax(start_logits, usable)
    p_end = _softmax(end_logits, usable)
    tokens = [i for i, keep in enumerate(usable) if keep]
    starts = sorted(tokens, key=lambda i: p_start[i], reverse=True)[:N_BEST]
    ends = sorted(tokens, key=lambda i: p_end[i], reverse=True)[:N_BEST]
    spans = [
        Span(p_start[s] * p_end[e], offsets[s][0], offsets[e][1])
        for s in starts
        # A one-token span is always allowed, so every window with context has an answer.
        for e in sorted(set(ends) | {s})
        if s <= e < s + max_answer_len
    ]
    return sorted(spans, key=lambda span: span.score, reverse=True)[:N_BEST]


def output_fn(prediction: Any, accept: Optional[str]) -> str:
    return encode_json(prediction, accept)
