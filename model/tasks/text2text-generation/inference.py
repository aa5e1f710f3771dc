"""Handlers for text-to-text generation (AutoModelForSeq2SeqLM: T5, Flan-T5, BART, ...).

Written against the model class and generate(), not pipeline(): transformers 5 removed the
text2text-generation pipeline, while the inference container runs 4.x. Inputs longer than the
encoder's window are truncated; batches of similar length are generated together.

Request:  {"inputs": str | [str, ...], "parameters": {"max_new_tokens": 1-512, "num_beams": 1-8,
           "do_sample": bool, "temperature": 0-2, "top_p": 0-1}}
Response: {"generated_text"} per input (a list of them for a list input).
"""

from typing import Any, Dict, List, NamedTuple, Optional

from task_common import (
    BATCH_SIZE,
    Runtime,
    as_list,
    bool_parameter,
    check_parameters,
    complete,
    decode_json,
    encode_json,
    float_parameter,
    int_parameter,
    length_sorted_batches,
    max_sequence_length,
    require_string,
    split_envelope,
    torch_runtime,
)

DEFAULT_MAX_NEW_TOKENS = 64
PARAMETERS = ("max_new_tokens", "num_beams", "do_sample", "temperature", "top_p")


class ModelBundle(NamedTuple):
    tokenizer: Any
    model: Any
    runtime: Runtime
    max_length: int


class Request(NamedTuple):
    texts: List[str]
    single: bool
    generation: Dict[str, Any]


def model_fn(model_dir: str) -> ModelBundle:
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    runtime = torch_runtime()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir)
    model.to(runtime.device)
    model.eval()
    # T5 has relative positions (no position-embedding limit): the tokenizer's 512 is the window.
    positions = getattr(model.config, "max_position_embeddings", None)
    return ModelBundle(tokenizer, model, runtime, max_sequence_length(tokenizer.model_max_length, positions))


def input_fn(body: Any, content_type: Optional[str]) -> Request:
    payload = decode_json(body, content_type)
    inputs, parameters = split_envelope(payload, "a string or a list of strings")
    check_parameters(parameters, PARAMETERS)
    raw, single = as_list(inputs, "strings")
    texts = [require_string(text, "inputs" if single else f"inputs[{i}]") for i, text in enumerate(raw)]
    return Request(texts, single, generation_arguments(parameters))


def generation_arguments(parameters: Dict[str, Any]) -> Dict[str, Any]:
    """The bounded generate() arguments; sampling knobs only when sampling (else generate warns)."""
    arguments: Dict[str, Any] = {
        "max_new_tokens": int_parameter(parameters, "max_new_tokens", 1, 512, DEFAULT_MAX_NEW_TOKENS),
        "num_beams": int_parameter(parameters, "num_beams", 1, 8, 1),
    }
    temperature = float_parameter(parameters, "temperature", 0.0, 2.0, None)
    top_p = float_parameter(parameters, "top_p", 0.0, 1.0, None)
    # Temperature 0 is the limit of sampling: the most likely token, i.e. greedy search.
    do_sample = bool_parameter(parameters, "do_sample", False) and temperature != 0.0
    arguments["do_sample"] = do_sample
    if do_sample:
        if temperature is not None:
            arguments["temperature"] = temperature
        if top_p is not None:
            arguments["top_p"] = top_p
    return arguments


def predict_fn(data: Request, bundle: ModelBundle) -> Any:
    texts = data.texts
    results: List[Any] = [None] * len(texts)
    # Beams multiply the rows generate() carries; keep the work per batch about constant.
    batch_size = max(1, BATCH_SIZE // data.generation["num_beams"])
    with bundle.runtime.inference_mode():
        for batch in length_sorted_batches([len(text) for text in texts], batch_size):
            encoded = bundle.tokenizer(
                [texts[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=bundle.max_length,
                return_tensors="pt",
            ).to(bundle.runtime.device)
            output = bundle.model.generate(**encoded, **data.generation)
            decoded = bundle.tokenizer.batch_decode(output, skip_special_tokens=True)
            for index, text in zip(batch, decoded):
                results[index] = {"generated_text": text}
    complete(results, len(texts))
    return results[0] if data.single else results


def output_fn(prediction: Any, accept: Optional[str]) -> str:
    return encode_json(prediction, accept)
