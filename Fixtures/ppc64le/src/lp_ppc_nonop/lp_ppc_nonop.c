// SPDX-License-Identifier: GPL-2.0
/*
 * lp_ppc_nonop: breaks the ppc64le rule "every bl into another module needs a nop".
 * The vfat replacement calls the vmlinux replacement, a static function of the same
 * unit: gcc emits "bl lp_ppc_nonop_cmdline_proc_show" with no nop after it.  Split,
 * the callee lives in the main part, so the call would go through a .stubs trampoline
 * and the loader (module_64.c restore_r2()) would refuse it: "Expected nop after call".
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/seq_file.h>

extern int vfat_fill_super(struct super_block *sb, struct fs_context *fc);

static noinline int lp_ppc_nonop_cmdline_proc_show(struct seq_file *m, void *v)
{
	if (m)
		seq_printf(m, "%s\n", "lp_ppc_nonop");
	return 0;
}

static noinline int lp_ppc_nonop_vfat_get_tree(struct fs_context *fc)
{
	int ret = lp_ppc_nonop_cmdline_proc_show(NULL, fc);

	return ret * 3 + get_tree_bdev(fc, vfat_fill_super);
}

static struct klp_func vmlinux_funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = lp_ppc_nonop_cmdline_proc_show, },
	{ }
};

static struct klp_func vfat_funcs[] = {
	{ .old_name = "vfat_get_tree", .new_func = lp_ppc_nonop_vfat_get_tree, },
	{ }
};

static struct klp_object objs[] = {
	{ .funcs = vmlinux_funcs, },
	{ .name = "vfat", .funcs = vfat_funcs, },
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int lp_ppc_nonop_init(void)
{
	return klp_enable_patch(&patch);
}

static void lp_ppc_nonop_exit(void)
{
}

module_init(lp_ppc_nonop_init);
module_exit(lp_ppc_nonop_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
