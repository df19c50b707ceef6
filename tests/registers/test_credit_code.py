"""The unified social credit code check (GB 32100-2015), with the organisation-code check of GB 11714."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.credit.credit_code import (
    CHARSET,
    WEIGHTS,
    check_character,
    credit_code_problems,
    is_valid,
    org_check_character,
    with_check_characters,
)

# Codes published by the companies themselves (business licences, annual reports, 信用中国).
# Both check characters of each were verified by hand and agree with the algorithm: evidence
# that the weights, the charset values and the GB 11714 check are right.
PUBLISHED = {
    "91350100M000100Y43": "the example of GB 32100-2015 commentaries",
    "914403001922038216": "华为技术有限公司",
    "9144030071526726XG": "腾讯科技（深圳）有限公司",
    "91330100799655058B": "阿里巴巴（中国）有限公司",
    "91110108551385082Q": "小米科技有限责任公司",
    "91440300192317458F": "比亚迪股份有限公司",
    "91110000100010433L": "中国石油天然气集团有限公司",
}


def test_the_weights_are_powers_of_three_mod_31_as_the_standard_lists_them():
    assert list(WEIGHTS) == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    assert CHARSET == "0123456789ABCDEFGHJKLMNPQRTUWXY" and not set("IOZSV") & set(CHARSET)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert credit_code_problems(code) == [] and is_valid(code)


def test_the_check_characters_are_computed_by_hand_for_the_standard_example():
    # 9·1 + 1·3 + 3·9 + 5·27 + 1·26 + M(21)·20 + 1·8 + Y(30)·30 + 4·28 = 1640; 1640 mod 31 = 28; 31 − 28 = 3
    assert check_character("91350100M000100Y4") == "3"
    # organisation code M000100Y: M(22)·3 + 1·5 + Y(34)·2 = 139; 139 mod 11 = 7; 11 − 7 = 4
    assert org_check_character("M000100Y") == "4"


def test_the_organisation_code_check_maps_10_to_x_and_11_to_0():
    assert org_check_character("71526726") == "X"         # 腾讯: …726X
    assert org_check_character("00000000") == "0"         # Σ = 0 → 11 → 0


def test_a_wrong_check_character_is_refused_naming_the_computed_one():
    [problem] = credit_code_problems("91350100M000100Y44")
    assert problem == "统一社会信用代码校验位应为 3，实际为 4 / check character should be 3, got 4"


def test_a_wrong_organisation_code_check_is_refused_too():
    problems = credit_code_problems("91350100M000100Y53")
    assert any("组织机构代码" in p and "应为 4，实际为 5" in p and "organisation code" in p for p in problems)
    assert any("校验位应为" in p for p in problems)       # the 18th no longer fits either


def test_lower_case_letters_are_refused_not_upper_cased():
    [problem] = credit_code_problems("91350100m000100y43")
    assert problem.startswith("统一社会信用代码中的字母须大写")
    assert "lower-case" in problem and "'m' at position 9" in problem and "'y' at position 16" in problem


@pytest.mark.parametrize("code, words", [
    ("91350100M000100Y4", "应为 18 位，实际为 17 位"),
    ("91350100M000100Y433", "got 19"),
    ("91350100M000I00Y43", "第 13 位 'I' 不是有效字符"),
    ("91350100M000100Y4O", "the letter O is not used"),
    ("9135010AM000100Y43", "positions 3–8 (administrative division code) must be digits"),
    ("91350100M000 00Y43", "第 13 位 ' '"),
    ("91350100M000１00Y43", "第 13 位 '１'"),            # a full-width digit
    ("", "为空"),
])
def test_malformed_codes_say_what_is_wrong(code, words):
    problems = credit_code_problems(code)
    assert problems and any(words in p for p in problems), problems
    assert all(" / " in p for p in problems)              # Chinese first, then English


def test_a_non_ascii_character_whose_upper_case_is_longer_does_not_shift_positions():
    problems = credit_code_problems("91350100M000ß00Y43")
    assert any("第 13 位 'ß'" in p for p in problems)


# --- properties --------------------------------------------------------------------------

stems = st.tuples(
    st.text(CHARSET, min_size=2, max_size=2),              # registration authority, kind
    st.text("0123456789", min_size=6, max_size=6),         # administrative division
    st.text(CHARSET, min_size=8, max_size=8),              # organisation code without its check
).map("".join)


@given(stems)
def test_a_generated_code_is_valid(stem):
    code = with_check_characters(stem)
    assert len(code) == 18 and credit_code_problems(code) == []


@settings(max_examples=300)
@given(stems, st.integers(0, 17), st.sampled_from(CHARSET + "IOZSVabcxyz -/"))
def test_any_single_character_change_is_refused(stem, position, replacement):
    code = with_check_characters(stem)
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1:]
    assert credit_code_problems(changed), changed


@given(stems, st.integers(0, 16))
def test_swapping_two_different_neighbours_is_refused(stem, position):
    code = with_check_characters(stem)
    a, b = code[position], code[position + 1]
    if a == b:
        return
    swapped = code[:position] + b + a + code[position + 2:]
    assert credit_code_problems(swapped), swapped
