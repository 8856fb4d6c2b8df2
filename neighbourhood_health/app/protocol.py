"""A client of a running app that speaks Streamlit's websocket protocol: a browser tab without the
drawing. The warm-up (`app.warm`) and the load test (benchmarks/load.py) drive the app with it.

It sends what the frontend sends (a rerun with the page, the query string and the widgets' values)
and reads what comes back until the run finishes. Like the frontend it remembers every widget's
value and sends the sidebar's with each run: Streamlit forgets a widget's value on a page change
when the client does not send it.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

#: The sidebar's widgets (area pickers, demo role and areas), sent with every run.
SIDEBAR_KEYS = ("pick_icb", "pick_place", "pick_neighbourhood", "demo_role", "demo_areas")


@dataclass
class Seen:
    """What one run put on the screen, as far as its callers check it."""
    titles: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fragment: bool = False  # an st.fragment rerun: only the fragment was redrawn (no title)


class ProtocolSession:
    """One session of the app at `url` (http://host:port); pages are named by their URL path
    ("" for the default page), as the app's navigation names them."""

    def __init__(self, url: str, timeout: float = 120):
        self.url = url.replace("http://", "ws://").replace("https://", "wss://") + "/_stcore/stream"
        self.timeout = timeout
        self.widgets: dict[str, dict] = {}   # user key → id, kind, options, value
        self.pages: dict[str, str] = {}      # url path → page script hash
        self.path = ""
        self.query = ""
        self.backend = ""                    # the process a proxy gave this session (X-NHD-Backend)
        self.ws = None

    async def __aenter__(self):
        self.ws = await websockets.connect(self.url, max_size=None, open_timeout=60, ping_interval=None)
        response = getattr(self.ws, "response", None)
        self.backend = response.headers.get("x-nhd-backend", "") if response is not None else ""
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def open(self, path: str, query: str) -> Seen:
        """The first run, as a browser opening /<path>?<query>."""
        self.query, self.path = query, path
        return await self._run(page_name=path)

    async def navigate(self, path: str) -> Seen:
        self.path = path
        return await self._run(page_hash=self.pages[path])

    async def change(self, key: str, value) -> Seen:
        return await self._run(page_hash=self.pages[self.path], changed={key: value})

    def value(self, key: str):
        return self.widgets.get(key, {}).get("value")

    def options(self, key: str) -> list[str]:
        return self.widgets.get(key, {}).get("options", [])

    async def _run(self, page_name: str | None = None, page_hash: str | None = None,
                   changed: dict | None = None) -> Seen:
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        if page_hash is not None:
            state.page_script_hash = page_hash
        else:
            state.page_name = page_name
        values = {k: self.widgets[k]["value"] for k in SIDEBAR_KEYS if k in self.widgets}
        for key, value in {**values, **(changed or {})}.items():
            widget = state.widget_states.widgets.add()
            widget.id = self.widgets[key]["id"]
            if isinstance(value, list):
                widget.string_array_value.data.extend(value)
            else:
                widget.string_value = value
        for key, value in (changed or {}).items():
            self.widgets[key]["value"] = value
            if self.widgets[key].get("fragment"):  # a widget inside st.fragment reruns only its fragment
                state.fragment_id = self.widgets[key]["fragment"]
        await self.ws.send(message.SerializeToString())
        return await asyncio.wait_for(self._receive(), self.timeout)

    async def _receive(self) -> Seen:
        seen = Seen()
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await self.ws.recv())
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._element(msg.delta.new_element, list(msg.metadata.delta_path), seen, msg.delta.fragment_id)
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            elif kind == "page_info_changed":
                self.query = msg.page_info_changed.query_string
            elif kind == "page_not_found":
                seen.errors.append(f"page not found: {msg.page_not_found.page_name}")
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return seen
                if msg.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                    seen.fragment = True
                    return seen
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    seen.errors.append("script failed to compile")
                    return seen

    def _element(self, element, path: list[int], seen: Seen, fragment: str = "") -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            seen.errors.append(f"exception: {element.exception.type}: {element.exception.message[:200]}")
        elif kind == "alert" and element.alert.format == element.alert.ERROR:
            seen.errors.append(f"error box: {element.alert.body[:200]}")
        elif kind == "heading" and element.heading.tag == "h1" and path[:1] == [0]:
            seen.titles.append(element.heading.body)
        elif kind == "markdown" and path[:1] == [0]:
            seen.texts.append(element.markdown.body)
        elif kind in ("selectbox", "radio", "multiselect"):
            self._widget(kind, getattr(element, kind), fragment)

    def _widget(self, kind: str, proto, fragment: str = "") -> None:
        key = proto.id.rsplit("-", 1)[-1]
        if key == "None":  # widgets without a key are not ones the sessions touch
            return
        options = list(proto.options)
        known = self.widgets.get(key)
        if kind == "multiselect":
            value = list(proto.raw_values) if proto.set_value else (
                known["value"] if known and known["id"] == proto.id else [options[i] for i in proto.default])
        else:
            value = proto.raw_value if proto.set_value else (
                known["value"] if known and known["id"] == proto.id else
                (options[proto.default] if options and proto.HasField("default") else None))
        self.widgets[key] = {"id": proto.id, "kind": kind, "options": options, "value": value, "fragment": fragment}
