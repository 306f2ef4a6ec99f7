// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_shadow: two parts share one shadow variable (issue 17,
 * rule coupling-shadow-id).
 *
 *   vmlinux  cmdline_proc_show  -> livepatch_shadow_cmdline_proc_show
 *   cdrom    cdrom_sysctl_info  -> livepatch_shadow_cdrom_sysctl_info
 *
 * Both parts attach shadow data with id LP_SHADOW_SHARED (0x6c70) to
 * init_task: the vmlinux part allocates it (klp_shadow_get_or_alloc) and
 * counts reads of /proc/cmdline in it, the cdrom part reads the count
 * (klp_shadow_get).  Split, the two parts transition at their own times, so
 * one part's new code may see the shadow data before, or without, the
 * other's: `plan` and `check` warn; both parts still work (the harness
 * scenario shadow-coupling reads both files).
 * LP_SHADOW_OWN (0x6c71) is used by the vmlinux part only: no finding.
 * Every id is a constant, passed as `mov $imm32, %esi` before the call.
 *
 * Not loadable as-is (non-exported symbols; built with KBUILD_MODPOST_WARN=1).
 */
#define pr_fmt(fmt) "lp_shadow: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/sched/task.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>
#include <linux/sysctl.h>

#define LP_NOIPA	__attribute__((__noipa__))
#define LP_SHADOW_SHARED	0x6c70
#define LP_SHADOW_OWN		0x6c71

static LP_NOIPA int livepatch_shadow_cmdline_proc_show(struct seq_file *m, void *v)
{
	unsigned int *count, *own;

	count = klp_shadow_get_or_alloc(&init_task, LP_SHADOW_SHARED, sizeof(*count),
					GFP_KERNEL, NULL, NULL);
	own = klp_shadow_get_or_alloc(&init_task, LP_SHADOW_OWN, sizeof(*own),
				      GFP_KERNEL, NULL, NULL);
	if (count)
		WRITE_ONCE(*count, READ_ONCE(*count) + 1);
	if (own)
		WRITE_ONCE(*own, READ_ONCE(*own) + 2);
	seq_puts(m, saved_command_line);
	seq_printf(m, "\nlp_shadow: vmlinux patched (shared count %u, own %u)\n",
		   count ? READ_ONCE(*count) : 0, own ? READ_ONCE(*own) : 0);
	return 0;
}

static char lp_shadow_info[128];	/* cdrom part only */

static LP_NOIPA int livepatch_shadow_cdrom_sysctl_info(struct ctl_table *ctl, int write,
							void *buffer, size_t *lenp,
							loff_t *ppos)
{
	struct ctl_table t;
	unsigned int *count;

	if (write)
		return -EPERM;
	count = klp_shadow_get(&init_task, LP_SHADOW_SHARED);
	if (count)
		snprintf(lp_shadow_info, sizeof(lp_shadow_info),
			 "lp_shadow: cdrom patched (shared count %u)\n", READ_ONCE(*count));
	else
		snprintf(lp_shadow_info, sizeof(lp_shadow_info),
			 "lp_shadow: cdrom patched (no shared count yet)\n");
	t = *ctl;
	t.data = lp_shadow_info;
	t.maxlen = sizeof(lp_shadow_info);
	return proc_dostring(&t, write, buffer, lenp, ppos);
}

static struct klp_func vmlinux_funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = livepatch_shadow_cmdline_proc_show,
	}, { }
};

static struct klp_func cdrom_funcs[] = {
	{
		.old_name = "cdrom_sysctl_info",
		.new_func = livepatch_shadow_cdrom_sysctl_info,
	}, { }
};

static struct klp_object objs[] = {
	{
		/* name being NULL means vmlinux */
		.funcs = vmlinux_funcs,
	}, {
		.name = "cdrom",
		.funcs = cdrom_funcs,
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
MODULE_DESCRIPTION("klp-split fixture: two parts share a shadow variable id (issue 17)");
MODULE_INFO(livepatch, "Y");
