"""What makes a password acceptable (NIST SP 800-63B §5.1.1.2, "Memorized Secret Verifiers"): at
least MIN_LENGTH characters, no composition rules, and refused when it is a commonly used one, a
run of repeated or sequential characters, or the account's own username. The lists are short on
purpose: they catch what a person types when asked for "a password of 10 characters"."""
from __future__ import annotations

MIN_LENGTH = 10
MAX_LENGTH = 1024        # what the sign-in form accepts (web/auth.py LoginForm): a longer one could never be used

# keyboard rows and alphabets a sequential password is cut from (also read backwards)
SEQUENCES = ("01234567890", "1234567890", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl",
             "zxcvbnm", "1qaz2wsx3edc4rfv", "1q2w3e4r5t6y7u8i9o0p")

# common passwords of 10 characters or more (breach lists, Chinese and international)
COMMON = frozenset({
    "password123", "password1234", "password12345", "passw0rd123", "p@ssw0rd123", "qwerty1234",
    "qwerty12345", "qwerty123456", "1q2w3e4r5t", "1qaz2wsx3edc", "1qazxsw23edc", "zaq12wsxcde3",
    "abc1234567", "abcd123456", "a123456789", "aa12345678", "admin12345", "admin123456",
    "administrator", "iloveyou12", "iloveyou123", "woaini1314", "woaini520520", "5201314520",
    "1314520520", "qq123456789", "123456789a", "123456789q", "1234567890a", "0123456789a",
    "12345678910", "123123123123", "1234512345", "1234567890", "0987654321", "9876543210",
    "letmein123", "welcome123", "changeme123", "11111111111", "0000000000", "8888888888",
})


def password_problem(password: str, username: str | None = None) -> tuple[str, str] | None:
    """Why this password is refused (Chinese, English), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return (f"密码至少{MIN_LENGTH}个字符", f"a password has at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        return (f"密码至多{MAX_LENGTH}个字符", f"a password has at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if username and lowered == username.lower():
        return ("密码不能与用户名相同", "the password may not be the username")
    if len(set(lowered)) <= 2:
        return ("密码不能是重复的字符", "the password may not be one or two characters repeated")
    if any(lowered in run or lowered in run[::-1] for run in SEQUENCES):
        return ("密码不能是连续的字符（如 1234567890、qwertyuiop）",
                "the password may not be a run of sequential characters (like 1234567890 or qwertyuiop)")
    if lowered in COMMON:
        return ("该密码过于常见，容易被猜中，请换一个", "this password is too common to be safe: choose another")
    return None
