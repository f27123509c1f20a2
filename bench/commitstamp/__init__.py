"""Bench-only instrumentation: stamp each notification push with the moment of its commit.

`flows.notifications.notify` hands its pushes to `flows.realtime.publish` from
`transaction.on_commit`, so the moment `publish` is called is the commit's moment (to the
microsecond, on the committing thread). This app wraps `publish` to add that moment to each
message as `bench_committed_at` (Unix seconds), which the latency benchmark subtracts from
the moment its client receives the message. Installed by bench/settings.py only, and only
when BENCH_STAMP_COMMITS=1.
"""
