// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_klpbuild: a combined livepatch (vmlinux + cdrom) that
 * carries upstream klp-build metadata instead of static klp_patch/klp_object/
 * klp_func arrays (include/linux/livepatch_external.h, Linux 6.19; the 6.1
 * headers lack it, so the structs are defined here):
 *
 *   section .init.klp_objects: struct klp_object_ext[] (one per patched object)
 *   section .init.klp_funcs:   struct klp_func_ext[]   (pointed to by ->funcs)
 *
 * The init function builds the struct klp_patch at run time the way upstream's
 * scripts/livepatch/init.c does.  An out-of-tree module cannot add the
 * __start_/__stop_ symbols to scripts/module.lds, so the section is found the
 * way upstream does it since "livepatch: Fix having __klp_objects relics in
 * non-livepatch modules" (klp_locate_section_objs()): by name, in the copy of
 * the section headers that the module loader keeps for livepatch modules
 * (THIS_MODULE->klp_info, sh_addr = final address).  6.1 has no
 * klp_locate_section_objs(), so it is open-coded below.
 *
 * Objects and functions:
 *   vmlinux (name NULL): cmdline_proc_show -> livepatch_klpbuild_cmdline_proc_show
 *   cdrom:               cdrom_sysctl_info -> livepatch_klpbuild_cdrom_sysctl_info
 *                        callbacks.pre_patch = livepatch_klpbuild_pre_patch_cdrom
 *
 * References: seq_printf, proc_dostring, snprintf, _printk, kmalloc/kfree etc.
 * (vmlinux-export); cdrom_check_events (export of cdrom: patched-module-export
 * in the cdrom part).  No non-exported symbol: the module loads as built
 * (after cdrom.ko, because of the plain cdrom_check_events reference).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>
#include <linux/sysctl.h>
#include <linux/cdrom.h>

/* --- include/linux/livepatch_external.h (upstream, 6.19) --------------- */
#define KLP_OBJECTS_SEC	".init.klp_objects"
#define KLP_FUNCS_SEC	".init.klp_funcs"

struct klp_func_ext {
	const char *old_name;
	void *new_func;
	unsigned long sympos;
};

struct klp_object_ext {
	const char *name;
	struct klp_func_ext *funcs;
	struct klp_callbacks callbacks;
	unsigned int nr_funcs;
};
/* ------------------------------------------------------------------------ */

/* exported by cdrom.ko */
extern unsigned int cdrom_check_events(struct cdrom_device_info *cdi,
				       unsigned int clearing);

static char lp_msg[160];

static noinline int livepatch_klpbuild_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", "this has been live patched (lp_klpbuild)");
	return 0;
}

static noinline int livepatch_klpbuild_cdrom_sysctl_info(struct ctl_table *ctl, int write,
							 void *buffer, size_t *lenp,
							 loff_t *ppos)
{
	struct ctl_table t;

	if (write)
		return -EPERM;
	if (unlikely(!ctl))	/* never true: just creates a call relocation */
		return cdrom_check_events(NULL, 0);

	snprintf(lp_msg, sizeof(lp_msg),
		 "livepatched cdrom_sysctl_info (%s); cdrom_check_events=%ps\n",
		 KBUILD_MODNAME, cdrom_check_events);
	t = *ctl;
	t.data = lp_msg;
	t.maxlen = sizeof(lp_msg);
	return proc_dostring(&t, write, buffer, lenp, ppos);
}

static noinline int livepatch_klpbuild_pre_patch_cdrom(struct klp_object *obj)
{
	pr_info("pre_patch callback for object '%s'\n", obj->name);
	return 0;
}

/* --- klp-build metadata ------------------------------------------------- */
static struct klp_func_ext lp_vmlinux_funcs[] __used __section(KLP_FUNCS_SEC) = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = livepatch_klpbuild_cmdline_proc_show,
		.sympos = 0,
	},
};

static struct klp_func_ext lp_cdrom_funcs[] __used __section(KLP_FUNCS_SEC) = {
	{
		.old_name = "cdrom_sysctl_info",
		.new_func = livepatch_klpbuild_cdrom_sysctl_info,
		.sympos = 0,
	},
};

