/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Jibril: the one place where the layout shared between BPF programs and userland is defined.
 * The Java side mirrors every struct here field for field in jibril.bpf.layout; LayoutTest checks
 * the sizes and offsets against this object's BTF, so a change here that Java does not follow fails the build.
 */
#ifndef JIBRIL_H
#define JIBRIL_H

#define COMM_LEN 16
/* Longest string kept for an exe path or an argument vector; longer ones are truncated, flagged and counted. */
#define STR_MAX 1024
/* USER_HZ: /proc/<pid>/stat reports start times in these ticks, so task keys use them too (procfs can seed them). */
#define NSEC_PER_TICK 10000000ULL

/* Notice kinds: a notice only says "this key is new or changed"; the fact itself lives in a map.
 * Ranges per program family: tasks 1-15, files 16-31, network 32-47, guard 48-63. */
enum notice_kind {
	NOTICE_EXEC = 1,
	NOTICE_EXIT = 2,
	NOTICE_FORK = 3,
};

/* Counters of everything the kernel side could not do, and of what it did; index into the counters map.
 * Ranges per program family: shared and tasks 0-15, files 16-31, network 32-47, reserved 48-63. */
enum counter {
	CNT_NOTICE_LOST = 0,    /* notice ring buffer full: a sweep will find the fact later */
	CNT_TASKS_FULL = 1,     /* tasks map full: fact lost, counted */
	CNT_STRINGS_FULL = 2,   /* strings map full: fact lost, counted */
	CNT_PATH_TRUNCATED = 3, /* a path longer than STR_MAX or deeper than PATH_DEPTH */
	CNT_ARGS_TRUNCATED = 4, /* an argument vector longer than STR_MAX */
	CNT_EXECS = 5,
	CNT_FORKS = 6,
	CNT_EXITS = 7,
	CNT_MAX = 64,
};

/* Task flags. */
#define TASK_EXECED 1u      /* the entry was written by an exec (not only inherited at fork) */
#define TASK_EXITED 2u
#define TASK_PATH_TRUNC 4u
#define TASK_ARGS_TRUNC 8u

/*
 * tasks map value. Key: __u64 task key = jibril_mix(tgid, start time in USER_HZ ticks since boot).
 * One entry per process (thread group); repeats update it in place.
 */
struct task {
	__u64 key;          /* own key */
	__u64 parent_key;   /* key of real_parent at the time of the last exec or fork */
	__u64 start_ns;     /* task start, CLOCK_BOOTTIME ns */
	__u64 exec_ns;      /* last exec, CLOCK_BOOTTIME ns (0 if never execed while watched) */
	__u64 exit_ns;      /* exit, CLOCK_BOOTTIME ns (0 while alive) */
	__u64 exe_key;      /* strings key of the executable's absolute path */
	__u64 args_key;     /* strings key of the argument vector (NUL separated) */
	__u64 exec_seq;     /* global generation of the last exec: sweeps find entries newer than they have seen */
	__u32 pid;          /* tgid */
	__u32 ppid;         /* tgid of real_parent */
	__u32 uid;
	__u32 gid;
	__s32 exit_code;    /* wait status as waitpid reports it */
	__u32 flags;        /* TASK_* */
	char comm[COMM_LEN];
	__u64 prev_exe_key; /* strings key of the image before the last exec (0 when not known) */
	__u64 cgroup_id;    /* cgroup v2 id (the kernfs node id, the cgroup directory's inode number) */
	__u64 hostname_key; /* strings key of the UTS namespace's nodename */
	__u32 ns_mnt;       /* namespace inode numbers, as the links in /proc/PID/ns show them */
	__u32 ns_pid;
	__u32 ns_net;
	__u32 ns_uts;
	__u32 ns_ipc;
	__u32 ns_user;
	__u32 ns_cgroup;
	__u32 pad;
};

/* strings map value. Key: __u64 FNV-1a hash of data[0..len). Immutable once written. */
struct string {
	__u32 len;
	__u32 flags; /* 1: truncated */
	char data[STR_MAX];
};

