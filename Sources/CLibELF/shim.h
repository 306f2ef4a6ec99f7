/* libelf for Swift: the headers, plus the function-like macros that the C importer skips. */
#ifndef KLP_SPLIT_CLIBELF_SHIM_H
#define KLP_SPLIT_CLIBELF_SHIM_H
#include <libelf.h>
#include <gelf.h>
#include <elf.h>

static inline unsigned int klp_gelf_r_sym(GElf_Xword info) { return (unsigned int)GELF_R_SYM(info); }
static inline unsigned int klp_gelf_r_type(GElf_Xword info) { return (unsigned int)GELF_R_TYPE(info); }
static inline GElf_Xword klp_gelf_r_info(GElf_Xword sym, GElf_Xword type) { return GELF_R_INFO(sym, type); }
static inline unsigned char klp_gelf_st_bind(unsigned char info) { return GELF_ST_BIND(info); }
static inline unsigned char klp_gelf_st_type(unsigned char info) { return GELF_ST_TYPE(info); }
static inline unsigned char klp_gelf_st_info(unsigned char bind, unsigned char type) { return GELF_ST_INFO(bind, type); }
static inline unsigned char klp_gelf_st_visibility(unsigned char other) { return GELF_ST_VISIBILITY(other); }
#endif
