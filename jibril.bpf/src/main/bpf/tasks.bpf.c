// SPDX-License-Identifier: GPL-2.0
/*
 * Process lifecycle: fork, exec and exit of every process on the host, kept in the pinned tasks map.
 * Exec also records the executable's absolute path and the argument vector in the strings dictionary.
 * Userland hears of new entries through the notice ring buffer and finds any notice it missed by
 * sweeping tasks for exec_seq values it has not seen.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

/* exec_seq: one global generation counter (index 0), bumped atomically at each exec. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} exec_seq SEC(".maps");

/* cursors: written by userland only, pinned with the facts: index 0 is the highest exec_seq userland has fully
 * handled, so a restarted daemon reports exactly the execs it has not reported yet. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} cursors SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(jibril_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 zero = 0;
	struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 0;
	count(CNT_EXECS);
	adopt(sc, BPF_CORE_READ(p, real_parent), 0);

	struct task *t = &sc->t;
	__u64 key = task_key(p);
	struct task *old = bpf_map_lookup_elem(&tasks, &key);
	if (old)
		__builtin_memcpy(t, old, sizeof(*t));
	else
		__builtin_memset(t, 0, sizeof(*t));
	fill_identity(t, p);
	t->exec_ns = bpf_ktime_get_boot_ns();
	t->flags = (t->flags & ~(TASK_PATH_TRUNC | TASK_ARGS_TRUNC)) | TASK_EXECED;

	fill_place(sc, t, p);
	/* The executable: the file the kernel actually opened, as an absolute path; the one before it stays. */
	t->prev_exe_key = t->exe_key;
	record_exe(sc, t, BPF_CORE_READ(bprm, file));

	/* The argument vector, NUL separated, as the new image sees it. */
	record_args(sc, t, BPF_CORE_READ(p, mm));

	__u64 *seq = bpf_map_lookup_elem(&exec_seq, &zero);
	t->exec_seq = seq ? __sync_fetch_and_add(seq, 1) + 1 : 0;
	if (bpf_map_update_elem(&tasks, &key, t, BPF_ANY)) {
		count(CNT_TASKS_FULL);
		return 0;
	}
	notify(NOTICE_EXEC, t->pid, key, t->exec_seq);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(jibril_fork, struct task_struct *parent, struct task_struct *child)
{
	/* Only new processes; new threads belong to their thread group's entry. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	__u32 zero = 0;
	struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 0;
	count(CNT_FORKS);
	/* The forking process is current: if it predates Jibril, record it now, arguments included. */
	adopt(sc, parent, 1);
	struct task *t = &sc->t;
	__builtin_memset(t, 0, sizeof(*t));
	/* A forked child runs its parent's image until it execs. */
	__u64 pkey = task_key(parent);
	struct task *pt = bpf_map_lookup_elem(&tasks, &pkey);
	if (pt) {
		t->exe_key = pt->exe_key;
		t->args_key = pt->args_key;
	}
	fill_identity(t, child);
	fill_place(sc, t, child);
	/* At fork time the child's real_parent is the forking process; fill_identity read it from the child. */
	__u64 key = t->key;
	if (bpf_map_update_elem(&tasks, &key, t, BPF_NOEXIST)) {
		if (!bpf_map_lookup_elem(&tasks, &key))
			count(CNT_TASKS_FULL);
		return 0;
	}
	notify(NOTICE_FORK, t->pid, key, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(jibril_exit, struct task_struct *p)
{
	/* The process ends when its last thread does. */
	struct signal_struct *sig = BPF_CORE_READ(p, signal);
	if (BPF_CORE_READ(sig, live.counter) != 0)
		return 0;
	count(CNT_EXITS);
	__u64 key = task_key(p);
	struct task *t = bpf_map_lookup_elem(&tasks, &key);
	if (!t)
		return 0;
	t->exit_ns = bpf_ktime_get_boot_ns();
	/* group_exit_code holds the status when the whole group was told to exit, exit_code otherwise. */
	int code = BPF_CORE_READ(p, exit_code);
	if (BPF_CORE_READ(sig, flags) & 0x4 /* SIGNAL_GROUP_EXIT */)
		code = BPF_CORE_READ(sig, group_exit_code);
	t->exit_code = code;
	t->flags |= TASK_EXITED;
	notify(NOTICE_EXIT, t->pid, key, 0);
	return 0;
}
