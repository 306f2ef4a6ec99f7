/* libkmod for Swift: the header; lists are walked with kmod_list_next (kmod_list_foreach is a macro). */
#ifndef KLP_SPLIT_CKMOD_SHIM_H
#define KLP_SPLIT_CKMOD_SHIM_H
#include <libkmod.h>
#endif
