"""The bounds on untrusted input: what a returned file, a returns archive or a desk request may cost us.

A returned workbook comes from a township clerk's PC and a returns archive from whoever collected them;
either may be crafted. The reader, the identity decoder and the round read these limits from here, so a
bound is raised or lowered in one spot. Excel's own limits (rows, columns, characters in a cell) are in
:mod:`xltemplates.excel`; the bounds below are ours.

A few bounds live beside the one setting they belong to, not here: the desk's rate limits per link, name and
address (web/desk.py's DeskConfig, stored by web/state.py), the HTTP server's header size, connections and
timeouts (web/server.py), a session's and a one-time token's lifetime (web/security.py, web/state.py,
web/once.py), text typed into the bureau's own forms (web/review_pages.py, web/users.py), and the LibreOffice
conversion's time (reader/convert.py).
"""

from __future__ import annotations

MiB = 1024 * 1024

# --- one returned file (reader/guards.py) ------------------------------------------------------------
MAX_FILE_BYTES = 100 * MiB
"""The file itself; a compressed file bigger than the uncompressed limit cannot pass that limit either."""
MAX_PARTS = 1000
"""Members in the zip; a form has about a dozen, a heavily edited workbook a few hundred."""
MAX_CENTRAL_DIRECTORY_BYTES = MAX_PARTS * 4096
"""The zip reader walks the directory by its byte size, not by the declared count, so cap both."""
MAX_TOTAL_UNCOMPRESSED = 100 * MiB
"""All members inflated, counted while inflating (declared sizes are not trusted)."""
MAX_MEMBER_UNCOMPRESSED = 50 * MiB
MAX_COMPRESSION_RATIO = 500
"""Real sheet XML compresses 5-100:1; deflate tops out near 1030:1, which only zero-filled bombs reach."""
RATIO_CHECK_MIN_BYTES = 4 * MiB
"""Small members may compress absurdly well (a run of empty rows) and cost nothing to parse."""

# --- what is read of it (reader/check.py, reader/xlsx_cells.py, identity.py) ---------------------------
MAX_READ_ROWS = 2000
MAX_READ_COLS = 64
"""How much of each sheet is read: a form is a few hundred rows and a few dozen columns wide."""
MAX_LEGACY_CELLS = 1_000_000
"""Cells an .xls/.ods may unfold into, all sheets together (reader/extent.py): python-calamine holds each
sheet as a dense grid from A1 to its last cell (~64 bytes a cell), so this caps its memory near 64 MB;
a filled form is a few thousand cells."""
MAX_TEXT_CHARS = 2_000_000
"""Characters of cell text kept from one workbook, a shared string counted in every cell that uses it.
A 500-row form full of long texts holds a few hundred thousand; each kept character is normalised,
compared and stored, so this bounds the cost of everything after the reader."""
MAX_SHEETS = 300
"""<sheet> entries in workbook.xml: a form has a few, a project form with spare project sheets a few dozen.
Each entry is read and drawn, so a few KB listing thousands of them (all pointing at one part, which is
refused as well) cost seconds and a page of hundreds of MB (issue 23 item 2)."""
MAX_MERGES = 10_000
"""Merged ranges kept per sheet (more are ignored, the sheet marked truncated); a form merges a few dozen."""
MAX_IDENTITY_JSON_DEPTH = 32
"""Nesting of the identity sheet's JSON values; what we write is 3-4 levels deep."""

MAX_FINDINGS = 500
"""Findings kept per file, errors first, then W-FINDINGS-CUT with the total: a 36 KB crafted return gave
30,006, each stored as a row and drawn on the page (issue 23 item 3); a clerk acts on the first few dozen."""

# --- what is drawn of it (checking/grid_html.py: the desk's verdict page) ---------------------------------
GRID_ROWS = 300
GRID_COLS = 40
"""Rows and columns drawn per sheet."""
GRID_CELLS = 60_000
"""Cells drawn in all, over every sheet of a workbook: five full sheets; the sheets past it are named only."""

# --- what is said about it (report.py) ---------------------------------------------------------------
MAX_ECHO_CHARS = 200
"""A cell's text quoted in a finding's message is cut to this many characters, with its length shown."""

# --- a round (round/sources.py) -------------------------------------------------------------------------
MAX_ZIP_MEMBERS = 20_000
"""Members of a returns archive: a round has at most a few thousand units, each with a few resubmissions."""
MAX_ZIP_DIRECTORY_BYTES = MAX_ZIP_MEMBERS * 1024
"""The archive's central directory: a record is ~100 bytes (its name, a timestamp extra field)."""
MAX_ZIP_TOTAL = 8 * 1024 * MiB
"""Uncompressed total of a returns archive: 1,000 units x a few MB, with a wide margin."""

# --- a check's time (checking/budget.py, checking/workers.py) ---------------------------------------------
FILE_SECONDS = 60.0
"""Time one file may take in a check worker, its grid drawing and annotated copy included; a 500-row form
takes well under a second."""
HARD_SECONDS = 2 * FILE_SECONDS + 10
"""Per file, for the pool: past this a worker did not even stop at its own time limit and is killed."""

# --- the web desk (web/forms.py, web/desk.py) --------------------------------------------------------
MAX_UPLOAD_BYTES = 10 * MiB
"""One upload, form included, counted as it arrives; a returned workbook is 10-500 KB (serve --max-upload-mb)."""
MAX_FORM_FIELD_BYTES = 64 * 1024
"""A text field of a posted form (a CSRF token, a login name)."""
RESULTS_PER_LINK = 8
"""Result pages the desk keeps per link (web/results.py: POST/redirect/GET, 「报送刚才检查的文件」)."""
RESULTS_PER_LINK_BYTES = 32 * MiB
"""Their bytes per link (the checked upload travels with its result); one link never evicts another's."""
RESULT_AGE = 6 * 3600.0
"""Seconds a result page stays (after that the unit's page shows its stored file)."""
ANNOTATED_PER_LINK = 5
"""Annotated copies the desk keeps per link for 「下载批注版」 (web/recent.py); older ones of that link go first."""
ANNOTATED_PER_LINK_BYTES = 24 * MiB
"""Their bytes per link: one link's uploads never evict another link's copies (issue 23 item 12)."""
ANNOTATED_AGE = 3600.0
"""Seconds an annotated copy stays downloadable after its check."""
