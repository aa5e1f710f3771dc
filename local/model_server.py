"""A local stand-in for the Hugging Face inference container (stdlib only).

Serves the SageMaker hosting contract on 127.0.0.1: GET /ping and POST /invocations.
Requests run through the model directory's code/inference.py the way the Hugging Face
inference toolkit (v2.6) runs them: model_fn once per worker, then transform_fn(model, body,
content_type, accept) or input_fn -> predict_fn -> output_fn per request, each given a `context`
when it declares one; transform_fn mixed with the other three is refused. The body is str only
for a Content-Type of exactly application/json or text/csv, else bytes; a missing Content-Type
is passed as None. Every exception raised by those functions is answered with 400 and the
multi-model-server error body. Like the model server, it runs SAGEMAKER_MODEL_SERVER_WORKERS
worker processes (default: one per vCPU), each loading its own model and serving one request at
a time.

Start-up protocol with the parent process (local/model-server.ts):
- stdout gets one JSON line {"event": "listening", "port": N} once the model is loaded and the
  socket is bound (the parent then waits for GET /ping);
- on a missing Python package it prints {"event": "missing-module", ...} and exits 3; when
  model_fn fails or the port is taken, {"event": "failed", "message": ...} and exits 4;
- when stdin reaches EOF (the parent died) or on SIGTERM the process stops its workers and exits.
"""

import argparse
import importlib.util
import inspect
import json
import os
import signal
import socket
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import ModuleType
from typing import Any, Callable, Optional, Tuple

JSON = "application/json"
# Content types whose body the toolkit decodes to str before calling the handler.
UTF8_TYPES = {JSON, "text/csv"}
EXIT_MISSING_MODULE = 3
EXIT_FAILED = 4


