"""`yifa rules list --unverified`: what a legal advisor has to confirm — every rule and parameter
marked `verified: false`, with its file, id and the reason (its note, else its citation's note)."""
import json
from pathlib import Path

import yaml

from tests.integration.test_cli import yifa

ROOT = Path(__file__).resolve().parents[2]


def _unverified_in_files(folder: str) -> set[tuple[str, str]]:
    """(file, id) of every item marked `verified: false`, read straight from the YAML."""
    out = set()
    for path in sorted((ROOT / "rules" / folder).glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        rel = str(path.relative_to(ROOT))
        for section in ("parameters", "parameter_overrides"):
            out |= {(rel, name) for name, p in (doc.get(section) or {}).items() if p.get("verified") is False}
        out |= {(rel, r["id"]) for r in doc.get("rules") or [] if r.get("verified") is False}
    return out


def test_the_json_lists_every_unverified_rule_and_parameter_once_with_its_reason():
    rows = json.loads(yifa("rules", "list", "--unverified", "--format", "json",
                           "--jurisdiction", "CN-12/ninghe").stdout)
    listed = [(r["file"], r["id"]) for r in rows]
    assert len(listed) == len(set(listed)), "an item of an ancestor is listed once"
    assert set(listed) == _unverified_in_files("CN") | _unverified_in_files("CN-12") | _unverified_in_files("CN-12/ninghe")
    by_id = {r["id"]: r for r in rows}
    assert "MAD-PP-04" not in by_id                                   # V1: nothing to confirm
    pub = by_id["doc_publication_working_days"]
    assert (pub["kind"], pub["file"]) == ("parameter", "rules/CN/normative-documents.yaml")
    assert "工程默认值" in pub["note"] and pub["line"] > 0
    assert "各地" in by_id["filing_days"]["note"]                      # the citation's note, when the item has none
    assert all(r["note"] for r in rows), [r["id"] for r in rows if not r["note"]]


def test_the_text_names_file_id_and_reason():
    out = yifa("rules", "list", "--unverified", "--jurisdiction", "CN").stdout
    assert "rules/CN/normative-documents.yaml:" in out and "doc_publication_working_days" in out
    assert "理由 / reason: 工程默认值" in out
    assert "MAD-PP-04" not in out


def test_the_rules_whose_words_or_number_are_not_in_the_text_say_why():
    # Decree 713 Arts. 36(2), 31, 16(3): the article is right, the rule reads more than it says;
    # the Ninghe rule cited an article its report does not have
    rows = json.loads(yifa("rules", "list", "--unverified", "--format", "json",
                           "--jurisdiction", "CN-12/ninghe").stdout)
    note = {r["id"]: r["note"] for r in rows}
    assert "委托的第三方" in note["MAD-EVAL-02"]
    assert "出台" in note["MAD-COL-07"] and "公布日" in note["MAD-COL-07"]
    assert "需要遴选听证参加人的" in note["MAD-HEAR-03"]
    assert "第一条" in note["LOC-NH-RULE-OF-LAW-01"] and "县级以上" in note["LOC-NH-RULE-OF-LAW-01"]
