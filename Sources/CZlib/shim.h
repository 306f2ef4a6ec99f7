/* zlib (Debian zlib1g-dev) for Swift: the header, plus inflateInit2, a macro the C importer skips. */
#ifndef KLP_SPLIT_CZLIB_SHIM_H
#define KLP_SPLIT_CZLIB_SHIM_H
#include <zlib.h>

/* inflateInit2(stream, 16 + MAX_WBITS): a gzip stream (RFC 1952) with the largest window, as gzip -d reads. */
static inline int klp_inflate_init_gzip(z_stream *stream) { return inflateInit2(stream, 16 + MAX_WBITS); }
#endif
