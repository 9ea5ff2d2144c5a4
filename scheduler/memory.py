"""The long-running process's memory: fewer glibc heap arenas for a service whose threads mostly wait."""

from __future__ import annotations


def limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each busy thread its own heap arena; with dozens of posting threads that is ~40 MB of
    mostly empty memory. Two arenas are plenty for work that waits on the network. No-op elsewhere."""
    import ctypes
    import ctypes.util

    m_arena_max = -8  # from glibc's malloc.h
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(m_arena_max, arenas)
    except (OSError, AttributeError):
        pass
