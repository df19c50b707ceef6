"""A generated township register of normative documents (CASE_FORMAT §3), with known defects.

Each document is drafted lawful as of `as_of` (reviewed before issue, published within days,
filed within the month, a validity well away from its end, evaluated recently, built on the
current versions of its laws), then some get one or two defects planted. `plan[number]` says
which rules the planted defects must violate: the test's oracle is the generator's own plan, not
the engine. Used by tests/registers/test_scan.py and bench/bench_docs_scan.py.
"""
from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

from engine.core.calendar import add_months

COLUMNS = ("number", "title", "issuer", "issued_on", "effective_from", "expires_on", "kind",
           "legality_reviewed_on", "published_on", "filed_on", "basis", "sets", "status", "last_reviewed_on")
ISSUERS = {"岳龙镇人民政府": "岳龙政规", "宁河区人民政府": "宁河政规", "宁河区市场监督管理局": "宁河市监规",
           "宁河区住房和城乡建设委员会": "宁河住建规", "宁河区农业农村委员会": "宁河农规", "宁河区生态环境局": "宁河环规"}
SUBJECTS = ["农村集体资产管理", "生活垃圾分类", "河道保洁", "宅基地建房", "村级公益事业一事一议", "农贸市场管理",
            "养犬管理", "燃气安全", "秸秆禁烧", "校外培训机构管理", "物业服务", "老旧小区改造", "农机补贴发放",
            "困难群众救助", "土地流转", "防汛抗旱", "小微企业扶持", "烟花爆竹燃放"]
# (title, version) pairs that are current (no later version in rules/laws.yaml) from their date on
CURRENT = [("中华人民共和国行政许可法", date(2019, 4, 23)), ("中华人民共和国行政处罚法", date(2021, 1, 22)),
           ("中华人民共和国政府信息公开条例", date(2019, 4, 3)), ("中华人民共和国行政强制法", date(2011, 6, 30)),
           ("中华人民共和国民法典", date(2020, 5, 28))]
AMENDED = ("中华人民共和国行政处罚法", date(2017, 9, 1))      # revised 2021-01-22, in force 2021-07-15
DEFECTS = {
    "expired_in_force": {"NDOC-VAL-04"},
    "unpublished": {"NDOC-PUB-02", "NDOC-PUB-03"},
    "late_filing": {"NDOC-FIL-01"},
    "never_filed": {"NDOC-FIL-01"},
    "no_review": {"NDOC-LEG-02"},
    "review_after_issue": {"NDOC-LEG-02"},
    "licence": {"NDOC-CNT-01"},
    "penalty": {"NDOC-CNT-02"},
    "compulsory_measure": {"NDOC-CNT-03"},
    "fee": {"NDOC-CNT-09"},
    "adds_obligations": {"NDOC-CNT-06"},
    "amended_basis": {"NDOC-CLN-01"},
    "cleanup_overdue": {"NDOC-CLN-03"},
    "validity_too_long": {"NDOC-VAL-03"},
    "trial_too_long": {"NDOC-VAL-02-T"},
    "evaluation_due": {"NDOC-VAL-02"},
}
# the fields each defect rewrites (filing is only judged once published)
TOUCHES = {
    "expired_in_force": {"expires_on", "effective_from"},
    "evaluation_due": {"expires_on", "effective_from", "last_reviewed_on"},
    "validity_too_long": {"expires_on"},
    "trial_too_long": {"expires_on", "kind"},
    "amended_basis": {"basis", "last_reviewed_on"},
    "cleanup_overdue": {"last_reviewed_on"},
    "unpublished": {"published_on", "filed_on", "effective_from"},
    "late_filing": {"filed_on"},
    "never_filed": {"filed_on"},
    "no_review": {"legality_reviewed_on"},
    "review_after_issue": {"legality_reviewed_on"},
}


def _day(r: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=r.randint(0, max((hi - lo).days, 0)))


def _clean(r: random.Random, n: int, as_of: date) -> dict:
    issuer = r.choice(list(ISSUERS))
    issued = _day(r, max(date(2019, 1, 1), add_months(as_of, -30)), as_of - timedelta(days=60))
    kind = r.choices(["regular", "trial", "provisional"], [8, 1, 1])[0]
    if kind != "regular":      # a two-year validity still more than 7 months away
        issued = _day(r, add_months(as_of, -14), as_of - timedelta(days=60))
    effective = issued + timedelta(days=r.randint(0, 30))
    months = 24 if kind != "regular" else r.choice([48, 60])
    expires: date | None = add_months(effective, months) - timedelta(days=1)
    if kind == "regular" and r.random() < 0.2:
        expires = None
    basis = [b for b in r.sample(CURRENT, r.randint(1, 2)) if b[1] <= issued]
    reviewed = _day(r, max(issued, add_months(as_of, -18)), as_of) if r.random() < 0.7 else None
    if reviewed is None and add_months(issued, 24) < as_of:
        reviewed = _day(r, add_months(as_of, -18), as_of)
    published = issued + timedelta(days=r.randint(1, 10))
    return {"number": f"{ISSUERS[issuer]}〔{issued.year}〕{n}号",
            "title": f"{issuer[:-4] if issuer.endswith('人民政府') else issuer}{r.choice(SUBJECTS)}"
                     f"{'试行' if kind == 'trial' else '暂行' if kind == 'provisional' else ''}办法",
            "issuer": issuer, "issued_on": issued, "effective_from": effective, "expires_on": expires,
            "kind": kind, "legality_reviewed_on": issued - timedelta(days=r.randint(0, 12)),
            "published_on": published, "filed_on": published + timedelta(days=r.randint(3, 30)),
            "basis": basis, "sets": [], "status": "in_force", "last_reviewed_on": reviewed}


