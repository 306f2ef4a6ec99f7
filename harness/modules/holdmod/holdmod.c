// SPDX-License-Identifier: GPL-2.0
/*
 * holdmod: a plain module whose /proc/holdmod sleeps for HOLD_MS milliseconds, uninterruptibly,
 * inside holdmod_wait(). A livepatch of holdmod_wait() (lp_hold) cannot finish its transition
 * while a task sleeps there: the harness uses it to hold a livepatch transition open.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#define HOLD_MS 20000

/* noinline and with a visible side effect, so it stays a function of its own with __fentry__ */
static noinline void holdmod_wait(void)
{
	pr_info("holdmod: a task sleeps in holdmod_wait() for %d ms\n", HOLD_MS);
	msleep(HOLD_MS);
	pr_info("holdmod: holdmod_wait() returns\n");
}

static int holdmod_show(struct seq_file *m, void *v)
{
	holdmod_wait();
	seq_puts(m, "held\n");
	return 0;
}

static int __init holdmod_init(void)
{
	return proc_create_single("holdmod", 0444, NULL, holdmod_show) ? 0 : -ENOMEM;
}

static void __exit holdmod_exit(void)
{
	remove_proc_entry("holdmod", NULL);
}

module_init(holdmod_init);
module_exit(holdmod_exit);
MODULE_LICENSE("GPL");
