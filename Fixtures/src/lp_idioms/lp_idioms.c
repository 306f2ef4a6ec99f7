// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_idioms (issue 19): everyday kernel idioms in the
 * replacement functions of TWO objects, each idiom used in both parts:
 *
 *   vmlinux  cmdline_proc_show  -> livepatch_idioms_cmdline_proc_show
 *   cdrom    cdrom_sysctl_info  -> livepatch_idioms_cdrom_sysctl_info
 *
 * LP_IDIOMS(part, calls, site) expands, in each replacement, to its own call sites of:
 * pr_debug and dev_dbg (__dyndbg descriptors + __jump_table entries keyed on
 * them), pr_warn_once / printk_once / WARN_ONCE (one flag each in .data.once,
 * .data..once on 6.12; WARN_ONCE fires from the 2nd call), WARN_ON /
 * WARN_ON_ONCE / BUG_ON (__bug_table entries; only the WARN_ON_ONCE fires, on
 * the 3rd call), pr_info_ratelimited (a static ratelimit state in its own
 * .data._rs.N), the vmlinux tracepoint kfree called directly with call_site
 * 0x1d1001 (vmlinux part) or 0x1d1002 (cdrom part) (exported key:
 * __jump_table + .static_call_sites),
 * static_branch_unlikely on an exported vmlinux key (sched_smt_present) and on
 * a non-exported one (sched_schedstats: a klp relocation in __jump_table),
 * static_call via cond_resched(), and __get_user of user address 0x10 (never
 * mapped; Debian's __get_user calls vmlinux's __get_user_nocheck_8, whose own
 * __ex_table recovers the fault) and an inline unsafe_get_user of the same
 * address inside user_access_begin/end, whose __ex_table entry is the part's own.
 *
 * Not loadable as-is (non-exported symbols; built with KBUILD_MODPOST_WARN=1).
 */
#define pr_fmt(fmt) "lp_idioms: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/bug.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/jump_label.h>
#include <linux/sched.h>
#include <linux/sched/smt.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/mutex.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>
#include <linux/sysctl.h>
#include <linux/cdrom.h>
#include <trace/events/kmem.h>

#define LP_NOIPA	__attribute__((__noipa__))

/* not exported: kernel/sched/core.c DEFINE_STATIC_KEY_FALSE(sched_schedstats) */
extern struct static_key_false sched_schedstats;

/*
 * every idiom once; `calls` counts the calls of this replacement; `site` is the
 * call_site of the part's own kfree event (tells it from kfree()'s own event)
 */
#define LP_IDIOMS(part, calls, site)					\
do {									\
	unsigned long __uval = 0;					\
	int __err;							\
	void *__p;							\
									\
	pr_debug(part ": pr_debug call %u\n", calls);			\
	dev_dbg(NULL, part ": dev_dbg call %u\n", calls);		\
	pr_warn_once(part ": pr_warn_once (call %u)\n", calls);		\
	printk_once(KERN_INFO "lp_idioms: " part ": printk_once (call %u)\n", calls); \
	WARN_ONCE(calls >= 2, "lp_idioms: " part ": WARN_ONCE (call %u)\n", calls); \
	WARN_ON(calls == 0);						\
	WARN_ON_ONCE(calls == 3);	/* fires on the 3rd call only */	\
	BUG_ON(calls == 0);						\
	pr_info_ratelimited(part ": ratelimited (call %u)\n", calls);	\
	__p = kmalloc(16, GFP_KERNEL);					\
	trace_kfree(site, __p);						\
	kfree(__p);							\
	if (static_branch_unlikely(&sched_smt_present))			\
		pr_debug(part ": smt present\n");			\
	if (static_branch_unlikely(&sched_schedstats))			\
		pr_info(part ": schedstats on (call %u)\n", calls);	\
	cond_resched();							\
	__err = __get_user(__uval, (unsigned long __user *)0x10UL);	\
	if (calls == 1)							\
		pr_info(part ": __get_user of 0x10: %d\n", __err);	\
	LP_INLINE_USER_READ(part, calls);				\
} while (0)

/*
 * an inline user access with the module's own __ex_table entry: unsafe_get_user
 * of the never-mapped user address 0x10 faults and the part's own exception
 * table entry sends it to lp_efault (-EFAULT)
 */
#define LP_INLINE_USER_READ(part, calls)				\
do {									\
	__label__ lp_efault, lp_end;					\
	u32 __user *__up = (u32 __user *)0x10UL;			\
	u32 __uv = 0;							\
	int __uerr = -ENXIO;	/* user_access_begin refused */		\
									\
	if (user_access_begin(__up, sizeof(*__up))) {			\
		unsafe_get_user(__uv, __up, lp_efault);			\
		__uerr = 0;						\
		goto lp_end;						\
lp_efault:								\
		__uerr = -EFAULT;					\
lp_end:									\
		user_access_end();					\
	}								\
	if (calls == 1)							\
		pr_info(part ": unsafe_get_user of 0x10: %d (%u)\n", __uerr, __uv); \
} while (0)

/* ======================= vmlinux part ======================= */
static unsigned int lp_idioms_cmdline_calls;

static LP_NOIPA int livepatch_idioms_cmdline_proc_show(struct seq_file *m, void *v)
{
	unsigned int calls = ++lp_idioms_cmdline_calls;

	LP_IDIOMS("vmlinux", calls, 0x1d1001UL);
	seq_puts(m, saved_command_line);
	seq_printf(m, "\nlp_idioms: vmlinux patched (call %u)\n", calls);
	return 0;
}

/* ======================= cdrom part ======================= */
#define LP_CDROM_STR_SIZE 1000
struct lp_cdrom_sysctl_settings {
	char	info[LP_CDROM_STR_SIZE];
	int	autoclose;
	int	autoeject;
	int	debug;
	int	lock;
	int	check;
};
extern struct lp_cdrom_sysctl_settings cdrom_sysctl_settings;
extern struct mutex cdrom_mutex;

static unsigned int lp_idioms_cdrom_calls;

static LP_NOIPA int livepatch_idioms_cdrom_sysctl_info(struct ctl_table *ctl, int write,
						       void *buffer, size_t *lenp,
						       loff_t *ppos)
{
	unsigned int calls;
	struct ctl_table t;

	if (write)
		return -EPERM;
	calls = ++lp_idioms_cdrom_calls;
	LP_IDIOMS("cdrom", calls, 0x1d1002UL);
	mutex_lock(&cdrom_mutex);
	snprintf(cdrom_sysctl_settings.info, LP_CDROM_STR_SIZE,
		 "lp_idioms: cdrom patched (call %u)\n", calls);
	mutex_unlock(&cdrom_mutex);
	t = *ctl;
	t.data = cdrom_sysctl_settings.info;
	t.maxlen = LP_CDROM_STR_SIZE;
	return proc_dostring(&t, write, buffer, lenp, ppos);
}

/* ======================= klp metadata + init ======================= */
static struct klp_func vmlinux_funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = livepatch_idioms_cmdline_proc_show,
	}, { }
};

static struct klp_func cdrom_funcs[] = {
	{
		.old_name = "cdrom_sysctl_info",
		.new_func = livepatch_idioms_cdrom_sysctl_info,
	}, { }
};

static struct klp_object objs[] = {
	{
		.funcs = vmlinux_funcs,
	}, {
		.name = "cdrom",
		.funcs = cdrom_funcs,
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
MODULE_DESCRIPTION("klp-split fixture: everyday kernel idioms in two parts");
MODULE_INFO(livepatch, "Y");
