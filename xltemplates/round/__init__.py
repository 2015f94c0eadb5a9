"""The collection round: returned workbooks into a database, who has answered, export, next year's forms.

    sources      the files of a directory or zip (members read in memory, guarded)
    pool         checking on all cores, results in input order, surviving a dying worker
    job          what a worker does with one file
    attribution  which unit a file belongs to
    collect      the import loop; store writes one transaction per file
    db           opening SQLite/PostgreSQL; migrations and tables describe the schema
    queries      the read side; status, export_*, prefill and rollover build on it
"""
