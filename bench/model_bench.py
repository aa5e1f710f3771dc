"""Model benchmark worker for bench/model.ts (needs torch and transformers; runs offline).

  model_bench.py build DIR           a BERT-base classifier of FinBERT tone's shape, random weights
  model_bench.py run DIR VARIANT T I one variant's timings, one JSON line; VARIANT is seed (a
                                     text-classification pipeline, all scores, text by text, no
                                     truncation, T torch threads), project (model/code/inference.py as
                                     the container runs it: MODEL_TORCH_THREADS=T, MODEL_TORCH_IDLE_THREADS=I)
                                     or project-int8 (the same with MODEL_QUANTIZATION=dynamic-int8)
  model_bench.py accel DIR            on the device model_fn picks (a GPU where torch sees one): the seed
                                     text by text, then the project's path in float32 and (GPU only)
                                     float16 at several batch sizes, on 256 mixed texts; one JSON line
  model_bench.py serve DIR W T I C N [P]
                                     W worker processes with T torch threads each (I while the others
                                     are idle), C concurrent clients sending N requests of P: single
                                     (one 30-word text, float; the default) or mixed-int8 (the 32
                                     mixed texts, int8); one JSON line

Every variant runs in its own process, so its peak memory (ru_maxrss) is its own.
"""

import functools
import json
import os
import random
import resource
import statistics
import string
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import get_context

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INFERENCE_PATH = os.path.join(ROOT, "model", "code", "inference.py")
LABELS = {0: "Neutral", 1: "Positive", 2: "Negative"}
FINBERT_VOCAB_SIZE = 30873
WORDS = """the company said its operating profit rose to eur million from a year earlier net sales
increased by percent in the third quarter while costs fell and margins improved the board expects
revenue to grow next year but warned that demand in europe remains weak shares of the bank dropped
after analysts cut their rating on lower guidance and higher credit losses the group will cut jobs
at its finnish plant as orders decline earnings per share were stable cash flow was strong""".split()
MIXED_TEXTS = 32
SINGLE_WORDS = 30
MIXED_PASSES = 2
SINGLE_RUNS = 30


def texts():
    rng = random.Random(11)
    # Word counts spread log-uniformly over 5..400, so short texts dominate as in real traffic.
    counts = sorted(int(round(5 * (400 / 5) ** (i / (MIXED_TEXTS - 1)))) for i in range(MIXED_TEXTS))
    rng.shuffle(counts)
    mixed = [" ".join(rng.choice(WORDS) for _ in range(n)) for n in counts]
    single = " ".join(rng.choice(WORDS) for _ in range(SINGLE_WORDS))
    return mixed, single


def build(model_dir):
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    os.makedirs(model_dir, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(set(WORDS)) + list(string.ascii_lowercase)
    rng = random.Random(1234)
    seen = set(vocab)
    while len(vocab) < FINBERT_VOCAB_SIZE:
        token = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 9)))
        if token not in seen:
            seen.add(token)
            vocab.append(token)
    with open(os.path.join(model_dir, "vocab.txt"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(vocab) + "\n")
    BertTokenizerFast(os.path.join(model_dir, "vocab.txt"), do_lower_case=True, model_max_length=512).save_pretrained(model_dir)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                        intermediate_size=3072, max_position_embeddings=512, num_labels=3, id2label=LABELS,
                        label2id={v: k for k, v in LABELS.items()})
    BertForSequenceClassification(config).eval().save_pretrained(model_dir)


