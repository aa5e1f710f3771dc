"""Stand-ins for a Hugging Face tokenizer and sequence-classification model (no torch)."""

import contextlib
import importlib.util
import pathlib
import sys
import threading
from types import ModuleType, SimpleNamespace
from typing import Any, Dict, List

INFERENCE_PATH = pathlib.Path(__file__).resolve().parents[1] / "code" / "inference.py"
LABELS = ["Neutral", "Positive", "Negative"]


def load_inference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("inference", INFERENCE_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # A __pycache__ inside model/code would end up in the packed archive.
    previous, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = previous
    return module


class FakeEncoding(dict):
    def __init__(self, texts: List[str]) -> None:
        super().__init__(texts=texts)
        self.device: Any = None

    def to(self, device: Any) -> "FakeEncoding":
        self.device = device
        return self


class FakeTokenizer:
    """Counts one token per word plus [CLS] and [SEP], truncated to max_length."""

    def __init__(self) -> None:
        self.counts: List[List[str]] = []
        self.calls: List[Dict[str, Any]] = []

    def __call__(self, texts: List[str], **kwargs: Any) -> Any:
        if "return_tensors" not in kwargs:
            self.counts.append(list(texts))
            return {"input_ids": [[0] * self.length(text, kwargs["max_length"]) for text in texts]}
        self.calls.append({"texts": list(texts), **kwargs})
        return FakeEncoding(list(texts))

    @staticmethod
    def length(text: str, max_length: int) -> int:
        return min(len(text.split()) + 2, max_length)


class FakeTensor:
    def __init__(self, rows: List[List[float]]) -> None:
        self.rows = rows

    def tolist(self) -> List[List[float]]:
        return self.rows


class FakeModel:
    """Logits follow keywords, so each text's expected ranking is known."""

    def __init__(self, mode: "InferenceModeSpy") -> None:
        self.mode = mode
        self.calls_outside_mode = 0

    def __call__(self, texts: List[str]) -> SimpleNamespace:
        if not self.mode.active:
            self.calls_outside_mode += 1
        return SimpleNamespace(logits=FakeTensor([self.logits(text) for text in texts]))

    @staticmethod
    def logits(text: str) -> List[float]:
        if "great" in text:
            return [1.0, 4.0, 0.0]
        if "awful" in text:
            return [0.5, -1.0, 3.0]
        return [2.0, 0.0, 1.0]


class InferenceModeSpy:
    """Like torch.inference_mode: on in the thread that entered it only."""

    def __init__(self) -> None:
        self._threads = threading.local()
        self.entered = 0

    @property
    def active(self) -> bool:
        return getattr(self._threads, "active", False)

    @contextlib.contextmanager
    def __call__(self):
        self.entered += 1
        self._threads.active = True
        try:
            yield
        finally:
            self._threads.active = False
