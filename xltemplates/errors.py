"""Exceptions: raised only when a run cannot go on.

Everything wrong *inside* a returned workbook is a Finding (see report.py), never an exception.

    XltError
    ├── TemplateError      a template file is broken (names the file and the key path)
    ├── DataError          prefill data does not fit the template (names the JSON path)
    ├── FindingsError      prefill data breaks the template's rules (carries the findings)
    ├── WriteError         a workbook could not be written
    ├── ReadError          a file could not be read at all (carries a finding code)
    ├── KeyFileError       the bureau's identity key is missing, unreadable or malformed (keys.py)
    └── ConversionError    LibreOffice could not turn a returned .xls/.ods into .xlsx (reader/convert.py;
                           caught there and reported as a finding, never raised to the user)
"""

from __future__ import annotations


class XltError(Exception):
    """Base of every error xltemplates raises on purpose."""


class TemplateError(XltError):
    """A template file is broken; the message names the file and the key path."""

    def __init__(self, source: str, path: str, problem: str) -> None:
        self.source, self.path, self.problem = source, path, problem
        where = f"{source}: {path}" if path else source
        super().__init__(f"{where}: {problem}")


class DataError(XltError):
    """Prefill data does not fit the template; carries every problem found, each with its JSON path."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{path}: {msg}" for path, msg in problems))


class FindingsError(XltError):
    """Prefill data breaks the template's rules; `findings` are the same findings `check` would give."""

    def __init__(self, findings: list) -> None:  # type: ignore[type-arg]
        self.findings = findings
        super().__init__("\n".join(f.message for f in findings))


class WriteError(XltError):
    """A workbook could not be written."""


class KeyFileError(XltError):
    """The bureau's identity key file is missing (where a key is required), unreadable or malformed."""


class ReadError(XltError):
    """A file could not be read at all; `code` is a finding code from codes.py."""

    def __init__(self, code: str, message: str, found: object = None, expected: object = None) -> None:
        self.code, self.found, self.expected = code, found, expected
        super().__init__(message)