def emit(event: dict) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def load_user_module(model_dir: str) -> ModuleType:
    code_dir = os.path.join(model_dir, "code")
    path = os.path.join(code_dir, "inference.py")
    # inference.py may import sibling modules from code/, as it can in the container.
    sys.path.insert(0, code_dir)
    spec = importlib.util.spec_from_file_location("inference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Parameter counts of the toolkit's handler functions when they take a context (one fewer without).
HANDLER_ARITY = {"model_fn": 2, "input_fn": 3, "predict_fn": 3, "output_fn": 3, "transform_fn": 5}


class Context:
    """What the toolkit hands handlers that take a `context`: the model server's properties."""

    def __init__(self, model_dir: str) -> None:
        self.system_properties = {"model_dir": model_dir, "gpu_id": None, "batch_size": 1}


def bind_handler(module: ModuleType, name: str, context: Context) -> Optional[Callable[..., Any]]:
    """The handler `name` of inference.py, given `context` when it takes one; None when absent."""
    fn = getattr(module, name, None)
    if fn is None:
        return None
    count = len(inspect.signature(fn).parameters)
    with_context = HANDLER_ARITY[name]
    if count == with_context:
        return lambda *args: fn(*args, context)
    if count == with_context - 1:
        return fn
    raise TypeError(f"{name} definition takes {with_context - 1} or {with_context} arguments but {count} were given.")


class Model:
    def __init__(self, model_dir: str, module: ModuleType) -> None:
        context = Context(model_dir)
        handlers = {name: bind_handler(module, name, context) for name in HANDLER_ARITY}
        self._transform = handlers["transform_fn"]
        pipeline = [handlers[name] for name in ("input_fn", "predict_fn", "output_fn")]
        if self._transform is not None and any(pipeline):
            raise ValueError("Cannot use transform_fn implementation in conjunction with input_fn, predict_fn, and/or output_fn implementation")
        self._pipeline = pipeline
        load = handlers["model_fn"]
        if load is None:
            raise ValueError("inference.py defines no model_fn")
        self.model = load(model_dir)

    def invoke(self, body: Any, content_type: Optional[str], accept: str) -> Any:
        if self._transform is not None:
            return self._transform(self.model, body, content_type, accept)
        input_fn, predict_fn, output_fn = self._pipeline
        if input_fn is None or predict_fn is None or output_fn is None:
            # The toolkit would fall back to a transformers pipeline, which this server does not have.
            raise ValueError("inference.py must define transform_fn or all of input_fn, predict_fn and output_fn to run locally")
        return output_fn(predict_fn(input_fn(body, content_type), self.model), accept)


def encode(response: Any) -> bytes:
    if isinstance(response, (bytes, bytearray)):
        return bytes(response)
    if isinstance(response, str):
        return response.encode("utf-8")
    return json.dumps(response).encode("utf-8")


def handler_class(model: Model) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, the body waits for the client's
        # delayed ACK (~40 ms per request).
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            if self.path == "/ping":
                self._send(200, b"", JSON)
            else:
                self._error(404, "ResourceNotFoundException", f"{self.path} not found")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body: Any = self.rfile.read(length)
            if self.path != "/invocations":
                self._error(404, "ResourceNotFoundException", f"{self.path} not found")
                return
            # Like the toolkit: no default type, and only these exact values (no parameters) become str.
            content_type = self.headers.get("Content-Type")
            accept = self.headers.get("Accept")
            if not accept or accept == "*/*":
                accept = JSON
            try:
                if content_type in UTF8_TYPES:
                    body = body.decode("utf-8")
                response = model.invoke(body, content_type, accept)
            except Exception as error:  # noqa: BLE001 - the toolkit answers every handler error with 400
                traceback.print_exc(file=sys.stderr)
                self._error(400, "InternalServerException", str(error))
                return
            self._send(200, encode(response), accept)

        def _error(self, status: int, kind: str, message: str) -> None:
            payload = {"code": status, "type": kind, "message": message}
            self._send(status, json.dumps(payload).encode("utf-8"), JSON)

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            # A worker serves one connection at a time: closing lets any idle worker take the next.
            self.send_header("Connection", "close")
            self.close_connection = True
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # no access log: errors are printed with their traceback

    return Handler


def missing_module(error: ModuleNotFoundError) -> Tuple[str, str]:
    name = (error.name or "").split(".")[0]
    return name, f"inference.py needs the Python package '{name}', which {sys.executable} cannot import"


def exit_on_eof(fd: int) -> None:
    """Exit as soon as `fd` reaches EOF: its writer (our parent) is gone."""

    def watch() -> None:
        while os.read(fd, 1024):
            pass
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def worker_count() -> int:
    """Like the toolkit's model server: SAGEMAKER_MODEL_SERVER_WORKERS, else one per vCPU."""
    raw = os.environ.get("SAGEMAKER_MODEL_SERVER_WORKERS", "")
    if raw.strip():
        count = int(raw)
        if count < 1:
            raise ValueError(f"SAGEMAKER_MODEL_SERVER_WORKERS must be a positive integer, got {raw!r}")
        return count
    return os.cpu_count() or 1


def run_worker(model_dir: str, sock: socket.socket, ready_fd: int, parent_fd: int) -> None:
    """A worker process: loads its own copy of the model, then serves one request at a time."""
    exit_on_eof(parent_fd)
    try:
        model = Model(model_dir, load_user_module(model_dir))
    except ModuleNotFoundError as error:
        name, message = missing_module(error)
        report = {"event": "missing-module", "module": name, "message": message}
    except Exception as error:  # noqa: BLE001 - reported to the parent, which shows it and stops
        traceback.print_exc(file=sys.stderr)
        report = {"event": "failed", "message": f"model_fn failed: {type(error).__name__}: {error}"}
    else:
        report = {"event": "ready"}
    os.write(ready_fd, (json.dumps(report) + "\n").encode("utf-8"))
    if report["event"] != "ready":
        os._exit(1)
    server = HTTPServer(("127.0.0.1", 0), handler_class(model), bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    model_dir = os.path.abspath(args.model_dir)
    try:
        workers = worker_count()
    except ValueError as error:
        emit({"event": "failed", "message": str(error)})
        sys.exit(EXIT_FAILED)
    try:
        sock = socket.create_server(("127.0.0.1", args.port), backlog=64)
    except OSError as error:
        emit({"event": "failed", "message": f"cannot listen on 127.0.0.1:{args.port}: {error.strerror}"})
        sys.exit(EXIT_FAILED)
    ready_read, ready_write = os.pipe()
    parent_read, parent_write = os.pipe()
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            os.close(ready_read)
            os.close(parent_write)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            run_worker(model_dir, sock, ready_write, parent_read)
            os._exit(0)
        children.append(pid)
    os.close(ready_write)
    os.close(parent_read)

    def stop(*_: Any) -> None:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    with os.fdopen(ready_read) as reports:
        for _ in range(workers):
            line = reports.readline()
            report = json.loads(line) if line else {"event": "failed", "message": "a model server worker died while loading the model"}
            if report["event"] != "ready":
                emit(report)
                for pid in children:
                    os.kill(pid, signal.SIGKILL)
                sys.exit(EXIT_MISSING_MODULE if report["event"] == "missing-module" else EXIT_FAILED)
    emit({"event": "listening", "port": sock.getsockname()[1], "workers": workers})
    # The parent only supervises: it exits (taking the workers along) when stdin closes.
    sys.stdin.read()
    stop()


if __name__ == "__main__":
    main()