/* Strings of at most STR_SHORT bytes live in strings_short, whose values are the first 128 bytes of a struct
 * string: a new 1 KiB value costs the kernel some 4 us to allocate and fill, a 128-byte one well under 1 us, and
 * most paths, names and short argument vectors fit. A key is in one of the two maps, never both. */
#define STR_SHORT 120
struct short_string {
	__u32 len;
	__u32 flags;
	char data[STR_SHORT];
};

/* One record of the notice ring buffer. */
struct notice {
	__u32 kind; /* enum notice_kind */
	__u32 pid;
	__u64 key;  /* tasks key */
	__u64 seq;  /* exec_seq for NOTICE_EXEC */
	__u64 gen;  /* files kinds and NOTICE_TASK_FLOW: the generation this change took (files_seq, net_seq); else 0 */
};

/* ======================================================================================================
 * Files (files.bpf.c): files, task_file relations. Owned by the files program family.
 * ====================================================================================================== */

/*
 * What the files family records: per (process, file) pair, which of FILE_ACT_* the process did to the file (a
 * bitmask), how often each action happened and when the pair was first and last active.
 *
 * A file is named by its ABSOLUTE path, and its key is the strings key of that path (FNV-1a of the bytes, as
 * intern() computes), so the path text itself is in the strings map:
 * - actions on an open file (read, write, mmap, close, open at exit...) name it by its struct file: the path is
 *   the dentry walk of f_path (build_path), so symbolic links are resolved and there is no "." or "..";
 * - actions on a name (unlink, rename, link, symlink, truncate by path) name it by the string the process
 *   passed, made absolute: an absolute name is kept as is; a relative one is appended with "/" to the task's
 *   working directory (AT_FDCWD) or to the dirfd's path; an empty one with AT_EMPTY_PATH is the dirfd itself. That
 *   is purely lexical: "." and ".." components and symbolic links in the name are NOT resolved, so the same file
 *   may appear under several keys; userland normalises such paths (and merges keys) when it needs to.
 * When the strings map is full, the key is still used (the fact is kept, its name is lost and CNT_STRINGS_FULL says
 * so): a file key without a strings entry means exactly that.
 * A file stays under the path it had when the struct file was first seen: reads of an open file that was renamed
 * meanwhile still count under the old path until it is reopened.
 */

/* Actions, as bit numbers in task_file.actions (mask: 1u << FILE_ACT_x) and indexes into task_file.counts.
 * The order is the original product's: userland names them in exactly this order. */
enum file_action {
	FILE_ACT_FASYNC = 0,    /* fcntl(F_SETFL) or ioctl(FIOASYNC) turned O_ASYNC on */
	FILE_ACT_FLOCK = 1,     /* flock(), or a POSIX/OFD record lock set with fcntl (F_SETLK, F_SETLKW, F_OFD_SETLK*) */
	FILE_ACT_FSYNC = 2,     /* fsync, fdatasync */
	FILE_ACT_LLSEEK = 3,    /* lseek */
	FILE_ACT_MMAP = 4,      /* mmap of a file (not anonymous memory) */
	FILE_ACT_OPEN = 5,      /* a successful open, openat, openat2, creat, open_by_handle_at */
	FILE_ACT_READ = 6,      /* read, pread64, readv, preadv, preadv2; the source of sendfile, splice, copy_file_range */
	FILE_ACT_WRITE = 7,     /* write, pwrite64, writev, pwritev, pwritev2; their destination */
	FILE_ACT_RENAME = 8,    /* a successful rename, renameat, renameat2: on the old AND the new path */
	FILE_ACT_TRUNCATE = 9,  /* ftruncate; a successful truncate by path */
	FILE_ACT_UNLINK = 10,   /* a successful unlink, unlinkat (AT_REMOVEDIR too), rmdir */
	FILE_ACT_CREATE = 11,   /* an open that created the file (FMODE_CREATED) */
	FILE_ACT_CLOSE = 12,    /* close */
	FILE_ACT_LINK = 13,     /* a successful link, linkat, symlink, symlinkat: on the target AND the new name */
	FILE_ACT_EXECVE = 14,   /* the file a process executed (at sched_process_exec; for a script, the script too) */
	FILE_ACT_COUNT = 15,
};

