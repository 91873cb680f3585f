// SPDX-License-Identifier: GPL-2.0
/*
 * File actions: which process did what to which file. Every (process, file) pair is one entry of the pinned
 * task_file map with an action bitmask, a saturating counter per action and first/last times; the file itself is
 * one entry of the pinned files map (metadata: device, mount, inode, type, mode, owner), named by the strings key
 * of its absolute path. Repeats update the entry in place: a million reads of one file by one process are one entry
 * whose read counter says a million, and no notice. Only a new pair (NOTICE_FILE_PAIR) or a new bit on a pair
 * (NOTICE_FILE_BITS) makes a notice, and also bumps files_seq into the entry's gen, so that a sweep finds what a
 * lost notice did not say. See the Files section of jibril.h for the layout and the path rules.
 *
 * Hooks (syscall tracepoints; tp_btf for exec):
 * - open, openat, openat2, creat, open_by_handle_at: at exit, when they succeeded; the returned fd's struct file
 *   names the file (its dentry path), FMODE_CREATED says whether the open created it;
 * - actions on an fd (read, write and their p/v/v2 variants, lseek, mmap, fsync, fdatasync, flock, fcntl locks and
 *   O_ASYNC, ioctl FIOASYNC, ftruncate, close, sendfile, splice, copy_file_range): at entry, on the fd's struct file
 *   (attempts: a read that then fails with EAGAIN still counts); a struct file on an internal (SB_NOUSER)
 *   filesystem, such as a pipe, socket or anonymous inode, is not a file and is skipped;
 * - actions on names (unlink, unlinkat, rmdir, rename*, link*, symlink*, truncate): the absolute names are made at
 *   entry and kept per thread in file_pending; they are recorded at exit only if the call succeeded;
 * - exec (tp_btf/sched_process_exec): the executed file, and for a script (binfmt_script, binfmt_misc) also the
 *   name the process executed.
 * Not seen: io_uring operations, close_range, descriptors closed by exec (O_CLOEXEC) or exit, the O_TRUNC of an
 * open, and kernel-internal file access.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

#define AT_FDCWD -100
#define FMODE_CREATED (1u << 20)
#define SB_NOUSER (1ul << 31)
#define O_ASYNC 020000
#define F_SETFL 4
#define F_SETLK 6
#define F_SETLKW 7
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define FIOASYNC 0x5452
#define MAP_ANONYMOUS 0x20
#define EEXIST 17
#define RENAME_EXCHANGE 2

/* Reads through a pointer as the given BTF type, with direct (fault-safe) loads instead of helper calls. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* files: key __u64 path key, value struct file_info. Allocated on demand; when full, inserts fail and
 * CNT_FILES_FULL counts them (no LRU eviction: userland deletes what it no longer needs). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct file_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} files SEC(".maps");

/* task_file: key struct task_file_key {task key, file key}, value struct task_file (96 B). Allocated on demand;
 * when full, new pairs are lost and CNT_TASK_FILE_FULL counts them (existing pairs keep updating). Userland
 * deletes the pairs of processes that exited once it has read them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct task_file_key);
	__type(value, struct task_file);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} task_file SEC(".maps");

/*
 * files_seq: one global generation (index 0), bumped atomically when a pair is created or gains a bit; the entry's
 * gen gets the new value. A sweep reports the entries with gen > its cursor. The bump precedes the store into gen
 * by a few hundred nanoseconds, so a sweep must not set its cursor to the files_seq it read before walking, but to
 * the one it read before the PREVIOUS walk (one sweep of overlap; the facts are idempotent). Each notice carries
 * the generation its change took, so that userland can tell when every generation has been seen and skip the walk.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} files_seq SEC(".maps");

/* file_cursors: written by userland only, pinned with the facts: index 0 is the files_seq up to which userland has
 * handled task_file, so a restarted daemon resumes where it stopped; index 1 counts the pairs procfs seeding
 * inserted (they have no generation, so only this tells the data layer's index by pid that it lacks them). The
 * BPF side never touches it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} file_cursors SEC(".maps");

/* A resolved struct file (this CPU's memo): its path key (0: not a file, skip it), the f_path it had, FILE_* flags. */
struct file_memo {
	__u64 file_key;
	__u64 dentry;
	__u64 mnt;
	__u32 flags;
	__u32 pad;
};

/* A place in the tree: a dentry under a mount, as in a struct file's f_path. */
struct path_cache_key {
	__u64 dentry;
	__u64 mnt;
};

/* What a (dentry, mount) resolved to, and what the dentry looked like then. */
struct path_cache_entry {
	__u64 file_key;
	__u64 inode;    /* d_inode, d_parent and d_name.hash_len: a dentry freed and reused elsewhere, renamed, */
	__u64 parent;   /* moved to another directory, or given a new inode no longer matches */
	__u64 hash_len;
	__u64 epoch;    /* path_epoch before the walk: a rename or mount change anywhere since invalidates it */
	__u32 flags;
	__u32 pad;
};

/*
 * file_cache: key (dentry, mount), value what its path resolved to; LRU (a cache, not facts: an evicted entry only
 * costs a dentry walk). Every open makes a new struct file, but opens of one file share the dentry, so a repeated
 * open skips the walk, the hash and the strings lookup (from the third: a path is cached at its second
 * resolution, see resolve_file). An entry is valid while the dentry still has the same inode, parent and name, and
 * no rename or mount change happened since it was written (path_epoch): a directory renamed changes the path of
 * everything below it without touching those dentries. Not pinned: addresses mean nothing to the next daemon.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct path_cache_key);
	__type(value, struct path_cache_entry);
} file_cache SEC(".maps");

/* path_epoch: bumped at the exit of every successful rename and every mount, umount, move_mount, pivot_root. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} path_epoch SEC(".maps");

/* A path syscall between entry and exit: the absolute names it was given and the action to record on each. */
struct file_pending {
	__u32 action; /* FILE_ACT_* */
	__u32 n;      /* names in use: 1 or 2 */
	__u32 inherit; /* 1: on success, path[1] is the same inode as path[0] (rename, link) */
	__u32 pad;
	struct string path[2];
};

