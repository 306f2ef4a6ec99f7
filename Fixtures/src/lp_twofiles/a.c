// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_twofiles, translation unit a.c: the replacement of
 * vmlinux's cmdline_proc_show and the klp_patch.
 *
 * `ucode_path` is a static const char[] twice in vmlinux (kallsyms 'd'):
 *   1: ffffffff82007980 "kernel/x86/microcode/GenuineIntel.bin" (intel.c)
 *   2: ffffffff82007a80 "kernel/x86/microcode/AuthenticAMD.bin" (amd.c)
 * This file wants occurrence 1, b.c wants occurrence 2 (klp-convert's
 * "Conflicting KLP_SYMPOS definition" case): both annotate the same name,
 * and after linking both references use ONE undefined symbol `ucode_path`.
 * `klp-split convert` applies each annotation to the relocation sites of its
 * own translation unit.
 */
#define pr_fmt(fmt) "lp_twofiles: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>
#include "klp_annotations.h"

extern const char ucode_path[];
void lp_twofiles_b_show(struct seq_file *m);	/* b.c */

/* a static annotation array: a LOCAL symbol of a.c */
static KLP_MODULE_RELOC(vmlinux) lp_twofiles_a_relocs[] __used = {
	KLP_SYMPOS(ucode_path, 1),
};

static noinline int livepatch_twofiles_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", saved_command_line);
	seq_printf(m, "lp_twofiles: a.c ucode_path@%px %s\n", ucode_path, ucode_path);
	lp_twofiles_b_show(m);
	return 0;
}

static struct klp_func funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = livepatch_twofiles_cmdline_proc_show,
	}, { }
};

static struct klp_object objs[] = {
	{
		/* name being NULL means vmlinux */
		.funcs = funcs,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int livepatch_init(void)
{
	return klp_enable_patch(&patch);
}

static void livepatch_exit(void)
{
}

module_init(livepatch_init);
module_exit(livepatch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klp-split fixture: two translation units, one duplicated name at two positions");
MODULE_INFO(livepatch, "Y");
