// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_exports_nodep (the negative twin of lp_exports),
 * fat.c: the replacement of fat.ko's static fat_readdir and the fat part's
 * export lp_exports_nodep_fat_readdir (it calls fat's static __fat_readdir,
 * so it belongs to the fat part). The replacement calls the vfat part's
 * export: fat does not depend on vfat, so that D is forbidden.
 */
#define pr_fmt(fmt) "lp_exports_nodep: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include "lp_exports_nodep.h"

/* fs/fat/dir.c (6.1), static; the last argument is a struct fat_ioctl_filldir_callback * */
extern int __fat_readdir(struct inode *inode, struct file *file, struct dir_context *ctx,
			 int short_only, void *both);

__attribute__((__noipa__)) int lp_exports_nodep_fat_readdir(struct file *file, struct dir_context *ctx)
{
	return __fat_readdir(file_inode(file), file, ctx, 0, NULL);
}
EXPORT_SYMBOL_GPL(lp_exports_nodep_fat_readdir);

/* this part's own flag (a file-scope name: ld -r merges equally named sections) */
static bool lp_exports_nodep_fat_reported;

int livepatch_exports_nodep_fat_readdir(struct file *file, struct dir_context *ctx)
{
	bool first = !READ_ONCE(lp_exports_nodep_fat_reported);
	int calls = lp_exports_nodep_count();

	lp_exports_nodep_vfat_note("fat", &lp_exports_nodep_fat_reported);
	if (first)
		pr_info("fat part: lp_exports_nodep_count() is %d\n", calls);
	return lp_exports_nodep_fat_readdir(file, ctx);
}
