"""The API key must not reach disk through memory a library writes without initialising it (see
`interviewer._clear_freed_memory`): a freed buffer holding the key does not come back inside a new allocation."""

import ctypes

import pytest

import interviewer


@pytest.mark.skipif(not interviewer.FREED_MEMORY_CLEARED, reason="the C library is not glibc: no M_PERTURB to set")
def test_a_freed_buffer_holding_the_key_does_not_come_back_in_a_new_allocation():
    libc = ctypes.CDLL(None)  # the process's own symbols, libc among them
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    marker = b"authorization: Bearer sk-proj-FREEDkey-5e3a"
    seen = 0
    for _ in range(100):
        held = bytes(marker + b"x" * 2000)  # a large bytes object lives in memory from the C allocator
        del held
        p = libc.malloc(2100)
        seen += marker in ctypes.string_at(p, 2100)
        libc.free(p)
    assert seen == 0
