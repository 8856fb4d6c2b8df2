"""scripts/serve's checks and HAProxy configuration, without starting the app (the e2e test
tests/e2e/test_proxy.py serves it through the proxy in a browser)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

import pytest

from neighbourhood_health.config import PROJECT_ROOT

SERVE = PROJECT_ROOT / "scripts" / "serve"
SECRET = "0123456789abcdef" * 4


def _load_serve():
    loader = SourceFileLoader("serve_script", str(SERVE))
    module = module_from_spec(spec_from_loader("serve_script", loader))
    sys.modules["serve_script"] = module  # dataclasses look their module up while it runs
    loader.exec_module(module)
    return module


serve = _load_serve()


def run_serve(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NHD_SERVE_ANY_PYTHON": "1"}
    return subprocess.run([sys.executable, str(SERVE), *args], capture_output=True, text=True, env=env, timeout=60)


def test_a_missing_haproxy_is_one_clear_error():
    done = run_serve("--haproxy", "/nonexistent/haproxy")
    assert done.returncode == 2
    assert "HAProxy not found" in done.stderr and "apt-get install -y haproxy" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("auth, problem", [
    (None, None),                                                     # demo mode: nothing to check
    ({"redirect_uri": "https://dash.example.nhs.uk/oauth2callback", "cookie_secret": SECRET}, None),
    ({"redirect_uri": "http://localhost:{port}/oauth2callback", "cookie_secret": SECRET}, "uses {port}"),
    ({"redirect_uri": "http://localhost:8600/oauth2callback", "cookie_secret": SECRET}, "the proxy listens on 8501"),
    ({"redirect_uri": "https://dash.example.nhs.uk/callback", "cookie_secret": SECRET}, "must end with /oauth2callback"),
    ({"redirect_uri": "https://dash.example.nhs.uk/oauth2callback"}, "no cookie_secret"),
    ({"redirect_uri": "https://dash.example.nhs.uk/oauth2callback", "cookie_secret": "short"}, "shorter than 32"),
    ({"cookie_secret": SECRET}, "no redirect_uri"),
])
def test_sign_in_must_come_back_through_the_proxy(auth, problem):
    found = serve.check_sign_in(auth, 8501, None)
    if problem is None:
        assert found == []
    else:
        assert any(problem in p for p in found), found


def test_redirect_uri_must_be_on_the_public_address_when_given():
    auth = {"redirect_uri": "https://old.example.nhs.uk/oauth2callback", "cookie_secret": SECRET}
    assert serve.check_sign_in(auth, 443, "https://old.example.nhs.uk") == []
    found = serve.check_sign_in(auth, 443, "https://dashboard.example.nhs.uk")
    assert any("not on the public address" in p for p in found), found


def render(tls: bool = False) -> str:
    return serve.render_config(serve.TEMPLATE.read_text(), bind=serve.bind_line("127.0.0.1", 8501, None),
                               backends=[("app1", 40001), ("app2", 40002)], stats_socket=Path("/tmp/x.sock"), tls=tls)


def test_config_pins_each_browser_to_one_process_by_cookie():
    text = render()
    assert "{{" not in text
    assert "balance leastconn" in text
    assert "cookie NHD_BACKEND insert indirect nocache httponly attr" in text
    assert "server app1 127.0.0.1:40001 cookie app1 check" in text
    assert "server app2 127.0.0.1:40002 cookie app2 check" in text
    assert "option httpchk GET /_stcore/health" in text
    assert " secure " not in text and "secure" in render(tls=True).split("cookie NHD_BACKEND", 1)[1].split("\n")[0]


def _haproxy() -> str:
    name = os.environ.get("NHD_HAPROXY", "haproxy")
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if not found:
        pytest.skip("HAProxy not found: install Debian's package (`apt-get install -y haproxy`, as .ci/run does)")
    return found


def test_haproxy_accepts_the_rendered_config(tmp_path):
    config = tmp_path / "haproxy.cfg"
    config.write_text(render().replace("/tmp/x.sock", str(tmp_path / "haproxy.sock")))
    checked = subprocess.run([_haproxy(), "-c", "-f", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_port_in_use_is_one_clear_error():
    _haproxy()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_serve("--address", "127.0.0.1", "--port", str(port))
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is in use" in done.stderr and "Traceback" not in done.stderr
