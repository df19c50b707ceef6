"""Paths given by a user on the command line or in a form: what may be read and where to write.

A file read as input must be a regular file: a FIFO or a device would block or never end. An
output folder must not be `-` (stdout is not a folder) and not an existing file.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from engine.core.errors import InputError


def refuse_special_file(path: Path, name: str) -> None:
    """Raise InputError when the path exists and is neither a regular file nor a folder."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):       # absent or unreadable: the read that follows says so
        return
    if not stat.S_ISDIR(mode) and not stat.S_ISREG(mode):
        raise InputError.single(name, "不是普通文件（如管道、设备） / not a regular file (a pipe or a device)")


def output_folder(path: Path, option: str = "--out") -> Path:
    """The folder to write into, checked before anything is written."""
    if str(path) == "-":
        raise InputError.single(option, "此处须为目录，不能是标准输出（-） / must be a folder, not standard output (-)")
    if path.exists() and not path.is_dir():
        raise InputError.single(option, f"{path} 已存在且不是目录 / {path} exists and is not a folder")
    return path
