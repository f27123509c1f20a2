"""The actions layer: every command that changes a case (STYLE.md "services"), above casework,
mediation and flows. Each one takes its row lock through `actions.changes.lock_for` and records
the change through `actions.changes.record_change` (the deadline sweep, `actions.sweep`, writes
the same rows for a whole batch of cases at once); views, the API, commands, consumers and the
deadline sweep call them.
"""
