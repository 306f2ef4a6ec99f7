// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_twofiles, translation unit b.c: a GLOBAL helper that
 * reads the second `ucode_path` of vmlinux (amd.c), annotated with a GLOBAL
 * annotation array (so its translation unit comes from DWARF, not from the
 * FILE symbol group of .symtab).
 */
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include "klp_annotations.h"

extern const char ucode_path[];
void lp_twofiles_b_show(struct seq_file *m);
extern const char *lp_twofiles_b_table[];

KLP_MODULE_RELOC(vmlinux) lp_twofiles_b_relocs[] __used = {
	KLP_SYMPOS(ucode_path, 2),
};

/* a reference from b.c's DATA (global, so gcc cannot fold it): the annotation covers it too */
const char *lp_twofiles_b_table[] = { ucode_path };

noinline void lp_twofiles_b_show(struct seq_file *m)
{
	seq_printf(m, "lp_twofiles: b.c ucode_path@%px %s\n", ucode_path, ucode_path);
	seq_printf(m, "lp_twofiles: b.c table ucode_path@%px %s\n",
		   READ_ONCE(lp_twofiles_b_table[0]), READ_ONCE(lp_twofiles_b_table[0]));
}
