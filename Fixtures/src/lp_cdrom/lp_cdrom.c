// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_cdrom: a livepatch for the module cdrom.ko only.
 *
 * Replaces the static cdrom_sysctl_info() (drivers/cdrom/cdrom.c), the proc
 * handler of /proc/sys/dev/cdrom/info.  (media_changed() is inlined in the
 * 6.1 build and has no symbol.)
 *
 * References (expected klp-split category, single part "cdrom"):
 *   proc_dostring, snprintf, mutex_lock, mutex_unlock
 *                                   vmlinux exports          -> vmlinux-export
 *   cdrom_check_events              export of cdrom.ko itself -> patched-module-export
 *   cdrom_sysctl_settings (LOCAL OBJECT in cdrom.ko, unique)  -> module-local
 *   cdrom_mutex           (LOCAL OBJECT in cdrom.ko, unique)  -> module-local
 *
 * cdrom_check_events is referenced as a plain extern (address taken and a
 * call on a never-taken path), like Fixtures' kernel-lab example; modpost
 * resolves it from Module.symvers, so modinfo shows depends=cdrom.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/livepatch.h>
#include <linux/sysctl.h>
#include <linux/cdrom.h>

/* exported by cdrom.ko (also declared in <linux/cdrom.h>) */
extern unsigned int cdrom_check_events(struct cdrom_device_info *cdi,
				       unsigned int clearing);

/* layout of the static struct in drivers/cdrom/cdrom.c (6.1: size 1020) */
#define LP_CDROM_STR_SIZE 1000
struct lp_cdrom_sysctl_settings {
	char	info[LP_CDROM_STR_SIZE];
	int	autoclose;
	int	autoeject;
	int	debug;
	int	lock;
	int	check;
};

/* statics of cdrom.ko: not exported, LOCAL in cdrom.ko's symtab */
extern struct lp_cdrom_sysctl_settings cdrom_sysctl_settings;
extern struct mutex cdrom_mutex;

static noinline int livepatch_cdrom_sysctl_info(struct ctl_table *ctl, int write,
						void *buffer, size_t *lenp,
						loff_t *ppos)
{
	struct ctl_table t;

	if (write)
		return -EPERM;
	if (unlikely(!ctl))	/* never true: just creates a call relocation */
		return cdrom_check_events(NULL, 0);

	mutex_lock(&cdrom_mutex);
	snprintf(cdrom_sysctl_settings.info, LP_CDROM_STR_SIZE,
		 "livepatched cdrom_sysctl_info (%s); autoclose=%d; cdrom_check_events=%ps\n",
		 KBUILD_MODNAME, cdrom_sysctl_settings.autoclose,
		 cdrom_check_events);
	mutex_unlock(&cdrom_mutex);

	t = *ctl;
	t.data = cdrom_sysctl_settings.info;
	t.maxlen = LP_CDROM_STR_SIZE;
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
MODULE_DESCRIPTION("klp-split fixture: livepatch for cdrom.ko");
MODULE_INFO(livepatch, "Y");
