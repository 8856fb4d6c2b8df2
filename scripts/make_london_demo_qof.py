"""Write neighbourhood_health/pipeline/demo/london/qof_borough_prevalence.csv: the recorded prevalence the
London demo calibrates each borough to, from the House of Commons Library's modelled QOF 2019/20 borough
prevalence (../shared/reference/qof; Open Parliament Licence).

    .venv/bin/python scripts/make_london_demo_qof.py [--reference ../shared/reference]

QOF divides each register by the practice list of the ages the register covers: everyone for most
registers, 17 and over for diabetes, 18 and over for CKD, depression, obesity (and epilepsy). The demo
counts its recorded residents the same way (`list_min_age`).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "neighbourhood_health" / "pipeline" / "demo" / "london" / "qof_borough_prevalence.csv"
BOROUGHS = ["E09000003", "E09000007", "E09000010", "E09000014", "E09000019", "E09000005", "E09000009",
            "E09000013", "E09000015", "E09000017", "E09000018", "E09000020", "E09000033"]
# the demo's condition -> QOF 2019/20 register (group code)
GROUP = {"hypertension": "HYP", "diabetes": "DM", "copd": "COPD", "asthma": "AST", "chd": "CHD",
         "heart_failure": "HF", "atrial_fibrillation": "AF", "ckd": "CKD", "depression": "DEP", "smi": "MH",
         "dementia": "DEM", "cancer": "CAN", "obesity": "OB", "learning_disability": "LD"}
LIST_MIN_AGE = {"DM": 17, "CKD": 18, "DEP": 18, "OB": 18, "EP": 18}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, default=ROOT.parent / "shared" / "reference")
    args = parser.parse_args()
    qof = pd.read_csv(args.reference / "qof" / "hocl_modelled_qof1920_prevalence_London_LAD.csv", dtype={"lad_code": str})
    qof = qof[qof["lad_code"].isin(BOROUGHS) & qof["group_code"].isin(GROUP.values())]
    condition = {v: k for k, v in GROUP.items()}
    out = pd.DataFrame({"borough_code": qof["lad_code"], "borough_name": qof["lad_name"],
                        "condition": qof["group_code"].map(condition), "qof_group": qof["group_code"],
                        "register": qof["register"].round(1), "list_size": qof["list"].round(1),
                        "prevalence": qof["prevalence"].round(6),
                        "list_min_age": qof["group_code"].map(LIST_MIN_AGE).fillna(0).astype(int)})
    out = out.sort_values(["borough_code", "condition"])
    assert len(out) == len(BOROUGHS) * len(GROUP), "every borough has every register"
    out.to_csv(OUT, index=False)
    print(f"Wrote {OUT.relative_to(ROOT)}: {len(out)} rows")


if __name__ == "__main__":
    main()
