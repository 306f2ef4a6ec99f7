// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_exports, klp.c: the klp_patch with one klp_object per
 * patched object (vmlinux, fat, vfat), and module init/exit.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include "lp_exports.h"

static struct klp_func vmlinux_funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = livepatch_exports_cmdline_proc_show, }, { }
};

static struct klp_func fat_funcs[] = {
	{ .old_name = "fat_readdir", .new_func = livepatch_exports_fat_readdir, }, { }
};

static struct klp_func vfat_funcs[] = {
	{ .old_name = "vfat_hash", .new_func = livepatch_exports_vfat_hash, }, { }
};

static struct klp_object objs[] = {
	{ /* name NULL: vmlinux */ .funcs = vmlinux_funcs, },
	{ .name = "fat", .funcs = fat_funcs, },
	{ .name = "vfat", .funcs = vfat_funcs, },
	{ }
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
MODULE_DESCRIPTION("klp-split fixture: vmlinux, fat and vfat, one file each, an export per part (C and D)");
MODULE_INFO(livepatch, "Y");
