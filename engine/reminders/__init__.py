"""Reminders: each user's 待办 (engine/reminders/todo.py), read from the registers once a day
(queries.py), sent as a daily digest by e-mail (digest.py) and offered as a calendar feed behind a
per-user secret address (ical.py, use_cases.py). Nothing here imports Flask."""
