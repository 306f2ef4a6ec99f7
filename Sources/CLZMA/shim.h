/* liblzma (xz-utils, Debian liblzma-dev) for Swift: the header, plus the flag macro the C importer skips. */
#ifndef KLP_SPLIT_CLZMA_SHIM_H
#define KLP_SPLIT_CLZMA_SHIM_H
#include <lzma.h>

/* LZMA_CONCATENATED (UINT32_C(0x08)): decode every concatenated .xz stream, as xz -d and kmod do. */
static const uint32_t klp_lzma_concatenated = LZMA_CONCATENATED;
#endif