/* Counters of the files family (enum counter slots 16-31). */
enum file_counter {
	CNT_FILES_FULL = 16,        /* files map full: that file's metadata is lost (the pair is still recorded) */
	CNT_TASK_FILE_FULL = 17,    /* task_file map full: the (process, file) fact is lost */
	CNT_FILE_PENDING_FULL = 18, /* file_pending full: a path syscall's outcome cannot be checked, its fact is lost */
	CNT_FILE_NO_FD = 19,        /* an fd-based action on an fd that is not open (EBADF, or closed by a race) */
	CNT_FILE_BAD_NAME = 20,     /* a path argument could not be read from user memory, or its dirfd is not open */
	CNT_FCACHE_HIT = 21,        /* struct file -> path key served by file_cache */
	CNT_FCACHE_MISS = 22,       /* struct file resolved by a dentry walk (first sight, eviction, or reuse) */
	CNT_FILE_PAIRS = 23,        /* new task_file entries */
	CNT_FILE_BITS = 24,         /* new action bits on existing task_file entries */
	CNT_FILE_ACTIONS = 25,      /* every action recorded (the sum over all counts) */
	CNT_PATH_NOTICE_LOST = 26,  /* a new path's notice did not fit the ring: userland looks the string up instead */
};

/* Notice kinds of the files family (16-31). A files notice reuses struct notice: key is the TASK key and seq is the
 * FILE key, so {key, seq} is exactly the task_file key; pid is the process's tgid. Only new facts are noticed:
 * repeating an action the pair already has updates counts and last_ns in place and sends nothing. */
enum file_notice_kind {
	NOTICE_FILE_PAIR = 16, /* a new (process, file) pair; followed by the file's struct file_info (zero when the files
	                        * map did not have it) and the pair's struct task_file (struct pair_notice) */
	NOTICE_FILE_BITS = 17, /* an existing pair gained an action bit; followed by the pair (struct bits_notice) */
	NOTICE_FILE_PATH = 18, /* a new path of at most STR_SHORT bytes in the strings dictionary: key is its strings key,
	                        * and the notice is followed by its struct short_string (struct path_notice) */
};

/* NOTICE_FILE_PATH's record: a copy of what strings_short now holds, so that the data layer resolves a new path
 * without a lookup. The dictionary keeps the string either way (a lost notice only costs that lookup). */
struct path_notice {
	struct notice n;
	struct short_string s;
};

/* Saturation of task_file.counts: a counter stops at FILE_COUNT_MAX (it may pass it by at most the number of
 * CPUs that raced at that moment, and never wraps); userland reads a value >= FILE_COUNT_MAX as "at least". */
#define FILE_COUNT_MAX 0xffff0000u

/* file_info.flags */
#define FILE_PATH_TRUNC 1u /* the path was longer than STR_MAX or deeper than PATH_DEPTH: the key names a prefix */
#define FILE_NO_INODE 2u   /* only ever seen by name (unlink, rename, link, truncate): dev..gid are unknown (0) */

/*
 * files map value. Key: __u64 path key (strings key of the absolute path). One entry per path, written when a
 * struct file with that path is first resolved (refreshed, metadata included, at every open and cache miss) or
 * when a path syscall names it (then only first_ns/last_ns if it exists, FILE_NO_INODE otherwise).
 */
struct file_info {
	__u64 path_key;  /* own key */
	__u64 fs_key;    /* strings key of the filesystem type name (sb->s_type->name, e.g. "ext4"), 0 if unknown */
	__u64 ino;       /* inode number */
	__u64 first_ns;  /* first resolution, CLOCK_BOOTTIME ns */
	__u64 last_ns;   /* last resolution (open, cache miss, path syscall), CLOCK_BOOTTIME ns */
	__u32 dev;       /* sb->s_dev in the kernel's encoding: major << 20 | minor (not stat's st_dev encoding) */
	__u32 mnt_id;    /* the mount's id, as in /proc/<pid>/mountinfo */
	__u32 mode;      /* i_mode: S_IFMT type and permission bits */
	__u32 uid;       /* owner, in the initial user namespace */
	__u32 gid;
	__u32 flags;     /* FILE_* */
};


