// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_exports, fat.c: the replacement of fat.ko's static
 * fat_readdir and the fat part's export lp_exports_fat_note. The export
 * prints %ps of fat's static __fat_readdir (not exported: only a klp
 * relocation of the fat part can reach it), so it belongs to the fat part;
 * the vfat part calls it too (D, allowed: vfat depends on fat).
 */
#define pr_fmt(fmt) "lp_exports: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include "lp_exports.h"

/* fs/fat/dir.c (6.1), static; the last argument is a struct fat_ioctl_filldir_callback * */
extern int __fat_readdir(struct inode *inode, struct file *file, struct dir_context *ctx,
			 int short_only, void *both);

__attribute__((__noipa__)) void lp_exports_fat_note(const char *who, bool *reported)
{
	if (READ_ONCE(*reported))
		return;
	WRITE_ONCE(*reported, true);
	pr_info("%s part: fat reads directories with %ps\n", who, __fat_readdir);
}
EXPORT_SYMBOL_GPL(lp_exports_fat_note);

/* this part's own flag (a file-scope name: ld -r merges equally named sections) */
static bool lp_exports_fat_reported;

int livepatch_exports_fat_readdir(struct file *file, struct dir_context *ctx)
{
	bool first = !READ_ONCE(lp_exports_fat_reported);
	int calls = lp_exports_count();

	lp_exports_fat_note("fat", &lp_exports_fat_reported);
	if (first)
		pr_info("fat part: lp_exports_count() is %d\n", calls);
	return __fat_readdir(file_inode(file), file, ctx, 0, NULL);
}
