// SPDX-License-Identifier: GPL-2.0
/*
 * The network policy (jibril.netpolicy), enforced in the kernel on the root cgroup v2:
 *  - cgroup/connect4, connect6: TCP connects and UDP connects; 0 refuses with EPERM;
 *  - cgroup/sendmsg4, sendmsg6: datagrams sent to an address on an unconnected socket;
 *  - cgroup_skb/egress: every packet, so that flows established before their peer was denied are cut too.
 * Each looks the peer up in the LPM tries of the rule set np_config selects (longest prefix wins; no match: the
 * default policy), counts the hit per rule, and for a denied peer records a drop notice (alert, both) and refuses
 * (enforce, both). Userland switches policies by filling the idle rule set and flipping np_config.gen: there is no
 * moment without a policy. Every map is pinned (under <pin root>/netpolicy), and so are the links: enforcement
 * goes on while the daemon is away.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "netpolicy.h"

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP_ 0x0800
#define ETH_P_IPV6_ 0x86DD
#define NOTICE_GAP_NS 1000000000ULL

/* np_config: key 0 -> struct np_config; written by userland only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct np_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_config SEC(".maps");

/* The two rule sets: key prefix length + address, value struct np_rule; written by userland only. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NP_MAX_LPM);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct np_v4_key);
	__type(value, struct np_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_v4_a SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NP_MAX_LPM);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct np_v4_key);
	__type(value, struct np_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_v4_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NP_MAX_LPM);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct np_v6_key);
	__type(value, struct np_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_v6_a SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NP_MAX_LPM);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct np_v6_key);
	__type(value, struct np_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_v6_b SEC(".maps");

/* np_hits: rule index -> per-CPU decisions that matched it (index 0: the default policy). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NP_MAX_RULES);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_hits SEC(".maps");

/* np_counters: NP_CNT_* -> per-CPU count. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_counters SEC(".maps");

/* np_drops: struct np_drop notices; when full, NP_CNT_NOTICE_LOST counts them. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 18);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_drops SEC(".maps");

/* np_recent: (tgid, peer) -> time of its last notice: at most one notice a second per process and peer, so a
 * flood of refused packets does not flood the ring. LRU: forgetting an old pair only allows one more notice. */
struct np_recent_key {
	__u32 tgid;
	__u32 family;
	__u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct np_recent_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_recent SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&np_counters, &which);
	if (c)
		*c += 1;
}

static __always_inline void hit(__u32 index)
{
	__u64 *c = bpf_map_lookup_elem(&np_hits, &index);
	if (c)
		*c += 1;
}

/* The rule for a peer: action and rule index (0 with the default action when no rule matches). */
static __always_inline __u8 lookup(const struct np_config *cfg, __u32 family, const __u8 *addr, __u32 *index)
{
	struct np_rule *r;
	if (family == 4) {
		struct np_v4_key k = { .prefixlen = 32 };
		__builtin_memcpy(k.addr, addr, 4);
		r = bpf_map_lookup_elem(cfg->gen ? (void *)&np_v4_b : (void *)&np_v4_a, &k);
	} else {
		struct np_v6_key k = { .prefixlen = 128 };
		__builtin_memcpy(k.addr, addr, 16);
		r = bpf_map_lookup_elem(cfg->gen ? (void *)&np_v6_b : (void *)&np_v6_a, &k);
	}
	if (r) {
		*index = r->index;
		return r->action;
	}
	*index = 0;
	return cfg->cidr_default;
}

static __always_inline void notice(__u32 family, const __u8 *addr, __u16 rport, __u8 proto, __u8 hook,
				   __u8 blocked, __u32 rule, __u64 cookie, __u32 uid, int current)
{
	__u64 pid_tgid = current ? bpf_get_current_pid_tgid() : 0;
	struct np_recent_key rk = { .tgid = pid_tgid >> 32, .family = family };
	__builtin_memcpy(rk.addr, addr, 16);
	__u64 now = bpf_ktime_get_boot_ns();
	__u64 *last = bpf_map_lookup_elem(&np_recent, &rk);
	if (last && now - *last < NOTICE_GAP_NS)
		return;
	bpf_map_update_elem(&np_recent, &rk, &now, BPF_ANY);
	struct np_drop *d = bpf_ringbuf_reserve(&np_drops, sizeof(*d), 0);
	if (!d) {
		count(NP_CNT_NOTICE_LOST);
		return;
	}
	d->ts_ns = now;
	d->cookie = cookie;
	d->pid = (__u32)pid_tgid;
	d->tgid = pid_tgid >> 32;
	d->uid = uid;
	d->rule = rule;
	d->family = family;
	d->proto = proto;
	d->hook = hook;
	d->blocked = blocked;
	d->rport = rport;
	d->pad = 0;
	__builtin_memcpy(d->raddr, addr, 16);
	if (current)
		bpf_get_current_comm(d->comm, sizeof(d->comm));
	else
		__builtin_memset(d->comm, 0, sizeof(d->comm));
	bpf_ringbuf_submit(d, 0);
}

/* 1: let it through, 0: refuse. The ctx fields a program may read depend on its attach type, so the address is
 * read by the callers (user_ip4 in the *4 programs, user_ip6 in the *6 ones). */
