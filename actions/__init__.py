"""The actions layer: every command that changes a case (STYLE.md "services"), above casework,
mediation and flows. Each one takes its row lock through `actions.changes.lock_for` and records
the change through `actions.changes.record_change`; views, the API, commands, consumers and the
workflow's timers call them.
"""