/* file_pending: key pid_tgid of the thread in the syscall, value struct file_pending; the exit deletes the entry
 * (a thread is in one syscall at a time, and the next entry of the same thread overwrites a leftover). Allocated on
 * demand; when full, CNT_FILE_PENDING_FULL counts the fact that could not be checked. Not pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct file_pending);
} file_pending SEC(".maps");

/* Per-CPU working space of this family, beside common.h's scratch. memo is the struct file this CPU resolved last
 * (memo_file its address): a loop of actions on one file skips the file_cache lookup. It is validated like a
 * file_cache entry, so it needs no invalidation. */
struct files_scratch {
	struct file_pending p;
	struct task_file tf;
	struct file_info fi;
	struct file_memo memo;
	__u64 memo_file;
	__u64 fs_type;   /* the struct file_system_type whose name this CPU interned last, and its key */
	__u64 fs_key;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct files_scratch);
} files_scratch SEC(".maps");

struct fctx {
	struct scratch *sc;
	struct files_scratch *fs;
	struct task_struct *t;
};

static __always_inline int get_ctx(struct fctx *c)
{
	__u32 zero = 0;
	c->sc = bpf_map_lookup_elem(&scratch, &zero);
	c->fs = bpf_map_lookup_elem(&files_scratch, &zero);
	c->t = bpf_get_current_task_btf();
	return c->sc && c->fs;
}

/* Sends a new short path's bytes along with a notice (NOTICE_FILE_PATH): most new paths are one-off names that
 * userland would otherwise look up once each, a system call per distinct file. */
static __always_inline void notify_path(__u64 key, struct string *s)
{
	if (s->len > STR_SHORT)
		return;
	struct path_notice *p = bpf_ringbuf_reserve(&notices, sizeof(*p), 0);
	if (!p) {
		count(CNT_PATH_NOTICE_LOST);
		return;
	}
	p->n.kind = NOTICE_FILE_PATH;
	p->n.pid = 0;
	p->n.key = key;
	p->n.seq = 0;
	p->n.gen = 0;
	__builtin_memcpy(&p->s, s, sizeof(p->s));
	bpf_ringbuf_submit(p, 0);
}

/* intern() for paths: stores s in the strings dictionary and returns its key. Unlike intern(), the key
 * is returned even when the strings map is full (counted in CNT_STRINGS_FULL): a file key is the file's identity,
 * and "this process read some file whose name was lost" is a fact worth keeping. A path new to the dictionary is
 * also noticed with its bytes. */
static __always_inline __u64 intern_path(struct string *s)
{
	__u64 h = fnv1a_loop(s);
	long err = store_string(&h, s);
	if (!err)
		notify_path(h, s);
	else if (err != -EEXIST)
		count(CNT_STRINGS_FULL);
	return h;
}

static __always_inline __u64 epoch_now(void)
{
	__u32 zero = 0;
	__u64 *e = bpf_map_lookup_elem(&path_epoch, &zero);
	return e ? *e : 0;
}

static __always_inline void epoch_bump(void)
{
	__u32 zero = 0;
	__u64 *e = bpf_map_lookup_elem(&path_epoch, &zero);
	if (e)
		__sync_fetch_and_add(e, 1);
}

/* The struct file of descriptor fd of t, or NULL. t is a BTF pointer (bpf_get_current_task_btf()): the chain up to
 * the fd array is read with direct loads, which cost far less than bpf_probe_read_kernel calls. */
static __always_inline struct file *fd_file(struct task_struct *t, long fd)
{
	if (fd < 0 || fd > 0x7fffffff)
		return NULL;
	struct files_struct *files = t->files;
	if (!files)
		return NULL;
	struct fdtable *fdt = files->fdt;
	if (!fdt || (__u64)fd >= fdt->max_fds)
		return NULL;
	struct file **fds = fdt->fd;
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* task_key() of the current task, t a BTF pointer, with direct loads. */
static __always_inline __u64 current_key(struct task_struct *t)
{
	struct task_struct *leader = t->group_leader;
	return task_key_of(leader->tgid, leader->start_boottime);
}

static __always_inline __u64 next_seq(void)
{
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&files_seq, &zero);
	return seq ? __sync_fetch_and_add(seq, 1) + 1 : 0;
}

/* gen = max(gen, seq), so that a slow writer never lowers what a faster one wrote. */
static __always_inline void raise_gen(__u64 *gen, __u64 seq)
{
	__u64 old = *gen;
	for (int i = 0; i < 4 && old < seq; i++) {
		__u64 prev = __sync_val_compare_and_swap(gen, old, seq);
		if (prev == old)
			break;
		old = prev;
	}
}

/* A new pair's notice, with the file's metadata as the files map has it (struct pair_notice), or a plain notice
 * when the file has no entry (the map was full, or it was reclaimed). */
