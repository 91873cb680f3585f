/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every Jibril BPF object shares: the maps that hold facts common to all program families (tasks, the
 * strings dictionary, the notice ring buffer, the counters), pinned by name so that every object loaded under
 * the same pin root uses the same kernel maps, and the helpers to fill them (task keys, interning, absolute
 * paths by dentry walk, notices, adopting processes that predate Jibril).
 * Include it once, from a *.bpf.c file, after vmlinux.h and the libbpf headers.
 */
#ifndef JIBRIL_COMMON_H
#define JIBRIL_COMMON_H

#include "jibril.h"
#include "keys.h"

#define PATH_DEPTH 64
/* Hides a value from clang so that the bounds mask after it is emitted where the verifier needs it. */
#define KEEP(v) asm volatile("" : "+r"(v))
#define NAME_MAX_LEN 255

/* tasks: key task key, value struct task; preallocated hash; when full, updates fail and CNT_TASKS_FULL counts
 * them (never silent LRU eviction). Userland deletes entries of processes that exited and were read. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct task);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tasks SEC(".maps");

/* strings: key FNV-1a hash, value struct string; allocated on demand (1 KiB values); full: CNT_STRINGS_FULL. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct string);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} strings SEC(".maps");

/* strings_short: the strings of at most STR_SHORT bytes (see struct short_string); same keys, same sizes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct short_string);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} strings_short SEC(".maps");

/* notices: a hint that a key is new; overruns are counted in CNT_NOTICE_LOST and repaired by sweeps. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} notices SEC(".maps");

/* counters: enum counter -> per-CPU count; userland sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} counters SEC(".maps");

/* Per-CPU scratch space: paths are assembled backwards in buf, strings built in s (the stack is 512 bytes).
 * n is never used: it keeps struct notice (otherwise only behind a ringbuf pointer) in this object's BTF, where
 * LayoutTest compares it with the Java mirror. */
struct scratch {
	char buf[2 * STR_MAX];
	struct string s;
	struct task t;
	struct notice n;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &which);
	if (v)
		*v += 1;
}

/* The key of t's process: its thread group leader's start time, as /proc/<tgid>/stat shows it (a thread, e.g.
 * the one that forked or the last one to exit, has a start time of its own). */
static __always_inline __u64 task_key(struct task_struct *t)
{
	struct task_struct *leader = BPF_CORE_READ(t, group_leader);
	return task_key_of(BPF_CORE_READ(leader, tgid), BPF_CORE_READ(leader, start_boottime));
}

