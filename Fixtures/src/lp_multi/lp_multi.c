// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_multi: ONE combined livepatch over four objects:
 *
 *   vmlinux  cmdline_proc_show      -> livepatch_multi_cmdline_proc_show
 *   cdrom    cdrom_sysctl_info      -> livepatch_multi_cdrom_sysctl_info
 *   cdrom    cdrom_check_events     -> livepatch_multi_cdrom_check_events
 *   sr_mod   sr_block_check_events  -> livepatch_multi_sr_block_check_events
 *   fat      fat_statfs             -> livepatch_multi_fat_statfs
 *
 * Dependencies of the patched objects (modules.dep of 6.1.0-56-amd64):
 *   sr_mod -> scsi_mod, scsi_common, cdrom;  cdrom -> (none);  fat -> (none)
 * fat is the "unrelated" module: it depends on neither cdrom nor sr_mod.
 *
 * Every cross-part construct klp-split has to classify is here on purpose;
 * the complete reference table is in Fixtures/README.md.  Functions that are
 * called directly across parts are __noipa__ so that gcc neither inlines nor
 * clones them (a .constprop/.isra clone would hide the reference).
 *
 * Not loadable as-is: several symbols are non-exported (build with
 * KBUILD_MODPOST_WARN=1) and some references are forbidden by design.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/fs.h>
#include <linux/statfs.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>
#include <linux/sysctl.h>
#include <linux/cdrom.h>
#include <linux/blkdev.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_eh.h>

#define LP_NOIPA	__attribute__((__noipa__))
#define LP_NEVER	0xdeadbeefU	/* a value the callers never pass */

/* ---------------------------------------------------------------------------
 * Symbols of the patched objects that are not in public headers
 * ------------------------------------------------------------------------ */

/* cdrom.ko: static struct (drivers/cdrom/cdrom.c, 6.1 size 1020), LOCAL */
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

/* sr_mod.ko: prefix of struct scsi_cd (drivers/scsi/sr.h); offsets checked
 * against sr_block_check_events in the Debian 6.1.0-56 sr_mod.ko:
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
/* sr_mod.ko: static unsigned int sr_check_events(...), LOCAL */
extern unsigned int sr_check_events(struct cdrom_device_info *cdi,
				    unsigned int clearing, int slot);

/* fat.ko: GLOBAL but not exported (fs/fat/fat.h) */
extern int fat_count_free_clusters(struct super_block *sb);
/* fat.ko: EXPORT_SYMBOL_GPL (fs/fat/fat.h) */
struct msdos_sb_info;
extern void fat_time_unix2fat(struct msdos_sb_info *sbi, struct timespec64 *ts,
			      __le16 *time, __le16 *date, u8 *time_cs);

/* ---------------------------------------------------------------------------
 * Main-livepatch exports (category C for the module parts that use them)
 * ------------------------------------------------------------------------ */
unsigned long lp_multi_hits;
EXPORT_SYMBOL_GPL(lp_multi_hits);

LP_NOIPA void lp_multi_note_hit(void)
{
	WRITE_ONCE(lp_multi_hits, READ_ONCE(lp_multi_hits) + 1);
}
EXPORT_SYMBOL_GPL(lp_multi_note_hit);

/* ---------------------------------------------------------------------------
 * Shared stateless helper + shared read-only data (vmlinux and cdrom parts):
 * klp-split duplicates both into each part.
 * ------------------------------------------------------------------------ */
static const char lp_multi_banner[] = "lp_multi";

static LP_NOIPA int lp_multi_tag(char *buf, size_t len, const char *who)
{
	return scnprintf(buf, len, "[%s/%s]", lp_multi_banner, who);
}

/* ---------------------------------------------------------------------------
 * Shared WRITABLE state, not exported: written by the cdrom part
 * (livepatch_multi_cdrom_check_events) and by the sr_mod part
 * (livepatch_multi_sr_block_check_events), read by the cdrom part.
 * klp-split must report it as shared state (error).
 * ------------------------------------------------------------------------ */
static unsigned int lp_multi_media_changes;

/* ===========================================================================
 * vmlinux part
 * ======================================================================== */
static LP_NOIPA int livepatch_multi_cmdline_proc_show(struct seq_file *m, void *v)
{
	char tag[32];

	lp_multi_note_hit();
	lp_multi_tag(tag, sizeof(tag), "vmlinux");
	seq_puts(m, saved_command_line);
	seq_printf(m, " %s %s hits=%lu\n", tag, lp_multi_banner,
		   READ_ONCE(lp_multi_hits));
	return 0;
}

/* ===========================================================================
 * cdrom part
 * ======================================================================== */