static __always_inline void notify_pair(struct task_file_key *k, struct task_file *tf)
{
	struct pair_notice *p = bpf_ringbuf_reserve(&notices, sizeof(*p), 0);
	if (!p) {
		count(CNT_NOTICE_LOST);
		return;
	}
	p->n.kind = NOTICE_FILE_PAIR;
	p->n.pid = tf->pid;
	p->n.key = k->task_key;
	p->n.seq = k->file_key;
	p->n.gen = tf->gen;
	struct file_info *fi = bpf_map_lookup_elem(&files, &k->file_key);
	if (fi)
		__builtin_memcpy(&p->f, fi, sizeof(p->f));
	else
		__builtin_memset(&p->f, 0, sizeof(p->f));
	__builtin_memcpy(&p->tf, tf, sizeof(p->tf));
	bpf_ringbuf_submit(p, 0);
}

/* NOTICE_FILE_BITS with a copy of the pair as it is now (its new bit set, its gen raised). */
static __always_inline void notify_bits(__u32 pid, struct task_file_key *k, __u64 gen, struct task_file *tf)
{
	struct bits_notice *p = bpf_ringbuf_reserve(&notices, sizeof(*p), 0);
	if (!p) {
		count(CNT_NOTICE_LOST);
		return;
	}
	p->n.kind = NOTICE_FILE_BITS;
	p->n.pid = pid;
	p->n.key = k->task_key;
	p->n.seq = k->file_key;
	p->n.gen = gen;
	__builtin_memcpy(&p->tf, tf, sizeof(p->tf));
	bpf_ringbuf_submit(p, 0);
}

/*
 * Records action act of the current process on the file with key file_key: the hot path is one lookup and, when the
 * pair already has the bit, a counter increment and a store.
 */
static __always_inline void record(struct fctx *c, __u64 file_key, __u32 act, __u32 fflags)
{
	if (act >= FILE_ACT_COUNT)
		return;
	struct task_file_key k = { .task_key = current_key(c->t), .file_key = file_key };
	__u64 now = bpf_ktime_get_boot_ns();
	__u32 bit = 1u << act;
	count(CNT_FILE_ACTIONS);
	struct task_file *tf = bpf_map_lookup_elem(&task_file, &k);
	if (!tf) {
		adopt_current();
		struct task_file *n = &c->fs->tf;
		__builtin_memset(n, 0, sizeof(*n));
		n->actions = bit;
		n->pid = bpf_get_current_pid_tgid() >> 32;
		n->first_ns = now;
		n->last_ns = now;
		n->counts[act] = 1;
		n->flags = fflags;
		n->gen = next_seq();
		long err = bpf_map_update_elem(&task_file, &k, n, BPF_NOEXIST);
		if (!err) {
			count(CNT_FILE_PAIRS);
			notify_pair(&k, n);
			return;
		}
		tf = bpf_map_lookup_elem(&task_file, &k); /* another CPU created it meanwhile */
		if (!tf) {
			count(CNT_TASK_FILE_FULL);
			return;
		}
	}
	tf->last_ns = now;
	__u32 *cnt = &tf->counts[act];
	if (*cnt < FILE_COUNT_MAX)
		__sync_fetch_and_add(cnt, 1);
	if (tf->actions & bit)
		return;
	/* clang (v1 ISA) has no 32-bit fetch_or: OR the 64-bit word that holds actions (first) and pid. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	__u64 mask = bit;
#else
	__u64 mask = (__u64)bit << 32;
#endif
	__u64 old = __sync_fetch_and_or((__u64 *)&tf->actions, mask);
	if (old & mask)
		return; /* another CPU set it first and notified */
	__u64 gen = next_seq();
	raise_gen(&tf->gen, gen);
	count(CNT_FILE_BITS);
	notify_bits(bpf_get_current_pid_tgid() >> 32, &k, gen, tf);
}

/* Interns the filesystem type name of sb; 0 if it cannot. A file on the filesystem type this CPU named last costs
 * one lookup of the name (still stored: the reclaimer may have dropped it) instead of reading and hashing it. */
static __always_inline __u64 fs_name_key(struct fctx *c, struct super_block *sb)
{
	struct scratch *sc = c->sc;
	struct files_scratch *fs = c->fs;
	__u64 type = (__u64)BPF_CORE_READ(sb, s_type);
	__u64 memo = fs->fs_key;
	if (type && fs->fs_type == type && memo && bpf_map_lookup_elem(&strings_short, &memo))
		return memo;
	const char *name = BPF_CORE_READ(sb, s_type, name);
	long n = bpf_probe_read_kernel_str(sc->s.data, 64, name);
	if (n <= 1)
		return 0;
	sc->s.len = n - 1;
	sc->s.flags = 0;
	__u64 key = intern_path(&sc->s);
	fs->fs_type = type;
	fs->fs_key = key;
	return key;
}

/* f's f_path, read directly (f comes from the fd array as a plain address). */
static __always_inline void file_path(struct file *f, __u64 *dentry, __u64 *mnt)
{
	struct file *bf = bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
	*dentry = (__u64)bf->f_path.dentry;
	*mnt = (__u64)bf->f_path.mnt;
}

static __always_inline void dentry_identity(struct dentry *d, struct path_cache_entry *pe)
{
	struct dentry *bd = bpf_rdonly_cast(d, bpf_core_type_id_kernel(struct dentry));
	pe->inode = (__u64)bd->d_inode;
	pe->parent = (__u64)bd->d_parent;
	pe->hash_len = bd->d_name.hash_len;
}

