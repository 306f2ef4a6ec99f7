// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_sharedsite: a regression input for `klp-split convert`
 * (never loaded).  The cdrom and sr_mod replacements share one static helper
 * that reads cdrom's non-exported `cdrom_mutex`.  Kept whole, the helper's
 * relocation is ONE site: for the cdrom object it is .klp.sym.cdrom.cdrom_mutex,0
 * in .klp.rela.cdrom.*, for the sr_mod object it resolves to nothing (sr_mod and
 * vmlinux have no such symbol).  `convert` must refuse it (shared-site).
 */
#define pr_fmt(fmt) "lp_sharedsite: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/mutex.h>
#include <linux/sysctl.h>
#include <linux/blkdev.h>

extern struct mutex cdrom_mutex;	/* static in cdrom.ko */

static noinline __attribute__((__noipa__)) int lp_sharedsite_locked(void)
{
	return mutex_is_locked(&cdrom_mutex);
}

static noinline int livepatch_sharedsite_cdrom_sysctl_info(struct ctl_table *ctl, int write,
							   void *buffer, size_t *lenp, loff_t *ppos)
{
	return lp_sharedsite_locked() ? -EBUSY : -EPERM;
}

static noinline unsigned int livepatch_sharedsite_sr_block_check_events(struct gendisk *disk,
									 unsigned int clearing)
{
	return lp_sharedsite_locked();
}

static struct klp_func cdrom_funcs[] = {
	{
		.old_name = "cdrom_sysctl_info",
		.new_func = livepatch_sharedsite_cdrom_sysctl_info,
	}, { }
};

static struct klp_func sr_mod_funcs[] = {
	{
		.old_name = "sr_block_check_events",
		.new_func = livepatch_sharedsite_sr_block_check_events,
	}, { }
};

static struct klp_object objs[] = {
	{
		.name = "cdrom",
		.funcs = cdrom_funcs,
	}, {
		.name = "sr_mod",
		.funcs = sr_mod_funcs,
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
MODULE_DESCRIPTION("klp-split fixture: a helper shared by two objects that resolves differently for each");
MODULE_INFO(livepatch, "Y");
