"""The bureau's identity key: the secret whose HMAC-SHA256 vouches for every issued workbook's identity.

A returned workbook's identity sheet is written by whoever saved the file last, so it is a claim; only a
key the clerk does not have can vouch for it (the pattern of signed cookies). The key file holds one or
more keys, oldest first: the newest signs what `generate` issues, every key verifies, so a rotated key
keeps the workbooks already out verifiable. See docs/identity-key.md for where it lives and how to back it
up and rotate it.

The file is text, one key a line (``# comments`` allowed)::

    <key id> <created, UTC ISO time> <secret, 64 hex digits>

The key id is derived from the secret (it tells which key signed a workbook without revealing it).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from ..errors import KeyFileError

ENV_KEY_FILE = "XLTEMPLATES_KEY"
"""Environment variable naming the key file (else the default under the user's configuration directory)."""
SCHEME = "hmac-sha256"
_HEADER = (
    "# xltemplates identity keys: SECRET. Back this file up where the returns are not (docs/identity-key.md).\n"
    "# One key a line: id, created (UTC), secret. The last line signs new workbooks; every line verifies.\n"
)


@dataclass(frozen=True, slots=True)
class Key:
    kid: str
    created: str
    secret: bytes = b""

    def __repr__(self) -> str:  # never print a secret by accident
        return f"Key({self.kid!r}, {self.created!r})"


class Verdict(Enum):
    VALID = "valid"
    INVALID = "invalid"  # a known key signed something else: the signed values were changed
    UNKNOWN_KEY = "unknown-key"  # signed by a key this key file does not hold
    UNSIGNED = "unsigned"  # no signature, or not one of ours


@dataclass(frozen=True, slots=True)
class Keyring:
    """The keys of one key file, oldest first."""

    path: str
    keys: tuple[Key, ...]

    def sign(self, payload: bytes) -> str:
        """``hmac-sha256:<key id>:<hex>`` with the newest key."""
        key = self.keys[-1]
        return f"{SCHEME}:{key.kid}:{_mac(key.secret, payload)}"

    def verify(self, payload: bytes, signature: str) -> Verdict:
        scheme, _, rest = signature.partition(":")
        kid, _, mac = rest.partition(":")
        if scheme != SCHEME or not kid or not mac:
            return Verdict.UNSIGNED
        key = next((k for k in self.keys if k.kid == kid), None)
        if key is None:
            return Verdict.UNKNOWN_KEY
        return Verdict.VALID if hmac.compare_digest(_mac(key.secret, payload), mac) else Verdict.INVALID

    @property
    def kids(self) -> list[str]:
        return [k.kid for k in self.keys]


def _mac(secret: bytes, payload: bytes) -> str:
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()


def key_id(secret: bytes) -> str:
    return hashlib.sha256(b"xltemplates-key-id\0" + secret).hexdigest()[:8]


def default_key_file() -> Path:
    """``$XLTEMPLATES_KEY``, else ``identity.key`` in the user's configuration directory
    (``%APPDATA%\\xltemplates`` on Windows, ``$XDG_CONFIG_HOME/xltemplates`` or ``~/.config/xltemplates``)."""
    named = os.environ.get(ENV_KEY_FILE)
    if named:
        return Path(named)
    if os.name == "nt" and os.environ.get("APPDATA"):
        base = Path(os.environ["APPDATA"])
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "xltemplates" / "identity.key"


def load_keyring(path: str | Path | None = None) -> Keyring | None:
    """The keys in `path` (default: default_key_file()), or None when there is no key file.
    Raises KeyFileError for a file that is unreadable, malformed or readable by others."""
    p = Path(path) if path is not None else default_key_file()
    try:
        st = p.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KeyFileError(f"cannot read the key file {p}: {exc.strerror}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise KeyFileError(f"the key file {p} is not a regular file")
    if os.name == "posix" and st.st_mode & 0o077:
        raise KeyFileError(f"the key file {p} can be read by other users (mode {stat.S_IMODE(st.st_mode):o}); "
                           f"run: chmod 600 {p}")
    return _cached(str(p), st.st_mtime_ns, st.st_size)


_CACHE: dict[tuple[str, int, int], Keyring] = {}


def _cached(path: str, mtime_ns: int, size: int) -> Keyring:
    """One parse per version of the file: generate and check ask for the key once per workbook."""
    found = _CACHE.get((path, mtime_ns, size))
    if found is None:
        found = _parse(path)
        _CACHE.clear()
        _CACHE[(path, mtime_ns, size)] = found
    return found


def _parse(path: str) -> Keyring:
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"cannot read the key file {path}: {exc}") from exc
    keys: list[Key] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        try:
            kid, created, secret = parts[0], parts[1], bytes.fromhex(parts[2])
            if len(parts) != 3 or len(secret) < 32 or key_id(secret) != kid:
                raise ValueError
        except (IndexError, ValueError):
            raise KeyFileError(f"{path}:{n}: not a key line (id, created, 64 hex digits); "
                               "restore the file from its backup") from None
        keys.append(Key(kid, created, secret))
    if not keys:
        raise KeyFileError(f"the key file {path} holds no key; restore it from its backup")
    return Keyring(path, tuple(keys))


def require_keyring(path: str | Path | None = None) -> Keyring:
    """load_keyring, refusing to go on without a key (generate signs every workbook it issues)."""
    p = Path(path) if path is not None else default_key_file()
    ring = load_keyring(p)
    if ring is None:
        raise KeyFileError(f"no identity key at {p}: workbooks are signed with the bureau's key so that returns "
                           "can be verified. Create it once with `xltemplates key init` (and back it up), "
                           f"or point {ENV_KEY_FILE} at the bureau's key file")
    return ring


def refuse_in_returns(folder: str | Path, nested: bool) -> None:
    """Raise KeyFileError when the key file lies in `folder`, where returns are read from (anywhere under it
    when `nested`): whoever can put a file there can read the key and sign forged workbooks."""
    key = default_key_file()
    if not key.exists():
        return
    keys = {Path(os.path.abspath(key)), key.resolve()}  # the link in the folder, and the file it names
    roots = {Path(os.path.abspath(folder)), Path(folder).resolve()}
    if any(k.is_relative_to(r) if nested else k.parent == r for k in keys for r in roots):
        raise KeyFileError(exposed_message(f"the identity key file {key} lies in {folder}, where returns are read"))


def exposed_message(where: str) -> str:
    """What to do when the key was found among the returns (see docs/identity-key.md)."""
    return (f"{where}: whoever can put a file there can read the key and sign forged workbooks. Nothing was "
            f"read. Move the key file out of the returns (e.g. to {_fallback_location()}, or point "
            f"{ENV_KEY_FILE} at it); if others could read it there, treat it as leaked "
            "(docs/identity-key.md: rotate it, retire the old key and re-issue the workbooks it signed)")


def _fallback_location() -> str:
    if os.name == "nt":
        return "%APPDATA%\\xltemplates\\identity.key"
    return "~/.config/xltemplates/identity.key"


def holds_secret(data: bytes, ring: Keyring) -> bool:
    """Whether `data` (a file among the returns) holds one of the ring's secrets, as the key file writes them."""
    text = data.lower()
    return any(k.secret.hex().encode("ascii") in text for k in ring.keys)


def _new_key() -> Key:
    secret = secrets.token_bytes(32)
    return Key(key_id(secret), datetime.now(UTC).isoformat(timespec="seconds"), secret)


def _write(path: Path, keys: list[Key], exclusive: bool) -> None:
    """Write the key file with mode 0600: a new file (exclusive), or the whole file replaced atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    body = _HEADER + "".join(f"{k.kid} {k.created} {k.secret.hex()}\n" for k in keys)
    target = path if exclusive else path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"a key file already exists at {path}; it was not changed "
                           "(rotate with `xltemplates key rotate`)") from None
    except OSError as exc:
        raise KeyFileError(f"cannot create the key file {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        if not exclusive:
            os.replace(target, path)
    except BaseException:
        if not exclusive:
            target.unlink(missing_ok=True)
        raise


def init_key(path: str | Path | None = None) -> Keyring:
    """Create the key file with one new key; refuses to overwrite an existing one."""
    p = Path(path) if path is not None else default_key_file()
    _write(p, [_new_key()], exclusive=True)
    return require_keyring(p)


def rotate_key(path: str | Path | None = None) -> Keyring:
    """Add a new key that signs from now on; the older keys stay and keep verifying."""
    p = Path(path) if path is not None else default_key_file()
    old = require_keyring(p)
    _write(p, [*old.keys, _new_key()], exclusive=False)
    return require_keyring(p)
