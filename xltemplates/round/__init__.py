"""The collection round: returned workbooks into a database, who has answered, export, next year's forms.

    db, migrations, tables   opening SQLite/PostgreSQL; the schema and its ordered migration steps
    sources                  the files of a directory or zip (members read in memory, guarded)
    handin                   the desk's 正式报送 (checking a file: xltemplates/checking/)
    attribution              which unit a file belongs to
    collect, store           the import loop; one transaction per file; annotated copies (annotated)
    queries, verdict         the read side and the words for a unit's state
    status                   who has answered
    export_shape, export_tables, export_xlsx, export_csv   the consolidated tables and their files
    prefill, rollover        next year's workbooks from this year's returns
    text                     XML-safe text and the display width of Chinese text

The command line (cli/collect_cmd.py etc.) only parses options and prints; docs/collection-round.md
describes the round for a bureau.
"""
