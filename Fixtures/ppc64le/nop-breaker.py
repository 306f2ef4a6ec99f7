#!/usr/bin/env python3
"""usage: nop-breaker.py IN.ko OUT.ko

Copies a ppc64le livepatch and replaces the nop after the 'bl' of the first
R_PPC64_REL24 in a .klp.rela section with 'ori r2,r2,0' (0x60420000), as the lab
did to see module_64.c restore_r2() refuse it ("Expected nop after call").
Standard library only; the ELF layout is unchanged."""
import struct
import sys

SH, RELA, SHF_RELA_LIVEPATCH = '<IIQQQQIIQQ', '<QQq', 0x00100000


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data = bytearray(open(sys.argv[1], 'rb').read())
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum = struct.unpack_from('<HH', data, 0x3a)
    sections = [struct.unpack_from(SH, data, shoff + i * shentsize) for i in range(shnum)]
    for _, typ, flags, _, off, size, _, info, _, _ in sections:
        if typ != 4 or not flags & SHF_RELA_LIVEPATCH:
            continue
        for at in range(off, off + size, 24):
            r_offset, r_info, _ = struct.unpack_from(RELA, data, at)
            if r_info & 0xffffffff == 10:
                nop = sections[info][4] + r_offset + 4
                word, = struct.unpack_from('<I', data, nop)
                if word != 0x60000000:
                    sys.exit('nop-breaker.py: no nop after the bl at 0x%x' % r_offset)
                struct.pack_into('<I', data, nop, 0x60420000)
                open(sys.argv[2], 'wb').write(data)
                return
    sys.exit('nop-breaker.py: no R_PPC64_REL24 in a .klp.rela section')


main()
