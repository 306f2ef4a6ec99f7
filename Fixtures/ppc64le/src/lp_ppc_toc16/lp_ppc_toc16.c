// SPDX-License-Identifier: GPL-2.0
/*
 * lp_ppc_toc16: breaks the ppc64le rule "no R_PPC64_TOC16* to another object".
 * The vfat replacement reaches vfat's static vfat_fs_type TOC-relative, with
 * addis/addi @toc@ha/@toc@l against the symbol itself (R_PPC64_TOC16_HA and
 * R_PPC64_TOC16_LO), as gcc does for data it believes is in the same module
 * (inline asm here, so the fixture does not depend on gcc's choice).  As a klp
 * relocation the loader would compute it against the livepatch's own TOC
 * (module_64.c my_r2()), unchecked: silently wrong.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/fs.h>
#include <linux/fs_context.h>

extern int vfat_fill_super(struct super_block *sb, struct fs_context *fc);

static noinline int lp_ppc_toc16_vfat_get_tree(struct fs_context *fc)
{
	struct file_system_type *type;

	asm("addis %0,2,vfat_fs_type@toc@ha\n\taddi %0,%0,vfat_fs_type@toc@l" : "=b"(type));
	pr_info("lp_ppc_toc16: %s\n", type->name);
	return get_tree_bdev(fc, vfat_fill_super);
}

static struct klp_func vfat_funcs[] = {
	{ .old_name = "vfat_get_tree", .new_func = lp_ppc_toc16_vfat_get_tree, },
	{ }
};

static struct klp_object objs[] = {
	{ .name = "vfat", .funcs = vfat_funcs, },
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int lp_ppc_toc16_init(void)
{
	return klp_enable_patch(&patch);
}

static void lp_ppc_toc16_exit(void)
{
}

module_init(lp_ppc_toc16_init);
module_exit(lp_ppc_toc16_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
