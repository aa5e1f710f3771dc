"""Memory of one model-server worker against the size of the weights it loads.

Usage: python bench/model_memory.py MODEL_DIR
Runs model/code/inference.py (model_fn, then predict_fn on the largest request the API lets through:
32 texts of 512 tokens) once per quantization, each in a fresh process, and prints the resident set
size after importing torch and transformers, after loading, and at its peak, next to the size of the
weights files. lib/instance-choice.ts sizes instances from these figures (see the README's
"Instance choice").
"""
import json
import os
import resource
import subprocess
import sys

WEIGHTS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def child(model_dir: str) -> None:
    sys.path.insert(0, os.path.join(model_dir, "code"))
    baseline = rss_mb()
    import torch  # noqa: F401
    import transformers  # noqa: F401
    import inference

    imported = rss_mb()
    bundle = inference.model_fn(model_dir)
    loaded = rss_mb()
    words = "operating profit rose to eur 13.1 mn from eur 8.7 mn in the corresponding period".split()
    text = " ".join(words[i % len(words)] for i in range(600))
    request = inference.input_fn(json.dumps({"inputs": [text] * 32}), "application/json")
    inference.predict_fn(request, bundle)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"interpreterMb": baseline, "importedMb": imported, "loadedMb": loaded, "peakMb": peak}))


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    model_dir = sys.argv[1]
    weights = sum(
        os.path.getsize(os.path.join(model_dir, name)) for name in os.listdir(model_dir) if name.endswith(WEIGHTS_SUFFIXES)
    )
    print(f"weights: {weights / 2**20:.0f} MiB")
    for quantization in ("none", "dynamic-int8"):
        env = {**os.environ, "MODEL_QUANTIZATION": quantization, "MODEL_TORCH_THREADS": "1"}
        out = subprocess.run([sys.executable, __file__, "--child", model_dir], env=env, check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        model_part = r["peakMb"] - r["importedMb"]
        print(
            f"{quantization:>12}: imports {r['importedMb']:.0f} MiB, loaded {r['loadedMb']:.0f} MiB, peak {r['peakMb']:.0f} MiB; "
            f"peak - imports = {model_part:.0f} MiB = {model_part / (weights / 2**20):.2f} x weights"
        )


if __name__ == "__main__":
    main()
