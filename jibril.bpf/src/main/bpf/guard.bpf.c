// SPDX-License-Identifier: GPL-2.0
/*
 * Guard: notices when another process writes into Jibril's maps or detaches its programs (see the guard section of
 * jibril.h for the maps and what is recorded). bpf() is a rare system call, so both programs cost nothing on the
 * host's hot paths; the enter program gives up at the first test for every command that only reads.
 *
 * Known limits: a 32-bit (compat) process's bpf() calls do not reach the syscalls/ tracepoints, and a BPF program
 * of another process that holds one of Jibril's maps writes it without a bpf() call: userland covers both with
 * its own cadence checks (links still attached to Jibril's programs, maps used by programs that are not Jibril's).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "jibril.h"
#include "keys.h"

char LICENSE[] SEC("license") = "GPL";

#define ANON_INODE_FS_MAGIC 0x09041934
#define EEXIST 17

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct guard_config);
} guard_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, GUARDED_MAX);
	__type(key, struct guard_key);
	__type(value, __u32);
} guarded SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TAINTS_MAX);
	__type(key, struct taint_key);
	__type(value, struct taint);
} taints SEC(".maps");

/* A write or detach call by another process, between its enter and exit tracepoints. */
struct guard_call {
	__u32 cmd;
	__u32 kind;
	__u32 id;    /* the guarded object it names, 0 while not known */
	__u32 pad;
	__u64 uaddr; /* where the descriptor is in the caller's memory */
};

/* guard_calls: pid_tgid -> struct guard_call; an entry lost to the LRU only loses that call's outcome (or, when
 * the entry did not resolve, its second look). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct guard_call);
} guard_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GUARD_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} guard_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} guard_notices SEC(".maps");

static __always_inline void guard_count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&guard_counters, &which);
	if (v)
		*v += 1;
}

/* The struct file of descriptor fd of current, or NULL (as fd_file in files.bpf.c). */
static __always_inline struct file *current_fd(__u32 fd)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct files_struct *files = t->files;
	if (!files)
		return NULL;
	struct fdtable *fdt = files->fdt;
	if (!fdt || fd >= fdt->max_fds)
		return NULL;
	struct file **fds = fdt->fd;
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* The id of the BPF object of kind `kind` that f is a file of, or 0 when f is something else. BPF maps, programs
 * and links are files of the anonymous inode file system named "bpf-map", "bpf-prog" and "bpf_link" (a link made
 * by its creator) or "bpf-link" (a link opened by id or pin), whose private_data is the object; nothing else makes
 * such files. */
static __always_inline __u32 object_id(struct file *f, __u32 kind)
{
	if (BPF_CORE_READ(f, f_inode, i_sb, s_magic) != ANON_INODE_FS_MAGIC)
		return 0;
	char name[12] = {};
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(f, f_path.dentry, d_name.name));
	void *obj = BPF_CORE_READ(f, private_data);
	if (!obj || name[0] != 'b' || name[1] != 'p' || name[2] != 'f')
		return 0;
	switch (kind) {
	case GUARD_MAP:
		if (name[3] != '-' || name[4] != 'm' || name[5] != 'a' || name[6] != 'p' || name[7])
			return 0;
		return BPF_CORE_READ((struct bpf_map *)obj, id);
	case GUARD_PROG:
		if (name[3] != '-' || name[4] != 'p' || name[5] != 'r' || name[6] != 'o' || name[7] != 'g' || name[8])
			return 0;
		return BPF_CORE_READ((struct bpf_prog *)obj, aux, id);
	case GUARD_LINK:
		if ((name[3] != '_' && name[3] != '-') || name[4] != 'l' || name[5] != 'i' || name[6] != 'n' ||
		    name[7] != 'k' || name[8])
			return 0;
		return BPF_CORE_READ((struct bpf_link *)obj, id);
	}
	return 0;
}

/* The id of the guarded object of kind `kind` whose descriptor is at uaddr in the caller's memory; 0 when it is not
 * one of Jibril's; -1 when the descriptor cannot be read (the page is not resident yet). */
static __always_inline long guarded_id(void *uaddr, __u32 kind)
{
	__u32 fd = 0;
	if (bpf_probe_read_user(&fd, sizeof(fd), uaddr))
		return -1;
	struct file *f = current_fd(fd);
	if (!f)
		return 0;
	struct guard_key gk = { .kind = kind, .id = object_id(f, kind) };
	if (!gk.id || !bpf_map_lookup_elem(&guarded, &gk))
		return 0;
	return gk.id;
}

