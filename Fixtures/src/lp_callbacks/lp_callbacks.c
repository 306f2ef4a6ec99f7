// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_callbacks (issue 20): the input forms of the kernel's
 * samples/livepatch/livepatch-callbacks-demo.c and the selftests'
 * test_klp_callbacks_demo.c, written for klp-split:
 *  - vmlinux and cdrom are objects with callbacks and NO functions (one shared
 *    `no_funcs[] = { { } }`, the zeroed terminator alone);
 *  - sr_mod has the same callbacks and one replacement function;
 *  - the same four callback functions serve every object;
 *  - `pre_patch_ret`, a module parameter, is read by the pre_patch callback of
 *    every object.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/blkdev.h>

static int pre_patch_ret;
module_param(pre_patch_ret, int, 0644);
MODULE_PARM_DESC(pre_patch_ret, "pre_patch_ret (default=0)");

static void lp_callbacks_info(const char *callback, struct klp_object *obj)
{
	pr_info("%s: %s\n", callback, obj->mod ? obj->mod->name : "vmlinux");
}

static int pre_patch_callback(struct klp_object *obj)
{
	lp_callbacks_info(__func__, obj);
	return pre_patch_ret;
}

static void post_patch_callback(struct klp_object *obj)
{
	lp_callbacks_info(__func__, obj);
}

static void pre_unpatch_callback(struct klp_object *obj)
{
	lp_callbacks_info(__func__, obj);
}

static void post_unpatch_callback(struct klp_object *obj)
{
	lp_callbacks_info(__func__, obj);
}

static noinline unsigned int livepatch_callbacks_sr_block_check_events(struct gendisk *disk,
									unsigned int clearing)
{
	return 0;
}

static struct klp_func no_funcs[] = {
	{ }
};

static struct klp_func sr_mod_funcs[] = {
	{
		.old_name = "sr_block_check_events",
		.new_func = livepatch_callbacks_sr_block_check_events,
	}, { }
};

#define LP_CALLBACKS {					\
	.pre_patch = pre_patch_callback,		\
	.post_patch = post_patch_callback,		\
	.pre_unpatch = pre_unpatch_callback,		\
	.post_unpatch = post_unpatch_callback,		\
}

static struct klp_object objs[] = {
	{
		.name = NULL,	/* vmlinux */
		.funcs = no_funcs,
		.callbacks = LP_CALLBACKS,
	}, {
		.name = "cdrom",
		.funcs = no_funcs,
		.callbacks = LP_CALLBACKS,
	}, {
		.name = "sr_mod",
		.funcs = sr_mod_funcs,
		.callbacks = LP_CALLBACKS,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int lp_callbacks_init(void)
{
	return klp_enable_patch(&patch);
}

static void lp_callbacks_exit(void)
{
}

module_init(lp_callbacks_init);
module_exit(lp_callbacks_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("klp-split fixture: callbacks-only objects, shared callbacks, a module parameter");
