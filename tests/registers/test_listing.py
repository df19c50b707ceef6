"""The one list/filter/sort/page helper both registers' list pages use (engine/registers/listing.py and queries.py),
through each domain's queries."""
from __future__ import annotations

from datetime import date

from engine.credit.queries import penalties_by_number, penalty_filters, penalty_page
from engine.credit.use_cases import import_penalties
from engine.documents.queries import (
    document_by_number,
    document_filters,
    document_page,
    documents_by_number,
)
from engine.documents.use_cases import import_documents
from engine.registers.listing import Page


def test_a_page_knows_its_slice_and_the_links_around_it():
    page = Page.of(total=101, page=9, per_page=10)
    assert (page.page, page.pages, page.offset, page.first, page.last) == (9, 11, 80, 81, 90)
    assert page.window() == [1, None, 7, 8, 9, 10, 11]
    assert Page.of(total=5, page=7, per_page=10).page == 1          # past the end: the last page
    assert (Page.of(0, 1, 50).first, Page.of(0, 1, 50).last) == (0, 0)


def test_documents_are_filtered_sorted_and_paged_in_sql(uow, clerk, fixtures):
    with uow() as u:
        import_documents(u, fixtures / "yuelong-register.csv", clerk)
        u.commit()
    with uow(read_only=True) as u:
        everything = document_page(u.session, document_filters(), "-issued_on", 1, 25)
        issued = [d.issued_on for d in everything.rows]
        assert everything.total == 6 and issued == sorted(issued, reverse=True)
        second = document_page(u.session, document_filters(), "number", 2, 4)
        assert (second.page, second.pages, len(second.rows)) == (2, 2, 2)
        assert [d.number for d in second.rows] == sorted(d.number for d in everything.rows)[4:]
        provisional = document_page(u.session, document_filters(kind="provisional"), "number", 1, 25)
        assert provisional.total >= 1 and {d.kind for d in provisional.rows} == {"provisional"}
        found = document_page(u.session, document_filters(q="2019〕3"), "number", 1, 25)
        assert [d.number for d in found.rows] == ["宁河政规〔2019〕3号"]
        assert document_by_number(u.session, "宁河政规〔2019〕3号").title == "宁河区农村集体资产管理办法"
        assert document_by_number(u.session, "no such number") is None
        numbers = [d.number for d in everything.rows]
        assert set(documents_by_number(u.session, numbers + ["unknown"])) == set(numbers)


def test_penalties_are_filtered_by_decision_dates_with_the_same_helper(uow, clerk, fixtures):
    with uow() as u:
        import_penalties(u, fixtures / "penalties.csv", clerk, skip_invalid=True)
        u.commit()
    with uow(read_only=True) as u:
        everything = penalty_page(u.session, penalty_filters(), "decided_on", 1, 200)
        assert everything.total > 2
        days = [p.decided_on for p in everything.rows]
        assert days == sorted(days)
        middle = days[len(days) // 2]
        later = penalty_page(u.session, penalty_filters(decided_from=middle), "decided_on", 1, 200)
        assert later.total < everything.total and all(p.decided_on >= middle for p in later.rows)
        none = penalty_page(u.session, penalty_filters(decided_to=date(1990, 1, 1)), "decided_on", 1, 200)
        assert (none.total, none.rows, none.page) == (0, [], 1)
        numbers = [p.case_number for p in everything.rows]
        assert set(penalties_by_number(u.session, numbers[:3] + ["unknown"])) == set(numbers[:3])
