"""End to end: the dashboard served by `scripts/serve` (two Streamlit processes behind HAProxy).

Two browsers (Chromium contexts, each with its own cookies) open the app through the proxy. Each is
pinned by HAProxy's NHD_BACKEND cookie to one process, and keeps that process, its one websocket
and its own state (a neighbourhood, a demo role) through reruns, page changes and filter changes,
whatever the other does. Which process answered is read from the header the proxy adds
(X-NHD-Backend) and, for the websockets, from HAProxy's log. Stopping the script stops every
process it started.

They skip, saying why, where HAProxy (Debian's `haproxy`, as .ci/run installs) or Chromium is missing.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from .harness import PROJECT_ROOT, after_rerun, choose, free_port, problems, selected, title, wait_ready

pytestmark = pytest.mark.e2e

SERVE = PROJECT_ROOT / "scripts" / "serve"
AFFINITY_COOKIE = "NHD_BACKEND"
# Tall enough that the sidebar's last widget ("Act as") opens its list on screen.
VIEWPORT = {"width": 1400, "height": 1600}


def haproxy_missing() -> str | None:
    name = os.environ.get("NHD_HAPROXY", "haproxy")
    if shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin") or Path(name).is_file():
        return None
    return (f"HAProxy not found ({name!r}): install Debian's package (`apt-get install -y haproxy`, as .ci/run "
            "does) or set NHD_HAPROXY")


@dataclass
class Served:
    url: str
    run_dir: Path
    process: subprocess.Popen

    @property
    def state(self) -> dict:
        return json.loads((self.run_dir / "serve.json").read_text())

    def logs(self, chars: int = 3000) -> str:
        return "\n".join(f"--- {p.name}:\n{p.read_text(errors='replace')[-chars:]}"
                         for p in sorted(self.run_dir.glob("*.log")))


def start_serving(data_cfg, run_dir: Path, processes: int = 2, timeout: float = 120, port: int | None = None,
                  options: tuple[str, ...] = (), env: dict | None = None, warm: bool = False) -> Served:
    """`scripts/serve` on a free port, waited for until its serve.json says it is ready; without its
    warm-up unless `warm` (test_warm.py tests it: elsewhere it would only load the machine)."""
    options = (*options, *([] if warm else ["--no-warm"]))
    reason = haproxy_missing()
    if reason:
        pytest.skip(reason)
    port = port or free_port()
    env = {**os.environ, "NHD_DATA_DIR": str(data_cfg.data_dir), "NHD_GEO_DIR": str(data_cfg.geo_dir),
           "NHD_AUTO_DEMO": "0", **(env or {})}
    with open(run_dir / "serve.out", "wb") as out:
        process = subprocess.Popen([sys.executable, str(SERVE), "--processes", str(processes), "--address",
                                    "127.0.0.1", "--port", str(port), "--run-dir", str(run_dir), *options],
                                   cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    served = Served(f"http://127.0.0.1:{port}", run_dir, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"scripts/serve exited with code {process.returncode}:\n"
                                 f"{(run_dir / 'serve.out').read_text()}\n{served.logs()}")
        state_file = run_dir / "serve.json"
        if state_file.exists() and json.loads(state_file.read_text())["ready"]:
            return served
        time.sleep(0.2)
    stop_serving(served)
    raise AssertionError(f"scripts/serve was not ready within {timeout:.0f} s:\n{served.logs()}")


def stop_serving(served: Served) -> int:
    if served.process.poll() is None:
        served.process.send_signal(signal.SIGTERM)
    return served.process.wait(40)


@pytest.fixture(scope="module")
def served(demo_cfg, tmp_path_factory):
    served = start_serving(demo_cfg, tmp_path_factory.mktemp("serve"))
    yield served
    stop_serving(served)
    print(f"\nscripts/serve logs: {served.run_dir}")


@pytest.fixture(scope="module")
def two_areas(demo_db) -> tuple[tuple[str, str], tuple[str, str], str]:
    """Two neighbourhoods of one place (code, name), and a third of the same place for the first to move to."""
    tree = demo_db.run("app/areas")
    nbhds = tree[tree.area_level == "neighbourhood"]
    place = nbhds.groupby("parent_code").size().loc[lambda n: n >= 3].index[0]
    first, second, third = nbhds[nbhds.parent_code == place].sort_values("area_code").head(3).itertuples()
    return (first.area_code, first.area_name), (second.area_code, second.area_name), third.area_name


def websocket_backends(served: Served, agent: str) -> list[str]:
    """The process each websocket of the browser with user agent `agent` was sent to, from HAProxy's log
    (a tunnel is logged when it closes)."""
    pattern = re.compile(r" streamlit/(app\d+) .*\{" + re.escape(agent) + r"\} \"GET /_stcore/stream")
    return pattern.findall((served.run_dir / "haproxy.log").read_text(errors="replace"))


def wait_for(condition, timeout: float = 15, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def assert_clean(page) -> None:
    found = problems(page)
    assert not found, f"{page.url} shows: {found}"


def test_two_sessions_keep_their_own_process_and_state_across_reruns(served, browser, two_areas):
    (a_code, a_name), (b_code, b_name), a_moves_to = two_areas
    backends = [b["name"] for b in served.state["backends"]]
    assert len(backends) == 2 and len({b["pid"] for b in served.state["backends"]}) == 2
    contexts = {}
    try:
        # A: a fresh browser. HAProxy picks a process and sets the affinity cookie naming it.
        contexts["A"] = browser.new_context(viewport=VIEWPORT, user_agent="nhd-proxy-test-A")
        a = contexts["A"].new_page()
        response = a.goto(f"{served.url}/?area={a_code}")
        a_backend = response.headers["x-nhd-backend"]
        assert a_backend in backends
        wait_ready(a)  # Streamlit's run has finished
        cookies = {c["name"]: c["value"] for c in contexts["A"].cookies()}
        assert cookies.get(AFFINITY_COOKIE) == a_backend, f"affinity cookie not set by the proxy: {cookies}"

        # B: a browser whose cookie names the other process: the proxy must honour it.
        b_backend = next(b for b in backends if b != a_backend)
        contexts["B"] = browser.new_context(viewport=VIEWPORT, user_agent="nhd-proxy-test-B")
        contexts["B"].add_cookies([{"name": AFFINITY_COOKIE, "value": b_backend, "url": served.url}])
        b = contexts["B"].new_page()
        assert b.goto(f"{served.url}/?area={b_code}").headers["x-nhd-backend"] == b_backend
        wait_ready(b)
        for page, name in ((a, a_name), (b, b_name)):
            assert_clean(page)
            assert name in title(page)

        # Each changes what only its session holds: A its neighbourhood, B its demo role (not in the URL:
        # a session started afresh on another process would show the default role again).
        after_rerun(a, lambda: choose(a, "pick_neighbourhood", a_moves_to))
        after_rerun(b, lambda: choose(b, "demo_role", "Board member"))

        # Reruns, interleaved: page changes and a filter change; each session keeps its own state.
        steps = [("Trends", None), ("Inequalities", "ineq_measure"), ("Overview", None)]
        for link, filter_key in steps:
            for page in (a, b):
                after_rerun(page, lambda: page.locator("[data-testid='stSidebarNavLink']", has_text=link).first.click())
                if filter_key:
                    options = page.locator(f".st-key-{filter_key} input")
                    options.click()
                    other = next(o for o in page.get_by_role("option").all_inner_texts()
                                 if o != selected(page, filter_key))
                    page.keyboard.press("Escape")
                    after_rerun(page, lambda: choose(page, filter_key, other))
                    assert selected(page, filter_key) == other
            for page, name, role in ((a, a_moves_to, "INT lead"), (b, b_name, "Board member")):
                assert_clean(page)
                assert selected(page, "pick_neighbourhood") == name, f"{link}: the neighbourhood changed"
                assert selected(page, "demo_role") == role, f"{link}: the role changed"
                assert name in title(page), f"{link}: title {title(page)!r} does not name {name!r}"

        # HTTP requests with each browser's cookies still reach its process.
        for key, backend in (("A", a_backend), ("B", b_backend)):
            answered = contexts[key].request.get(f"{served.url}/_stcore/health")
            assert answered.status == 200 and answered.headers["x-nhd-backend"] == backend
    except Exception:
        print(served.logs())
        raise
    finally:
        for context in contexts.values():
            context.close()

    # Each browser held one websocket all along (no reconnection elsewhere), on its own process.
    for agent, backend in (("nhd-proxy-test-A", a_backend), ("nhd-proxy-test-B", b_backend)):
        found = wait_for(lambda: websocket_backends(served, agent), what=f"HAProxy's log of {agent}'s websocket")
        assert found == [backend], f"{agent}'s websockets went to {found}, not only to {backend}"


def test_stopping_the_script_stops_every_process(demo_cfg, tmp_path):
    served = start_serving(demo_cfg, tmp_path, processes=2)
    state = served.state
    pids = [b["pid"] for b in state["backends"]] + [state["proxy"]["pid"]]
    assert all(_alive(pid) for pid in pids)
    assert stop_serving(served) == 0
    still = [pid for pid in pids if _alive(pid)]
    assert not still, f"still running after scripts/serve stopped: {still}"
    assert not json.loads((tmp_path / "serve.json").read_text())["ready"]
    assert "stopped" in (tmp_path / "serve.log").read_text()


def test_a_process_that_dies_is_started_again_on_its_port(demo_cfg, tmp_path):
    import urllib.request
    served = start_serving(demo_cfg, tmp_path, processes=2)
    try:
        victim = served.state["backends"][0]
        os.kill(victim["pid"], signal.SIGKILL)
        again = wait_for(lambda: next((b for b in served.state["backends"]
                                       if b["name"] == victim["name"] and b["pid"] != victim["pid"]), None),
                         timeout=30, what=f"{victim['name']} to be started again")
        assert again["port"] == victim["port"]

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{again['port']}/_stcore/health", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False
        wait_for(healthy, timeout=60, what=f"{victim['name']} to answer again")
        assert "starting it again" in (tmp_path / "serve.log").read_text()
    finally:
        assert stop_serving(served) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited but is not yet reaped: its state in /proc is Z.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


# --- Sign-in (st.login, OpenID Connect) behind the proxy ----------------------------------------

class IdentityProvider:
    """A minimal OpenID Connect provider on loopback: discovery, authorize (signs in one user at once),
    token (an RS256-signed ID token) and its key set. `move_affinity_to` makes the authorize step also
    set the proxy's affinity cookie (cookies are per host, not per port), so the callback that follows
    reaches another process than the one that started the sign-in."""

    def __init__(self, email: str, name: str, client_id: str):
        import base64
        import secrets as token
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from threading import Thread
        from urllib.parse import parse_qs, urlencode, urlparse

        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        number = lambda n: b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))
        public = key.public_key().public_numbers()
        self.jwks = {"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
                               "n": number(public.n), "e": number(public.e)}]}
        self.move_affinity_to: str | None = None
        self.codes: dict[str, str] = {}
        provider = self

        def id_token(nonce: str) -> str:
            now = int(time.time())
            claims = {"iss": provider.url, "aud": client_id, "sub": "user-1", "email": email, "name": name,
                      "email_verified": True, "nonce": nonce, "iat": now, "exp": now + 600}
            signing = ".".join(b64(json.dumps(part).encode()) for part in ({"alg": "RS256", "kid": "k1", "typ": "JWT"},
                                                                          claims))
            return signing + "." + b64(key.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256()))

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                if url.path == "/.well-known/openid-configuration":
                    return self._json({"issuer": provider.url, "authorization_endpoint": f"{provider.url}/authorize",
                                       "token_endpoint": f"{provider.url}/token", "jwks_uri": f"{provider.url}/jwks",
                                       "response_types_supported": ["code"], "subject_types_supported": ["public"],
                                       "id_token_signing_alg_values_supported": ["RS256"]})
                if url.path == "/jwks":
                    return self._json(provider.jwks)
                if url.path == "/authorize":
                    query = {k: v[0] for k, v in parse_qs(url.query).items()}
                    code = token.token_hex(8)
                    provider.codes[code] = query.get("nonce", "")
                    self.send_response(302)
                    self.send_header("Location", f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}")
                    if provider.move_affinity_to:
                        self.send_header("Set-Cookie", f"{AFFINITY_COOKIE}={provider.move_affinity_to}; Path=/")
                    self.end_headers()
                    return None
                self.send_error(404)
                return None

            def do_POST(self):
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
                if urlparse(self.path).path != "/token" or form.get("code") not in provider.codes:
                    self.send_error(400)
                    return
                self._json({"access_token": token.token_hex(16), "token_type": "Bearer", "expires_in": 600,
                            "id_token": id_token(provider.codes.pop(form["code"]))})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


SIGNED_IN = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const side = document.querySelector('[data-testid="stSidebar"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && !document.querySelector('[data-testid="stStatusWidget"]')
    && side && side.innerText.includes('Signed in:')
    && document.querySelector('[data-testid="stMainBlockContainer"] h1');
}"""


