// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_state: a combined livepatch that declares a klp_state
 * (issue 17, rule coupling-state-id).
 *
 *   vmlinux  cmdline_proc_show  -> livepatch_state_cmdline_proc_show
 *   cdrom    cdrom_sysctl_info  -> livepatch_state_cdrom_sysctl_info
 *   klp_patch.states = { { .id = LP_STATE_ID (0x17), .version = 1 } }
 *
 * Unsplit, one patch owns the state.  `klp-split build` copies klp_patch and
 * its states array into every part, so both parts declare id 0x17: `plan` and
 * `check` warn (each part's callbacks would set the state up and tear it down
 * on their own).
 *
 * Not loadable as-is (non-exported symbols; built with KBUILD_MODPOST_WARN=1).
 */
#define pr_fmt(fmt) "lp_state: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>
#include <linux/sysctl.h>

#define LP_NOIPA	__attribute__((__noipa__))
#define LP_STATE_ID	0x17

static LP_NOIPA int livepatch_state_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, saved_command_line);
	seq_puts(m, "\nlp_state: vmlinux patched\n");
	return 0;
}

static char lp_state_info[64] = "lp_state: cdrom patched\n";	/* cdrom part only */

static LP_NOIPA int livepatch_state_cdrom_sysctl_info(struct ctl_table *ctl, int write,
						       void *buffer, size_t *lenp,
						       loff_t *ppos)
{
	struct ctl_table t;

	if (write)
		return -EPERM;
	t = *ctl;
	t.data = lp_state_info;
	t.maxlen = sizeof(lp_state_info);
	return proc_dostring(&t, write, buffer, lenp, ppos);
}

static struct klp_func vmlinux_funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = livepatch_state_cmdline_proc_show,
	}, { }
};

static struct klp_func cdrom_funcs[] = {
	{
		.old_name = "cdrom_sysctl_info",
		.new_func = livepatch_state_cdrom_sysctl_info,
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

static struct klp_state states[] = {
	{
		.id = LP_STATE_ID,
		.version = 1,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
	.states = states,
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
MODULE_DESCRIPTION("klp-split fixture: a klp_state every part declares after the split (issue 17)");
MODULE_INFO(livepatch, "Y");
