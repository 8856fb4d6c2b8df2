"""The protected figures, added to freshly written marts before they are swapped in.

Whichever engine built the marts, this step runs in DuckDB on the parquet files it wrote, so the
protected figures do not depend on the engine: `measure_values` gains each row's protected
numerator and denominator (sums of protected base cells, `queries/build/protect/`) and
`breakdown_values` holds the inequality breakdowns' base cells, and `nnhip_monthly` (the NNHIP
scorecard's cells) gains each cell's protected count. The rule and the key come from
`privacy.disclosure`.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from neighbourhood_health.pipeline.engines.duckdb import DuckDBEngine
from neighbourhood_health.privacy import disclosure
from neighbourhood_health.store import new_connection, run_on, sql_text

#: How many times a neighbourhood's breakdown cells are re-drawn before they are withheld.
ATTEMPTS = 20


def protect_marts(out: Path, secret: str, order_by: dict[str, tuple[str, ...]],
                  partition_by: tuple[str, ...]) -> None:
    """Add the protected figures to the marts in `out` (a staged folder, not the live one)."""
    out = Path(out)
    con = new_connection()
    try:
        con.execute(sql_text("build/protect/macros"))
        values = out / "measure_values.parquet"
        con.sql("SELECT * FROM read_parquet($path, hive_partitioning = true)",
                params={"path": str(values / "**" / "*.parquet")}).create_view("measure_values_exact")
        for name in ("small_areas", "measure_breakdown", "measures"):
            con.sql("SELECT * FROM read_parquet($path)", params={"path": str(out / f"{name}.parquet")}).create_view(name)
        engine = DuckDBEngine(con)
        rule = {"key": secret, "threshold": disclosure.THRESHOLD, "round_to": disclosure.ROUND_TO}
        engine.create_table("protected_cells", "build/protect/base_cells", rule)
        engine.create_table("measure_values_protected", "build/protect/measure_values", {})
        staged = out / "measure_values.protected"
        engine.write_parquet("measure_values_protected", staged, order_by["measure_values"], partition_by)
        _protect_breakdowns(con, engine, rule)
        engine.write_parquet("breakdown_values", out / "breakdown_values.parquet", order_by["breakdown_values"])
        nnhip = out / "nnhip_monthly.parquet"
        con.sql("SELECT * FROM read_parquet($path)", params={"path": str(nnhip)}).create_view("nnhip_monthly_exact")
        engine.create_table("nnhip_protected", "build/protect/nnhip_values", rule)
        engine.write_parquet("nnhip_protected", out / "nnhip_monthly.protected", order_by["nnhip_monthly"])
    finally:
        con.close()
    shutil.rmtree(values)
    staged.rename(values)
    (out / "nnhip_monthly.protected").replace(nnhip)


def _protect_breakdowns(con, engine: DuckDBEngine, rule: dict) -> None:
    """Protect the residents' breakdowns so that, against the small areas' cells, no hidden count
    can be pinned (`pinned_breakdowns.sql`): a neighbourhood whose cells would allow it has them
    drawn again with the next nonce, and after ATTEMPTS draws is withheld (a deterministic
    procedure, so a rebuild of the same extract publishes the same figures)."""
    engine.create_table("breakdown_cells", "build/protect/breakdown_cells", rule)
    con.execute("CREATE OR REPLACE TEMP TABLE breakdown_nonce AS SELECT DISTINCT measure_id, neighbourhood_code, "
                "0 AS nonce, false AS withheld FROM breakdown_cells")
    for attempt in range(ATTEMPTS + 1):
        engine.create_table("breakdown_values", "build/protect/breakdown_values", rule)
        pinned = run_on(con, "build/protect/pinned_breakdowns", **rule)
        if pinned.empty:
            return
        con.register("pinned_now", pinned[["measure_id", "neighbourhood_code"]])
        last = attempt == ATTEMPTS - 1
        con.execute("UPDATE breakdown_nonce SET nonce = nonce + 1, withheld = $last "
                    "WHERE (measure_id, neighbourhood_code) IN (SELECT measure_id, neighbourhood_code FROM pinned_now)",
                    {"last": last})
        con.unregister("pinned_now")
    raise RuntimeError(f"breakdowns still pinned after withholding: {pinned.to_dict(orient='records')}")
