/* libzstd for Swift: the library header, nothing else. */
#ifndef KLP_SPLIT_CZSTD_SHIM_H
#define KLP_SPLIT_CZSTD_SHIM_H
#include <zstd.h>
#endif
