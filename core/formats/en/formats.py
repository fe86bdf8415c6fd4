"""Easel's one date format, for Django (settings.FORMAT_MODULE_PATH): day, short month, year, and a
24-hour time, so a date can end a sentence ("…until 9 Dec 2026, 11:51.") without "a.m.." and reads the
same in every table, page and admin field. Plain constants in Django's date-format syntax."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