/* The file_cache entry of (dentry, mnt) if it is still valid (see file_cache), else NULL. */
static __always_inline struct path_cache_entry *path_cached(__u64 dentry, __u64 mnt)
{
	struct path_cache_key pk = { .dentry = dentry, .mnt = mnt };
	struct path_cache_entry *pe = bpf_map_lookup_elem(&file_cache, &pk);
	if (!pe || pe->epoch != epoch_now())
		return NULL;
	struct path_cache_entry now = {};
	dentry_identity((struct dentry *)dentry, &now);
	if (pe->inode != now.inode || pe->parent != now.parent || pe->hash_len != now.hash_len)
		return NULL;
	return pe;
}

/*
 * Resolves f by walking its dentry: interns the absolute path, writes the files entry (metadata refreshed) and the
 * cache entries. Returns the path key, or 0 for what is not a file (internal filesystems); *fflags gets
 * FILE_PATH_TRUNC when the path was truncated.
 */
static __always_inline __u64 resolve_file(struct fctx *c, struct file *f, __u32 *fflags)
{
	struct scratch *sc = c->sc;
	struct file_memo ce = {};
	file_path(f, &ce.dentry, &ce.mnt);
	struct dentry *d = (struct dentry *)ce.dentry;
	struct vfsmount *vfs = (struct vfsmount *)ce.mnt;
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	struct super_block *sb = BPF_CORE_READ(ino, i_sb);
	__u64 fkey = (__u64)f;
	struct path_cache_key pk = { .dentry = ce.dentry, .mnt = ce.mnt };
	struct path_cache_entry pe = { .epoch = epoch_now() }; /* read before the walk */
	dentry_identity(d, &pe);
	count(CNT_FCACHE_MISS);
	*fflags = 0;
	int seen_before = 0;
	if (!(BPF_CORE_READ(sb, s_flags) & SB_NOUSER)) {
		build_path(sc, d, vfs);
		__u32 trunc = sc->s.flags ? FILE_PATH_TRUNC : 0;
		__u64 key = intern_path(&sc->s);
		__u64 now = bpf_ktime_get_boot_ns();
		struct file_info *fi = &c->fs->fi;
		__builtin_memset(fi, 0, sizeof(*fi));
		struct file_info *old = bpf_map_lookup_elem(&files, &key);
		seen_before = old != NULL;
		fi->path_key = key;
		fi->ino = BPF_CORE_READ(ino, i_ino);
		fi->dev = BPF_CORE_READ(sb, s_dev);
		/* the filesystem's name is known when the path was seen on the same device before */
		if (old && old->dev == fi->dev && old->fs_key && !(old->flags & FILE_NO_INODE))
			fi->fs_key = old->fs_key;
		else
			fi->fs_key = fs_name_key(c, sb);
		fi->mnt_id = BPF_CORE_READ(container_of(vfs, struct mount, mnt), mnt_id);
		fi->mode = BPF_CORE_READ(ino, i_mode);
		fi->uid = BPF_CORE_READ(ino, i_uid.val);
		fi->gid = BPF_CORE_READ(ino, i_gid.val);
		fi->flags = trunc;
		fi->first_ns = now;
		fi->last_ns = now;
		if (old) {
			fi->first_ns = old->first_ns;
			__builtin_memcpy(old, fi, sizeof(*fi)); /* the same path may name a new inode now */
		} else {
			long err = bpf_map_update_elem(&files, &key, fi, BPF_NOEXIST);
			if (err && err != -EEXIST)
				count(CNT_FILES_FULL);
		}
		ce.file_key = key;
		ce.flags = trunc;
		*fflags = trunc;
	}
	pe.file_key = ce.file_key;
	pe.flags = ce.flags;
	/* Cached from the second resolution of a path on: a flood of one-off files would only churn the LRU (an
	 * insert and an eviction each), and the actions on the descriptor just opened hit this CPU's memo anyway. */
	if (seen_before || !ce.file_key)
		bpf_map_update_elem(&file_cache, &pk, &pe, BPF_ANY);
	c->fs->memo = ce;
	c->fs->memo_file = fkey;
	return ce.file_key;
}

/* The path key of f from this CPU's memo, file_cache, or by resolving it; 0 when f is not a file. */
static __always_inline __u64 file_key_of(struct fctx *c, struct file *f, __u32 *fflags)
{
	__u64 fkey = (__u64)f;
	__u64 dentry, mnt;
	file_path(f, &dentry, &mnt);
	struct files_scratch *fs = c->fs;
	if (fs->memo_file == fkey && fs->memo.dentry == dentry && fs->memo.mnt == mnt) {
		count(CNT_FCACHE_HIT);
		*fflags = fs->memo.flags;
		return fs->memo.file_key;
	}
	struct path_cache_entry *pe = path_cached(dentry, mnt);
	if (pe) {
		count(CNT_FCACHE_HIT);
		fs->memo.file_key = pe->file_key;
		fs->memo.dentry = dentry;
		fs->memo.mnt = mnt;
		fs->memo.flags = pe->flags;
		fs->memo_file = fkey;
		*fflags = pe->flags;
		return pe->file_key;
	}
	return resolve_file(c, f, fflags);
}

/*
 * The path key of a struct file just opened: from file_cache when the path is known, with the files entry's
 * metadata checked against the inode (an open is where owner, mode and inode changes are seen), else resolved.
 */
