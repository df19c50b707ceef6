"""The unified social credit code (统一社会信用代码) of GB 32100-2015: is a code well formed?

An 18-character code, read left to right:

    position 1      登记管理部门码  registration authority (1 机构编制, 5 民政, 9 工商, Y 其他 …)
    position 2      机构类别码      kind of organisation within that authority
    positions 3–8   登记管理机关行政区划码  administrative division (GB/T 2260), digits
    positions 9–17  主体标识码      the organisation code of GB 11714: 8 characters and its own
                                    check character (weights 3, 7, 9, 10, 5, 8, 4, 2; letters
                                    A=10 … Z=35; check = 11 − Σ mod 11, 10 → X, 11 → 0)
    position 18     校验码          check character: weights 3^i mod 31 (i = 0 … 16) over the
                                    values of the first 17 characters in the code's charset,
                                    check = 31 − Σ mod 31 (31 → 0)

The charset is `0123456789ABCDEFGHJKLMNPQRTUWXY` (digits and upper-case letters without I, O,
Z, S, V); a character's value is its index there.

Decisions:
- Positions 1 and 2 are only checked against the charset, not against today's code tables:
  those tables have been extended by notices since 2015 (3 司法行政 for law firms, N 农业 …),
  and refusing a lawfully issued code would block a whole register file.
- Positions 3–8 must be digits; whether they name an existing division is not checked (divisions
  are renamed and merged — 宁河县 120221 became 宁河区 120117 — while codes keep their number).
- Lower-case letters are refused with a message saying so, never silently upper-cased: the
  register is a legal record and a corrected code must be corrected at its source. The other
  checks still run on the upper-cased text, so every problem is reported at once.
- A masked code (脱敏: public records replace some characters with `*`, e.g. `9141010*********8X`)
  is accepted as masked: 18 characters, every one shown in the charset (or `*`), positions 3–8
  digits where shown. Its check characters are never computed (the masked characters are
  unknown: a code is never validated as if whole), and nothing here ever fills a `*` in.
- Every problem is one bilingual sentence (Chinese first); a wrong check character names the
  computed one, so a clerk can tell a typo in the check character from one elsewhere.
"""
from __future__ import annotations

import functools

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"          # value = index
VALUES = {ch: i for i, ch in enumerate(CHARSET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))     # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)               # GB 11714-1997
LENGTH = 18
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # GB 11714 values: digit, or A=10 … Z=35
_FORBIDDEN_LETTERS = "IOZSV"
MASK = "*"


def check_character(first17: str) -> str:
    """The 18th character (校验码) for the first 17 characters of a code, which must be in the charset."""
    if len(first17) != 17:
        raise ValueError("expected the first 17 characters of a code")
    total = sum(VALUES[ch] * w for ch, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def org_check_character(body8: str) -> str:
    """The check character of a GB 11714 organisation code, for its first 8 characters (digits, A–Z)."""
    if len(body8) != 8:
        raise ValueError("expected the first 8 characters of an organisation code")
    total = sum(_ORG_ALPHABET.index(ch) * w for ch, w in zip(body8, ORG_WEIGHTS))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def with_check_characters(stem16: str) -> str:
    """A valid code from its first 16 characters: adds the organisation-code check and the 18th."""
    if len(stem16) != 16:
        raise ValueError("expected the first 16 characters of a code")
    first17 = stem16 + org_check_character(stem16[8:16])
    return first17 + check_character(first17)


def is_masked(code: str) -> bool:
    """Whether a code is masked: some of its characters shown as `*`."""
    return MASK in code


def credit_code_problems(code: str) -> list[str]:
    """What is wrong with a unified social credit code (empty list: well formed, both checks right)."""
    return list(_problems(code))


@functools.lru_cache(maxsize=1 << 16)      # a register names the same parties again and again
def _problems(code: str) -> tuple[str, ...]:
    return tuple(_find_problems(code))


def _find_problems(code: str) -> list[str]:
    if not code:
        return ["统一社会信用代码为空 / the unified social credit code is empty"]
    if len(code) != LENGTH:
        return [f"统一社会信用代码应为 {LENGTH} 位，实际为 {len(code)} 位"
                f" / a unified social credit code has {LENGTH} characters, got {len(code)}"]
    problems = _lower_case(code)
    upper = "".join(ch.upper() if ch.isascii() else ch for ch in code)  # keeps the length
    masked = is_masked(upper)
    bad = _bad_characters(upper)
    problems += bad
    region = upper[2:8]
    shown = region.replace(MASK, "") if masked else region
    if shown and (not shown.isascii() or not shown.isdigit()):
        problems.append(f"统一社会信用代码第 3–8 位（行政区划码）应为数字，实际为 {region!r}"
                        f" / positions 3–8 (administrative division code) must be digits, got {region!r}")
    if bad or masked:
        return problems  # the check characters of an impossible or a masked code mean nothing
    expected_org = org_check_character(upper[8:16])
    if upper[16] != expected_org:
        problems.append(f"统一社会信用代码第 9–17 位（组织机构代码）的校验码应为 {expected_org}，实际为 {upper[16]}"
                        f" / the organisation code (positions 9–17) should end in the check character "
                        f"{expected_org}, got {upper[16]}")
    expected = check_character(upper[:17])
    if upper[17] != expected:
        problems.append(f"统一社会信用代码校验位应为 {expected}，实际为 {upper[17]}"
                        f" / check character should be {expected}, got {upper[17]}")
    return problems


def is_valid(code: str) -> bool:
    """True when the code has no problem."""
    return not credit_code_problems(code)


def _lower_case(code: str) -> list[str]:
    lower = [(i, ch) for i, ch in enumerate(code, start=1) if ch.isascii() and ch.islower()]
    if not lower:
        return []
    zh = "、".join(f"第 {i} 位 {ch!r}" for i, ch in lower)
    en = ", ".join(f"{ch!r} at position {i}" for i, ch in lower)
    return [f"统一社会信用代码中的字母须大写，不得使用小写字母（{zh}）"
            f" / letters must be upper case; lower-case letters are not allowed ({en})"]


def _bad_characters(upper: str) -> list[str]:
    problems = []
    for i, ch in enumerate(upper, start=1):
        if ch in VALUES or ch == MASK:
            continue
        shown = repr(ch) if ch.isprintable() else f"U+{ord(ch):04X}"
        if ch in _FORBIDDEN_LETTERS:
            why_zh, why_en = f"字母 {ch} 不用于统一社会信用代码", f"the letter {ch} is not used in credit codes"
        else:
            why_zh, why_en = "只能使用数字和大写字母", "only digits and upper-case letters are allowed"
        problems.append(f"统一社会信用代码第 {i} 位 {shown} 不是有效字符（{why_zh}，不含 I、O、Z、S、V）"
                        f" / position {i}: {shown} is not allowed ({why_en}; never I, O, Z, S, V)")
    return problems