/* task_file map key: one (process, file) pair. */
struct task_file_key {
	__u64 task_key;  /* tasks key of the process (thread group) */
	__u64 file_key;  /* files key (= strings key) of the absolute path */
};

/*
 * task_file map value. Created with the first action of a process on a file; every later action updates it in
 * place: its counter and last_ns always, its bit in actions and gen only when the bit is new.
 */
struct task_file {
	__u32 actions;   /* 1u << FILE_ACT_x for every action seen */
	__u32 pid;       /* tgid of the process when the pair was created */
	__u64 first_ns;  /* first action, CLOCK_BOOTTIME ns */
	__u64 last_ns;   /* latest action, CLOCK_BOOTTIME ns */
	__u64 gen;       /* files_seq when the pair was created or last gained a bit (never lowered) */
	__u32 counts[FILE_ACT_COUNT]; /* per FILE_ACT_x, saturating at FILE_COUNT_MAX */
	__u32 flags;     /* FILE_PATH_TRUNC when the file's path was truncated */
};

/* NOTICE_FILE_PAIR's record: a copy of the file's files entry as the pair was made (all zero when the files map
 * did not have it), and of the pair itself, so that the data layer reports the pair without looking either up. */
struct pair_notice {
	struct notice n;
	struct file_info f;
	struct task_file tf;
};

/* NOTICE_FILE_BITS's record: a copy of the pair as the new bit left it (a racing writer may have added more). */
struct bits_notice {
	struct notice n;
	struct task_file tf;
};

/* No padding: userland reads the copies at sizeof(struct notice) (+ sizeof(struct file_info)). */
_Static_assert(sizeof(struct pair_notice) == sizeof(struct notice) + sizeof(struct file_info) + sizeof(struct task_file),
	       "struct pair_notice is packed");
_Static_assert(sizeof(struct bits_notice) == sizeof(struct notice) + sizeof(struct task_file),
	       "struct bits_notice is packed");

/* (end of files section) */









/* ======================================================================================================
 * Network (net.bpf.c): flows, task_flow relations, DNS. Owned by the network program family.
 * ====================================================================================================== */

/*
 * Maps of the network family, all pinned by name under the pin root (see net.bpf.c for sizes):
 *   flows       key __u64 flow key                 value struct flow       one entry per flow, counters in place
 *   task_flow   key struct task_flow_key           value struct task_flow  which process did what on which flow
 *   dns_answers key __u64 FNV-1a of the payload    value struct dns_answer DNS answers until userland reads them
 *   net_seq     array[1] __u64: the generation counter of task_flow entries (only theirs: no holes)
 *   flow_seq    array[1] __u64: the generation counter of flows entries
 *   net_cursors array[4] __u64, written by userland only: [0] highest flows gen handled, [1] highest task_flow
 *               gen handled, [2] and [3] spare.
 * None of them evicts: when one is full the update fails and a CNT_*_FULL counter below counts it.
 * Sweeps: an entry's gen is stored right after it is taken from its counter, so for an instant an entry can hold a
 * gen below one already given to another entry; a sweep re-reads entries from a few generations below its
 * cursor and de-duplicates by key and bits.
 *
 * The flow key is FNV-1a 64 (as the strings keys) of 38 canonical bytes, the same on every architecture:
 *   proto, family, laddr[16], lport (big endian, 2 bytes), raddr[16], rport (big endian, 2 bytes)
 * with the fields as stored in struct flow. jibril.bpf.layout.Keys.flowKey computes the same.
 *
 * Addresses: IPv4 in the first 4 bytes (network order), the other 12 zero; IPv4-mapped IPv6 (::ffff:a.b.c.d)
 * of dual-stack sockets is stored as IPv4 with family NET_AF_INET. The local address of a UDP or ping socket
 * that is bound to the wildcard address and not connected is the wildcard (0.0.0.0 or ::): the kernel picks the
 * source address per packet, and the syscall side, which keys the flow by the socket, cannot know it. TCP flows
 * and connected sockets have their real local address.
 * Ports are in host order. ICMP/ICMPv6 (ping sockets): lport is the echo identifier, rport is 0; other ICMP
 * messages have both ports 0.
 */