static __always_inline __u64 opened_file_key(struct fctx *c, struct file *f, __u32 *fflags)
{
	__u64 dentry, mnt;
	file_path(f, &dentry, &mnt);
	struct path_cache_entry *pe = path_cached(dentry, mnt);
	if (!pe)
		return resolve_file(c, f, fflags);
	__u64 key = pe->file_key;
	__u32 flags = pe->flags;
	if (key) {
		struct file_info *fi = bpf_map_lookup_elem(&files, &key);
		if (!fi || (fi->flags & FILE_NO_INODE))
			return resolve_file(c, f, fflags); /* reclaimed, or known by name only: write it whole */
		struct file *bf = bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
		struct inode *ino = bf->f_inode;
		if (fi->ino != ino->i_ino || fi->dev != ino->i_sb->s_dev || fi->mode != ino->i_mode
		    || fi->uid != ino->i_uid.val || fi->gid != ino->i_gid.val)
			return resolve_file(c, f, fflags);
		fi->last_ns = bpf_ktime_get_boot_ns();
	}
	count(CNT_FCACHE_HIT);
	struct files_scratch *fs = c->fs;
	fs->memo.file_key = key;
	fs->memo.dentry = dentry;
	fs->memo.mnt = mnt;
	fs->memo.flags = flags;
	fs->memo_file = (__u64)f;
	*fflags = flags;
	return key;
}

/* Records act on descriptor fd of the current process. */
static __always_inline void fd_action(struct fctx *c, long fd, __u32 act)
{
	struct file *f = fd_file(c->t, fd);
	if (!f) {
		count(CNT_FILE_NO_FD);
		return;
	}
	__u32 fflags;
	__u64 key = file_key_of(c, f, &fflags);
	if (key)
		record(c, key, act, fflags);
}

static __always_inline int on_fd(long fd, __u32 act)
{
	struct fctx c;
	if (!get_ctx(&c))
		return 0;
	fd_action(&c, fd, act);
	return 0;
}

/* Two actions at once (sendfile, splice, copy_file_range: read from one fd, write to another). */
static __always_inline int on_fd2(long rfd, long wfd)
{
	struct fctx c;
	if (!get_ctx(&c))
		return 0;
	fd_action(&c, rfd, FILE_ACT_READ);
	fd_action(&c, wfd, FILE_ACT_WRITE);
	return 0;
}

#define FD_ACTION(syscall, act)                                             \
	SEC("tracepoint/syscalls/sys_enter_" #syscall)                        \
	int jibril_file_##syscall(struct trace_event_raw_sys_enter *ctx)      \
	{                                                                     \
		return on_fd((long)ctx->args[0], act);                        \
	}

FD_ACTION(read, FILE_ACT_READ)
FD_ACTION(pread64, FILE_ACT_READ)
FD_ACTION(readv, FILE_ACT_READ)
FD_ACTION(preadv, FILE_ACT_READ)
FD_ACTION(preadv2, FILE_ACT_READ)
FD_ACTION(write, FILE_ACT_WRITE)
FD_ACTION(pwrite64, FILE_ACT_WRITE)
FD_ACTION(writev, FILE_ACT_WRITE)
FD_ACTION(pwritev, FILE_ACT_WRITE)
FD_ACTION(pwritev2, FILE_ACT_WRITE)
FD_ACTION(lseek, FILE_ACT_LLSEEK)
FD_ACTION(fsync, FILE_ACT_FSYNC)
FD_ACTION(fdatasync, FILE_ACT_FSYNC)
FD_ACTION(flock, FILE_ACT_FLOCK)
FD_ACTION(ftruncate, FILE_ACT_TRUNCATE)

SEC("tracepoint/syscalls/sys_enter_mmap")
int jibril_file_mmap(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[3] & MAP_ANONYMOUS)
		return 0;
	long fd = (int)ctx->args[4];
	if (fd < 0)
		return 0;
	return on_fd(fd, FILE_ACT_MMAP);
}

