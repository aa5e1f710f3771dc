"""A local stand-in for the Hugging Face inference container (stdlib only).

Serves the SageMaker hosting contract on 127.0.0.1: GET /ping and POST /invocations.
Requests run through the model directory's code/inference.py the way the Hugging Face
inference toolkit runs them: model_fn once at start, then transform_fn(model, body,
content_type, accept) or input_fn -> predict_fn -> output_fn per request. Like the toolkit, every exception raised by
those functions is answered with 400 and the multi-model-server error body.

Start-up protocol with the parent process (local/model-server.ts):
- stdout gets one JSON line {"event": "listening", "port": N} once the model is loaded and the
  socket is bound (the parent then waits for GET /ping);
- on a missing Python package it prints {"event": "missing-module", ...} and exits 3; when
  model_fn fails or the port is taken, {"event": "failed", "message": ...} and exits 4;
- when stdin reaches EOF (the parent died) the process exits.
"""

import argparse
import importlib.util
import json
import os
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


class Model:
    def __init__(self, model_dir: str, module: ModuleType) -> None:
        self._module = module
        self._transform: Optional[Callable[..., Any]] = getattr(module, "transform_fn", None)
        self.model = module.model_fn(model_dir)
        # One request at a time, like a container with SAGEMAKER_MODEL_SERVER_WORKERS=1.
        self._lock = threading.Lock()

    def invoke(self, body: Any, content_type: str, accept: str) -> Any:
        with self._lock:
            if self._transform is not None:
                return self._transform(self.model, body, content_type, accept)
            module = self._module
            return module.output_fn(module.predict_fn(module.input_fn(body, content_type), self.model), accept)


def media_type(value: Optional[str]) -> str:
    return (value or "").split(";")[0].strip().lower()


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
            content_type = self.headers.get("Content-Type") or JSON
            accept = self.headers.get("Accept")
            if not accept or accept == "*/*":
                accept = JSON
            try:
                if media_type(content_type) in UTF8_TYPES:
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
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # no access log: errors are printed with their traceback

    return Handler


def missing_module(error: ModuleNotFoundError) -> Tuple[str, str]:
    name = (error.name or "").split(".")[0]
    return name, f"inference.py needs the Python package '{name}', which {sys.executable} cannot import"


def exit_when_parent_dies() -> None:
    def watch() -> None:
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    model_dir = os.path.abspath(args.model_dir)
    exit_when_parent_dies()
    try:
        model = Model(model_dir, load_user_module(model_dir))
    except ModuleNotFoundError as error:
        name, message = missing_module(error)
        emit({"event": "missing-module", "module": name, "message": message})
        sys.exit(EXIT_MISSING_MODULE)
    except Exception as error:  # noqa: BLE001 - reported to the parent, which shows it and stops
        traceback.print_exc(file=sys.stderr)
        emit({"event": "failed", "message": f"model_fn failed: {type(error).__name__}: {error}"})
        sys.exit(EXIT_FAILED)
    try:
        server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_class(model))
    except OSError as error:
        emit({"event": "failed", "message": f"cannot listen on 127.0.0.1:{args.port}: {error.strerror}"})
        sys.exit(EXIT_FAILED)
    server.daemon_threads = True
    emit({"event": "listening", "port": server.server_address[1]})
    server.serve_forever()


if __name__ == "__main__":
    main()
