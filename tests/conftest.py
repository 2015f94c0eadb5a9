"""Shared test configuration.

Hypothesis' per-example deadline (200 ms) measures the machine as much as the code: on a loaded CI runner a
first example that warms caches can exceed it. Speed is measured by benchmarks/, never by timed tests.

Every test process signs and verifies with a test key of its own (XLTEMPLATES_KEY pointing into a
temporary directory, set before any test runs and inherited by worker and CLI processes), so no test ever
reads or creates a key in the real user's configuration directory.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from opened import close_all
from pgserver import postgres_server

from xltemplates.trust.keys import ENV_KEY_FILE, init_key

settings.register_profile("xltemplates", deadline=None)
settings.load_profile("xltemplates")

_KEY_DIR = Path(tempfile.mkdtemp(prefix="xltemplates-test-key-"))
TEST_KEY_FILE = _KEY_DIR / "identity.key"
init_key(TEST_KEY_FILE)
os.environ[ENV_KEY_FILE] = str(TEST_KEY_FILE)


@pytest.fixture(autouse=True)
def _close_what_helpers_opened() -> Iterator[None]:
    """Desks and engines the test helpers opened (tests/opened.py) are closed when each test ends."""
    yield
    close_all()


#: the marks a run leaves out, for the helpers that start LibreOffice or Chromium (read by libreoffice.py and
#: browser_kit.py): a test that starts one without its mark fails in such a run instead of slowing it down
LEFT_OUT = "XLT_TEST_LEFT_OUT"
SLOW_MARKS = ("libreoffice", "browser")


def pytest_configure(config: pytest.Config) -> None:
    expr = config.option.markexpr or ""
    os.environ[LEFT_OUT] = ",".join(m for m in SLOW_MARKS if f"not {m}" in expr)


def pytest_unconfigure() -> None:
    shutil.rmtree(_KEY_DIR, ignore_errors=True)


@pytest.fixture
def forms_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bureau's own forms directory, empty, named by XLTEMPLATES_PATH for the test."""
    d = tmp_path / "our-forms"
    d.mkdir()
    monkeypatch.setenv("XLTEMPLATES_PATH", str(d))
    return d


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for one test module: XLT_TEST_POSTGRES_URL when set, else one started for it
    (tests/pgserver.py; .ci/run installs Debian's postgresql). Never skipped."""
    url = os.environ.get("XLT_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    with postgres_server() as started:
        yield started
