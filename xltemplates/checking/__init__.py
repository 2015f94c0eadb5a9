"""Running a check, in one place: the job (a file checked within its time budget, its annotated copy and
drawn sheets included), what travels back (`Checked`), the one pool of worker processes (an async face for
the desk, a sync face for collect) and the one failure contract (a worker that dies, hangs or raises gives
E-READ-FAILED / E-FILE-TIMEOUT wherever the check ran).

    budget.py     the time budget (FILE_SECONDS in the worker, HARD_SECONDS from outside), default_jobs
    job.py        what a worker does with a file; Checked; failed()
    workers.py    the pool: spawned workers over socket pairs, driven from an event loop
    wire.py       the framing of calls and replies, and a worker's own loop
    ordered.py    its sync face: many files, results in input order (collect)
    desk.py       its async face for the web desk: one upload per link in the workers at a time
    grid_html.py  a checked workbook's sheets drawn as bounded HTML grids (the desk's verdict page)

Below round/ and web/, above reader/ and writer/: it imports neither the database nor the web framework.
"""
