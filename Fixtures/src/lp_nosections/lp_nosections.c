// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_nosections: a combined livepatch (vmlinux + cdrom) built
 * WITHOUT -ffunction-sections, so both replacement functions sit in one .text
 * section and the parts cannot be cut apart. klp-split plan/build must refuse it
 * with the fix (rebuild with ccflags-y += -ffunction-sections -fdata-sections).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>
#include <linux/sysctl.h>

static noinline int livepatch_ns_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "lp_nosections\n");
	return 0;
}

static noinline int livepatch_ns_cdrom_sysctl_info(struct ctl_table *ctl, int write,
						   void *buffer, size_t *lenp, loff_t *ppos)
{
	return proc_dostring(ctl, write, buffer, lenp, ppos);
}

static struct klp_func vmlinux_funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = livepatch_ns_cmdline_proc_show, },
	{ }
};

static struct klp_func cdrom_funcs[] = {
	{ .old_name = "cdrom_sysctl_info", .new_func = livepatch_ns_cdrom_sysctl_info, },
	{ }
};

static struct klp_object objs[] = {
	{ .funcs = vmlinux_funcs, },
	{ .name = "cdrom", .funcs = cdrom_funcs, },
	{ }
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
MODULE_DESCRIPTION("klp-split fixture: no per-function sections (must be refused)");
MODULE_INFO(livepatch, "Y");