def load_inference():
    import importlib.util

    spec = importlib.util.spec_from_file_location("inference", INFERENCE_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.dont_write_bytecode = True
    spec.loader.exec_module(module)
    return module


def seed_classifier(model_dir, device="cpu"):
    from transformers import pipeline

    classify = pipeline("text-classification", model=model_dir, tokenizer=model_dir, top_k=None, device=device)

    def one(text):
        ranked = classify(text)
        # transformers 5 wraps a single text's ranking in a list; 4.x does not.
        return ranked[0] if ranked and isinstance(ranked[0], list) else ranked

    return lambda batch: [one(text) for text in batch]


def project_classifier(model_dir):
    inference = load_inference()
    bundle = inference.model_fn(model_dir)

    def classify(batch):
        request = inference.input_fn(json.dumps({"inputs": batch}), "application/json")
        return json.loads(inference.output_fn(inference.predict_fn(request, bundle), "application/json"))

    return classify


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-p * len(ordered) // 100) - 1))]


def use_threads(threads, idle_threads, busy_dir):
    os.environ["MODEL_TORCH_THREADS"] = str(threads)
    os.environ["MODEL_TORCH_IDLE_THREADS"] = str(idle_threads)
    os.environ["MODEL_BUSY_DIR"] = busy_dir


def run(model_dir, variant, threads, idle_threads):
    if variant == "project-int8":
        os.environ["MODEL_QUANTIZATION"] = "dynamic-int8"
    use_threads(threads, idle_threads, os.path.join(model_dir, "..", f"busy-{os.getpid()}"))
    import torch

    torch.set_num_threads(threads)

    classify = seed_classifier(model_dir) if variant == "seed" else project_classifier(model_dir)
    mixed, single = texts()
    figures, scores = timed(classify, mixed, single, MIXED_PASSES)
    print(json.dumps({
        "variant": variant,
        # After the runs: the threads the last request used.
        "threads": torch.get_num_threads(),
        "mixedTextsPerSecond": figures["textsPerSecond"],
        "singleP50Ms": figures["singleP50Ms"],
        "singleP99Ms": figures["singleP99Ms"],
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # Label -> score per text, for the agreement between variants.
        "scores": [{item["label"]: item["score"] for item in ranked} for ranked in scores],
    }))


ACCEL_COPIES = 8
ACCEL_PASSES = 3
ACCEL_BATCH_TEXTS = (8, 16, 32, 64, 128)


def accel(model_dir):
    import torch

    inference = load_inference()
    mixed, single = texts()
    many = mixed * ACCEL_COPIES
    rows = []
    seed = seed_classifier(model_dir, 0 if torch.cuda.is_available() else "cpu")
    rows.append({"variant": "seed", "dtype": "float32", **timed(seed, many, single, ACCEL_PASSES)[0]})
    bundle = inference.model_fn(model_dir)
    on_gpu = bundle.device.type == "cuda"

    def classify(batch):
        request = inference.input_fn(json.dumps({"inputs": batch}), "application/json")
        return inference.predict_fn(request, bundle)

    plan_batches = inference.plan_batches
    for dtype in ("float32", "float16") if on_gpu else ("float32",):
        if dtype == "float16":
            bundle = bundle._replace(model=bundle.model.half())
        for batch_texts in ACCEL_BATCH_TEXTS:
            # Batches cut by size only: a GPU pass costs far more than a few padding tokens. plan_batches'
            # limits are default arguments, bound when it was defined, so predict_fn gets a new function.
            inference.plan_batches = functools.partial(
                plan_batches, max_texts=batch_texts, max_tokens=batch_texts * bundle.max_length, overhead_tokens=10**9
            )
            if on_gpu:
                torch.cuda.reset_peak_memory_stats()
            figures, _ = timed(classify, many, single, ACCEL_PASSES)
            row = {"variant": "project", "dtype": dtype, "batchTexts": batch_texts, **figures}
            row["peakDeviceMb"] = torch.cuda.max_memory_allocated() / 2**20 if on_gpu else None
            rows.append(row)
    device = torch.cuda.get_device_name(0) if on_gpu else "cpu"
    print(json.dumps({"device": device, "texts": len(many), "rows": rows}))


def timed(classify, many, single, passes):
    """Texts/s over `many` (median of `passes`) and single-text latency; also the last pass's result."""
    classify(many[:2])
    seconds = []
    for _ in range(passes):
        started = time.perf_counter()
        result = classify(many)
        seconds.append(time.perf_counter() - started)
    for _ in range(3):
        classify([single])
    latencies = []
    for _ in range(SINGLE_RUNS):
        started = time.perf_counter()
        classify([single])
        latencies.append((time.perf_counter() - started) * 1000)
    figures = {
        "textsPerSecond": len(many) / statistics.median(seconds),
        "singleP50Ms": percentile(latencies, 50),
        "singleP99Ms": percentile(latencies, 99),
    }
    return figures, result


_worker = {}


def _serve_init(model_dir, threads, idle_threads, busy_dir, quantization):
    use_threads(threads, idle_threads, busy_dir)
    os.environ["MODEL_QUANTIZATION"] = quantization
    _worker["classify"] = project_classifier(model_dir)


def _serve_one(batch):
    _worker["classify"](batch)


# What each request of `serve` sends, and the quantization the workers run.
PAYLOADS = {"single": ("single", "none"), "mixed-int8": ("mixed", "dynamic-int8")}


def serve(model_dir, workers, threads, idle_threads, clients, requests, payload="single"):
    mixed, single = texts()
    kind, quantization = PAYLOADS[payload]
    batch = [single] if kind == "single" else mixed
    busy_dir = os.path.join(model_dir, "..", f"busy-{os.getpid()}")
    initargs = (model_dir, threads, idle_threads, busy_dir, quantization)
    with get_context("spawn").Pool(workers, initializer=_serve_init, initargs=initargs) as pool:
        pool.map(_serve_one, [[single]] * (workers * 3) + [mixed[:4]] * workers, chunksize=1)
        latencies = []
        lock = threading.Lock()
        remaining = [requests]

        def client():
            while True:
                with lock:
                    if remaining[0] == 0:
                        return
                    remaining[0] -= 1
                started = time.perf_counter()
                pool.apply(_serve_one, (batch,))
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as executor:
            for future in [executor.submit(client) for _ in range(clients)]:
                future.result()
        seconds = time.perf_counter() - started
    print(json.dumps({
        "workers": workers, "threads": threads, "idleThreads": idle_threads, "clients": clients, "requests": requests,
        "payload": payload, "requestsPerSecond": requests / seconds, "textsPerSecond": requests * len(batch) / seconds,
        "p50Ms": percentile(latencies, 50), "p99Ms": percentile(latencies, 99),
    }))


def main(argv):
    command = argv[1] if len(argv) > 1 else ""
    if command == "build" and len(argv) == 3:
        build(argv[2])
    elif command == "run" and len(argv) == 6 and argv[3] in ("seed", "project", "project-int8"):
        run(argv[2], argv[3], int(argv[4]), int(argv[5]))
    elif command == "accel" and len(argv) == 3:
        accel(argv[2])
    elif command == "serve" and len(argv) in (8, 9) and all(p in PAYLOADS for p in argv[8:]):
        serve(argv[2], *(int(value) for value in argv[3:8]), *argv[8:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
