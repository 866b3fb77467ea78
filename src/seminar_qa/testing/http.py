"""Real HTTP servers on loopback for tests and benchmarks: the API in a thread or a process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, seconds: float, *, status: int = 200, process: Any = None) -> None:
    """Poll ``url`` until it answers ``status``.

    Raises TimeoutError, or RuntimeError when the ``process`` serving it has exited.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == status:
                    return
        except urllib.error.HTTPError as error:
            if error.code == status:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer {status} within {seconds} s")


@contextmanager
def serve_in_thread(
    app: Any, *, ready_path: str = "/healthz", seconds: float = 30.0
) -> Iterator[str]:
    """Run the ASGI ``app`` under uvicorn on a free loopback port; yield its base URL."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + ready_path, seconds)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def serve_command(index: Path, port: int, *extra: str) -> list[str]:
    """The ``seminar-qa serve`` command line for ``index`` on ``port`` (run with this Python)."""
    return [
        *(sys.executable, "-m", "seminar_qa.cli", "serve", "--index", str(index)),
        *("--port", str(port), *extra),
    ]


def start_server(
    index: Path,
    port: int,
    *extra: str,
    log: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``seminar-qa serve`` as a child process (output to ``log``, or discarded).

    ``env`` adds to this process's environment (e.g. ``SEMINAR_QA_FEEDBACK``).
    """
    output = log.open("wb") if log is not None else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            serve_command(index, port, *extra),
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})},
        )
    finally:
        if log is not None and not isinstance(output, int):
            output.close()
