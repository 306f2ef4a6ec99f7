// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_states_multi (issue 20): lp_states with a second object,
 * cdrom, with the same callback and no functions.  The klp_state array belongs
 * to the patch, not to an object, so split into two parts its meaning changes:
 * plan refuses it (klp-state) unless --states-in-every-part; replace = false.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>

#define LP_STATES_ID 1

static struct klp_patch patch;

static int pre_patch_callback(struct klp_object *obj)
{
	struct klp_state *state = klp_get_state(&patch, LP_STATES_ID);

	pr_info("%s: state %s\n", __func__, state ? "found" : "missing");
	return state ? 0 : -EINVAL;
}

static struct klp_func no_funcs[] = {
	{ }
};

static struct klp_object objs[] = {
	{
		.name = NULL,	/* vmlinux */
		.funcs = no_funcs,
		.callbacks = {
			.pre_patch = pre_patch_callback,
		},
	}, {
		.name = "cdrom",
		.funcs = no_funcs,
		.callbacks = {
			.pre_patch = pre_patch_callback,
		},
	}, { }
};

static struct klp_state states[] = {
	{
		.id = LP_STATES_ID,
		.version = 1,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
	.states = states,
};

static int lp_states_multi_init(void)
{
	return klp_enable_patch(&patch);
}

static void lp_states_multi_exit(void)
{
}

module_init(lp_states_multi_init);
module_exit(lp_states_multi_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("klp-split fixture: klp_state in a patch of two objects");
