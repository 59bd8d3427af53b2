#!/usr/bin/env python3
"""Read the live blocks of a dump straight from the file (man/tether-dump.5)
and print "BLOCKS DISTINCT_ADDRESSES COMPLETE ORDERED" for the shell tests.
A dump taken while threads allocate must end with its TT_REC_END record;
it may hold an address twice only when the block there was freed and the
address given out again while the dump was written, and then the later
record is the newer allocation: ORDERED is 1 when every repeated address
has allocation times that never go back (man/tether-dump.5,
"Consistency")."""
import struct
import sys

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"TETHERDP", "not a dump"
hdr_size = struct.unpack_from("<I", data, 12)[0]
off, addrs, times, complete = hdr_size, [], {}, 0
ordered = 1
while off + 16 <= len(data):
    rtype, _, rlen = struct.unpack_from("<IIQ", data, off)
    off += 16
    if rtype == 4:  # TT_REC_BLOCKS: uint64 count, then 32-byte blocks
        n = struct.unpack_from("<Q", data, off)[0]
        for i in range(n):
            addr, _, _, _, t = struct.unpack_from("<QQIIQ", data, off + 8 + 32 * i)
            if addr in times and t < times[addr]:
                ordered = 0
            times[addr] = t
            addrs.append(addr)
    elif rtype == 6:  # TT_REC_END
        complete = 1
    off += rlen
print(len(addrs), len(set(addrs)), complete, ordered)