/* Notice kinds of the network family (32-47). The fields of struct notice are reused so:
 *   NOTICE_FLOW_NEW  key: flows key of a new flow; seq: its gen (flow_seq); pid: tgid of the task that made it,
 *                    0 when a packet made it
 *   NOTICE_TASK_FLOW key: task key; seq: flows key; pid: tgid. A task_flow pair is new or gained an action bit.
 *   NOTICE_DNS       key: dns_answers key; seq: flows key of the receiving flow; pid: 0
 * Repeats never notify: a flow, a pair or an action bit notifies once; a DNS payload once while its entry lives. */
enum net_notice_kind {
	NOTICE_FLOW_NEW = 32,
	NOTICE_TASK_FLOW = 33,
	NOTICE_DNS = 34,
};

/* Counters of the network family (32-47), indexes into the counters map. */
enum net_counter {
	CNT_FLOWS_FULL = 32,      /* flows map full: the flow (and its task_flow pairs) not recorded */
	CNT_TASK_FLOWS_FULL = 33, /* task_flow map full: the pair not recorded */
	CNT_DNS_FULL = 34,        /* dns_answers map full: the answer lost */
	CNT_DNS_TRUNCATED = 35,   /* a DNS answer longer than DNS_MAX: its first DNS_MAX bytes kept */
	CNT_NET_UNPARSED = 36,    /* a packet whose transport header could not be read (fragment, IPv6 extensions) */
	CNT_NET_NO_PEER = 37,     /* a send or receive on an unconnected socket without a peer address: no pair */
	CNT_MMSG_TRUNCATED = 38,  /* sendmmsg/recvmmsg messages beyond NET_MMSG_MAX: not attributed */
	CNT_NET_CALLS_FULL = 39,  /* the in-flight syscall map was full: that call not attributed */
	CNT_FLOWS = 40,           /* flows created */
	CNT_PACKETS = 41,         /* packets counted by the cgroup programs */
	CNT_DNS_ANSWERS = 42,     /* DNS answers seen, repeats included */
};

/* Address families and protocols, with the kernel's values. */
#define NET_AF_INET 2
#define NET_AF_INET6 10
#define NET_PROTO_ICMP 1
#define NET_PROTO_TCP 6
#define NET_PROTO_UDP 17
#define NET_PROTO_ICMPV6 58

/* struct flow flags: facts about a flow, only ever set. */
#define FLOW_INIT_LOCAL 0x1   /* this host initiated: connect, outgoing SYN, echo request sent, or (UDP) the first
                                 packet seen went out */
#define FLOW_INIT_REMOTE 0x2  /* the peer initiated: accept, incoming SYN, or (UDP) the first packet seen came in */
#define FLOW_ESTABLISHED 0x4  /* TCP reached ESTABLISHED */
#define FLOW_CLOSED 0x8       /* TCP reached CLOSE; UDP/ICMP: a connected socket was closed by its process */
#define FLOW_END_LOCAL 0x10   /* ended by this host: it sent the first FIN or a RST, or closed the socket */
#define FLOW_END_REMOTE 0x20  /* ended by the peer: its FIN or RST came before this host sent a FIN */
#define FLOW_RST_IN 0x40      /* a TCP RST was received */
#define FLOW_RST_OUT 0x80     /* a TCP RST was sent */

/*
 * flows map value. Key: the flow key above. Created by the first syscall or packet that sees the flow;
 * counters are updated in place (atomic adds), flags only gain bits. Userland deletes closed flows it has read.
 * gen: a flow_seq value taken when the entry was created or last gained a flag (not on counter updates).
 */
struct flow {
	__u8 laddr[16];
	__u8 raddr[16];
	__u16 lport;
	__u16 rport;
	__u8 proto;       /* NET_PROTO_* */
	__u8 family;      /* NET_AF_* */
	__u8 state;       /* TCP: the last state (the kernel's TCP_ESTABLISHED = 1 ... TCP_CLOSING = 11); else 0 */
	__u8 pad;
	__u64 flags;      /* FLOW_*; 64 bits so that BPF can set bits with an atomic fetch_or */
	__u64 first_ns;   /* CLOCK_BOOTTIME ns */
	__u64 last_ns;
	__u64 bytes_in;   /* IP packet lengths (headers included), as the cgroup programs see them */
	__u64 bytes_out;
	__u64 packets_in; /* segments: a GSO/GRO packet counts as its segment count */
	__u64 packets_out;
	__u64 gen;
};


