"""Loads model/tasks/<task>/inference.py the way its archive's code/ directory is laid out:
task_common.py beside it, importable because code/ is on sys.path (toolkit and local server)."""

import importlib.util
import pathlib
import sys
from types import ModuleType

TASKS_DIR = pathlib.Path(__file__).resolve().parents[1] / "tasks"
HAS_TORCH = all(importlib.util.find_spec(name) for name in ("torch", "transformers"))


def load_task(task: str) -> ModuleType:
    if str(TASKS_DIR) not in sys.path:
        sys.path.insert(0, str(TASKS_DIR))
    spec = importlib.util.spec_from_file_location(f"{task.replace('-', '_')}_inference", TASKS_DIR / task / "inference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # No __pycache__ next to the code that gets copied into archives.
    previous, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = previous
    return module