def served_by(served: Served, path: str) -> list[str]:
    """The processes HAProxy sent each request for `path` to, in order, from its log."""
    pattern = re.compile(r" streamlit/(app\d+) .*\"GET " + re.escape(path))
    return pattern.findall((served.run_dir / "haproxy.log").read_text(errors="replace"))


def test_sign_in_started_on_one_process_completes_and_holds_on_another(demo_cfg, browser, tmp_path):
    """st.login behind the proxy: the sign-in starts on the browser's process, the identity provider's
    callback is answered by the other one, and the signed-in session is accepted on both, because every
    process reads the one [auth] section (same cookie_secret, redirect_uri on the proxy)."""
    for module in ("authlib", "httpx"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed: st.login needs `streamlit[auth]` (Authlib and httpx) in requirements.txt")
    email, client_id = "board@example.nhs.uk", "nhd-test"
    provider = IdentityProvider(email, "Test Board Member", client_id)
    port = free_port()
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(f'[auth]\nredirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
                            f'cookie_secret = "{os.urandom(32).hex()}"\nclient_id = "{client_id}"\n'
                            f'client_secret = "not-a-secret"\n'
                            f'server_metadata_url = "{provider.url}/.well-known/openid-configuration"\n')
    users = tmp_path / "users.csv"
    users.write_text(f"email,name,role,areas\n{email},Test Board Member,board,ALL\n")
    run_dir = tmp_path / "serve"
    run_dir.mkdir()
    served = start_serving(demo_cfg, run_dir, port=port, options=("--secrets", str(secrets_file)),
                           env={"NHD_USERS_FILE": str(users), "AUTHLIB_INSECURE_TRANSPORT": "1"})
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(60_000)
    try:
        page = context.new_page()
        first = page.goto(served.url).headers["x-nhd-backend"]
        other = next(b["name"] for b in served.state["backends"] if b["name"] != first)
        sign_in = page.get_by_role("button", name="Sign in")
        sign_in.wait_for()
        assert not page.locator("[data-testid='stMainBlockContainer'] h1").count(), "nothing before sign-in"

        provider.move_affinity_to = other
        sign_in.click()
        page.wait_for_function(SIGNED_IN, timeout=60_000)
        assert "Signed in: Test Board Member" in page.locator("[data-testid='stSidebar']").inner_text()
        assert served_by(served, "/auth/login") == [first], "the sign-in started on the browser's process"
        assert served_by(served, "/oauth2callback") == [other], "the callback was answered by the other process"

        # The signed-in browser, moved back to the first process: signed in there too.
        context.add_cookies([{"name": AFFINITY_COOKIE, "value": first, "url": served.url}])
        assert page.reload().headers["x-nhd-backend"] == first
        page.wait_for_function(SIGNED_IN, timeout=60_000)
        assert not problems(page)
    except Exception:
        print(served.logs())
        raise
    finally:
        context.close()
        stop_serving(served)
        provider.close()