/* task_flow actions: what a process did on a flow. */
#define NET_ACT_CONNECT 0x1 /* connect() (TCP: SYN sent; UDP/ICMP: socket connected) */
#define NET_ACT_ACCEPT 0x2  /* accept()/accept4() returned the flow's socket */
#define NET_ACT_SEND 0x4
#define NET_ACT_RECV 0x8
#define NET_ACT_CLOSE 0x10  /* close() of a descriptor of the flow's socket */

/* task_flow map key. */
struct task_flow_key {
	__u64 task_key;
	__u64 flow_key;
};

/* task_flow map value: one per (process, flow) pair; repeats update last_ns only. Userland deletes pairs of
 * exited processes or deleted flows it has read. gen: a net_seq value, taken at creation and per new action. */
struct task_flow {
	__u64 actions;  /* NET_ACT_*; 64 bits for the atomic fetch_or */
	__u64 first_ns; /* CLOCK_BOOTTIME ns */
	__u64 last_ns;
	__u64 gen;
};

/* NOTICE_TASK_FLOW's record for a new pair: a copy of the flow as it was when the pair was made, and of the pair,
 * so that the data layer reports the pair without looking either up. */
struct flow_notice {
	struct notice n;
	struct flow f;
	struct task_flow tf;
};

/* NOTICE_TASK_FLOW's record for a pair that gained an action: a copy of the pair as the action left it. */
struct flow_bits_notice {
	struct notice n;
	struct task_flow tf;
};

_Static_assert(sizeof(struct flow_notice) == sizeof(struct notice) + sizeof(struct flow) + sizeof(struct task_flow),
	       "struct flow_notice is packed");
_Static_assert(sizeof(struct flow_bits_notice) == sizeof(struct notice) + sizeof(struct task_flow),
	       "struct flow_bits_notice is packed");

/* The most UDP payload bytes of one DNS answer that are kept (the classic UDP limit). */
#define DNS_MAX 512
/* sendmmsg/recvmmsg: messages of one call whose peer is attributed to the calling task. */
#define NET_MMSG_MAX 8
#define DNS_TRUNCATED 1u

/* dns_answers map value. Key: FNV-1a 64 of payload[0..len). Every UDP datagram (or TCP message) from port 53 that a socket on
 * this host receives and whose QR bit says "response"; allocated on demand. Userland parses and deletes what it
 * has read; the same payload again while its entry lives only bumps count and last_ns. */
struct dns_answer {
	__u32 len;      /* bytes of payload used */
	__u32 flags;    /* DNS_TRUNCATED: the datagram was longer than DNS_MAX */
	__u64 first_ns; /* CLOCK_BOOTTIME ns */
	__u64 last_ns;
	__u64 flow_key; /* flows key of the receiving flow */
	__u64 count;    /* times received */
	__u8 payload[DNS_MAX];
};

/* (end of network section) */

/* ======================================================================================================
 * Guard (guard.bpf.c): other processes tampering with Jibril's own eBPF state. Owned by the guard family.
 * ====================================================================================================== */

