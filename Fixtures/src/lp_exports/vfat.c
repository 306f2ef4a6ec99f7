// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_exports, vfat.c: the replacement of vfat.ko's static
 * vfat_hash (fs/fat/namei_vfat.c, 6.1: the hash of the name without its
 * trailing dots) and the vfat part's export lp_exports_vfat_len, which only
 * the vfat part uses. The replacement calls the fat part's export (D).
 */
#define pr_fmt(fmt) "lp_exports: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/dcache.h>
#include <linux/stringhash.h>
#include "lp_exports.h"

/* vfat_striptail_len() of fs/fat/namei_vfat.c */
__attribute__((__noipa__)) unsigned int lp_exports_vfat_len(const struct qstr *qstr)
{
	unsigned int len = qstr->len;

	while (len && qstr->name[len - 1] == '.')
		len--;
	return len;
}
EXPORT_SYMBOL_GPL(lp_exports_vfat_len);

/* this part's own flag (a file-scope name: ld -r merges equally named sections) */
static bool lp_exports_vfat_reported;

int livepatch_exports_vfat_hash(const struct dentry *dentry, struct qstr *qstr)
{

	lp_exports_fat_note("vfat", &lp_exports_vfat_reported);
	qstr->hash = full_name_hash(dentry, qstr->name, lp_exports_vfat_len(qstr));
	return 0;
}