/* Adds one call to the record of (caller, command, object), creating it when new. */
static __always_inline void record_call(struct guard_call *c)
{
	guard_count(GUARD_CNT_TAINTS);
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct taint_key key = { .tgid = pid_tgid >> 32, .cmd = c->cmd, .kind = c->kind, .id = c->id };
	__u64 now = bpf_ktime_get_boot_ns();
	struct taint *v = bpf_map_lookup_elem(&taints, &key);
	if (!v) {
		struct task_struct *t = bpf_get_current_task_btf();
		struct task_struct *leader = t->group_leader;
		struct taint n = {};
		n.first_ns = now;
		n.task_key = task_key_of(leader->tgid, leader->start_boottime);
		long err = bpf_map_update_elem(&taints, &key, &n, BPF_NOEXIST);
		if (err && err != -EEXIST) {
			guard_count(GUARD_CNT_TAINTS_FULL);
			return;
		}
		v = bpf_map_lookup_elem(&taints, &key);
		if (!v)
			return;
	}
	__sync_fetch_and_add(&v->count, 1);
	v->last_ns = now;
	v->tid = (__u32)pid_tgid;
	v->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(v->comm, sizeof(v->comm));
}

/*
 * The descriptor is resolved at the call's entry and, when that did not name one of Jibril's objects, again at its
 * exit: a process that installs one of Jibril's descriptors under the number it passed (dup2 from another thread)
 * only while the kernel runs the call must hit both windows to go unseen, and an argument in a page that is not
 * resident at entry (the kernel faults it in, a tracing program cannot) is resident at exit.
 */
SEC("tracepoint/syscalls/sys_enter_bpf")
int jibril_guard_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u32 cmd = (__u32)ctx->args[0];
	void *uattr = (void *)ctx->args[1];
	__u32 kind, off;
	switch (cmd) {
	case BPF_MAP_UPDATE_ELEM:
	case BPF_MAP_DELETE_ELEM:
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
	case BPF_MAP_FREEZE:
		kind = GUARD_MAP;
		off = __builtin_offsetof(union bpf_attr, map_fd);
		break;
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
	case BPF_MAP_UPDATE_BATCH:
	case BPF_MAP_DELETE_BATCH:
		kind = GUARD_MAP;
		off = __builtin_offsetof(union bpf_attr, batch.map_fd);
		break;
	case BPF_PROG_DETACH:
		kind = GUARD_PROG;
		off = __builtin_offsetof(union bpf_attr, attach_bpf_fd);
		break;
	case BPF_LINK_UPDATE:
		kind = GUARD_LINK;
		off = __builtin_offsetof(union bpf_attr, link_update.link_fd);
		break;
	case BPF_LINK_DETACH:
		kind = GUARD_LINK;
		off = __builtin_offsetof(union bpf_attr, link_detach.link_fd);
		break;
	default:
		return 0;
	}
	guard_count(GUARD_CNT_CALLS);
	__u32 zero = 0;
	struct guard_config *cfg = bpf_map_lookup_elem(&guard_config, &zero);
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!cfg || !cfg->daemon_tgid || cfg->daemon_tgid == (__u32)(pid_tgid >> 32))
		return 0;
	struct guard_call c = { .cmd = cmd, .kind = kind, .uaddr = (__u64)uattr + off };
	long id = guarded_id(uattr + off, kind);
	if (id > 0) {
		c.id = id;
		record_call(&c);
	}
	bpf_map_update_elem(&guard_calls, &pid_tgid, &c, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_bpf")
int jibril_guard_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct guard_call *pending = bpf_map_lookup_elem(&guard_calls, &pid_tgid);
	if (!pending)
		return 0;
	struct guard_call c = *pending;
	bpf_map_delete_elem(&guard_calls, &pid_tgid);
	if (!c.id) {
		long id = guarded_id((void *)c.uaddr, c.kind);
		if (id < 0)
			guard_count(GUARD_CNT_UNREADABLE);
		if (id <= 0)
			return 0;
		c.id = id;
		record_call(&c);
	}
	struct taint_key key = { .tgid = pid_tgid >> 32, .cmd = c.cmd, .kind = c.kind, .id = c.id };
	struct taint *v = bpf_map_lookup_elem(&taints, &key);
	if (!v)
		return 0;
	long ret = ctx->ret;
	v->last_result = (__s32)ret;
	if (ret >= 0)
		__sync_fetch_and_add(&v->succeeded, 1);
	if (v->flags & TAINT_NOTICED)
		return 0;
	v->flags |= TAINT_NOTICED;
	struct notice *n = bpf_ringbuf_reserve(&guard_notices, sizeof(*n), 0);
	if (!n) {
		guard_count(GUARD_CNT_NOTICE_LOST);
		return 0;
	}
	n->kind = NOTICE_TAINT;
	n->pid = key.tgid;
	n->key = key.id;
	n->seq = ((__u64)key.kind << 32) | key.cmd;
	n->gen = 0;
	bpf_ringbuf_submit(n, 0);
	return 0;
}
