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
 * Ranges per program family: tasks 1-15, files 16-31, network 32-47. */
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
};

/* strings map value. Key: __u64 FNV-1a hash of data[0..len). Immutable once written. */
struct string {
	__u32 len;
	__u32 flags; /* 1: truncated */
	char data[STR_MAX];
};

/* One record of the notice ring buffer. */
struct notice {
	__u32 kind; /* enum notice_kind */
	__u32 pid;
	__u64 key;  /* tasks key */
	__u64 seq;  /* exec_seq for NOTICE_EXEC */
};

/* ======================================================================================================
 * Files (files.bpf.c): files, task_file relations. Owned by the files program family.
 * ====================================================================================================== */

/* (end of files section) */









/* ======================================================================================================
 * Network (net.bpf.c): flows, task_flow relations, DNS. Owned by the network program family.
 * ====================================================================================================== */

/* (end of network section) */

#endif
