"""The day the tests take as today: tests/conftest.py sets `YIFA_TODAY` to it for the whole session,
so the app in the test process and every `yifa` the tests start see the same day, whatever the
machine's date. Expected dates are computed from `TODAY`, never from `date.today()`.
"""
from __future__ import annotations

from datetime import date

TODAY = date(2026, 11, 25)