/* one array, so the section holds exactly nr_objs entries with no padding */
static struct klp_object_ext lp_objects[] __used __section(KLP_OBJECTS_SEC) = {
	{
		.name = NULL,				/* vmlinux */
		.funcs = lp_vmlinux_funcs,
		.nr_funcs = ARRAY_SIZE(lp_vmlinux_funcs),
	}, {
		.name = "cdrom",
		.funcs = lp_cdrom_funcs,
		.callbacks = {
			.pre_patch = livepatch_klpbuild_pre_patch_cdrom,
		},
		.nr_funcs = ARRAY_SIZE(lp_cdrom_funcs),
	},
};

/* --- upstream scripts/livepatch/init.c, adapted to 6.1 ------------------ */
static void *lp_locate_section_objs(const struct module *mod, const char *name,
				    size_t object_size, unsigned int *nr_objs)
{
	struct klp_modinfo *info = mod->klp_info;

	*nr_objs = 0;
	if (!info)
		return NULL;
	for (int i = 1; i < info->hdr.e_shnum; i++) {
		Elf_Shdr *shdr = &info->sechdrs[i];

		if (strcmp(info->secstrings + shdr->sh_name, name))
			continue;
		*nr_objs = shdr->sh_size / object_size;
		return (void *)shdr->sh_addr;
	}
	return NULL;
}

static struct klp_patch *patch;

static int __init livepatch_mod_init(void)
{
	struct klp_object_ext *obj_exts;
	struct klp_object *objs;
	unsigned int nr_objs;
	int ret;

	obj_exts = lp_locate_section_objs(THIS_MODULE, KLP_OBJECTS_SEC,
					  sizeof(*obj_exts), &nr_objs);
	if (!nr_objs) {
		pr_err("nothing to patch!\n");
		ret = -EINVAL;
		goto err;
	}

	patch = kzalloc(sizeof(*patch), GFP_KERNEL);
	if (!patch) {
		ret = -ENOMEM;
		goto err;
	}

	objs = kcalloc(nr_objs + 1, sizeof(struct klp_object), GFP_KERNEL);
	if (!objs) {
		ret = -ENOMEM;
		goto err_free_patch;
	}

	for (int i = 0; i < nr_objs; i++) {
		struct klp_object_ext *obj_ext = obj_exts + i;
		struct klp_func_ext *funcs_ext = obj_ext->funcs;
		unsigned int nr_funcs = obj_ext->nr_funcs;
		struct klp_object *obj = &objs[i];
		struct klp_func *funcs;

		funcs = kcalloc(nr_funcs + 1, sizeof(struct klp_func), GFP_KERNEL);
		if (!funcs) {
			ret = -ENOMEM;
			for (int j = 0; j < i; j++)
				kfree(objs[j].funcs);
			goto err_free_objs;
		}

		for (int j = 0; j < nr_funcs; j++) {
			funcs[j].old_name   = funcs_ext[j].old_name;
			funcs[j].new_func   = funcs_ext[j].new_func;
			funcs[j].old_sympos = funcs_ext[j].sympos;
		}

		obj->name = obj_ext->name;
		obj->funcs = funcs;
		memcpy(&obj->callbacks, &obj_ext->callbacks, sizeof(struct klp_callbacks));
	}

	patch->mod = THIS_MODULE;
	patch->objs = objs;
	/* this fixture is built without KLP_NO_REPLACE semantics on purpose:
	 * klp-build's default is an atomic-replace patch */
	patch->replace = true;

	ret = klp_enable_patch(patch);
	if (!ret)
		return 0;

	for (int i = 0; i < nr_objs; i++)
		kfree(objs[i].funcs);
err_free_objs:
	kfree(objs);
err_free_patch:
	kfree(patch);
err:
	return ret;
}

static void __exit livepatch_mod_exit(void)
{
	struct klp_object *obj;

	for (obj = patch->objs; obj->funcs; obj++)
		kfree(obj->funcs);
	kfree(patch->objs);
	kfree(patch);
}

module_init(livepatch_mod_init);
module_exit(livepatch_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klp-split fixture: klp-build style metadata (.init.klp_objects/.init.klp_funcs)");
MODULE_INFO(livepatch, "Y");
