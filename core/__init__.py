"""Ideas several apps share, each in one place: money, image formats, aspect ratios, tokens, ids, client
addresses, log redaction.

Plain Python only: nothing here imports Django or an Easel app, so any app (and gunicorn's logger, which
loads before Django) can use it without an import cycle.
"""