static __always_inline __u64 fnv1a(const struct string *s)
{
	__u64 h = 0xcbf29ce484222325ULL;
	__u32 len = s->len;
	for (__u32 i = 0; i < STR_MAX; i++) {
		if (i >= len)
			break;
		h ^= (__u8)s->data[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* fnv1a() with 8 bytes per bpf_loop step: the verifier checks the step once, in a few hundred instructions, where
 * the plain loop costs it some 20 000 per call site. It adds a frame of stack, though: the plain loop is for
 * callers already deep in calls. */
struct fnv_walk {
	const struct string *s;
	__u64 h;
	__u32 len;
};

static long fnv_step(__u64 i, void *arg)
{
	struct fnv_walk *w = arg;
	__u32 off = (__u32)i * 8;
	if (off > STR_MAX - 8)
		return 1;
	__u64 h = w->h;
	for (int b = 0; b < 8; b++) {
		if (off + b >= w->len)
			break;
		h ^= (__u8)w->s->data[off + b];
		h *= 0x100000001b3ULL;
	}
	w->h = h;
	return 0;
}

static __always_inline __u64 fnv1a_loop(const struct string *s)
{
	struct fnv_walk w = { .s = s, .h = 0xcbf29ce484222325ULL, .len = s->len };
	if (w.len > STR_MAX)
		w.len = STR_MAX;
	bpf_loop((w.len + 7) / 8, fnv_step, &w, 0);
	return w.h;
}

/* Stores s under key h in strings_short or strings, by its length: 0, -EEXIST, or another error (full). */
static __always_inline long store_string(__u64 *h, struct string *s)
{
	if (s->len <= STR_SHORT)
		return bpf_map_update_elem(&strings_short, h, s, BPF_NOEXIST); /* copies the first 128 bytes */
	return bpf_map_update_elem(&strings, h, s, BPF_NOEXIST);
}

/* Stores s in the strings dictionary and returns its key (0 when it could not be stored). */
static __always_inline __u64 intern(struct string *s)
{
	__u64 h = fnv1a(s);
	long err = store_string(&h, s);
	if (err && err != -17 /* EEXIST: already known, nothing to do */) {
		count(CNT_STRINGS_FULL);
		return 0;
	}
	return h;
}

/* State of one path walk; bpf_loop calls path_step once per component so the verifier checks it once. */
struct path_walk {
	struct scratch *sc;
	struct dentry *d;
	struct mount *m;
	__u32 pos;       /* the path is written backwards into sc->buf, ending at STR_MAX */
	__u32 truncated;
};

static long path_step(__u64 i, void *arg)
{
	struct path_walk *w = arg;
	struct dentry *d = w->d;
	struct mount *m = w->m;
	struct dentry *mnt_root = BPF_CORE_READ(m, mnt.mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);

	if (d == mnt_root || d == parent) {
		struct mount *mp = BPF_CORE_READ(m, mnt_parent);
		if (d != mnt_root || mp == m)
			return 1; /* the real root: done */
		w->d = BPF_CORE_READ(m, mnt_mountpoint);
		w->m = mp;
		return 0;
	}
	struct qstr name = BPF_CORE_READ(d, d_name);
	__u32 len = name.len;
	if (len > NAME_MAX_LEN)
		len = NAME_MAX_LEN;
	__u32 pos = w->pos;
	if (len + 1 >= pos || i == PATH_DEPTH - 1) {
		w->truncated = 1;
		return 1;
	}
	pos -= len;
	__u32 off = pos;
	KEEP(off);
	off &= STR_MAX - 1;
	KEEP(len);
	len &= NAME_MAX_LEN;
	struct scratch *sc = w->sc;
	bpf_probe_read_kernel(&sc->buf[off], len, name.name);
	pos -= 1;
	off = pos;
	KEEP(off);
	off &= STR_MAX - 1;
	sc->buf[off] = '/';
	w->pos = pos;
	w->d = parent;
	return 0;
}

/* Writes the absolute path of (dentry, vfsmount) into sc->s, walking up through mount points. */
static __always_inline void build_path(struct scratch *sc, struct dentry *d, struct vfsmount *vfs)
{
	struct path_walk w = {
		.sc = sc,
		.d = d,
		.m = container_of(vfs, struct mount, mnt),
		.pos = STR_MAX,
		.truncated = 0,
	};
	bpf_loop(PATH_DEPTH, path_step, &w, 0);
	__u32 pos = w.pos;
	if (pos == STR_MAX) { /* the root itself */
		pos -= 1;
		sc->buf[STR_MAX - 1] = '/';
	}
	__u32 len = STR_MAX - pos;
	sc->s.len = len;
	sc->s.flags = w.truncated;
	if (w.truncated)
		count(CNT_PATH_TRUNCATED);
	__u32 off = pos;
	KEEP(off);
	off &= STR_MAX - 1;
	KEEP(len);
	len &= STR_MAX - 1;
	bpf_probe_read_kernel(sc->s.data, len, &sc->buf[off]);
}

static __always_inline void notify_gen(__u32 kind, __u32 pid, __u64 key, __u64 seq, __u64 gen)
{
	struct notice *n = bpf_ringbuf_reserve(&notices, sizeof(*n), 0);
	if (!n) {
		count(CNT_NOTICE_LOST);
		return;
	}
	n->kind = kind;
	n->pid = pid;
	n->key = key;
	n->seq = seq;
	n->gen = gen;
	bpf_ringbuf_submit(n, 0);
}

static __always_inline void notify(__u32 kind, __u32 pid, __u64 key, __u64 seq)
{
	notify_gen(kind, pid, key, seq, 0);
}

static __always_inline void fill_identity(struct task *t, struct task_struct *p)
{
	struct task_struct *parent = BPF_CORE_READ(p, real_parent);
	t->key = task_key(p);
	t->parent_key = task_key(parent);
	t->start_ns = BPF_CORE_READ(p, group_leader, start_boottime);
	t->pid = BPF_CORE_READ(p, tgid);
	t->ppid = BPF_CORE_READ(parent, tgid);
	t->uid = BPF_CORE_READ(p, cred, uid.val);
	t->gid = BPF_CORE_READ(p, cred, gid.val);
	BPF_CORE_READ_STR_INTO(&t->comm, p, comm);
}

/* The process's place: cgroup, namespaces, and the host name its UTS namespace gives it (interned). */
static __always_inline void fill_place(struct scratch *sc, struct task *t, struct task_struct *p)
{
	t->cgroup_id = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id);
	struct nsproxy *ns = BPF_CORE_READ(p, nsproxy);
	if (!ns)
		return; /* exiting */
	t->ns_mnt = BPF_CORE_READ(ns, mnt_ns, ns.inum);
	t->ns_net = BPF_CORE_READ(ns, net_ns, ns.inum);
	t->ns_uts = BPF_CORE_READ(ns, uts_ns, ns.inum);
	t->ns_ipc = BPF_CORE_READ(ns, ipc_ns, ns.inum);
	t->ns_cgroup = BPF_CORE_READ(ns, cgroup_ns, ns.inum);
	t->ns_user = BPF_CORE_READ(p, cred, user_ns, ns.inum);
	/* The pid namespace the process lives in: its struct pid's entry at its deepest level. */
	struct pid *pid = BPF_CORE_READ(p, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up = {};
	bpf_probe_read_kernel(&up, sizeof(up), &pid->numbers[level & 31]);
	t->ns_pid = BPF_CORE_READ(up.ns, ns.inum);
	long n = bpf_probe_read_kernel_str(sc->s.data, 65, BPF_CORE_READ(ns, uts_ns, name.nodename));
	if (n > 1) {
		sc->s.len = n - 1;
		sc->s.flags = 0;
		t->hostname_key = intern(&sc->s);
	}
}

/* Sets t->exe_key to the absolute path of f, interned. */
static __always_inline void record_exe(struct scratch *sc, struct task *t, struct file *f)
{
	if (!f) {
		t->exe_key = 0;
		return;
	}
	build_path(sc, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt));
	if (sc->s.flags)
		t->flags |= TASK_PATH_TRUNC;
	t->exe_key = intern(&sc->s);
}

/* Sets t->args_key to the argument vector of mm, interned. mm must be current's: the arguments are user memory. */
static __always_inline void record_args(struct scratch *sc, struct task *t, struct mm_struct *mm)
{
	unsigned long as = BPF_CORE_READ(mm, arg_start);
	unsigned long ae = BPF_CORE_READ(mm, arg_end);
	__u32 alen = ae > as ? (__u32)(ae - as) : 0;
	__u32 atrunc = 0;
	if (alen > STR_MAX - 1) {
		alen = STR_MAX - 1;
		atrunc = 1;
		count(CNT_ARGS_TRUNCATED);
		t->flags |= TASK_ARGS_TRUNC;
	}
	sc->s.len = alen;
	sc->s.flags = atrunc;
	KEEP(alen);
	alen &= STR_MAX - 1;
	if (alen && bpf_probe_read_user(sc->s.data, alen, (void *)as) == 0)
		t->args_key = intern(&sc->s);
	else
		t->args_key = 0;
}

/*
 * Records p when the tasks map does not know it: a process that started before Jibril (or whose entry was
 * reclaimed) shows up as the parent of a fork or an exec. Its image comes from mm->exe_file; its arguments only
 * when p is current (they are user memory). Not an exec: exec_seq stays 0, so no exec event is made of it.
 */
static __always_inline void adopt(struct scratch *sc, struct task_struct *p, int is_current)
{
	__u64 key = task_key(p);
	if (bpf_map_lookup_elem(&tasks, &key))
		return;
	struct task *t = &sc->t;
	__builtin_memset(t, 0, sizeof(*t));
	fill_identity(t, p);
	struct mm_struct *mm = BPF_CORE_READ(p, mm);
	if (!mm)
		return; /* a kernel thread: nothing to adopt */
	fill_place(sc, t, p);
	record_exe(sc, t, BPF_CORE_READ(mm, exe_file));
	if (is_current)
		record_args(sc, t, mm);
	if (bpf_map_update_elem(&tasks, &key, t, BPF_NOEXIST) && !bpf_map_lookup_elem(&tasks, &key))
		count(CNT_TASKS_FULL);
}

/*
 * adopt() of the current process, as a global function: the verifier checks it once per program rather than once
 * per call site (inlined into every send and receive path, it took jibril_sendto_exit past the 1M-instruction
 * limit on 6.18). Its frame is not to be stacked on a bpf_loop callback's: callers inside a loop adopt before it
 * (combined stack of at most 512 bytes).
 */
__noinline int adopt_current(void)
{
	__u32 zero = 0;
	struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);
	if (sc)
		adopt(sc, bpf_get_current_task_btf(), 1);
	return 0;
}

#endif
