"""Handlers for the SageMaker Hugging Face inference toolkit (text classification).

The toolkit imports this module from /opt/ml/model/code and calls model_fn once, then
input_fn -> predict_fn -> output_fn per request. Its handler wraps any exception raised here
in PredictionException(str(error), 400), so InvalidInputError messages reach the caller as
a 400 (SageMaker Runtime reports it as ModelError with OriginalStatusCode 400).

torch and transformers are imported inside model_fn so the module imports without them
(unit tests inject a stand-in tokenizer and model through ModelBundle).
"""

import contextlib
import fcntl
import json
import math
import os
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, Callable, ContextManager, Dict, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple, TypeVar

JSON = "application/json"
MAX_INPUTS = 256
# Length grouping (plan_batches): a batch holds at most this many texts and padded tokens, and a
# new batch starts where joining the current one would add more padding tokens than one extra
# forward pass costs (measured on CPU for BERT-base: a call's fixed cost is about that of 32 tokens).
MAX_BATCH_TEXTS = 64
MAX_BATCH_TOKENS = 8192
BATCH_OVERHEAD_TOKENS = 32
# Feed-forward pieces (chunk_feed_forward): the rows of one piece, and the rows of a pass from which
# it splits them.
FEED_FORWARD_ROWS = 32
FEED_FORWARD_SPLIT_ABOVE = 64
# Set by the deployment (lib/container-env.ts) on the SageMaker model and by local mode.
QUANTIZATION_ENV = "MODEL_QUANTIZATION"
QUANTIZATIONS = ("none", "dynamic-int8")
THREADS_ENV = "MODEL_TORCH_THREADS"
IDLE_THREADS_ENV = "MODEL_TORCH_IDLE_THREADS"
# Where the workers of one container mark themselves busy (one empty file per busy worker's pid).
BUSY_DIR_ENV = "MODEL_BUSY_DIR"
# Tokenizers without model_max_length report a huge sentinel (int(1e30)).
_UNSET_MAX_LENGTH = 1_000_000
T = TypeVar("T")


class InvalidInputError(ValueError):
    """A request the client must fix; the toolkit answers it with HTTP 400."""


