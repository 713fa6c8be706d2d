"""Settings gunicorn reads from the directory it is started in (README, *Production*).

Every request here makes many short-lived objects (ORM rows, calendar cells). With Python's
default collector threshold (700 allocations) a collection runs several times inside one
calendar page, each walking the app's long-lived objects too; bench/speed.md measured it.
"""

import gc


def post_fork(server, worker):
    # What exists after the fork (the app, its modules, the URL map) lives as long as the
    # worker: move it out of the collector's sight, and collect the young generation less often.
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
