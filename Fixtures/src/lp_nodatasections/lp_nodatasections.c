// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fixture lp_nodatasections: a copy of the kernel-lab example livepatch_cdrom
 * (issue 15), built with -ffunction-sections only.
 *
 * Livepatch for a function inside the *module* cdrom.ko (drivers/cdrom/cdrom.c):
 * replaces the static function cdrom_sysctl_info(), the proc handler behind
 * /proc/sys/dev/cdrom/info (registered by cdrom's module_init, so it is
 * reachable with only cdrom.ko loaded, no CD device needed).
 *
 * The replacement references cdrom_check_events(), which cdrom.ko EXPORTs,
 * as an ordinary extern:
 *   - its address is taken (R_X86_64_32S relocation, printed with %ps), and
 *   - it is called on a path that is never taken (R_X86_64_PLT32 relocation).
 * With normal linking, the module loader resolves these against cdrom.ko's
 * export table and records a module reference livepatch_cdrom -> cdrom, so
 * cdrom.ko cannot be unloaded while this livepatch is loaded (init-dep.sh).
 * Turning the references into livepatch relocations (.klp.rela.cdrom.* /
 * .klp.sym.cdrom.*) removes that dependency; see the README.
 *
 * (media_changed(), the more obvious target, is inlined in the 6.1 build and
 * has no symbol, so it cannot be patched on its own.)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/sysctl.h>
#include <linux/cdrom.h>

/* exported by cdrom.ko; declared in <linux/cdrom.h> as well */
extern unsigned int cdrom_check_events(struct cdrom_device_info *cdi,
				       unsigned int clearing);

static char lp_msg[160];

static noinline int livepatch_cdrom_sysctl_info(struct ctl_table *ctl, int write,
						void *buffer, size_t *lenp,
						loff_t *ppos)
{
	struct ctl_table t;

	if (write)
		return -EPERM;
	if (unlikely(!ctl))	/* never true: just creates a call relocation */
		return cdrom_check_events(NULL, 0);

	snprintf(lp_msg, sizeof(lp_msg),
		 "livepatched cdrom_sysctl_info (%s); cdrom_check_events=%ps @%px\n",
		 KBUILD_MODNAME, cdrom_check_events, cdrom_check_events);
	t = *ctl;
	t.data = lp_msg;
	t.maxlen = sizeof(lp_msg);
	return proc_dostring(&t, write, buffer, lenp, ppos);
}

static struct klp_func funcs[] = {
	{
		.old_name = "cdrom_sysctl_info",
		.new_func = livepatch_cdrom_sysctl_info,
	}, { }
};

static struct klp_object objs[] = {
	{
		.name = "cdrom",	/* target is the module cdrom.ko */
		.funcs = funcs,
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
MODULE_INFO(livepatch, "Y");
