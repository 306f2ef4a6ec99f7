#!/usr/bin/env python3
"""usage: stubs-remover.py IN.ko OUT.ko

Copies a ppc64le module and renames its .stubs section to .stubx (same length, in
.shstrtab), so the module has no .stubs: module_64.c module_frob_arch_sections()
refuses such a module ("doesn't contain .stubs."). Standard library only; the ELF
layout is unchanged."""
import struct
import sys

SH = '<IIQQQQIIQQ'


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data = bytearray(open(sys.argv[1], 'rb').read())
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3a)
    sections = [struct.unpack_from(SH, data, shoff + i * shentsize) for i in range(shnum)]
    strings = sections[shstrndx][4]
    renamed = 0
    for name, *_ in sections:
        at = strings + name
        if data[at:at + 7] == b'.stubs\0':
            data[at:at + 6] = b'.stubx'
            renamed += 1
    if renamed != 1:
        sys.exit('stubs-remover.py: %d sections named .stubs, want 1' % renamed)
    open(sys.argv[2], 'wb').write(data)


main()
