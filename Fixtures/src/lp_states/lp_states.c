// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_states (issue 20): the form of the selftests'
 * test_klp_state.c, written for klp-split: one object (vmlinux) with callbacks
 * and no functions, a `struct klp_state` array and replace = true.  One object
 * is one part, the whole patch: it plans clean and builds without --no-replace.
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
	.replace = true,
};

static int lp_states_init(void)
{
	return klp_enable_patch(&patch);
}

static void lp_states_exit(void)
{
}

module_init(lp_states_init);
module_exit(lp_states_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("klp-split fixture: klp_state and replace in a patch of one object");
