"""Issuing a round: one workbook per roster unit on all cores, resumable after a kill, optionally as one zip.

    plan (journal.py: what is already done, the round's timestamp) -> workers (pool.py) -> manifest -> zip
"""
