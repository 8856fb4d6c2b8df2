"""The sidebar's sign-in: Streamlit's `st.login` (OpenID Connect) when configured, else demo mode.

Configured means `.streamlit/secrets.toml` has an `[auth]` section (redirect_uri, cookie_secret,
client_id, client_secret, server_metadata_url; see config/README.md). The signed-in email is
looked up in the users file for a role and areas; an email not there gets no role, and a users
file whose areas do not fit its roles signs nobody in (the error says what to fix). Demo mode
shows a banner and a role switcher; its areas default to where the picker is when the role is
chosen, and can be changed. On an extract that is not the synthetic demo the switcher offers
aggregate-only roles only (`access.demo_roles`): anyone can use it, so it must not unlock exact
figures or lists of real people.
"""
from __future__ import annotations

import hmac
import importlib.util
import os
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from neighbourhood_health.app import cache, session
from neighbourhood_health.app.warm import WARM_ENV, WARM_PARAM
from neighbourhood_health.privacy.access import (ALL, ROLES, AccessDenied, User, demo_roles,
                                                 is_synthetic, load_users, require_aggregates)
from neighbourhood_health.config import settings
from neighbourhood_health.present.text import md

DEMO_ROLE_KEY = "demo_role"
DEMO_AREAS_KEY = "demo_areas"
DEMO_DEFAULT_ROLE = "int_lead"


def auth_configured() -> bool:
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def blocked_reason(user: User | None, area_code: str) -> str | None:
    """Why a signed-in deployment shows this session nothing, or None when it may go on.

    With sign-in configured, nobody sees anything before signing in, an account with no role
    sees nothing, and a user sees aggregates only for areas within the ones they cover. Demo
    mode shows aggregates for every area (its banner says so); lists follow the chosen role.
    """
    if not auth_configured():
        return None
    if user is None:
        return "Sign in (in the sidebar) with an account that has a role in this dashboard to see it."
    try:
        require_aggregates(cache.database(), user, area_code)
    except AccessDenied as exc:
        return f"{md(exc)}. Choose an area you cover in the sidebar."
    return None


USER_KEY = cache.VIEWER_KEY


def sidebar_user() -> User | None:
    """Draw sign-in (or the demo role switcher) in the sidebar; remember and return the user."""
    user = warm_viewer() or (_signed_in() if auth_configured() else _demo())
    st.session_state[USER_KEY] = user
    return user


def warm_viewer() -> User | None:
    """The warm-up's viewer (`app.warm`), or None: a board member covering all areas, for a session
    that gives this process's warm-up token (NHD_WARM_TOKEN, made by scripts/serve for each run)
    and came straight to the process, not through the proxy (no X-Forwarded-For: HAProxy adds it).
    Aggregate-only, so the token unlocks nothing an aggregate-only viewer could not see."""
    token, given = os.environ.get(WARM_ENV, ""), st.query_params.get(WARM_PARAM, "")
    if len(token) < 32 or not given or not hmac.compare_digest(token.encode(), given.encode()):
        return None
    if any(name.lower() in ("x-forwarded-for", "forwarded") for name in st.context.headers):
        return None
    return User("warm-up", "warm-up", "board", (ALL,))


def current_user() -> User | None:
    """The user of this session, or None when nobody with a role is signed in."""
    return st.session_state.get(USER_KEY)


def _provider() -> str | None:
    """The provider section's name when [auth] names exactly one ([auth.microsoft]), else None."""
    providers = [name for name, value in st.secrets["auth"].items() if isinstance(value, Mapping)]
    return providers[0] if len(providers) == 1 else None


def _signed_in() -> User | None:
    if importlib.util.find_spec("authlib") is None:
        st.sidebar.error("Sign-in is configured but Authlib is not installed: `pip install 'Authlib>=1.3.2'`.")
        return None
    if not st.user.is_logged_in:
        st.sidebar.button("Sign in", on_click=st.login, args=(_provider(),), type="primary")
        return None
    email = str(st.user.get("email") or "").strip().lower()
    try:
        user = load_users(settings().users_file, session.area_tree()).get(email)
    except ValueError as exc:  # UsersFileError, or a file pandas cannot read as CSV
        st.error("The users file (NHD_USERS_FILE) has problems, so nobody is signed in until an analyst "
                 "fixes it:\n\n" + "\n".join(f"- {md(line)}" for line in str(exc).splitlines()))
        user = None
    else:
        if user is None:
            st.sidebar.warning("You are signed in, but your account has no role in this dashboard. "
                               "Ask the analyst team to add you.")
        else:
            st.sidebar.caption(f"Signed in: {md(user.name)} · {user.role_info.label}")
    st.sidebar.button("Sign out", on_click=st.logout)
    return user


# --- Demo mode --------------------------------------------------------------------------------

def _options(tree: pd.DataFrame, role: str) -> list[str]:
    levels = ROLES[role].area_levels
    return ([ALL] if "all" in levels else []) + list(tree.index[tree.area_level.isin(levels)])


def _default_areas(tree: pd.DataFrame, role: str) -> list[str]:
    """The area of the role's level that contains (or is first within) the area being viewed."""
    area = st.session_state.get("area")
    if role == "analyst" or area is None:
        return _options(tree, role)[:1]
    if role == "board" and area.level == "icb":
        return [area.code]
    want = "neighbourhood" if role == "int_lead" else "place"
    if area.level == want:
        return [area.code]
    if want == "place" and area.place_code:
        return [area.place_code]
    inside = tree[(tree.area_level == want) & ((tree.place_code == area.code) | (tree.icb_code == area.code))]
    return list(inside.index[:1])


def _reset_areas(tree: pd.DataFrame) -> None:
    st.session_state[DEMO_AREAS_KEY] = _default_areas(tree, st.session_state[DEMO_ROLE_KEY])


def _demo_banner(synthetic: bool) -> None:
    if synthetic:
        st.sidebar.warning("**Demo mode**: sign-in is not configured. Aggregates are shown for every "
                           "area; choose a role to see which lists it would see.", icon=":material/science:")
    else:
        st.sidebar.warning("**Demo mode** on an extract that is not the synthetic demo: sign-in is not "
                           "configured, so only roles that see protected aggregates (counts of 1–7 hidden) "
                           "are offered, with no lists and no audit log. Configure sign-in for exact figures.",
                           icon=":material/science:")


def _demo() -> User:
    tree = session.area_tree()
    db = cache.database()
    roles = demo_roles(db)  # every role on synthetic data; aggregate-only roles on any other extract
    _demo_banner(is_synthetic(db))
    if st.session_state.get(DEMO_ROLE_KEY) not in roles:
        st.session_state[DEMO_ROLE_KEY] = DEMO_DEFAULT_ROLE if DEMO_DEFAULT_ROLE in roles else roles[0]
    role = st.sidebar.selectbox("Act as", roles, key=DEMO_ROLE_KEY,
                                format_func=lambda r: ROLES[r].label, on_change=_reset_areas, args=(tree,))
    options = _options(tree, role)
    chosen = st.session_state.get(DEMO_AREAS_KEY)
    if chosen is None or any(code not in options for code in chosen):
        _reset_areas(tree)
    names = {ALL: "All areas", **session.area_names()}
    areas = st.sidebar.multiselect("Areas this role covers", options, key=DEMO_AREAS_KEY,
                                   format_func=lambda c: names.get(c, c))
    return User(f"demo:{role}", "demo user", role, tuple(areas), demo=True)