def _plant(doc: dict, defect: str, r: random.Random, as_of: date) -> bool:
    """Plant one defect; False when it does not fit this document."""
    if defect == "expired_in_force":
        if doc["kind"] != "regular":
            return False
        doc["effective_from"] = doc["issued_on"]
        doc["expires_on"] = as_of - timedelta(days=r.randint(1, 200))
        if doc["expires_on"] <= doc["effective_from"]:
            return False
    elif defect == "unpublished":
        doc["published_on"] = doc["filed_on"] = None
        doc["effective_from"] = min(doc["effective_from"], as_of - timedelta(days=1))
    elif defect == "late_filing":
        doc["filed_on"] = doc["published_on"] + timedelta(days=r.randint(31, 50))
        if doc["filed_on"] > as_of:
            return False
    elif defect == "never_filed":
        doc["filed_on"] = None
    elif defect == "no_review":
        doc["legality_reviewed_on"] = None
    elif defect == "review_after_issue":
        doc["legality_reviewed_on"] = doc["issued_on"] + timedelta(days=r.randint(1, 5))
    elif defect in ("licence", "penalty", "compulsory_measure", "fee", "adds_obligations"):
        doc["sets"] = doc["sets"] + [defect]
    elif defect == "amended_basis":
        if not date(2018, 6, 1) <= doc["issued_on"] < date(2021, 1, 22) or as_of < date(2021, 7, 15):
            return False
        doc["basis"] = [AMENDED]
        doc["last_reviewed_on"] = None if r.random() < 0.5 else _day(r, doc["issued_on"], date(2021, 1, 21))
    elif defect == "cleanup_overdue":
        if add_months(doc["issued_on"], 25) >= as_of:
            return False
        doc["last_reviewed_on"] = None
    elif defect == "validity_too_long":
        if doc["kind"] != "regular":
            return False
        doc["expires_on"] = add_months(doc["effective_from"], r.choice([61, 84, 120]))
    elif defect == "trial_too_long":
        doc["kind"] = r.choice(["trial", "provisional"])
        doc["expires_on"] = add_months(doc["effective_from"], r.choice([25, 36, 60]))
        if doc["expires_on"] <= add_months(as_of, 7):
            return False
    elif defect == "evaluation_due":
        if doc["kind"] != "regular":
            return False
        doc["expires_on"] = as_of + timedelta(days=r.randint(1, 150))
        doc["effective_from"] = doc["issued_on"]
        doc["last_reviewed_on"] = None if r.random() < 0.5 else add_months(doc["expires_on"], -7)
        if doc["last_reviewed_on"] is not None and doc["last_reviewed_on"] < doc["issued_on"]:
            doc["last_reviewed_on"] = None
        if doc["last_reviewed_on"] is None and add_months(doc["issued_on"], 24) < as_of:
            return False       # would also be a periodic clean-up case; keep the plan exact
    return True


def generate(count: int, as_of: date, seed: int = 7, defect_rate: float = 0.4) -> tuple[list[dict], dict[str, set[str]]]:
    """`count` documents and, per number, the rules their planted defects violate."""
    r = random.Random(seed)
    docs, plan = [], {}
    for n in range(1, count + 1):
        doc = _clean(r, n, as_of)
        expected: set[str] = set()
        if r.random() < defect_rate:
            chosen = r.sample(sorted(DEFECTS), r.choice([1, 1, 2]))
            if len(chosen) == 2 and TOUCHES.get(chosen[0], set()) & TOUCHES.get(chosen[1], set()):
                chosen = chosen[:1]           # two defects on the same fields would undo each other
            for defect in chosen:
                snapshot = dict(doc)
                if _plant(doc, defect, r, as_of):
                    expected |= DEFECTS[defect]
                else:
                    doc.clear()
                    doc.update(snapshot)
        docs.append(doc)
        plan[doc["number"]] = expected
    return docs, plan


def to_csv(docs: list[dict]) -> str:
    """The register as §3 CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for d in docs:
        writer.writerow([_cell(d[c]) for c in COLUMNS])
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ";".join(f"{t}@{v.isoformat()}" if isinstance(t, str) and isinstance(v, date) else str(t)
                        for t, v in (x if isinstance(x, tuple) else (x, None) for x in value))
    return str(value)
