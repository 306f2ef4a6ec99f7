/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klp-convert's source annotations (include/linux/livepatch.h and
 * include/uapi/linux/livepatch.h of the klp-convert v7 series, never merged,
 * so not in the 6.1 headers): each KLP_SYMPOS entry is a packed 12-byte
 * struct klp_module_reloc in section .klp.module_relocs.<obj>; its `sym`
 * member only carries a relocation that names the symbol.
 */
#ifndef LP_TWOFILES_KLP_ANNOTATIONS_H
#define LP_TWOFILES_KLP_ANNOTATIONS_H
#include <linux/types.h>
#include <linux/compiler.h>

struct klp_module_reloc {
	union {
		void *sym;
		u64 sym64;	/* Force 64-bit width */
	};
	u32 sympos;
} __packed;

#define KLP_MODULE_RELOC(obj)						\
	struct klp_module_reloc						\
	__section(".klp.module_relocs." #obj)				\
	__aligned(4)

#define KLP_SYMPOS(symbol, pos)						\
	{								\
		.sym = (void *)&symbol,					\
		.sympos = pos,						\
	}
#endif