/*
 * The guard watches every bpf() call on the host (tracepoints syscalls/sys_enter_bpf and sys_exit_bpf) whose
 * command writes a map or detaches a program: BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM,
 * BPF_MAP_LOOKUP_AND_DELETE_ELEM, BPF_MAP_FREEZE, the update/delete/lookup-and-delete batches, BPF_PROG_DETACH,
 * BPF_LINK_UPDATE and BPF_LINK_DETACH. It resolves the call's fd through the caller's file table to the map,
 * program or link (a file of the anonymous inode file system named "bpf-map", "bpf-prog", "bpf_link" or
 * "bpf-link": this kernel has neither the bpf_*_fops symbols in kallsyms nor global variables in its BTF, so the
 * f_op cannot be compared), and when that object is one of Jibril's (its id is in `guarded`) and the caller is not
 * the daemon (its tgid is in `guard_config`), records a taint. Reads (lookups, dumps, info) are never recorded.
 *
 * Maps of the guard family, not pinned (they belong to one run of the daemon):
 *   guard_config   array[1] struct guard_config            written once by the daemon, then frozen
 *   guarded        hash struct guard_key -> __u32 (unused)  Jibril's map, program and link ids; filled, then frozen
 *   taints         hash struct taint_key -> struct taint    one entry per (process, command, object); frozen while
 *                  still empty, so that only this program writes it and no one can erase a record
 *   guard_calls    LRU hash pid_tgid -> struct guard_call    another process's write or detach call between its enter
 *                  and its exit (internal to guard.bpf.c); frozen
 *   guard_counters per-CPU array[GUARD_CNT_MAX] __u64        enum guard_counter; frozen
 *   guard_notices  ring buffer of struct notice              NOTICE_TAINT once per new taints key (a hint: userland
 *                  also sweeps taints on a cadence)
 * Frozen maps refuse every write through the bpf() syscall, from root too, for as long as they live; BPF programs
 * still write them. The daemon also freezes the maps of the other families that only their programs write
 * (generations, counters, in-flight calls, caches, scratch: jibril.core's TaintGuard.KERNEL_ONLY); pinned ones stay
 * frozen across restarts until the pins are removed. A write attempt on a frozen map is still a taint.
 */

/* What a guarded id names. */
enum guard_kind {
	GUARD_MAP = 1,
	GUARD_PROG = 2,
	GUARD_LINK = 3,
};

/* Counters of the guard family (guard_counters slots). */
enum guard_counter {
	GUARD_CNT_CALLS = 0,        /* bpf() calls with a write or detach command, by anyone, on anything */
	GUARD_CNT_TAINTS = 1,       /* of those, calls by another process on one of Jibril's objects */
	GUARD_CNT_TAINTS_FULL = 2,  /* a taint that the taints map had no room for: counted here only */
	GUARD_CNT_NOTICE_LOST = 3,  /* guard_notices full: the sweep finds the record later */
	GUARD_CNT_UNREADABLE = 4,   /* another process's call whose descriptor could be read neither at entry nor exit */
	GUARD_CNT_MAX = 8,
};

/* Notice kinds of the guard family (48-63), in struct notice: pid = tgid of the caller, key = the object's id,
 * seq = (kind << 32) | bpf command; the record itself is taints[{pid, cmd, kind, id}]. */
enum guard_notice_kind {
	NOTICE_TAINT = 48,
};

/* guarded map key. */
struct guard_key {
	__u32 kind; /* enum guard_kind */
	__u32 id;   /* the kernel's map, program or link id */
};

/* guard_config[0]. */
struct guard_config {
	__u32 daemon_tgid; /* calls of this process are Jibril's own (the data layer deletes, cursors): never taints */
	__u32 flags;       /* none yet */
};

/* taints map key: who did what to which object. */
struct taint_key {
	__u32 tgid; /* the calling process */
	__u32 cmd;  /* enum bpf_cmd */
	__u32 kind; /* enum guard_kind of the target */
	__u32 id;   /* the target's id */
};

/* taints map value; repeats of the same call update it in place. */
struct taint {
	__u64 first_ns;   /* first call, CLOCK_BOOTTIME ns */
	__u64 last_ns;    /* last call */
	__u64 count;      /* calls */
	__u64 succeeded;  /* calls the kernel carried out (returned >= 0) */
	__u64 task_key;   /* tasks key of the calling process (jibril_mix of tgid and start time) */
	__s32 last_result; /* what the last call returned: 0 or more, or -errno (e.g. -EPERM on a frozen map) */
	__u32 tid;        /* the thread that made the last call */
	__u32 uid;
	__u32 flags;      /* TAINT_NOTICED */
	char comm[COMM_LEN];
};

#define TAINT_NOTICED 1u
/* Entries of the taints map: distinct (process, command, object) triples kept with their details. */
#define TAINTS_MAX 4096
/* Entries of the guarded map: Jibril's maps, programs and links. */
#define GUARDED_MAX 1024


#endif