/* replaces the EXPORTED cdrom_check_events(); GLOBAL, also called by sr_mod */
LP_NOIPA unsigned int livepatch_multi_cdrom_check_events(struct cdrom_device_info *cdi,
							 unsigned int clearing)
{
	unsigned int events;

	if (unlikely(clearing == LP_NEVER)) {
		struct media_event_desc med;

		/* B: export of the part's own patched module */
		return cdrom_get_media_event(cdi, &med);
	}

	events = cdi->ops->check_events(cdi, clearing, CDSL_CURRENT);
	cdi->ioctl_events |= events;
	if (clearing & DISK_EVENT_MEDIA_CHANGE)
		events |= cdi->ioctl_events;
	if (events)
		lp_multi_media_changes++;	/* shared writable state */
	events |= cdi->vfs_events;
	cdi->vfs_events = 0;
	return events;
}

static LP_NOIPA int livepatch_multi_cdrom_sysctl_info(struct ctl_table *ctl, int write,
						      void *buffer, size_t *lenp,
						      loff_t *ppos)
{
	struct ctl_table t;
	char tag[32];

	if (write)
		return -EPERM;
	if (unlikely(!ctl)) {
		/* never taken; FORBIDDEN other-module exports: cdrom depends on
		 * neither scsi_mod nor fat */
		fat_time_unix2fat(NULL, NULL, NULL, NULL, NULL);
		return scsi_device_get(NULL);
	}

	lp_multi_tag(tag, sizeof(tag), "cdrom");
	scnprintf(cdrom_sysctl_settings.info, LP_CDROM_STR_SIZE,
		  "%s %s media changes seen: %u\n", tag, lp_multi_banner,
		  READ_ONCE(lp_multi_media_changes));

	t = *ctl;
	t.data = cdrom_sysctl_settings.info;
	t.maxlen = LP_CDROM_STR_SIZE;
	return proc_dostring(&t, write, buffer, lenp, ppos);
}

/* ===========================================================================
 * sr_mod part
 * ======================================================================== */
static LP_NOIPA int livepatch_multi_fat_statfs(struct dentry *dentry, struct kstatfs *buf);

static LP_NOIPA unsigned int livepatch_multi_sr_block_check_events(struct gendisk *disk,
								   unsigned int clearing)
{
	struct lp_scsi_cd *cd = disk->private_data;
	unsigned int events;

	if (atomic_read(&cd->device->disk_events_disable_depth))
		return 0;
	if (unlikely(clearing == LP_NEVER)) {
		/* never taken */
		/* allowed other-module exports: sr_mod depends on scsi_mod and cdrom */
		if (!scsi_block_when_processing_errors(cd->device))
			return cdrom_number_of_slots(&cd->cdi);
		/* module-local: LOCAL function of sr_mod.ko */
		events = sr_check_events(&cd->cdi, clearing, CDSL_CURRENT);
		/* forbidden inter-livepatch: code owned by the fat part */
		return events + livepatch_multi_fat_statfs(NULL, NULL);
	}

	/* allowed inter-livepatch: the cdrom part's replacement function */
	events = livepatch_multi_cdrom_check_events(&cd->cdi, clearing);
	if (events)
		lp_multi_media_changes++;	/* shared writable state */
	return events;
}

/* ===========================================================================
 * fat part (the unrelated module)
 * ======================================================================== */
static LP_NOIPA int livepatch_multi_fat_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct super_block *sb = dentry->d_sb;
	int err;

	/* module-local: GLOBAL, non-exported function of fat.ko */
	err = fat_count_free_clusters(sb);
	if (err)
		return err;

	/* C: main-livepatch exports (function and variable) */
	lp_multi_note_hit();
	buf->f_type = sb->s_magic;
	buf->f_bsize = sb->s_blocksize;
	buf->f_namelen = 255;
	buf->f_spare[0] = READ_ONCE(lp_multi_hits);
	return 0;
}

/* ===========================================================================
 * klp metadata + init (main part)
 * ======================================================================== */
static struct klp_func vmlinux_funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = livepatch_multi_cmdline_proc_show,
	}, { }
};

static struct klp_func cdrom_funcs[] = {
	{
		.old_name = "cdrom_sysctl_info",
		.new_func = livepatch_multi_cdrom_sysctl_info,
	}, {
		.old_name = "cdrom_check_events",
		.new_func = livepatch_multi_cdrom_check_events,
	}, { }
};

static struct klp_func sr_mod_funcs[] = {
	{
		.old_name = "sr_block_check_events",
		.new_func = livepatch_multi_sr_block_check_events,
	}, { }
};

static struct klp_func fat_funcs[] = {
	{
		.old_name = "fat_statfs",
		.new_func = livepatch_multi_fat_statfs,
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
	}, {
		.name = "fat",
		.funcs = fat_funcs,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
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
MODULE_DESCRIPTION("klp-split fixture: combined livepatch for vmlinux, cdrom, sr_mod and fat");
MODULE_INFO(livepatch, "Y");
