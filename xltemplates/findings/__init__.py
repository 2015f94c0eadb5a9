"""Findings: the code registry, the report, the judgement."""
