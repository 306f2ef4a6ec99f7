/* SPDX-License-Identifier: GPL-2.0-or-later */
/* klp-split fixture lp_exports_nodep: what the translation units share. */
#ifndef LP_EXPORTS_NODEP_H
#define LP_EXPORTS_NODEP_H
#include <linux/fs.h>
#include <linux/seq_file.h>

/* vmlinux.c: the main part's export (C when the fat part calls it) */
int lp_exports_nodep_count(void);
/* fat.c: the fat part's export, used by the fat part only */
int lp_exports_nodep_fat_readdir(struct file *file, struct dir_context *ctx);
/* vfat.c: the vfat part's export; it prints %ps of vfat's static vfat_hashi,
 * which only the vfat part can resolve. The fat part calls it: a D that
 * fat, which does not depend on vfat, must not make */
void lp_exports_nodep_vfat_note(const char *who, bool *reported);

/* the replacements (klp.c names them in its klp_func arrays) */
int livepatch_exports_nodep_cmdline_proc_show(struct seq_file *m, void *v);
int livepatch_exports_nodep_fat_readdir(struct file *file, struct dir_context *ctx);
int livepatch_exports_nodep_vfat_hash(const struct dentry *dentry, struct qstr *qstr);
#endif
