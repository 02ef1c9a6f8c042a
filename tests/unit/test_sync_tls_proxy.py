"""TLS with a firm's own certificate authority, and proxies taken from the environment.

A real HTTPS server on 127.0.0.1 with a certificate from a throwaway CA: refused (with a message
that points at the CA bundle setting) until the transport is given that CA's bundle.
"""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from desktop.sync.errors import Offline
from desktop.sync.transport import Transport, TransportConfig


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None  # keep the test output clean


def _make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA, and a certificate for 127.0.0.1 signed by it (openssl, as IT would do)."""
    ca_key, ca_cert = folder / "ca.key", folder / "ca.pem"
    key, request, cert = folder / "server.key", folder / "server.csr", folder / "server.pem"
    extensions = folder / "san.ext"
    extensions.write_text("subjectAltName=IP:127.0.0.1\n")
    commands = [
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=Fieldbook Test CA", "-keyout", str(ca_key), "-out", str(ca_cert)],
        ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(request)],
        ["openssl", "x509", "-req", "-in", str(request), "-CA", str(ca_cert), "-CAkey",
         str(ca_key), "-CAcreateserial", "-days", "2", "-extfile", str(extensions),
         "-out", str(cert)],
    ]  # fmt: skip
    for command in commands:
        subprocess.run(command, check=True, capture_output=True)
    return ca_cert, cert, key


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return _make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def https_server(certificates: tuple[Path, Path, Path]) -> Iterator[tuple[str, Path]]:
    ca_cert, cert, key = certificates
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", ca_cert
    server.shutdown()
    server.server_close()


def test_untrusted_certificate_is_refused_with_a_pointer_to_the_ca_setting(
    https_server: tuple[str, Path],
) -> None:
    url, _ca = https_server
    transport = Transport(base_url=url, config=TransportConfig(connect_timeout=5, read_timeout=5))
    with pytest.raises(Offline, match="certificate authority"):
        transport.request("GET", "/sync/hello")
    transport.close()


def test_the_firms_ca_bundle_makes_it_trusted(https_server: tuple[str, Path]) -> None:
    url, ca = https_server
    transport = Transport(
        base_url=url, config=TransportConfig(ca_bundle=ca, connect_timeout=5, read_timeout=5)
    )
    assert transport.request("GET", "/sync/hello").body == {"ok": True}
    transport.close()


def test_proxy_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a proxy address where nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    transport = Transport(
        base_url="http://crm.fieldbook.test", config=TransportConfig(connect_timeout=2)
    )
    with pytest.raises(Offline, match="proxy"):
        transport.request("GET", "/sync/hello")
    transport.close()
