// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_vmlinux: a livepatch for vmlinux only.
 *
 * Replaces cmdline_proc_show() (fs/proc/cmdline.c, backs /proc/cmdline).
 *
 * References (expected klp-split category, single part "vmlinux"):
 *   seq_printf, seq_puts            vmlinux exports            -> vmlinux-export
 *   saved_command_line   (B, data)  non-exported, unique global -> vmlinux-local
 *   proc_pid_cmdline_read (t, func) non-exported, unique static -> vmlinux-local
 *
 * The two vmlinux-local symbols are declared extern here; modpost cannot
 * resolve them (build with KBUILD_MODPOST_WARN=1), so the .ko is not loadable
 * as-is: klp-split has to turn them into .klp.sym.vmlinux.<name>,0 relocations.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/fs.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>

/* declared in <linux/init.h>: extern char *saved_command_line; (not exported) */

/* fs/proc/base.c: static ssize_t proc_pid_cmdline_read(...) (not exported) */
extern ssize_t proc_pid_cmdline_read(struct file *file, char __user *buf,
				     size_t count, loff_t *pos);

static noinline int livepatch_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, saved_command_line);
	seq_printf(m, " [livepatched by %s; cmdline reader %ps]\n",
		   KBUILD_MODNAME, proc_pid_cmdline_read);
	return 0;
}

static struct klp_func funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = livepatch_cmdline_proc_show,
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
MODULE_DESCRIPTION("klp-split fixture: vmlinux-only livepatch");
MODULE_INFO(livepatch, "Y");
