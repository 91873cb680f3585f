/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The layout netpolicy.bpf.c shares with Java (jibril.bpf.layout.NetPolicyLayout mirrors it field for field; the
 * layout test compares both with the BTF of netpolicy.bpf.o). Only fixed-size integer types.
 */
#ifndef JIBRIL_NETPOLICY_H
#define JIBRIL_NETPOLICY_H

/* cidr_mode values of np_config */
#define NP_MODE_BYPASS 0
#define NP_MODE_ALERT 1
#define NP_MODE_ENFORCE 2
#define NP_MODE_BOTH 3

/* actions: rule values and the default policy */
#define NP_ALLOW 1
#define NP_DENY 2

/* which hook saw the drop */
#define NP_HOOK_CONNECT 1
#define NP_HOOK_SENDMSG 2
#define NP_HOOK_EGRESS 3
#define NP_HOOK_RESOLVE 4 /* a DNS answer dropped (resolve_mode enforce, both) */

/* Domain rules: the key of np_names_a/b is the hash of the rule's name in DNS wire format without the final zero
 * (length-prefixed labels, lower case): h = sum of byte[k] * NP_NAME_P^k, modulo 2^64. A name matches every rule
 * whose wire form is one of its label-aligned suffixes; the longest wins. */
#define NP_NAME_P 1099511628211ULL
#define NP_MAX_NAMES 65536
#define NP_NAME_MAX 256
#define NP_MAX_LABELS 64

/* Rules: each LPM map holds at most this many; rule indexes (np_hits) are below NP_MAX_RULES, index 0 counting
 * the decisions of the default policy. */
#define NP_MAX_LPM 262144
#define NP_MAX_RULES 524288

/* counters of np_counters */
#define NP_CNT_DECISIONS 0   /* connect/sendmsg decisions made with a policy in place */
#define NP_CNT_DENIED 1      /* of those, denied (blocked or alerted) */
#define NP_CNT_BLOCKED 2     /* connections, datagrams and packets refused */
#define NP_CNT_NOTICE_LOST 3 /* drop notices the ring had no room for */
#define NP_CNT_ANSWERS 4     /* DNS answers judged (resolve_mode enforce, both) */
#define NP_CNT_ANSWERS_DROPPED 5 /* of those, dropped */
#define NP_CNT_ANSWERS_UNPARSED 6 /* answers whose question could not be read (let through) */
#define NP_CNT_MAX 8

/* np_config[0]: the policy in force. gen selects the rule set (0: np_v4_a/np_v6_a, 1: np_v4_b/np_v6_b); userland
 * fills the idle set, then writes this entry once, so a program sees either the old set or the new one. */
struct np_config {
	__u32 gen;
	__u8 cidr_mode;
	__u8 cidr_default;
	__u8 resolve_mode;
	__u8 resolve_default;
	__u64 version;
};

struct np_v4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct np_v6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* value of the LPM maps */
struct np_rule {
	__u32 index;
	__u8 action;
	__u8 pad[3];
};

/* a drop notice (np_drops ring buffer); IPv4 addresses are in raddr[0..3] */
struct np_drop {
	__u64 ts_ns;
	__u64 cookie;
	__u32 pid;
	__u32 tgid;
	__u32 uid;
	__u32 rule;
	__u8 family; /* 4 or 6 */
	__u8 proto;  /* IPPROTO_TCP, IPPROTO_UDP, ... (0: unknown) */
	__u8 hook;
	__u8 blocked;
	__u16 rport;
	__u16 pad;
	__u8 raddr[16];
	char comm[16];
};

/* np_blocks: the blocks made through the NetPolicy service, kept with the policy so that they outlive the daemon
 * (userland only: no program reads it). Key "cidr:<network>" or "domain:<name>", zero-padded; value the end of
 * the block in ms since the epoch, 0 for none. */
#define NP_BLOCK_KEY 264
#define NP_MAX_BLOCKS 65536

struct np_block_key {
	char text[NP_BLOCK_KEY];
};

#endif
