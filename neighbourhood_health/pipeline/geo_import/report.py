"""What the import tells its user: the error every check raises, the report of what was done,
and one wording for 'this many codes are wrong, for example these'."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SHOWN = 10                       # codes listed in a message


class GeoImportError(ValueError):
    """The geography cannot be imported: the message names the file, the column and the problem."""


@dataclass
class ImportReport:
    out_dir: Path
    counts: dict[str, int] = field(default_factory=dict)        # small areas, neighbourhoods, places, ICBs
    notes: list[str] = field(default_factory=list)
    lsoa_changes: dict[str, int] = field(default_factory=dict)  # CHGIND -> 2021 areas carried over
    unmapped: list[str] = field(default_factory=list)           # 2011 codes the ONS lookup does not know
    input_km2: float = 0.0
    dissolved_km2: float = 0.0
    layer_coverage: list[str] = field(default_factory=list)   # coverage.Coverage.describe of the neighbourhood layer

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.notes + self.layer_coverage if line.startswith("WARNING")]

    def as_text(self) -> str:
        lines = [f"Imported into {self.out_dir}: " + ", ".join(f"{n:,} {k}" for k, n in self.counts.items())]
        lines += [f"  {note}" for note in self.notes]
        lines.append(f"  Area: {self.input_km2:,.2f} km² of small areas, {self.dissolved_km2:,.2f} km² of"
                     f" dissolved, simplified neighbourhoods ({self.area_difference:+.3%})")
        lines += [f"  {line}" for line in self.layer_coverage]
        lines.append("Next: `python -m neighbourhood_health build` redraws the map layers and marts.")
        return "\n".join(lines)

    @property
    def area_difference(self) -> float:
        return self.dissolved_km2 / self.input_km2 - 1 if self.input_km2 else 0.0


def examples(codes) -> str:
    codes = sorted(map(str, codes))
    return ", ".join(codes[:SHOWN]) + (", …" if len(codes) > SHOWN else "")


def problem(path: Path, column: str | None, what: str, codes=None, advice: str = "") -> str:
    """'file, column col: 12 things wrong (e.g. first ten codes); what to do'."""
    where = Path(path).name + (f", column {column}" if column else "")
    what = f"{len(codes):,} {what} (e.g. {examples(codes)})" if codes is not None else what
    return f"{where}: {what}" + (f"; {advice}" if advice else "")
