"""How kgen-import writes the files it is given: the policy of every kgen
output, the same as the C++ tools' (kgen-run --output, kgen-opt -o, decisions
files; see docs/frontend.md):

- a regular file or a new path is replaced atomically (a temporary file in
  the same directory, then a rename), keeping the old file's permission bits;
- a character device or a FIFO (/dev/null, a named pipe) is opened and
  written in place: a rename would replace the device node itself;
- a symbolic link is followed: its target is written as above and the link
  stays; a link to a missing file is refused;
- a directory, block device or socket is refused, and so is a regular file
  with no write permission bits (even for root: someone made it read-only).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Optional, Tuple, Union


def _is_open_file_link(path: Path) -> bool:
    """/dev/stdout, /dev/fd/N, /proc/self/fd/N: links to files this process
    already has open (perhaps for appending), written in place."""
    p = os.path.abspath(path)
    return p.startswith("/dev/") or p.startswith("/proc/")


def _checked_regular(path: Path, target: Path, st: os.stat_result):
    mode = stat.S_IMODE(st.st_mode) & 0o777
    if not mode & 0o222:
        raise OSError(f"'{path}' is read-only; leaving it untouched")
    if not os.access(target, os.W_OK):
        raise OSError(f"'{path}' is not writable by this user; leaving it untouched")
    return "replace", target, mode


def resolve_output(path: Path) -> Tuple[str, Path, Optional[int]]:
    """("replace" or "through", the file to write, its permission bits or
    None), or OSError (one line naming `path`) if `path` may not be written."""
    try:
        link = os.lstat(path)
    except FileNotFoundError:
        return "replace", path, None
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise OSError(f"'{path}' is a symbolic link to a missing file; kgen does not "
                      "create files through links") from None
    if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
        return "through", path, None
    if stat.S_ISDIR(st.st_mode):
        raise OSError(f"'{path}' is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise OSError(f"'{path}' is a block device or socket; kgen writes only regular "
                      "files, character devices and FIFOs")
    if not stat.S_ISLNK(link.st_mode):
        return _checked_regular(path, path, st)
    if _is_open_file_link(path):
        return "through", path, None
    return _checked_regular(path, Path(os.path.realpath(path)), st)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_output(path: Union[str, Path], data: Union[str, bytes]) -> None:
    """Writes `data` (str as UTF-8, or bytes) to `path` under the policy
    above. On failure an existing file is untouched and no temporary file is
    left."""
    path = Path(path)
    kind, target, mode = resolve_output(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if kind == "through":
        # Never created or truncated; append mode keeps a file behind
        # /dev/stdout (the shell's >>) intact.
        with os.fdopen(os.open(target, os.O_WRONLY | os.O_APPEND), "wb") as f:
            f.write(data)
        return
    fd, tmp = tempfile.mkstemp(dir=str(target.parent), prefix=f".{target.name}.",
                               suffix=".tmp")
    try:
        # mkstemp makes the file 0600: a new output gets what open() would
        # give it (the umask's bits), a replaced one keeps its own.
        os.fchmod(fd, mode if mode is not None else 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
