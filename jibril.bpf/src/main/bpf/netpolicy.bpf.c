// SPDX-License-Identifier: GPL-2.0
/*
 * The network policy (jibril.netpolicy), enforced in the kernel on the root cgroup v2:
 *  - cgroup/connect4, connect6: TCP connects and UDP connects; 0 refuses with EPERM;
 *  - cgroup/sendmsg4, sendmsg6: datagrams sent to an address on an unconnected socket;
 *  - cgroup_skb/egress: every packet, so that flows established before their peer was denied are cut too;
 *  - cgroup_skb/ingress: DNS answers (UDP and TCP, source port 53) for names a domain rule denies are dropped when
 *    resolve_mode is enforce or both (the question's name, and every label-aligned suffix of it, is looked up in
 *    the name rules of the same rule set; the longest match wins).
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
/* Bounds an index to the name buffer in a way clang cannot optimise away, so the verifier sees the mask. */
#define NAME_IDX(v) asm volatile("%[x] &= 0xff" : [x] "+r"(v))

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

/* The name rules of the two rule sets: key the wire-form hash of a domain (netpolicy.h), value struct np_rule. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NP_MAX_NAMES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct np_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_names_a SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NP_MAX_NAMES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct np_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_names_b SEC(".maps");

/* Per-CPU scratch for the question's name: its bytes and which of them start a label. */
struct np_name_buf {
	__u8 name[NP_NAME_MAX];
	__u8 start[NP_NAME_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct np_name_buf);
} np_scratch SEC(".maps");

/* np_blocks: see netpolicy.h; written and read by userland only. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NP_MAX_BLOCKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct np_block_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_blocks SEC(".maps");

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

struct np_fwd {
	__u32 i;
	__u32 avail;
	__u32 end;
	__u32 found;
};

/* bpf_loop callback, one label per call: marks where labels start and finds the end of the name. */
static long np_fwd_label(__u64 n, void *ctx)
{
	struct np_fwd *f = ctx;
	__u32 zero = 0;
	struct np_name_buf *b = bpf_map_lookup_elem(&np_scratch, &zero);
	if (!b || f->i >= f->avail || f->i >= NP_NAME_MAX)
		return 1;
	__u64 at = f->i;
	NAME_IDX(at);
	__u8 len = b->name[at];
	if (len == 0) {
		f->end = f->i;
		f->found = 1;
		return 1;
	}
	if (len > 63)
		return 1; /* compression pointers do not occur in questions */
	b->start[at] = 1;
	f->i += len + 1;
	return 0;
}

struct np_back {
	__u64 h;
	__u32 end;
	__u32 gen;
	__u32 verdict;
	__u32 index;
};

/* bpf_loop callback, one byte per call from the end: the hash of every suffix, looked up at label starts (the
 * longest suffix comes last and wins). */
static long np_back_byte(__u64 n, void *ctx)
{
	struct np_back *bk = ctx;
	__u32 zero = 0;
	struct np_name_buf *b = bpf_map_lookup_elem(&np_scratch, &zero);
	if (!b || n + 1 > bk->end)
		return 1;
	__u64 k = bk->end - 1 - n;
	NAME_IDX(k);
	__u8 c = b->name[k];
	if (c >= 'A' && c <= 'Z')
		c += 32;
	bk->h = bk->h * NP_NAME_P + c;
	if (b->start[k]) {
		__u64 h = bk->h;
		struct np_rule *r = bpf_map_lookup_elem(bk->gen ? (void *)&np_names_b : (void *)&np_names_a, &h);
		if (r) {
			bk->verdict = r->action == NP_DENY;
			bk->index = r->index;
		}
	}
	return 0;
}

/* The verdict of the name rules on the question of a DNS message whose name starts at off: 0 let through, 1 deny;
 * *index the rule (0: resolve_default). */
