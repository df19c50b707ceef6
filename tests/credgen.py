"""A generated administrative-penalty register (CASE_FORMAT §4) spread over every credit regime.

Records are decided between 2017 and 2026 (so every regime boundary has records on both sides),
in realistic states: published within days, mostly fulfilled, some applying for repair, a few
revoked. Used by bench/bench_credit_scan.py and the credit tests.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Iterator

from engine.credit.credit_code import with_check_characters

COLUMNS = ("case_number", "party", "credit_code", "authority", "decided_on", "category", "published_on",
           "fulfilled_on", "commitment_on", "training_on", "credit_report_on", "repair_applied_on",
           "repair_decided_on", "repair_result", "revoked_on", "withdrawn_on")
AUTHORITIES = {"岳龙镇人民政府": "岳龙综执罚", "宁河区市场监督管理局": "津宁市监罚", "宁河区生态环境局": "津宁环罚",
               "宁河区应急管理局": "津宁应急罚", "宁河区城市管理委员会": "津宁城管罚", "宁河区卫生健康委员会": "津宁卫罚"}
TRADES = ["商贸", "建材", "食品", "超市", "物流", "餐饮", "农业科技", "化工", "机械", "家具"]
BOUNDARIES = [date(2017, 7, 31), date(2019, 7, 1), date(2023, 5, 1), date(2026, 4, 1)]
START, END = date(2017, 6, 1), date(2026, 10, 31)
ORG = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _code(r: random.Random) -> str:
    stem = "91" + "120221" + "".join(r.choice(ORG) for _ in range(8))
    return with_check_characters(stem)


def _day(r: random.Random) -> date:
    if r.random() < 0.1:                          # cluster around the regime boundaries
        return r.choice(BOUNDARIES) + timedelta(days=r.randint(-3, 2))
    return START + timedelta(days=r.randint(0, (END - START).days))


def records(count: int, seed: int = 7) -> Iterator[list[str]]:
    """`count` register rows (lists of cells in §4 order)."""
    r = random.Random(seed)
    codes = [_code(r) for _ in range(min(count, 5000) or 1)]
    for n in range(1, count + 1):
        authority = r.choice(list(AUTHORITIES))
        decided = _day(r)
        category = r.choices(["minor", "general", "severe", "specified_severe"], [1, 6, 2, 1])[0]
        code = r.choice(codes)
        row = {c: "" for c in COLUMNS}
        row.update(case_number=f"{AUTHORITIES[authority]}〔{decided.year}〕{n}号",
                   party=f"天津市宁河区{code[-4:]}{r.choice(TRADES)}有限公司", credit_code=code,
                   authority=authority, decided_on=decided.isoformat(), category=category)
        if r.random() < 0.9:
            row["published_on"] = (decided + timedelta(days=r.randint(1, 12))).isoformat()
        if r.random() < 0.8:
            fulfilled = decided + timedelta(days=r.randint(3, 60))
            row["fulfilled_on"] = fulfilled.isoformat()
            if r.random() < 0.5:
                applied = decided + timedelta(days=r.randint(90, 500))
                row["commitment_on"] = applied.isoformat()
                if category == "severe" and r.random() < 0.7:
                    row["training_on"] = (applied - timedelta(days=r.randint(1, 20))).isoformat()
                    row["credit_report_on"] = (applied - timedelta(days=r.randint(1, 10))).isoformat()
                row["repair_applied_on"] = applied.isoformat()
                if r.random() < 0.85:
                    done = applied + timedelta(days=r.randint(1, 25))
                    row["repair_decided_on"] = done.isoformat()
                    row["repair_result"] = "granted" if r.random() < 0.8 else "refused"
                    if row["repair_result"] == "granted" and row["published_on"]:
                        row["withdrawn_on"] = done.isoformat()
        if r.random() < 0.03:
            revoked = decided + timedelta(days=r.randint(10, 200))
            row["revoked_on"] = revoked.isoformat()
            if row["published_on"] and r.random() < 0.6:
                withdrawn = max(revoked + timedelta(days=r.randint(0, 6)), date.fromisoformat(row["published_on"]))
                row["withdrawn_on"] = withdrawn.isoformat()
        yield [row[c] for c in COLUMNS]


def write_csv(path, count: int, seed: int = 7) -> None:
    """Write a generated register file (UTF-8, CRLF)."""
    import csv
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows(records(count, seed))
