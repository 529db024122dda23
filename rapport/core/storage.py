"""Files that appear whole or not at all.

Django's ``FileSystemStorage`` writes a file under its final name; when the disk fills up
mid-write the truncated file stays, referenced by nothing once the transaction rolls
back. Here a file is written under a temporary name in the same directory, synced, and
renamed into place (atomic on one file system); a failed write removes its temporary file.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from django.core.files.base import File
from django.core.files.storage import FileSystemStorage

PARTIAL_PREFIX = ".partial-"


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name: str, content: File[Any]) -> str:
        directory = os.path.dirname(self.path(name))
        os.makedirs(directory, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=directory, prefix=PARTIAL_PREFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                out.flush()
                os.fsync(out.fileno())
            name = self.get_available_name(name)
            os.replace(partial, self.path(name))
        except BaseException:
            if os.path.exists(partial):
                os.unlink(partial)
            raise
        if self.file_permissions_mode is not None:
            os.chmod(self.path(name), self.file_permissions_mode)
        return os.path.relpath(self.path(name), self.location).replace("\\", "/")