static __always_inline int judge_name(struct __sk_buff *skb, const struct np_config *cfg, __u32 off, __u32 *index)
{
	__u32 zero = 0;
	struct np_name_buf *b = bpf_map_lookup_elem(&np_scratch, &zero);
	if (!b)
		return 0;
	__u32 avail = skb->len > off ? skb->len - off : 0;
	if (avail < 2) {
		count(NP_CNT_ANSWERS_UNPARSED);
		return 0;
	}
	if (avail > NP_NAME_MAX)
		avail = NP_NAME_MAX;
	if (bpf_skb_load_bytes(skb, off, b->name, avail & (NP_NAME_MAX - 1) ? avail & (NP_NAME_MAX - 1) : NP_NAME_MAX)) {
		count(NP_CNT_ANSWERS_UNPARSED);
		return 0;
	}
	__builtin_memset(b->start, 0, NP_NAME_MAX);
	struct np_fwd f = { .avail = avail };
	bpf_loop(NP_MAX_LABELS, np_fwd_label, &f, 0);
	if (!f.found || f.end == 0) {
		count(NP_CNT_ANSWERS_UNPARSED);
		return 0;
	}
	struct np_back bk = { .end = f.end, .gen = cfg->gen, .verdict = cfg->resolve_default == NP_DENY };
	bpf_loop(NP_NAME_MAX, np_back_byte, &bk, 0);
	*index = bk.index;
	return bk.verdict;
}

SEC("cgroup_skb/ingress")
int np_ingress(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct np_config *cfg = bpf_map_lookup_elem(&np_config, &zero);
	if (!cfg || (cfg->resolve_mode != NP_MODE_ENFORCE && cfg->resolve_mode != NP_MODE_BOTH))
		return 1;
	__u8 addr[16] = {};
	__u32 family;
	__u32 l4;
	__u8 proto;
	if (skb->protocol == bpf_htons(ETH_P_IP_)) {
		__u8 h[20];
		if (bpf_skb_load_bytes(skb, 0, h, 20))
			return 1;
		family = 4;
		proto = h[9];
		__builtin_memcpy(addr, h + 12, 4);
		l4 = (h[0] & 0x0f) * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6_)) {
		__u8 h[40];
		if (bpf_skb_load_bytes(skb, 0, h, 40))
			return 1;
		family = 6;
		proto = h[6];
		__builtin_memcpy(addr, h + 8, 16);
		l4 = 40;
	} else {
		return 1;
	}
	if ((proto != 17 && proto != 6) || l4 > 60)
		return 1;
	/* source port, and for TCP the data offset (byte 12) */
	__u8 p[14];
	if (bpf_skb_load_bytes(skb, l4, p, proto == 6 ? 14 : 8))
		return 1;
	if (p[0] != 0 || p[1] != 53)
		return 1;
	__u32 dns = l4 + 8;
	if (proto == 6) {
		/* DNS over TCP: a 2-byte length, then the message; only a segment that starts a message is judged, and
		 * dropping it stalls the exchange until the resolver gives up */
		__u32 doff = (p[12] >> 4) * 4;
		if (doff < 20)
			return 1;
		dns = l4 + doff + 2;
	}
	/* the DNS header: a response (QR) with a question */
	__u8 u[12];
	if (dns > 200 || bpf_skb_load_bytes(skb, dns, u, 12))
		return 1;
	if (!(u[2] & 0x80) || (u[4] == 0 && u[5] == 0))
		return 1;
	count(NP_CNT_ANSWERS);
	__u32 index = 0;
	if (!judge_name(skb, cfg, dns + 12, &index))
		return 1;
	hit(index);
	count(NP_CNT_ANSWERS_DROPPED);
	if (cfg->resolve_mode == NP_MODE_BOTH)
		notice(family, addr, 53, proto, NP_HOOK_RESOLVE, 1, index, bpf_get_socket_cookie(skb),
		       bpf_get_socket_uid(skb), 0);
	return 0;
}
