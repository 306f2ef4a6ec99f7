// SPDX-License-Identifier: GPL-2.0
/*
 * lp_ppc_split: a two-object ppc64le livepatch (vmlinux + vfat) for the lab kernel
 * (/work/shared/kernel-lab/ppc64le, 6.12.118-klplab), the ppc64le counterpart of
 * lp_exports: vfat depends on fat, and the vfat function uses a fat export.
 *
 * vmlinux: cmdline_proc_show (fs/proc/cmdline.c), as samples/livepatch does; seq_printf
 *          is a vmlinux export (a bl + nop, R_PPC64_REL24).
 * vfat:    vfat_get_tree (fs/fat/namei_vfat.c, static), which uses
 *          - vfat_fill_super (static in vfat): its address through a .toc slot
 *            (R_PPC64_ADDR64 in .rela.toc) and a call on a never-taken path (bl + nop):
 *            both become .klp.rela.vfat.* relocations;
 *          - fat_fill_super (exported by fat, which vfat depends
 *            on): its address through a .toc slot (a normal relocation in the vfat part);
 *          - get_tree_bdev (vmlinux export).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/seq_file.h>
#include <linux/string.h>

extern int vfat_fill_super(struct super_block *sb, struct fs_context *fc);
extern int fat_fill_super(struct super_block *sb, struct fs_context *fc, void (*setup)(struct super_block *));

static noinline int lp_ppc_split_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", "lp_ppc_split: cmdline patched");
	return 0;
}

static noinline int lp_ppc_split_vfat_get_tree(struct fs_context *fc)
{
	pr_info("vfat_get_tree(%s): fill_super=%pS fat=%pS\n",
		fc->source ? fc->source : "(null)", vfat_fill_super, fat_fill_super);
	if (fc->source && !strcmp(fc->source, "/never/ever"))
		return vfat_fill_super(NULL, fc);	/* never taken */
	return get_tree_bdev(fc, vfat_fill_super);
}

static struct klp_func vmlinux_funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = lp_ppc_split_cmdline_proc_show, },
	{ }
};

static struct klp_func vfat_funcs[] = {
	{ .old_name = "vfat_get_tree", .new_func = lp_ppc_split_vfat_get_tree, },
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

static int lp_ppc_split_init(void)
{
	return klp_enable_patch(&patch);
}

static void lp_ppc_split_exit(void)
{
}

module_init(lp_ppc_split_init);
module_exit(lp_ppc_split_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
