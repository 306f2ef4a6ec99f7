// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_coupling: a combined livepatch whose parts are COUPLED
 * (issue 17, docs/concepts.md "The consistency window").
 *
 *   vmlinux  cmdline_proc_show  -> livepatch_coupling_cmdline_proc_show (EXPORT_SYMBOL_GPL)
 *   cdrom    cdrom_sysctl_info  -> livepatch_coupling_cdrom_sysctl_info
 *
 * The cdrom part's new code takes the address of
 *   - cmdline_proc_show, which the vmlinux part patches: a klp relocation
 *     (.klp.sym.vmlinux.cmdline_proc_show,0) to the OLD function of an object
 *     another part patches (rule coupling-patched-call), and
 *   - livepatch_coupling_cmdline_proc_show, the vmlinux part's replacement: a
 *     direct reference (C, main-livepatch-export) to another part's new code
 *     (rule coupling-replacement-call).
 * Unsplit, both parts transition together; split, the cdrom part's new code
 * may run while vmlinux still runs the old cmdline_proc_show.  `plan` warns,
 * `plan --strict` and `check --strict` refuse.
 *
 * (The reverse direction, the vmlinux part calling code of a module the
 * module part patches, cannot be split at all: the main part must load
 * without the module, so klp-split refuses it already, as
 * main-part-uses-module-part or other-module-export.)
 *
 * Not loadable as-is (non-exported symbols; built with KBUILD_MODPOST_WARN=1).
 */
#define pr_fmt(fmt) "lp_coupling: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>
#include <linux/sysctl.h>

#define LP_NOIPA	__attribute__((__noipa__))

/* fs/proc/cmdline.c: static, unique in vmlinux */
extern int cmdline_proc_show(struct seq_file *m, void *v);

int livepatch_coupling_cmdline_proc_show(struct seq_file *m, void *v);

LP_NOIPA int livepatch_coupling_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, saved_command_line);
	seq_puts(m, "\nlp_coupling: vmlinux patched\n");
	return 0;
}
EXPORT_SYMBOL_GPL(livepatch_coupling_cmdline_proc_show);

static char lp_coupling_info[128];	/* cdrom part only */

static LP_NOIPA int livepatch_coupling_cdrom_sysctl_info(struct ctl_table *ctl, int write,
							  void *buffer, size_t *lenp,
							  loff_t *ppos)
{
	struct ctl_table t;

	if (write)
		return -EPERM;
	snprintf(lp_coupling_info, sizeof(lp_coupling_info),
		 "lp_coupling: cdrom patched (old %ps, new %ps)\n",
		 cmdline_proc_show, livepatch_coupling_cmdline_proc_show);
	t = *ctl;
	t.data = lp_coupling_info;
	t.maxlen = sizeof(lp_coupling_info);
	return proc_dostring(&t, write, buffer, lenp, ppos);
}

static struct klp_func vmlinux_funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = livepatch_coupling_cmdline_proc_show,
	}, { }
};

static struct klp_func cdrom_funcs[] = {
	{
		.old_name = "cdrom_sysctl_info",
		.new_func = livepatch_coupling_cdrom_sysctl_info,
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
MODULE_DESCRIPTION("klp-split fixture: parts coupled by calls (issue 17)");
MODULE_INFO(livepatch, "Y");
