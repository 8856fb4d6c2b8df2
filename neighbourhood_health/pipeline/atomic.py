"""Write folders beside their final place and swap them in atomically.

A reader (the running app) always sees either the whole old folder or the whole new one: the
final path is a symbolic link, replaced in one `rename` system call, to a versioned folder.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_dir(final: Path):
    """Yield an empty folder beside `final`; on success it becomes `final`, on error it is removed."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.building-", dir=final.parent))
    tmp.chmod(0o755)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    swap_in(tmp, final)


def swap_in(new_dir: Path, final: Path) -> None:
    tag = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    versioned = final.parent / f".{final.name}.{tag}"
    os.rename(new_dir, versioned)
    old = None
    if final.is_symlink():
        old = final.resolve()
    elif final.exists():  # a plain folder (first swap over an older layout): move it aside first
        old = final.parent / f".{final.name}.old-{tag}"
        os.rename(final, old)
    link = final.parent / f".{final.name}.link-{tag}"
    os.symlink(versioned.name, link)
    os.replace(link, final)
    if old is not None and old != versioned:
        shutil.rmtree(old, ignore_errors=True)
