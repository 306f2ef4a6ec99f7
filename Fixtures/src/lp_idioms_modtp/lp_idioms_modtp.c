// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klp-split fixture lp_idioms_modtp (issue 19): a replacement function of
 * scsi_mod that calls a tracepoint OF scsi_mod itself (trace_scsi_eh_wakeup,
 * drivers/scsi/scsi.c CREATE_TRACE_POINTS; not exported).  Its static key
 * `__tracepoint_scsi_eh_wakeup` is module-owned, so the part's __jump_table
 * (and .static_call_sites: __SCK__tp_func_scsi_eh_wakeup) would need klp
 * relocations, which the kernel applies only after the module's jump labels
 * are set up.  klp-split refuses it (klp-static-key) and names the tracepoint;
 * upstream klp-build disables such a tracepoint with a warning.
 *
 *   vmlinux   cmdline_proc_show -> livepatch_modtp_cmdline_proc_show
 *   scsi_mod  scsi_host_busy    -> livepatch_modtp_scsi_host_busy
 *
 * Never loaded (it is refused); built with KBUILD_MODPOST_WARN=1.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>
#include <scsi/scsi_host.h>
#include <trace/events/scsi.h>

#define LP_NOIPA	__attribute__((__noipa__))

static LP_NOIPA int livepatch_modtp_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\nlp_idioms_modtp: vmlinux patched\n", saved_command_line);
	return 0;
}

static LP_NOIPA int livepatch_modtp_scsi_host_busy(struct Scsi_Host *shost)
{
	trace_scsi_eh_wakeup(shost);	/* scsi_mod's own tracepoint: refused */
	return 0;
}

static struct klp_func vmlinux_funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = livepatch_modtp_cmdline_proc_show, }, { }
};
static struct klp_func scsi_funcs[] = {
	{ .old_name = "scsi_host_busy", .new_func = livepatch_modtp_scsi_host_busy, }, { }
};
static struct klp_object objs[] = {
	{ .funcs = vmlinux_funcs, },
	{ .name = "scsi_mod", .funcs = scsi_funcs, },
	{ }
};
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs, };

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
MODULE_DESCRIPTION("klp-split fixture: a tracepoint of the patched module (refused)");
MODULE_INFO(livepatch, "Y");
