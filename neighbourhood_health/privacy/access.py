"""Who may see what: roles, the areas each user covers, and the checks the data layer makes.

Roles (DESIGN section 5):

- board: aggregates only, for its areas (a place, an ICB or ALL), small numbers suppressed.
- place_md (place managing director): aggregates only, for their place(s), small numbers suppressed.
- int_lead: exact aggregates and pseudonymised person-level lists, for their own neighbourhoods only.
- analyst: data management. Aggregates (suppressed) for their areas and the audit log; never
  person-level lists. Analysts keep the data fresh and check who looked at what; whom to contact
  is for the teams who act on it, so lists stay with INT leads.

Users come from sign-in (Streamlit's `st.login`, OpenID Connect) when `.streamlit/secrets.toml`
has an `[auth]` section: the signed-in email is looked up in the users file (NHD_USERS_FILE, see
config/users.example.csv) for a role and areas. Without `[auth]` the app runs in demo mode: a
banner says so and a role switcher in the sidebar stands in for sign-in; a demo user is given
person-level lists only when the loaded extract is the synthetic demo.

Every function that returns data calls the checks here (see neighbourhood_health.measures.cohorts), so
hiding a widget is never the only protection.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ALL = "ALL"


@dataclass(frozen=True)
class Role:
    role_id: str
    label: str
    lists: bool            # may see person-level rows (for neighbourhoods it covers)
    aggregate_only: bool   # aggregates it sees are suppressed
    audit: bool            # may read the audit log
    area_levels: tuple[str, ...]  # the levels its areas are given at


ROLES = {r.role_id: r for r in (
    Role("board", "Board member", lists=False, aggregate_only=True, audit=False,
         area_levels=("all", "icb", "place")),
    Role("place_md", "Place managing director", lists=False, aggregate_only=True, audit=False,
         area_levels=("place",)),
    Role("int_lead", "INT lead", lists=True, aggregate_only=False, audit=False,
         area_levels=("neighbourhood",)),
    Role("analyst", "Analyst", lists=False, aggregate_only=True, audit=True,
         area_levels=("all", "icb", "place")),
)}


class AccessDenied(PermissionError):
    """The user's role or areas do not allow what was asked; the message says why."""


@dataclass(frozen=True)
class User:
    user_id: str           # the signed-in email, or "demo:<role>"
    name: str
    role: str
    areas: tuple[str, ...]
    demo: bool = False

    @property
    def role_info(self) -> Role:
        if self.role not in ROLES:
            raise AccessDenied(f"{self.name} has no recognised role ({self.role!r})")
        return ROLES[self.role]


# --- Users file -------------------------------------------------------------------------------

def load_users(path: Path) -> dict[str, User]:
    """email → User from a CSV of email, name, role, areas (area codes separated by ';')."""
    path = Path(path)
    if not path.is_file():
        return {}
    table = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    missing = {"email", "name", "role", "areas"} - set(table.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    users = {}
    for i, row in table.iterrows():
        if row.role not in ROLES:
            raise ValueError(f"{path} row {i + 2}: role {row.role!r} is not one of {sorted(ROLES)}")
        areas = tuple(a.strip() for a in row.areas.split(";") if a.strip())
        users[row.email.strip().lower()] = User(row.email.strip().lower(), row["name"], row.role, areas)
    return users


# --- Checks -----------------------------------------------------------------------------------

def lineage(db, area_code: str) -> dict:
    """The area with the codes of the areas it lies within; AccessDenied for an unknown area."""
    rows = db.run("app/area_lineage", area_code=str(area_code))
    if rows.empty:
        raise AccessDenied(f"There is no area with code {area_code!r}")
    return rows.iloc[0].to_dict()


def _within(row: dict) -> set[str]:
    codes = {row["area_code"], row["neighbourhood_code"], row["place_code"], row["icb_code"], ALL}
    return {c for c in codes if isinstance(c, str) and c}


def covers(db, user: User, area_code: str) -> bool:
    return bool(_within(lineage(db, area_code)) & set(user.areas))


def require_aggregates(db, user: User, area_code: str) -> None:
    """Any role may see aggregates, but only for areas within the ones it covers."""
    role = user.role_info
    row = lineage(db, area_code)
    if not _within(row) & set(user.areas):
        raise AccessDenied(f"{role.label} {user.name} covers {describe_areas(db, user)}, "
                           f"not {row['area_name']}")


def require_person_level(db, user: User, area_code: str) -> None:
    """Person-level rows: INT leads only, for an area inside one of their own neighbourhoods."""
    role = user.role_info
    if not role.lists:
        raise AccessDenied(f"{role.label}s see counts only; person-level lists are for INT leads "
                           "in their own neighbourhoods")
    row = lineage(db, area_code)
    if row["area_level"] not in ("neighbourhood", "small_area") or row["neighbourhood_code"] not in user.areas:
        raise AccessDenied(f"{role.label} {user.name} may list people in {describe_areas(db, user)} only, "
                           f"not {row['area_name']}")
    if user.demo and not is_synthetic(db):
        raise AccessDenied("Demo mode shows person-level lists on synthetic data only; "
                           "configure sign-in to list people from a real extract")


def require_audit(user: User) -> None:
    if not user.role_info.audit:
        raise AccessDenied(f"The audit log is for analysts, not {user.role_info.label.lower()}s")


def aggregate_only(user: User) -> bool:
    return user.role_info.aggregate_only


def is_synthetic(db) -> bool:
    """True when the loaded extract says it is the synthetic demo (its manifest)."""
    manifest = Path(db.marts_dir) / "manifest.json"
    try:
        return json.loads(manifest.read_text()).get("source", "").startswith("Synthetic")
    except (OSError, ValueError):
        return False


def describe_areas(db, user: User) -> str:
    names = []
    for code in user.areas:
        rows = db.run("app/area_lineage", area_code=code)
        names.append(rows.iloc[0]["area_name"] if not rows.empty else code)
    return ", ".join(names) if names else "no areas"
