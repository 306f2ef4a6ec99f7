// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * provmod: an out-of-tree module built twice with different source (build A, and build B with
 * PROVMOD_B=y), so that the two .ko files have different GNU build ids. /proc/provmod says which
 * build runs and whether provmod_show() is patched. The split-provenance scenario patches build A
 * and shows that a part made for A is skipped on B (issue 17, "the right target").
 */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#ifdef PROVMOD_BUILD_B
#define PROVMOD_BUILD "B"
#else
#define PROVMOD_BUILD "A"
#endif

/* static, so a livepatch reaches it only through a klp relocation */
static noinline const char *provmod_build(void)
{
	return PROVMOD_BUILD;
}

static noinline int provmod_show(struct seq_file *m, void *v)
{
	seq_printf(m, "provmod build %s: original\n", provmod_build());
	return 0;
}

static int __init provmod_init(void)
{
	return proc_create_single("provmod", 0444, NULL, provmod_show) ? 0 : -ENOMEM;
}

static void __exit provmod_exit(void)
{
	remove_proc_entry("provmod", NULL);
}

module_init(provmod_init);
module_exit(provmod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klp-split harness: a module with two builds");