SEC("tracepoint/syscalls/sys_enter_fcntl")
int jibril_file_fcntl(struct trace_event_raw_sys_enter *ctx)
{
	__u64 cmd = ctx->args[1];
	if (cmd == F_SETFL) {
		if (ctx->args[2] & O_ASYNC)
			return on_fd((long)ctx->args[0], FILE_ACT_FASYNC);
		return 0;
	}
	if (cmd == F_SETLK || cmd == F_SETLKW || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW)
		return on_fd((long)ctx->args[0], FILE_ACT_FLOCK);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_ioctl")
int jibril_file_ioctl(struct trace_event_raw_sys_enter *ctx)
{
	if ((__u32)ctx->args[1] != FIOASYNC)
		return 0;
	int on = 0;
	if (bpf_probe_read_user(&on, sizeof(on), (void *)ctx->args[2]) || !on)
		return 0;
	return on_fd((long)ctx->args[0], FILE_ACT_FASYNC);
}

SEC("tracepoint/syscalls/sys_enter_close")
int jibril_file_close(struct trace_event_raw_sys_enter *ctx)
{
	struct fctx c;
	if (!get_ctx(&c))
		return 0;
	struct file *f = fd_file(c.t, (long)ctx->args[0]);
	if (!f) {
		count(CNT_FILE_NO_FD);
		return 0;
	}
	__u32 fflags;
	__u64 key = file_key_of(&c, f, &fflags);
	if (key)
		record(&c, key, FILE_ACT_CLOSE, fflags);
	if (c.fs->memo_file == (__u64)f)
		c.fs->memo_file = 0; /* the struct file may be freed and reused now */
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendfile64")
int jibril_file_sendfile64(struct trace_event_raw_sys_enter *ctx)
{
	return on_fd2((long)ctx->args[1], (long)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_splice")
int jibril_file_splice(struct trace_event_raw_sys_enter *ctx)
{
	return on_fd2((long)ctx->args[0], (long)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_copy_file_range")
int jibril_file_copy_file_range(struct trace_event_raw_sys_enter *ctx)
{
	return on_fd2((long)ctx->args[0], (long)ctx->args[2]);
}

/* ---- opens, at exit */

static __always_inline int on_open_exit(long ret)
{
	if (ret < 0)
		return 0;
	struct fctx c;
	if (!get_ctx(&c))
		return 0;
	struct file *f = fd_file(c.t, ret);
	if (!f) {
		count(CNT_FILE_NO_FD); /* closed by another thread already */
		return 0;
	}
	__u32 fflags;
	__u64 key = opened_file_key(&c, f, &fflags);
	if (!key)
		return 0;
	record(&c, key, FILE_ACT_OPEN, fflags);
	if (BPF_CORE_READ(f, f_mode) & FMODE_CREATED)
		record(&c, key, FILE_ACT_CREATE, fflags);
	return 0;
}

#define OPEN_EXIT(syscall)                                                  \
	SEC("tracepoint/syscalls/sys_exit_" #syscall)                         \
	int jibril_file_exit_##syscall(struct trace_event_raw_sys_exit *ctx)  \
	{                                                                     \
		return on_open_exit(ctx->ret);                                \
	}

OPEN_EXIT(open)
OPEN_EXIT(openat)
OPEN_EXIT(openat2)
OPEN_EXIT(creat)
OPEN_EXIT(open_by_handle_at)

/* ---- names */

/* Scans path[0..len) backwards for the last '/'. */
struct slash_scan {
	struct string *s;
	__u32 len;
	__u32 at; /* index of the last '/', or 0 */
};

static long slash_step(__u64 i, void *arg)
{
	struct slash_scan *w = arg;
	__u32 j = w->len - 1 - (__u32)i;
	if (j >= STR_MAX)
		return 1;
	if (w->s->data[j] == '/') {
		w->at = j;
		return 1;
	}
	return 0;
}

/*
 * Makes sc->s the absolute form of a name already read into sc->buf[STR_MAX + 1 ...] (n bytes with its NUL),
 * relative to the directory held right-aligned in sc->buf[STR_MAX - dirlen, STR_MAX) (dirlen 1: the root "/"):
 * the result is the directory, "/", the name, contiguous in sc->buf, copied to sc->s.
 */
static __always_inline void join_name(struct scratch *sc, __u32 dirlen, __u32 n, __u32 trunc)
{
	__u32 start = dirlen <= 1 ? STR_MAX : STR_MAX - dirlen;
	sc->buf[STR_MAX] = '/';
	__u32 len = STR_MAX - start + n; /* dir + "/" + name (n - 1 bytes) */
	if (len > STR_MAX - 1) {
		len = STR_MAX - 1;
		trunc = 1;
	}
	if (trunc)
		count(CNT_PATH_TRUNCATED);
	KEEP(start);
	start &= 2 * STR_MAX - 1;
	if (start > STR_MAX)
		start = STR_MAX;
	KEEP(len);
	len &= STR_MAX - 1;
	bpf_probe_read_kernel(sc->s.data, len, &sc->buf[start]);
	sc->s.len = len;
	sc->s.flags = trunc;
}

/* Reads a name (user or kernel string) into sc->buf[STR_MAX + 1 ...]; returns its size with the NUL, <= 0 on error. */
static __always_inline long read_name(struct scratch *sc, const char *name, int user)
{
	if (user)
		return bpf_probe_read_user_str(&sc->buf[STR_MAX + 1], STR_MAX - 1, name);
	return bpf_probe_read_kernel_str(&sc->buf[STR_MAX + 1], STR_MAX - 1, name);
}

/* Copies an absolute name read by read_name to sc->s. */
static __always_inline void absolute_name(struct scratch *sc, long n)
{
	__u32 len = n - 1;
	KEEP(len);
	len &= STR_MAX - 1;
	bpf_probe_read_kernel(sc->s.data, len, &sc->buf[STR_MAX + 1]);
	sc->s.len = len;
	sc->s.flags = n >= STR_MAX - 1;
	if (sc->s.flags)
		count(CNT_PATH_TRUNCATED);
}

/*
 * sc->s = the absolute form of name, relative to dfd (AT_FDCWD: the working directory). Returns 0 on success,
 * -1 (counted) when the name cannot be read or dfd is not open.
 */
static __always_inline int name_path(struct fctx *c, long dfd, const char *name, int user)
{
	struct scratch *sc = c->sc;
	long n = read_name(sc, name, user);
	if (n <= 0) {
		count(CNT_FILE_BAD_NAME);
		return -1;
	}
	if (sc->buf[STR_MAX + 1] == '/') {
		absolute_name(sc, n);
		return 0;
	}
	struct dentry *d;
	struct vfsmount *m;
	if ((int)dfd == AT_FDCWD) {
		struct task_struct *t = c->t;
		struct fs_struct *fs = BPF_CORE_READ(t, fs);
		d = BPF_CORE_READ(fs, pwd.dentry);
		m = BPF_CORE_READ(fs, pwd.mnt);
	} else {
		struct file *f = fd_file(c->t, (int)dfd);
		if (!f) {
			count(CNT_FILE_BAD_NAME);
			return -1;
		}
		d = BPF_CORE_READ(f, f_path.dentry);
		m = BPF_CORE_READ(f, f_path.mnt);
	}
	build_path(sc, d, m); /* leaves the directory right-aligned in sc->buf[.., STR_MAX) too */
	if (n > 1) /* an empty name (AT_EMPTY_PATH) is the directory itself */
		join_name(sc, sc->s.len, n, sc->s.flags);
	return 0;
}

/* sc->s = a symbolic link's target made absolute: relative targets are relative to the link's directory. */
static __always_inline int target_path(struct fctx *c, const char *target, struct string *link)
{
	struct scratch *sc = c->sc;
	long n = read_name(sc, target, 1);
	if (n <= 1) {
		count(CNT_FILE_BAD_NAME);
		return -1;
	}
	if (sc->buf[STR_MAX + 1] == '/') {
		absolute_name(sc, n);
		return 0;
	}
	struct slash_scan w = { .s = link, .len = link->len, .at = 0 };
	if (w.len > STR_MAX)
		return -1;
	bpf_loop(STR_MAX, slash_step, &w, 0);
	/* the link's directory is link->data[0, at): right-align it before sc->buf[STR_MAX] */
	__u32 dirlen = w.at;
	if (dirlen == 0) {
		sc->buf[STR_MAX - 1] = '/';
		dirlen = 1;
	} else {
		__u32 len = dirlen;
		KEEP(len);
		len &= STR_MAX - 1;
		__u32 start = STR_MAX - len;
		KEEP(start);
		start &= 2 * STR_MAX - 1;
		if (start > STR_MAX)
			start = STR_MAX;
		bpf_probe_read_kernel(&sc->buf[start], len, link->data);
	}
	join_name(sc, dirlen, n, link->flags);
	return 0;
}

static __always_inline void keep_name(struct fctx *c, int i)
{
	struct file_pending *p = &c->fs->p;
	if (i == 0)
		bpf_probe_read_kernel(&p->path[0], sizeof(p->path[0]), &c->sc->s);
	else
		bpf_probe_read_kernel(&p->path[1], sizeof(p->path[1]), &c->sc->s);
}

static __always_inline void pend(struct fctx *c, __u32 act, __u32 n, __u32 inherit)
{
	struct file_pending *p = &c->fs->p;
	p->action = act;
	p->n = n;
	p->inherit = inherit;
	p->pad = 0;
	__u64 id = bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&file_pending, &id, p, BPF_ANY))
		count(CNT_FILE_PENDING_FULL);
}

static __always_inline int on_name(long dfd, const char *name, __u32 act)
{
	struct fctx c;
	if (!get_ctx(&c) || name_path(&c, dfd, name, 1))
		return 0;
	keep_name(&c, 0);
	pend(&c, act, 1, 0);
	return 0;
}

static __always_inline int on_names(long dfd0, const char *name0, long dfd1, const char *name1, __u32 act,
				    __u32 inherit)
{
	struct fctx c;
	if (!get_ctx(&c) || name_path(&c, dfd0, name0, 1))
		return 0;
	keep_name(&c, 0);
	if (name_path(&c, dfd1, name1, 1))
		return 0;
	keep_name(&c, 1);
	pend(&c, act, 2, inherit);
	return 0;
}

static __always_inline int on_symlink(const char *target, long dfd, const char *linkpath)
{
	struct fctx c;
	if (!get_ctx(&c) || name_path(&c, dfd, linkpath, 1))
		return 0;
	keep_name(&c, 1);
	if (target_path(&c, target, &c.fs->p.path[1]))
		return 0;
	keep_name(&c, 0);
	pend(&c, FILE_ACT_LINK, 2, 0);
	return 0;
}

/* A name seen by a path syscall: its files entry exists afterwards. With from (rename, link: the same inode under
 * this name now) it gets from's metadata; otherwise it keeps what it had, or is FILE_NO_INODE when new. */
static __always_inline void touch_name(struct fctx *c, __u64 key, __u32 fflags, struct file_info *from)
{
	__u64 now = bpf_ktime_get_boot_ns();
	struct file_info *fi = bpf_map_lookup_elem(&files, &key);
	if (fi && !from) {
		fi->last_ns = now;
		return;
	}
	struct file_info *n = &c->fs->fi;
	if (from) {
		bpf_probe_read_kernel(n, sizeof(*n), from);
		n->flags = (n->flags & ~FILE_PATH_TRUNC) | fflags;
	} else {
		__builtin_memset(n, 0, sizeof(*n));
		n->flags = FILE_NO_INODE | fflags;
	}
	n->path_key = key;
	n->first_ns = fi ? fi->first_ns : now;
	n->last_ns = now;
	long err = bpf_map_update_elem(&files, &key, n, BPF_ANY);
	if (err)
		count(CNT_FILES_FULL);
}

static __always_inline int on_name_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct file_pending *p = bpf_map_lookup_elem(&file_pending, &id);
	if (!p)
		return 0;
	struct fctx c;
	if (ret == 0 && get_ctx(&c)) {
		__u32 act = p->action;
		__u32 f0 = p->path[0].flags ? FILE_PATH_TRUNC : 0;
		__u64 k0 = intern_path(&p->path[0]);
		struct file_info *from = NULL;
		if (k0) {
			touch_name(&c, k0, f0, NULL);
			record(&c, k0, act, f0);
			if (p->inherit) {
				from = bpf_map_lookup_elem(&files, &k0);
				if (from && (from->flags & FILE_NO_INODE))
					from = NULL;
			}
		}
		if (p->n > 1) {
			__u32 f1 = p->path[1].flags ? FILE_PATH_TRUNC : 0;
			__u64 k1 = intern_path(&p->path[1]);
			if (k1) {
				touch_name(&c, k1, f1, from);
				record(&c, k1, act, f1);
			}
		}
	}
	bpf_map_delete_elem(&file_pending, &id);
	return 0;
}

#define NAME_EXIT(syscall)                                                  \
	SEC("tracepoint/syscalls/sys_exit_" #syscall)                         \
	int jibril_file_exit_##syscall(struct trace_event_raw_sys_exit *ctx)  \
	{                                                                     \
		return on_name_exit(ctx->ret);                                \
	}

/* A rename moves a dentry, and everything below it when it is a directory: file_cache entries are invalid then. */
#define RENAME_EXIT(syscall)                                                \
	SEC("tracepoint/syscalls/sys_exit_" #syscall)                         \
	int jibril_file_exit_##syscall(struct trace_event_raw_sys_exit *ctx)  \
	{                                                                     \
		long ret = ctx->ret;                                          \
		if (ret == 0)                                                 \
			epoch_bump();                                         \
		return on_name_exit(ret);                                     \
	}

/* A mount, unmount or move changes the path of everything under a mount point: so is file_cache's epoch. */
#define MOUNT_EXIT(syscall)                                                 \
	SEC("tracepoint/syscalls/sys_exit_" #syscall)                         \
	int jibril_file_exit_##syscall(struct trace_event_raw_sys_exit *ctx)  \
	{                                                                     \
		if (ctx->ret >= 0)                                            \
			epoch_bump();                                         \
		return 0;                                                     \
	}

MOUNT_EXIT(mount)
MOUNT_EXIT(umount)
MOUNT_EXIT(move_mount)
MOUNT_EXIT(pivot_root)

#define ARG(i) ((const char *)ctx->args[i])

SEC("tracepoint/syscalls/sys_enter_unlink")
int jibril_file_unlink(struct trace_event_raw_sys_enter *ctx)
{
	return on_name(AT_FDCWD, ARG(0), FILE_ACT_UNLINK);
}
NAME_EXIT(unlink)

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int jibril_file_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	return on_name((long)ctx->args[0], ARG(1), FILE_ACT_UNLINK);
}
NAME_EXIT(unlinkat)

SEC("tracepoint/syscalls/sys_enter_rmdir")
int jibril_file_rmdir(struct trace_event_raw_sys_enter *ctx)
{
	return on_name(AT_FDCWD, ARG(0), FILE_ACT_UNLINK);
}
NAME_EXIT(rmdir)

SEC("tracepoint/syscalls/sys_enter_truncate")
int jibril_file_truncate(struct trace_event_raw_sys_enter *ctx)
{
	return on_name(AT_FDCWD, ARG(0), FILE_ACT_TRUNCATE);
}
NAME_EXIT(truncate)

SEC("tracepoint/syscalls/sys_enter_rename")
int jibril_file_rename(struct trace_event_raw_sys_enter *ctx)
{
	return on_names(AT_FDCWD, ARG(0), AT_FDCWD, ARG(1), FILE_ACT_RENAME, 1);
}
RENAME_EXIT(rename)

SEC("tracepoint/syscalls/sys_enter_renameat")
int jibril_file_renameat(struct trace_event_raw_sys_enter *ctx)
{
	return on_names((long)ctx->args[0], ARG(1), (long)ctx->args[2], ARG(3), FILE_ACT_RENAME, 1);
}
RENAME_EXIT(renameat)

SEC("tracepoint/syscalls/sys_enter_renameat2")
int jibril_file_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	/* RENAME_EXCHANGE swaps the two inodes: neither name takes the other's metadata then. */
	__u32 inherit = !(ctx->args[4] & RENAME_EXCHANGE);
	return on_names((long)ctx->args[0], ARG(1), (long)ctx->args[2], ARG(3), FILE_ACT_RENAME, inherit);
}
RENAME_EXIT(renameat2)

SEC("tracepoint/syscalls/sys_enter_link")
int jibril_file_link(struct trace_event_raw_sys_enter *ctx)
{
	return on_names(AT_FDCWD, ARG(0), AT_FDCWD, ARG(1), FILE_ACT_LINK, 1);
}
NAME_EXIT(link)

SEC("tracepoint/syscalls/sys_enter_linkat")
int jibril_file_linkat(struct trace_event_raw_sys_enter *ctx)
{
	return on_names((long)ctx->args[0], ARG(1), (long)ctx->args[2], ARG(3), FILE_ACT_LINK, 1);
}
NAME_EXIT(linkat)

SEC("tracepoint/syscalls/sys_enter_symlink")
int jibril_file_symlink(struct trace_event_raw_sys_enter *ctx)
{
	return on_symlink(ARG(0), AT_FDCWD, ARG(1));
}
NAME_EXIT(symlink)

SEC("tracepoint/syscalls/sys_enter_symlinkat")
int jibril_file_symlinkat(struct trace_event_raw_sys_enter *ctx)
{
	return on_symlink(ARG(0), (long)ctx->args[1], ARG(2));
}
NAME_EXIT(symlinkat)

/* ---- exec */

SEC("tp_btf/sched_process_exec")
int BPF_PROG(jibril_file_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct fctx c;
	if (!get_ctx(&c))
		return 0;
	struct file *f = BPF_CORE_READ(bprm, file);
	if (f) {
		__u32 fflags;
		__u64 key = resolve_file(&c, f, &fflags);
		if (key)
			record(&c, key, FILE_ACT_EXECVE, fflags);
	}
	/* A script (binfmt_script, binfmt_misc) changed the interpreter name: the script itself was executed too. */
	const char *filename = BPF_CORE_READ(bprm, filename);
	if (BPF_CORE_READ(bprm, interp) == filename || name_path(&c, AT_FDCWD, filename, 0))
		return 0;
	__u32 fflags = c.sc->s.flags ? FILE_PATH_TRUNC : 0;
	__u64 key = intern_path(&c.sc->s);
	if (!key)
		return 0;
	touch_name(&c, key, fflags, NULL);
	record(&c, key, FILE_ACT_EXECVE, fflags);
	return 0;
}