static __always_inline int judge(struct bpf_sock_addr *ctx, const struct np_config *cfg, __u32 family,
				 const __u8 *addr, __u8 hook)
{
	count(NP_CNT_DECISIONS);
	__u32 index;
	__u8 action = lookup(cfg, family, addr, &index);
	hit(index);
	if (action != NP_DENY)
		return 1;
	count(NP_CNT_DENIED);
	__u8 mode = cfg->cidr_mode;
	__u8 block = mode == NP_MODE_ENFORCE || mode == NP_MODE_BOTH;
	if (mode == NP_MODE_ALERT || mode == NP_MODE_BOTH)
		notice(family, addr, bpf_ntohs((__u16)ctx->user_port), (__u8)ctx->protocol, hook, block, index,
		       bpf_get_socket_cookie(ctx), (__u32)bpf_get_current_uid_gid(), 1);
	if (block) {
		count(NP_CNT_BLOCKED);
		return 0;
	}
	return 1;
}

static __always_inline int judge4(struct bpf_sock_addr *ctx, __u8 hook)
{
	__u32 zero = 0;
	struct np_config *cfg = bpf_map_lookup_elem(&np_config, &zero);
	if (!cfg || cfg->cidr_mode == NP_MODE_BYPASS)
		return 1;
	__u8 addr[16] = {};
	__u32 a = ctx->user_ip4;
	__builtin_memcpy(addr, &a, 4);
	return judge(ctx, cfg, 4, addr, hook);
}

static __always_inline int judge6(struct bpf_sock_addr *ctx, __u8 hook)
{
	__u32 zero = 0;
	struct np_config *cfg = bpf_map_lookup_elem(&np_config, &zero);
	if (!cfg || cfg->cidr_mode == NP_MODE_BYPASS)
		return 1;
	__u8 addr[16] = {};
	__u32 w0 = ctx->user_ip6[0], w1 = ctx->user_ip6[1], w2 = ctx->user_ip6[2], w3 = ctx->user_ip6[3];
	if (w0 == 0 && w1 == 0 && w2 == bpf_htonl(0xffff)) {
		/* an IPv4-mapped address reaches the IPv4 peer */
		__builtin_memcpy(addr, &w3, 4);
		return judge(ctx, cfg, 4, addr, hook);
	}
	__builtin_memcpy(addr, &w0, 4);
	__builtin_memcpy(addr + 4, &w1, 4);
	__builtin_memcpy(addr + 8, &w2, 4);
	__builtin_memcpy(addr + 12, &w3, 4);
	return judge(ctx, cfg, 6, addr, hook);
}

SEC("cgroup/connect4")
int np_connect4(struct bpf_sock_addr *ctx)
{
	return judge4(ctx, NP_HOOK_CONNECT);
}

SEC("cgroup/connect6")
int np_connect6(struct bpf_sock_addr *ctx)
{
	return judge6(ctx, NP_HOOK_CONNECT);
}

SEC("cgroup/sendmsg4")
int np_sendmsg4(struct bpf_sock_addr *ctx)
{
	return judge4(ctx, NP_HOOK_SENDMSG);
}

SEC("cgroup/sendmsg6")
int np_sendmsg6(struct bpf_sock_addr *ctx)
{
	return judge6(ctx, NP_HOOK_SENDMSG);
}

/* Packets of flows that were established before their peer was denied. Only blocking modes act here: a flow
 * allowed at connect time and denied since is cut; alert mode already reported the peer at connect time. */
SEC("cgroup_skb/egress")
int np_egress(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct np_config *cfg = bpf_map_lookup_elem(&np_config, &zero);
	if (!cfg || (cfg->cidr_mode != NP_MODE_ENFORCE && cfg->cidr_mode != NP_MODE_BOTH))
		return 1;
	__u8 addr[16] = {};
	__u32 family;
	__u8 proto = 0;
	__u32 l4;
	if (skb->protocol == bpf_htons(ETH_P_IP_)) {
		__u8 h[20];
		if (bpf_skb_load_bytes(skb, 0, h, 20))
			return 1;
		family = 4;
		proto = h[9];
		__builtin_memcpy(addr, h + 16, 4);
		l4 = (h[0] & 0x0f) * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6_)) {
		__u8 h[40];
		if (bpf_skb_load_bytes(skb, 0, h, 40))
			return 1;
		family = 6;
		proto = h[6];
		__builtin_memcpy(addr, h + 24, 16);
		l4 = 40;
	} else {
		return 1;
	}
	__u32 index;
	if (lookup(cfg, family, addr, &index) != NP_DENY)
		return 1;
	hit(index);
	count(NP_CNT_BLOCKED);
	__u16 rport = 0;
	if (proto == 6 || proto == 17) {
		__u8 p[4];
		if (l4 <= 60 && !bpf_skb_load_bytes(skb, l4, p, 4))
			rport = (__u16)p[2] << 8 | p[3];
	}
	if (cfg->cidr_mode == NP_MODE_BOTH)
		notice(family, addr, rport, proto, NP_HOOK_EGRESS, 1, index, bpf_get_socket_cookie(skb),
		       bpf_get_socket_uid(skb), 0);
	return 0;
}
