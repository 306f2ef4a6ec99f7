/* glibc's malloc tuning for Swift: mallopt and its M_* parameters (not in the Glibc module). */
#ifndef KLP_SPLIT_CMALLOC_SHIM_H
#define KLP_SPLIT_CMALLOC_SHIM_H
#include <malloc.h>
#endif
