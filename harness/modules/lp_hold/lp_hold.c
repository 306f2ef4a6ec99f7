// SPDX-License-Identifier: GPL-2.0
/*
 * lp_hold: a livepatch of holdmod's holdmod_wait(), unrelated to the patch under test. While a
 * task sleeps in the old holdmod_wait(), lp_hold's transition stays open (the kernel runs one
 * livepatch transition at a time, so any other livepatch must wait for it).
 */
#include <linux/livepatch.h>
#include <linux/module.h>

static void livepatch_holdmod_wait(void)
{
	pr_info("lp_hold: holdmod_wait() replaced, no wait\n");
}

static struct klp_func funcs[] = {
	{ .old_name = "holdmod_wait", .new_func = livepatch_holdmod_wait, },
	{ }
};

static struct klp_object objs[] = {
	{ .name = "holdmod", .funcs = funcs, },
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int lp_hold_init(void)
{
	return klp_enable_patch(&patch);
}

static void lp_hold_exit(void)
{
}

module_init(lp_hold_init);
module_exit(lp_hold_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
