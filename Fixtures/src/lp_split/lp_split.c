// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_split: a CLEAN combined livepatch over three objects,
 * the acceptance input of `klp-split build`:
 *
 *   vmlinux  cmdline_proc_show      -> livepatch_split_cmdline_proc_show
 *   cdrom    cdrom_sysctl_info      -> livepatch_split_cdrom_sysctl_info
 *   cdrom    cdrom_check_events     -> livepatch_split_cdrom_check_events (EXPORT_SYMBOL_GPL)
 *   sr_mod   sr_block_check_events  -> livepatch_split_sr_block_check_events
 *
 * Every reference is of an acceptable category (Fixtures/README.md has the
 * table).  One is deliberately ambiguous until the build is told which
 * occurrence to use: `ucode_path` is a static const char[] twice in vmlinux
 * (arch/x86/kernel/cpu/microcode/intel.c "...GenuineIntel.bin", sympos 1, and
 * amd.c "...AuthenticAMD.bin", sympos 2); plan and build take
 * `--sympos ucode_path=2`, and the guest sees which string was reached.
 *
 * Nothing writable is shared between parts: each part's state is used by that
 * part only; the vmlinux and cdrom parts share a stateless helper and const
 * data (duplicated).  No printk_once()/pr_*_ratelimited(): their flags live in the
 * shared section .data.once / static ratelimit states; own flags are used.
 * The replacement functions are __noipa__ so that gcc neither inlines nor
 * clones them.
 *
 * Not loadable as-is (non-exported symbols; built with KBUILD_MODPOST_WARN=1).
 */
/* not KBUILD_MODNAME: the messages must read the same in every part */
#define pr_fmt(fmt) "lp_split: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/bug.h>
#include <linux/uaccess.h>
#include <linux/mutex.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>
#include <linux/sysctl.h>
#include <linux/cdrom.h>
#include <linux/blkdev.h>
#include <scsi/scsi_device.h>

#define LP_NOIPA	__attribute__((__noipa__))

/*
 * Stateless helper and read-only data used by the vmlinux and the cdrom part:
 * klp-split duplicates both into each of the two parts.
 */
static const char lp_split_banner[] = "lp_split";

static LP_NOIPA const char *lp_split_who(void)
{
	return lp_split_banner;
}

/* ===========================================================================
 * vmlinux part
 * ======================================================================== */

/*
 * Not exported, twice in vmlinux (kallsyms 'd', both in .rodata):
 *   1: ffffffff82007980 "kernel/x86/microcode/GenuineIntel.bin" (intel.c)
 *   2: ffffffff82007a80 "kernel/x86/microcode/AuthenticAMD.bin" (amd.c)
 * Resolved by `klp-split build --sympos ucode_path=2`.  Read-only, always
 * mapped: safe to read from any context.
 */
extern const char ucode_path[];

static unsigned int lp_split_cmdline_reads;	/* vmlinux part only */
static bool lp_split_fault_reported;		/* vmlinux part only */

/*
 * A user access that faults and is recovered through this module's OWN
 * __ex_table entry: unsafe_get_user() with asm goto puts an
 * _ASM_EXTABLE_UA(insn, efault) entry into the livepatch (copy_from_user()
 * would call out of line and use vmlinux's table).  User address 0x10 is
 * below mmap_min_addr, so it is never mapped.
 */
