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
config/users.example.csv) for a role and areas; `load_users` checks that each user's areas fit
their role. Without `[auth]` the app runs in demo mode: a banner says so and a role switcher in the
sidebar stands in for sign-in. Anyone can choose a demo role, so demo mode gives exact figures,
person-level lists and the server's folders only when the loaded extract is the synthetic demo; on
any other extract it offers aggregate-only roles (`demo_roles`) and the checks refuse the rest.

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
    server_paths: bool = False    # may see where the server keeps the data (folder and file paths)


ROLES = {r.role_id: r for r in (
    Role("board", "Board member", lists=False, aggregate_only=True, audit=False,
         area_levels=("all", "icb", "place")),
    Role("place_md", "Place managing director", lists=False, aggregate_only=True, audit=False,
         area_levels=("place",)),
    Role("int_lead", "INT lead", lists=True, aggregate_only=False, audit=False,
         area_levels=("neighbourhood",)),
    Role("analyst", "Analyst", lists=False, aggregate_only=True, audit=True,
         area_levels=("all", "icb", "place"), server_paths=True),
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

class UsersFileError(ValueError):
    """The users file is wrong: the message names the file, and each problem's line, email and role."""


LEVEL_CODES = {"all": ALL, "icb": "ICB", "place": "place", "neighbourhood": "neighbourhood"}
LEVEL_WORDS = {"icb": "an ICB", "place": "a place", "neighbourhood": "a neighbourhood", "small_area": "a small area"}


def load_users(path: Path, areas: pd.DataFrame | None = None) -> dict[str, User]:
    """email → User from a CSV of email, name, role, areas (area codes separated by ';').

    Every problem is reported at once (UsersFileError): an unknown role, a missing email, an email
    given twice, a user with no areas and, given the area tree `areas` (area_code, area_level and
    area_name, as `measures.areas.tree` returns), an area code that is not in it or is not at the
    role's levels (`Role.area_levels`): an INT lead neighbourhoods only, a place managing director
    places only, a board member or analyst ALL, ICBs or places. No file: no users.
    """
    path = Path(path)
    if not path.is_file():
        return {}
    table = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    missing = {"email", "name", "role", "areas"} - set(table.columns)
    if missing:
        raise UsersFileError(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
    tree = None if areas is None else areas.set_index("area_code", drop=False)
    lines = _data_lines(path, len(table))
    users, first_line, problems = {}, {}, []
    for line, row in zip(lines, table.itertuples(index=False)):
        email, role = row.email.strip().lower(), row.role.strip()
        codes = tuple(a.strip() for a in row.areas.split(";") if a.strip())
        where = f"{path.name} line {line} ({email or 'no email'}, role {role or '(none)'})"
        if not email:
            problems.append(f"{where}: the email is missing")
        elif email in first_line:
            problems.append(f"{where}: {email} is already given on line {first_line[email]}; "
                            "give each person one line")
        if role not in ROLES:
            problems.append(f"{where}: role {role!r} is not one of {', '.join(sorted(ROLES))}")
        elif not codes:
            problems.append(f"{where}: no areas are given")
        elif tree is not None:
            problems += [f"{where}: {why}" for why in _misfits(ROLES[role], codes, tree)]
        first_line.setdefault(email, line)
        users.setdefault(email, User(email, row.name, role, codes))
    if problems:
        raise UsersFileError("\n".join(problems))
    return users


def _data_lines(path: Path, rows: int) -> list[int]:
    """The line number in the file of each data row (the header, comments and blank lines skipped)."""
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    numbers = [n for n, line in enumerate(text, start=1) if line.strip() and not line.lstrip().startswith("#")][1:]
    return numbers if len(numbers) == rows else list(range(2, rows + 2))


def _misfits(role: Role, codes: tuple[str, ...], tree: pd.DataFrame) -> list[str]:
    """Why some of these area codes do not fit the role (nothing when they all do)."""
    unknown = [code for code in codes if code != ALL and code not in tree.index]
    wrong = []
    for code in (c for c in codes if c not in unknown):
        level = "all" if code == ALL else tree.at[code, "area_level"]
        if level not in role.area_levels:
            wrong.append(f"{ALL} (every area)" if code == ALL
                         else f"{code} ({tree.at[code, 'area_name']}, {LEVEL_WORDS.get(level, level)})")
    levels = [LEVEL_CODES[level] for level in role.area_levels]
    allowed = ", ".join(levels[:-1]) + " or " + levels[-1] if len(levels) > 1 else levels[0]
    why = []
    if unknown:
        why.append(f"unknown area code(s) {', '.join(unknown)}: not an ICB, place or neighbourhood in the area tree")
    if wrong:
        why.append(f"{role.label} areas must be {allowed} codes, not {'; '.join(wrong)}")
    return why


# --- Checks -----------------------------------------------------------------------------------

def lineage(db, area_code: str) -> dict:
    """The area with the codes of the areas it lies within; AccessDenied for an unknown area.
    Asked once per area of an open Database (`Database.remember`)."""
    def ask():
        rows = db.run("app/area_lineage", area_code=str(area_code))
        return rows.iloc[0].to_dict() if not rows.empty else None
    row = db.remember(("lineage", str(area_code)), ask)
    if row is None:
        raise AccessDenied(f"There is no area with code {area_code!r}")
    return dict(row)


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


def exact_figures(db, user: User | None, area_code: str) -> bool:
    """Whether this viewer may see an area's exact figures, counts of 1–7 included.

    Only a role that is not aggregate-only (an INT lead), only for a neighbourhood it has (or a
    small area in one: never a wider area, even one given in its areas, as the queries' `$exact_areas`
    match neighbourhoods only), and for a demo user only on the synthetic demo extract: anyone can
    choose a demo role, so it must never unlock a real extract's small numbers. Nobody signed in, an
    unknown role or an unknown area: protected. Every reader that could give exact figures asks
    this, so hiding a widget is never the only guard.
    """
    if user is None:
        return False
    try:
        row = lineage(db, area_code)
        if user.role_info.aggregate_only or row["area_level"] not in ("neighbourhood", "small_area") \
                or row["neighbourhood_code"] not in user.areas:
            return False
    except AccessDenied:
        return False
    return not user.demo or is_synthetic(db)


def person_level_details(db, user: User | None) -> bool:
    """Whether this viewer may see person IDs and other values of one person's record outside the
    lists (the Data page's validation examples): roles given lists, a demo user on synthetic data only."""
    return _role_may(db, user, "lists")


def server_paths(db, user: User | None) -> bool:
    """Whether this viewer may see where the server keeps the data (folder and file paths): roles that
    load and check the extracts (analysts), a demo user on synthetic data only."""
    return _role_may(db, user, "server_paths")


def _role_may(db, user: User | None, permission: str) -> bool:
    if user is None or user.role not in ROLES:
        return False
    return getattr(ROLES[user.role], permission) and (not user.demo or is_synthetic(db))


def demo_roles(db) -> list[str]:
    """The roles demo mode offers: every role on the synthetic demo; on any other extract only those
    that see protected aggregates, no lists and no audit log (which names who looked at what),
    since a demo role is anyone's for the choosing."""
    if is_synthetic(db):
        return list(ROLES)
    return [r.role_id for r in ROLES.values() if r.aggregate_only and not r.lists and not r.audit]


def is_synthetic(db) -> bool:
    """True when the loaded extract says it is the synthetic demo (its manifest)."""
    manifest = Path(db.marts_dir) / "manifest.json"
    try:
        return synthetic_manifest(json.loads(manifest.read_text()))
    except (OSError, ValueError):
        return False


def synthetic_manifest(manifest: dict) -> bool:
    """Whether a marts manifest says its extract is the synthetic demo."""
    return str(manifest.get("source", "")).startswith("Synthetic")


def describe_areas(db, user: User) -> str:
    names = []
    for code in user.areas:
        rows = db.run("app/area_lineage", area_code=code)
        names.append(rows.iloc[0]["area_name"] if not rows.empty else code)
    return ", ".join(names) if names else "no areas"
