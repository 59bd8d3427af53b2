#!/usr/bin/env python3
"""Read the live blocks of a dump straight from the file (man/tether-dump.5)
and print "BLOCKS DISTINCT_ADDRESSES COMPLETE" for the shell tests: a dump
taken while threads allocate must hold each block once and end with its
TT_REC_END record."""
import struct
import sys

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"TETHERDP", "not a dump"
hdr_size = struct.unpack_from("<I", data, 12)[0]
off, addrs, complete = hdr_size, [], 0
while off + 16 <= len(data):
    rtype, _, rlen = struct.unpack_from("<IIQ", data, off)
    off += 16
    if rtype == 4:  # TT_REC_BLOCKS: uint64 count, then 32-byte blocks
        n = struct.unpack_from("<Q", data, off)[0]
        for i in range(n):
            addrs.append(struct.unpack_from("<Q", data, off + 8 + 32 * i)[0])
    elif rtype == 6:  # TT_REC_END
        complete = 1
    off += rlen
print(len(addrs), len(set(addrs)), complete)
