// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_exports_nodep (the negative twin of lp_exports),
 * vfat.c: the replacement of vfat.ko's static vfat_hash and the vfat part's
 * export lp_exports_nodep_vfat_note. The export prints %ps of vfat's static
 * vfat_hashi (not exported: only a klp relocation of the vfat part can reach
 * it), so it belongs to the vfat part; the fat part calls it too.
 */
#define pr_fmt(fmt) "lp_exports_nodep: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/dcache.h>
#include <linux/stringhash.h>
#include "lp_exports_nodep.h"

/* fs/fat/namei_vfat.c (6.1), static */
extern int vfat_hashi(const struct dentry *dentry, struct qstr *qstr);

__attribute__((__noipa__)) void lp_exports_nodep_vfat_note(const char *who, bool *reported)
{
	if (READ_ONCE(*reported))
		return;
	WRITE_ONCE(*reported, true);
	pr_info("%s part: vfat hashes names without case with %ps\n", who, vfat_hashi);
}
EXPORT_SYMBOL_GPL(lp_exports_nodep_vfat_note);

/* this part's own flag (a file-scope name: ld -r merges equally named sections) */
static bool lp_exports_nodep_vfat_reported;

int livepatch_exports_nodep_vfat_hash(const struct dentry *dentry, struct qstr *qstr)
{
	unsigned int len = qstr->len;

	lp_exports_nodep_vfat_note("vfat", &lp_exports_nodep_vfat_reported);
	/* vfat_striptail_len() of fs/fat/namei_vfat.c */
	while (len && qstr->name[len - 1] == '.')
		len--;
	qstr->hash = full_name_hash(dentry, qstr->name, len);
	return 0;
}