class ThreadShare:
    """How one model-server worker spreads its forward passes over the vCPUs it may use.

    The container runs one single-threaded worker per vCPU, which serves overlapping requests best;
    a request that finds the other workers idle may use `idle` vCPUs instead, so a lone large
    request is not held to one core. Each worker marks itself busy with a file named after its pid
    in `directory` for the whole request. Its passes then run in waves, each under a lock on
    `directory`/cpu.lock: exclusive when no other worker is marked busy and none holds the lock,
    else shared. An exclusive wave runs `idle // base` passes side by side, one per lane (a thread
    with `base` torch threads), or a request's last pass alone with `idle` torch threads; a shared
    wave runs one pass with `base` threads. A request arriving during an exclusive wave waits for
    that wave to end instead of running beside it on cores it already fills.
    """

    def __init__(self, directory: str, base: int, idle: int, set_threads: Callable[[int], None]) -> None:
        self.directory = directory
        self.base = base
        self.idle = max(idle, base)
        self.set_threads = set_threads
        self.mark = os.path.join(directory, str(os.getpid()))
        os.makedirs(directory, exist_ok=True)
        self.lock = os.open(os.path.join(directory, "cpu.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        self.lanes = max(1, self.idle // self.base)
        self._pool: Optional[ThreadPoolExecutor] = None

    def __enter__(self) -> "ThreadShare":
        with open(self.mark, "w"):
            pass
        return self

    def __exit__(self, *_: Any) -> None:
        try:
            os.remove(self.mark)
        except FileNotFoundError:
            pass

    def busy_workers(self) -> int:
        busy = 0
        for entry in os.scandir(self.directory):
            if entry.name.isdigit() and _alive(int(entry.name)):
                busy += 1
        return max(busy, 1)

    def run(self, forward: Callable[[int], T], costs: Sequence[int]) -> List[T]:
        """Calls forward(i) for every pass i, costliest first; returns the results in pass order."""
        results: Dict[int, T] = {}
        pending = sorted(range(len(costs)), key=lambda i: -costs[i])
        while pending:
            with self._wave() as exclusive:
                if exclusive and self.lanes > 1 and len(pending) > 1:
                    wave, pending = pending[: self.lanes], pending[self.lanes :]
                    lanes = {i: self._pool_of_lanes().submit(self._in_lane, forward, i) for i in wave}
                    # Every lane ends before the lock is let go, even when one of them fails.
                    wait(lanes.values())
                    results.update((i, lane.result()) for i, lane in lanes.items())
                else:
                    self.set_threads(self.idle if exclusive else self.base)
                    results[pending[0]] = forward(pending[0])
                    pending = pending[1:]
        return [results[i] for i in range(len(costs))]

    @contextlib.contextmanager
    def _wave(self) -> Iterator[bool]:
        """Holds the CPU lock for one wave; yields whether it is exclusive."""
        exclusive = False
        if self.idle > self.base and self.busy_workers() == 1:
            try:
                fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                exclusive = True
            except BlockingIOError:
                pass
        if not exclusive:
            fcntl.flock(self.lock, fcntl.LOCK_SH)
        try:
            yield exclusive
        finally:
            fcntl.flock(self.lock, fcntl.LOCK_UN)

    def _in_lane(self, forward: Callable[[int], T], index: int) -> T:
        # torch keeps an intra-op thread count per calling thread: set the lane's own.
        self.set_threads(self.base)
        return forward(index)

    def _pool_of_lanes(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.lanes, thread_name_prefix="model-lane")
        return self._pool


def _alive(pid: int) -> bool:
    # A worker that died while busy leaves its mark behind; it must not keep the others at one thread.
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


class ModelBundle(NamedTuple):
    tokenizer: Any
    model: Any
    labels: List[str]
    device: Any
    max_length: int
    inference_mode: Callable[[], ContextManager[Any]]
    # None: torch's thread count is left as it is (GPU, or MODEL_TORCH_THREADS unset).
    threads: Optional[ThreadShare] = None


class Request(NamedTuple):
    inputs: List[str]
    single: bool
    top_k: Optional[int]


def model_fn(model_dir: str) -> ModelBundle:
    quantization = quantization_from_env(os.environ)
    threads = threads_from_env(os.environ, THREADS_ENV)
    idle_threads = threads_from_env(os.environ, IDLE_THREADS_ENV)
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if threads is not None:
        torch.set_num_threads(threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    share = None
    if threads is not None and device.type == "cpu":
        busy_dir = os.environ.get(BUSY_DIR_ENV) or os.path.join(tempfile.gettempdir(), "model-busy-workers")
        share = ThreadShare(busy_dir, threads, idle_threads or threads, torch.set_num_threads)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir)
    model.to(device)
    model.eval()
    if quantization == "dynamic-int8" and device.type == "cpu":
        if cpu_has_amx() and "onednn" in torch.backends.quantized.supported_engines:
            # oneDNN runs int8 Linear layers on AMX tiles (Sapphire Rapids: ml.*7i); fbgemm, the x86
            # default, does not use them. Measured 1.6x the mixed batch's texts/s; see model/README.md.
            torch.backends.quantized.engine = "onednn"
        with warnings.catch_warnings():
            # torch >= 2.10 flags torch.ao.quantization as deprecated; the DLCs' torch 2.6 does not.
            warnings.simplefilter("ignore")
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
        chunk_feed_forward(model, torch.cat)
    config = model.config
    labels = [config.id2label[i] for i in range(config.num_labels)]
    return ModelBundle(
        tokenizer=tokenizer,
        model=model,
        labels=labels,
        device=device,
        max_length=max_sequence_length(tokenizer.model_max_length, config.max_position_embeddings),
        inference_mode=torch.inference_mode,
        threads=share,
    )


def chunk_feed_forward(
    model: Any, concat: Callable[[List[Any]], Any], rows: int = FEED_FORWARD_ROWS, above: int = FEED_FORWARD_SPLIT_ABOVE
) -> int:
    """Runs each layer's feed-forward block on at most `rows` token rows at a time; returns the layers.

    The block (Linear to the 3072-wide intermediate, GELU, Linear back, LayerNorm) treats every
    token row alone: in float the pieces give the same numbers, in int8 each piece's activations get
    their own quantization scale. With int8 Linear layers on CPU a 256-token pass ran ~1.9x faster in
    pieces of 32 rows, whose intermediate activations stay in the core's cache (model/README.md).
    Layers that expose transformers' `feed_forward_chunk` (BERT, RoBERTa, ELECTRA and their kin)
    are split; others run as they are.
    """
    wrapped = 0
    for module in model.modules():
        block = getattr(module, "feed_forward_chunk", None)
        if callable(block):
            module.feed_forward_chunk = _row_pieces(block, concat, rows, above)
            wrapped += 1
    return wrapped


def _row_pieces(block: Callable[[Any], Any], concat: Callable[[List[Any]], Any], rows: int, above: int) -> Callable[[Any], Any]:
    def run(hidden: Any) -> Any:
        flat = hidden.reshape(-1, hidden.shape[-1])
        if flat.shape[0] <= above:
            return block(hidden)
        out = concat([block(piece) for piece in flat.split(rows)])
        return out.reshape(*hidden.shape[:-1], out.shape[-1])

    return run


def cpu_has_amx(cpuinfo: str = "/proc/cpuinfo") -> bool:
    try:
        with open(cpuinfo, encoding="ascii", errors="replace") as handle:
            return any(line.startswith("flags") and "amx_int8" in line.split() for line in handle)
    except OSError:
        return False


def quantization_from_env(env: Mapping[str, str]) -> str:
    value = env.get(QUANTIZATION_ENV, "") or "none"
    if value not in QUANTIZATIONS:
        raise ValueError(f"{QUANTIZATION_ENV}={value!r}: must be one of {', '.join(QUANTIZATIONS)}")
    return value


def threads_from_env(env: Mapping[str, str], name: str) -> Optional[int]:
    value = env.get(name, "")
    if value == "":
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name}={value!r}: must be a positive whole number")
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
    share = bundle.threads
    with share or contextlib.nullcontext():
        lengths = [len(ids) for ids in bundle.tokenizer(texts, truncation=True, max_length=bundle.max_length)["input_ids"]]
        batches = plan_batches(lengths)
        # All tokenized here, none in the lanes: a fast tokenizer refuses calls from two threads at once.
        encoded = [
            bundle.tokenizer(
                [texts[i] for i in batch], padding=True, truncation=True, max_length=bundle.max_length, return_tensors="pt"
            ).to(bundle.device)
            for batch in batches
        ]

        def forward(index: int) -> List[List[float]]:
            # inference_mode holds per thread, so each lane enters it.
            with bundle.inference_mode():
                return bundle.model(**encoded[index]).logits.tolist()

        if share:
            logits = share.run(forward, [len(batch) * max(lengths[i] for i in batch) for batch in batches])
        else:
            logits = [forward(index) for index in range(len(batches))]
    results: List[Any] = [None] * len(texts)
    for batch, rows in zip(batches, logits):
        for index, row in zip(batch, rows):
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
