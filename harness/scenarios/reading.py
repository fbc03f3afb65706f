"""Reading a scenario file: a regular file, at most ``MAX_FILE_BYTES``, UTF-8 text without NUL.

A FIFO would block the reader until someone writes, and a link to /dev/zero never ends: the file
is opened without blocking, checked on the open descriptor, and read one byte past the cap at
most. Each refusal is one ScenarioError naming the file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from harness.scenarios.model import ScenarioError

MAX_FILE_BYTES = 1_000_000


def read_text(path: Path) -> str:
    """The file as UTF-8 text, or a ScenarioError that says why not (a folder, a dangling or
    looping link, not a regular file, too big, another encoding, a NUL byte)."""
    data = _read_regular(path)
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(path, None, "", f"more than {MAX_FILE_BYTES:,} bytes; at most that")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        kind = " (UTF-16?)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise ScenarioError(
            path,
            None,
            "",
            f"not UTF-8 text{kind}: byte 0x{data[error.start]:02x} at offset {error.start}",
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ScenarioError(path, line, "", "a NUL byte; scenario files are text")
    return text


_NOT_REGULAR = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _read_regular(path: Path) -> bytes:
    """A regular file's bytes, at most ``MAX_FILE_BYTES``: opened without blocking (a FIFO
    would wait for a writer) and checked on the open descriptor, then read no further than
    the cap (a link to /dev/zero never ends)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if path.is_symlink() and error.errno in (errno.ENOENT, errno.ELOOP):
            raise ScenarioError(path, None, "", "a dangling or looping symbolic link") from None
        if error.errno == errno.EISDIR:
            raise ScenarioError(path, None, "", "a folder, not a scenario file") from None
        raise ScenarioError(path, None, "", f"cannot read: {error.strerror}") from None
    try:
        info = os.fstat(descriptor)
        _refuse_irregular(path, info)
        return _read_capped(descriptor, MAX_FILE_BYTES)
    except OSError as error:
        raise ScenarioError(path, None, "", f"cannot read: {error.strerror}") from None
    finally:
        os.close(descriptor)


def _read_capped(descriptor: int, cap: int) -> bytes:
    """Up to ``cap + 1`` bytes: one byte past the cap says the file is longer than allowed."""
    chunks, size = [], 0
    while size <= cap:
        chunk = os.read(descriptor, min(1 << 16, cap + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _refuse_irregular(path: Path, info: os.stat_result) -> None:
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise ScenarioError(path, None, "", "a folder, not a scenario file")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _NOT_REGULAR if test(mode)), "not a file")
        if path.is_symlink():
            kind += f" (it links to {os.path.realpath(path)})"
        raise ScenarioError(
            path, None, "", f"not a regular file but {kind}; only regular files are read"
        )
    if info.st_size > MAX_FILE_BYTES:
        raise ScenarioError(path, None, "", f"{info.st_size:,} bytes; at most {MAX_FILE_BYTES:,}")