static LP_NOIPA int lp_split_probe_user(unsigned long *val)
{
	const unsigned long __user *uptr = (const unsigned long __user *)0x10UL;
	unsigned long v;

	if (!user_access_begin(uptr, sizeof(*uptr)))
		return -EINVAL;
	unsafe_get_user(v, uptr, efault);
	user_access_end();
	*val = v;
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

static LP_NOIPA int livepatch_split_cmdline_proc_show(struct seq_file *m, void *v)
{
	unsigned int reads = ++lp_split_cmdline_reads;
	unsigned long val = 0;
	int err;

	err = lp_split_probe_user(&val);
	if (!lp_split_fault_reported) {
		lp_split_fault_reported = true;
		if (err == -EFAULT)
			pr_info("user fault recovered (read of user address 0x10: %d)\n", err);
		else
			pr_info("user access did NOT fault (err %d, value %lx)\n", err, val);
	}

	/* fires on the SECOND read of /proc/cmdline only (__bug_table entry) */
	WARN_ON_ONCE(reads == 2);	/* LP_SPLIT_WARN_LINE: harness/scenarios-build expects this line */

	seq_puts(m, saved_command_line);
	seq_printf(m, "\n%s: vmlinux patched (read %u)\n", lp_split_who(), reads);
	seq_printf(m, "lp_split: ucode_path@%px %s\n", ucode_path, ucode_path);
	return 0;
}

/* ===========================================================================
 * cdrom part
 * ======================================================================== */

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

/* statics of cdrom.ko: not exported, LOCAL and unique in cdrom.ko's symtab */
extern struct lp_cdrom_sysctl_settings cdrom_sysctl_settings;
extern struct mutex cdrom_mutex;

static unsigned int lp_split_check_events_calls;	/* cdrom part only */

/*
 * Replaces the EXPORTED cdrom_check_events() with the same logic as 6.1's
 * (cdrom_update_events() inlined), counting calls.  GLOBAL and
 * EXPORT_SYMBOL_GPL: the sr_mod part calls it directly (D, allowed because
 * sr_mod depends on cdrom), so lp_split__cdrom must export it.
 */
LP_NOIPA unsigned int livepatch_split_cdrom_check_events(struct cdrom_device_info *cdi,
							 unsigned int clearing)
{
	unsigned int events;

	events = cdi->ops->check_events(cdi, clearing, CDSL_CURRENT);
	cdi->vfs_events |= events;
	cdi->ioctl_events |= events;
	events = cdi->vfs_events;
	cdi->vfs_events = 0;
	WRITE_ONCE(lp_split_check_events_calls, READ_ONCE(lp_split_check_events_calls) + 1);
	return events;
}
EXPORT_SYMBOL_GPL(livepatch_split_cdrom_check_events);

static LP_NOIPA int livepatch_split_cdrom_sysctl_info(struct ctl_table *ctl, int write,
						      void *buffer, size_t *lenp,
						      loff_t *ppos)
{
	struct ctl_table t;

	if (write)
		return -EPERM;

	mutex_lock(&cdrom_mutex);
	/* B: the address of cdrom's own export cdrom_check_events */
	snprintf(cdrom_sysctl_settings.info, LP_CDROM_STR_SIZE,
		 "%s: cdrom patched (export %ps; check_events calls %u; autoclose=%d)\n",
		 lp_split_who(), cdrom_check_events, READ_ONCE(lp_split_check_events_calls),
		 cdrom_sysctl_settings.autoclose);
	mutex_unlock(&cdrom_mutex);

	t = *ctl;
	t.data = cdrom_sysctl_settings.info;
	t.maxlen = LP_CDROM_STR_SIZE;
	return proc_dostring(&t, write, buffer, lenp, ppos);
}

/* ===========================================================================
 * sr_mod part
 * ======================================================================== */

/* prefix of struct scsi_cd (drivers/scsi/sr.h); offsets checked against
 * sr_block_check_events in the Debian 6.1.0-56 sr_mod.ko:
 * disk->private_data is the scsi_cd, ->device at 0x8, ->cdi at 0x30 */
struct lp_scsi_cd {
	unsigned int capacity;
	struct scsi_device *device;
	unsigned int vendor;
	unsigned long ms_offset;
	unsigned int flag_bits;
	int tur_mismatch;
	bool event_bits;
	struct cdrom_device_info cdi;
};

static bool lp_split_sr_reported;	/* sr_mod part only */

/*
 * Replaces sr_block_check_events() (LOCAL in sr_mod.ko, 39 bytes): the
 * block_device_operations.check_events of sr disks, called through
 * bdev_check_media_change() on every open of /dev/sr0.
 */
static LP_NOIPA unsigned int livepatch_split_sr_block_check_events(struct gendisk *disk,
								   unsigned int clearing)
{
	struct lp_scsi_cd *cd = disk->private_data;

	if (atomic_read(&cd->device->disk_events_disable_depth))
		return 0;

	if (!READ_ONCE(lp_split_sr_reported)) {
		struct packet_command cgc;

		WRITE_ONCE(lp_split_sr_reported, true);
		/* other-module export: init_cdrom_command is EXPORT_SYMBOL of
		 * cdrom, which sr_mod depends on; stateless (fills cgc only) */
		init_cdrom_command(&cgc, NULL, 0, CGC_DATA_NONE);
		pr_info("sr_mod patched (%s; init_cdrom_command timeout=%d; events via %ps)\n",
			disk->disk_name, cgc.timeout, livepatch_split_cdrom_check_events);
	}
	/* D: the cdrom part's exported replacement function */
	return livepatch_split_cdrom_check_events(&cd->cdi, clearing);
}

/* ===========================================================================
 * klp metadata + init
 * ======================================================================== */
static struct klp_func vmlinux_funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = livepatch_split_cmdline_proc_show,
	}, { }
};

static struct klp_func cdrom_funcs[] = {
	{
		.old_name = "cdrom_sysctl_info",
		.new_func = livepatch_split_cdrom_sysctl_info,
	}, {
		.old_name = "cdrom_check_events",
		.new_func = livepatch_split_cdrom_check_events,
	}, { }
};

static struct klp_func sr_mod_funcs[] = {
	{
		.old_name = "sr_block_check_events",
		.new_func = livepatch_split_sr_block_check_events,
	}, { }
};

static struct klp_object objs[] = {
	{
		/* name being NULL means vmlinux */
		.funcs = vmlinux_funcs,
	}, {
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
	.replace = false,
};

static int livepatch_init(void)
{
	BUILD_BUG_ON(offsetof(struct lp_scsi_cd, device) != 0x8);
	BUILD_BUG_ON(offsetof(struct lp_scsi_cd, cdi) != 0x30);
	BUILD_BUG_ON(sizeof(struct lp_cdrom_sysctl_settings) != 1020);
	return klp_enable_patch(&patch);
}

static void livepatch_exit(void)
{
}

module_init(livepatch_init);
module_exit(livepatch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klp-split fixture: clean combined livepatch for vmlinux, cdrom and sr_mod");
MODULE_INFO(livepatch, "Y");
