"""Nothing the package opens outlives its use: database connections and engines closed on every path.

The scenario runs in a fresh interpreter (tests/leak_scenario.py), so what another test left behind cannot be
blamed on it, with tracemalloc on (a leak names where it was opened) and ResourceWarning as an error.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCENARIO = Path(__file__).with_name("leak_scenario.py")


def test_round_commands_and_desk__run_to_the_end__no_connection_or_file_left_open(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-W", "error::ResourceWarning", str(SCENARIO), str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    left = [line for line in proc.stdout.splitlines() if line.startswith(("OPEN ", "LEAK "))]
    assert left == [], proc.stdout[-6000:]
    assert "ResourceWarning" not in proc.stderr, proc.stderr[-6000:]
