// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fixture lp_nodatasections_multi (issue 15): a livepatch of vmlinux and cdrom
 * built with -ffunction-sections only. Without -fdata-sections,
 *   - .data holds klp_patch, klp_object[] and both klp_func[] arrays together
 *     with lp_generation, a counter only the vmlinux part uses, and
 *   - .bss holds cmdline_reads (vmlinux part) and info_reads (cdrom part),
 * so a part cannot be cut out along sections: 'klp-split build' refuses it
 * (no-data-sections) with the fix, and 'klp-split convert' keeps it whole.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>
#include <linux/sysctl.h>

static unsigned int lp_generation = 1;
static unsigned int cmdline_reads;
static unsigned int info_reads;

static noinline int lp_nodata_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "lp_nodatasections_multi %u: read %u\n", lp_generation++, ++cmdline_reads);
	return 0;
}

static noinline int lp_nodata_cdrom_sysctl_info(struct ctl_table *ctl, int write,
						void *buffer, size_t *lenp,
						loff_t *ppos)
{
	info_reads++;
	return proc_dostring(ctl, write, buffer, lenp, ppos);
}

static struct klp_func vmlinux_funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = lp_nodata_cmdline_proc_show, },
	{ }
};

static struct klp_func cdrom_funcs[] = {
	{ .old_name = "cdrom_sysctl_info", .new_func = lp_nodata_cdrom_sysctl_info, },
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

static int lp_nodata_init(void)
{
	return klp_enable_patch(&patch);
}

static void lp_nodata_exit(void)
{
}

module_init(lp_nodata_init);
module_exit(lp_nodata_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
