"""Take the network away from a ``kg serve`` worker process: it may not open an IPv4 or IPv6 socket.

The second fence behind ``kg.serve_federation``: should a ``SERVICE`` or ``LOAD`` ever slip past the scan,
pyoxigraph's HTTP client still cannot connect anywhere (nor resolve a name), because ``socket(AF_INET|AF_INET6)``
fails with EACCES in the process. Done with a seccomp filter (Linux), installed at the start of the worker
before any thread exists, so every later thread (pyoxigraph's and RocksDB's) inherits it; it cannot be lifted.
The worker still talks to the server over the socket pair it inherited (AF_UNIX, untouched).

Where seccomp is not available (another OS, another CPU architecture) ``deny_network`` returns False and the
scan is the only fence (docs/serve.md says so).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import platform
import socket
import struct
import sys

# audit architecture and socket() syscall number per machine
_ARCHES = {
    "x86_64": (0xC000003E, 41),
    "aarch64": (0xC00000B7, 198),
}
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_LD_ABS_W = 0x20      # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15         # BPF_JMP | BPF_JEQ | BPF_K
_JSET_K = 0x45        # BPF_JMP | BPF_JSET | BPF_K
_RET_K = 0x06         # BPF_RET | BPF_K
_X32_BIT = 0x40000000


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _program(arch: int, nr_socket: int) -> list[tuple[int, int, int, int]]:
    deny = _RET_ERRNO | errno.EACCES
    return [
        (_LD_ABS_W, 0, 0, 4),                       # 0: A = seccomp_data.arch
        (_JEQ_K, 1, 0, arch),                       # 1: our architecture? skip the next
        (_RET_K, 0, 0, deny),                       # 2: a foreign ABI (int 0x80 and the like): refuse everything
        (_LD_ABS_W, 0, 0, 0),                       # 3: A = seccomp_data.nr
        (_JSET_K, 5, 0, _X32_BIT),                  # 4: x32 ABI numbers: refuse (to 10)
        (_JEQ_K, 0, 3, nr_socket),                  # 5: socket()? else allow (to 9)
        (_LD_ABS_W, 0, 0, 16),                      # 6: A = low word of args[0], the address family
        (_JEQ_K, 2, 0, socket.AF_INET),             # 7: AF_INET: refuse (to 10)
        (_JEQ_K, 1, 0, socket.AF_INET6),            # 8: AF_INET6: refuse (to 10); else on to 9
        (_RET_K, 0, 0, _RET_ALLOW),                 # 9
        (_RET_K, 0, 0, deny),                       # 10
    ]


def deny_network() -> bool:
    """Forbid IPv4/IPv6 sockets to this process and every thread it starts from now on. True when in force.

    Call it before starting threads (a filter set with prctl binds the calling thread and its future threads).
    """
    if not sys.platform.startswith("linux") or struct.calcsize("P") != 8:
        return False
    machine = _ARCHES.get(platform.machine())
    if machine is None:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return False
    rows = _program(*machine)
    filters = (_Filter * len(rows))(*[_Filter(*row) for row in rows])
    program = _Program(len(rows), filters)
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if prctl(_PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        return False
    status: int = prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.cast(ctypes.pointer(program), ctypes.c_void_p),
                        0, 0)
    return status == 0


__all__ = ["deny_network"]
