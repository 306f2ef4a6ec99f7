// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lp_prov: a livepatch of vmlinux (cmdline_proc_show) and of the out-of-tree module provmod
 * (provmod_show, calling provmod's static provmod_build()), built twice (LP_PROV_VERSION 1 and 2)
 * for the split-provenance scenario: parts of two builds must not mix, and the provmod part must
 * patch only the provmod build it was made for.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>

/* provmod's static function: klp-split build makes this a klp relocation */
extern const char *provmod_build(void);

static int lp_prov_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "lp_prov v%d: cmdline patched\n", LP_PROV_VERSION);
	return 0;
}

static int lp_prov_provmod_show(struct seq_file *m, void *v)
{
	seq_printf(m, "provmod build %s: patched by lp_prov v%d\n", provmod_build(), LP_PROV_VERSION);
	return 0;
}

static struct klp_func vmlinux_funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = lp_prov_cmdline_proc_show, },
	{ }
};

static struct klp_func provmod_funcs[] = {
	{ .old_name = "provmod_show", .new_func = lp_prov_provmod_show, },
	{ }
};

static struct klp_object objs[] = {
	{ .funcs = vmlinux_funcs, },
	{ .name = "provmod", .funcs = provmod_funcs, },
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int lp_prov_init(void)
{
	return klp_enable_patch(&patch);
}

static void lp_prov_exit(void)
{
}

module_init(lp_prov_init);
module_exit(lp_prov_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
