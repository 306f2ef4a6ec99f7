/* SPDX-License-Identifier: GPL-2.0-or-later */
/* klp-split fixture lp_exports: what the translation units share. */
#ifndef LP_EXPORTS_H
#define LP_EXPORTS_H
#include <linux/fs.h>
#include <linux/seq_file.h>

/* vmlinux.c: the main part's export (C when the fat part calls it) */
int lp_exports_count(void);
/* fat.c: the fat part's export; it prints %ps of fat's static __fat_readdir,
 * which only the fat part can resolve (D when the vfat part calls it) */
void lp_exports_fat_note(const char *who, bool *reported);
/* vfat.c: the vfat part's export, used by the vfat part only */
unsigned int lp_exports_vfat_len(const struct qstr *qstr);

/* the replacements (klp.c names them in its klp_func arrays) */
int livepatch_exports_cmdline_proc_show(struct seq_file *m, void *v);
int livepatch_exports_fat_readdir(struct file *file, struct dir_context *ctx);
int livepatch_exports_vfat_hash(const struct dentry *dentry, struct qstr *qstr);
#endif
