"""The starter files `danvan init` writes: the example config (outbox channel) and the shipped slogan list.

Both are the repo's own config.example.yaml and slogans.yaml, shipped in the wheel through links under
scheduler/project/starter_files/, so the starter can never drift from what the repo documents.
"""

from __future__ import annotations

from pathlib import Path

from scheduler.errors import DanvanError
from scheduler.files import write_atomically

STARTER_DIR = Path(__file__).resolve().parent / "starter_files"
STARTER_FILES = ("config.yaml", "slogans.yaml")
_FIRST_LINES = (
    "# Cấu hình của danvan, tạo bởi 'danvan init'. Sửa theo đơn vị của mình rồi chạy: danvan check\n"
    '# Mẫu này chỉ đăng vào kênh "outbox" (thư mục trên máy), không cần tài khoản hay mạng.\n'
)


class StarterExistsError(DanvanError):
    """`danvan init` never overwrites a file an officer may have edited."""


def write_starter_files(directory: Path) -> list[Path]:
    """Write config.yaml and slogans.yaml into `directory`; refuse before writing anything if one exists."""
    targets = [directory / name for name in STARTER_FILES]
    existing = [str(path) for path in targets if path.exists() or path.is_symlink()]
    if existing:
        raise StarterExistsError(
            f"đã có {', '.join(existing)}; 'danvan init' không ghi đè tệp đã có. "
            "Hãy chọn thư mục khác hoặc đổi tên tệp cũ."
        )
    directory.mkdir(parents=True, exist_ok=True)
    for target in targets:
        write_atomically(target, _starter_text(target.name).encode("utf-8"))
    return targets


def _starter_text(name: str) -> str:
    text = (STARTER_DIR / name).read_text(encoding="utf-8")
    if name == "config.yaml":
        # The example's own header tells people to copy it; the written file is already the copy.
        body = "".join(line for line in text.splitlines(keepends=True)[3:])
        return _FIRST_LINES + body
    return text
