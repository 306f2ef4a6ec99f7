// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_ambiguous: a vmlinux-only livepatch whose replacement
 * references non-exported vmlinux LOCAL symbols whose names occur several
 * times in /proc/kallsyms of Debian 6.1.0-56-amd64 (vmlinux, no modules):
 *
 *   driver_override_show      3 x 't' (address order: drivers/pci/pci-sysfs.c,
 *                                      drivers/base/platform.c, drivers/spi/spi.c)
 *   dev_attr_driver_override  3 x 'd' (the DEVICE_ATTR_RW() structs next to them)
 *
 * Nothing in the .ko says which one is meant, so klp-split cannot choose a
 * sympos: expected category "ambiguous" for both.  Also references:
 *   seq_printf                vmlinux export            -> vmlinux-export
 *   saved_command_line        unique non-exported global -> vmlinux-local
 *   saved_command_line_len    does not exist in 6.1 (added in a later kernel,
 *                             as if the patch had been backported carelessly):
 *                             not in Module.symvers, not in kallsyms, not in
 *                             any module of the world  -> unresolved
 *
 * Not loadable as-is (build with KBUILD_MODPOST_WARN=1).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/device.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>

/* static in pci-sysfs.c, platform.c and spi.c (same prototype in all three) */
extern ssize_t driver_override_show(struct device *dev,
				    struct device_attribute *attr, char *buf);
/* static struct device_attribute dev_attr_driver_override (DEVICE_ATTR_RW) */
extern struct device_attribute dev_attr_driver_override;
/* only in later kernels (init/main.c); absent from 6.1 */
extern unsigned int saved_command_line_len;

static noinline int livepatch_ambiguous_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%.*s [livepatched by %s: %ps via %ps/%px]\n",
		   (int)saved_command_line_len, saved_command_line, KBUILD_MODNAME,
		   driver_override_show, dev_attr_driver_override.show,
		   &dev_attr_driver_override);
	return 0;
}

static struct klp_func funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = livepatch_ambiguous_cmdline_proc_show,
	}, { }
};

static struct klp_object objs[] = {
	{
		/* name being NULL means vmlinux */
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
MODULE_DESCRIPTION("klp-split fixture: references to ambiguous vmlinux locals");
MODULE_INFO(livepatch, "Y");
