// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_exports_nodep (the negative twin of lp_exports), vmlinux.c: the replacement of vmlinux's
 * cmdline_proc_show and the main part's export lp_exports_nodep_count. Both the
 * main part and the fat part call the export; its translation unit is the
 * main part's, so it belongs to the main part and the fat part's call is C.
 */
#define pr_fmt(fmt) "lp_exports_nodep: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/atomic.h>
#include "lp_exports_nodep.h"

static atomic_t lp_exports_nodep_reads = ATOMIC_INIT(0);

__attribute__((__noipa__)) int lp_exports_nodep_count(void)
{
	return atomic_inc_return(&lp_exports_nodep_reads);
}
EXPORT_SYMBOL_GPL(lp_exports_nodep_count);

int livepatch_exports_nodep_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", saved_command_line);
	seq_printf(m, "lp_exports_nodep: vmlinux patched (call %d)\n", lp_exports_nodep_count());
	return 0;
}
