// SPDX-License-Identifier: GPL-2.0
/*
 * Network: every TCP, UDP and ping-socket flow on the host, which process connected, accepted, sent, received
 * and closed on it, its TCP state and who ended it, its bytes and packets, and every DNS answer received.
 *
 * Where each fact comes from:
 *  - cgroup_skb ingress/egress on the root cgroup v2: every packet a socket sends or receives; bytes and
 *    packets, TCP SYN/FIN/RST, and DNS answers (UDP or TCP from port 53). They never drop anything: they return 1.
 *  - tp_btf inet_sock_set_state: TCP states, who initiated, who ended.
 *  - syscall tracepoints, where current is the process that owns the socket: connect, accept/accept4, close,
 *    and sendto/sendmsg/sendmmsg/recvfrom/recvmsg/recvmmsg on unconnected sockets (the peer comes from msg_name).
 *  - tp_btf sock_send_length/sock_recv_length: every send and receive on a connected socket, whichever call made
 *    it (write, read, sendto, recvmsg, sendfile, splice, io_uring...).
 * Facts live in the pinned maps described in jibril.h; notices only hint at new keys; gen values (net_seq for
 * pairs, flow_seq for flows) let sweeps find what a lost notice missed.
 *
 * Known limits: the flow key has no network namespace, so identical tuples in two namespaces (127.0.0.1 in two
 * containers) share one entry; an unconnected UDP/ICMP socket bound to the wildcard has the wildcard as its local
 * address; its close() cannot say which of its flows ended; a receive that does not ask for the peer (recv on an
 * unconnected socket) is not attributed (CNT_NET_NO_PEER); raw sockets are counted by packets, never attributed;
 * TCP Fast Open's sendto-connect is a send, not a connect; of a DNS answer over TCP only the part in the segment
 * that starts it is copied (a message spanning segments is not reassembled); a process that only uses an
 * inherited connected socket is attributed by its sends and receives, not by connect/accept.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

#define EEXIST 17
#define EINPROGRESS 115
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10
#define ST_ESTABLISHED 1
#define ST_SYN_SENT 2
#define ST_SYN_RECV 3
#define ST_FIN_WAIT1 4
#define ST_CLOSE 7
#define ST_CLOSE_WAIT 8
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* Gives a kernel pointer its BTF type, so that fields are read by plain (fault-safe) loads instead of one
 * bpf_probe_read_kernel call each: the socket paths below run on every send and receive. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define CAST(type, p) ((type *)bpf_rdonly_cast((void *)(p), bpf_core_type_id_kernel(type)))

/* flows: key flow key, value struct flow; preallocated hash, 65536 by default (userland sizes it before load).
 * Full: the update fails and CNT_FLOWS_FULL counts it; nothing is evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flows SEC(".maps");

/* task_flow: key struct task_flow_key, value struct task_flow; preallocated hash; full: CNT_TASK_FLOWS_FULL. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct task_flow_key);
	__type(value, struct task_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} task_flow SEC(".maps");

/* dns_answers: key FNV-1a of the payload, value struct dns_answer (about 550 bytes, so allocated on demand);
 * userland deletes what it has read; full: CNT_DNS_FULL. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct dns_answer);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dns_answers SEC(".maps");

/*
 * net_seq: the generation counter (index 0) of task_flow pairs, bumped atomically; flow_seq: the one of flows. Two
 * counters, so that every net_seq value is a pair's: userland's sweep counts a value no pair holds as missed, and
 * skips its walk when every value up to the last sweep's came by notice.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} net_seq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flow_seq SEC(".maps");

/* net_cursors: written by userland only, pinned with the facts (see jibril.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} net_cursors SEC(".maps");

/* A call between its enter and exit tracepoints that only its exit can finish: a connect (the local port and the
 * outcome are known at exit), a receive on an unconnected socket (the kernel writes the peer at exit), a send on
 * an unconnected socket that is not bound yet (the send binds it). The syscall holds its file, so sk stays valid. */
#define CALL_ADDR 1 /* uaddr: struct sockaddr * (sendto, recvfrom; sendmsg, recvmsg: their msg_name) */
#define CALL_MMSG 2 /* uaddr: struct mmsghdr * */
#define CALL_CONNECT 3
struct net_call {
	__u64 sk;    /* struct sock * */
	__u64 uaddr;
	__u32 kind;
	__u32 action;
	__u32 vlen;  /* CALL_MMSG sends: the messages given */
	__u32 pad;
};

/* net_calls: key pid_tgid of the thread in the call, value struct net_call; an entry lives from a syscall's
 * enter to its exit (a thread that dies inside the call has its entry deleted at its exit). Not pinned: it holds
 * no fact. Full (more threads inside these calls at once): CNT_NET_CALLS_FULL. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct net_call);
} net_calls SEC(".maps");

/* Per-CPU scratch for a DNS answer being copied (too big for the stack). Only the ingress program uses it, in
 * softirq, which does not nest on a CPU. Flows being built live on the stack: the other programs run where they
 * can be preempted or interrupted by a packet. */
struct net_scratch {
	struct dns_answer d;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct net_scratch);
} net_scratch SEC(".maps");

/* ---- keys and tuples */

static __always_inline __u64 fnv_byte(__u64 h, __u8 b)
{
	return (h ^ b) * FNV_PRIME;
}

/* The flow key of f's tuple: see jibril.h. */
static __always_inline __u64 flow_key(const struct flow *f)
{
	__u64 h = FNV_OFFSET;
	h = fnv_byte(h, f->proto);
	h = fnv_byte(h, f->family);
#pragma unroll
	for (int i = 0; i < 16; i++)
		h = fnv_byte(h, f->laddr[i]);
	h = fnv_byte(h, f->lport >> 8);
	h = fnv_byte(h, f->lport & 0xff);
#pragma unroll
	for (int i = 0; i < 16; i++)
		h = fnv_byte(h, f->raddr[i]);
	h = fnv_byte(h, f->rport >> 8);
	h = fnv_byte(h, f->rport & 0xff);
	return h;
}

/* Clears the tuple part of f and everything after it. */
static __always_inline void flow_clear(struct flow *f)
{
	__builtin_memset(f, 0, sizeof(*f));
}

static __always_inline int v4mapped(const __u8 *a)
{
	__u64 w0 = *(const __u64 *)a;
	__u32 w2 = *(const __u32 *)(a + 8);
	return w0 == 0 && w2 == bpf_htonl(0xffff);
}

static __always_inline int zero16(const __u8 *a)
{
	return *(const __u64 *)a == 0 && *(const __u64 *)(a + 8) == 0;
}

static __always_inline int zero_addr(const struct flow *f, const __u8 *a)
{
	return f->family == NET_AF_INET ? *(const __u32 *)a == 0 : zero16(a);
}

/* IPv6 with an IPv4-mapped peer (a dual-stack socket talking IPv4) becomes IPv4. */
static __always_inline void normalise(struct flow *f)
{
	if (f->family != NET_AF_INET6 || !v4mapped(f->raddr))
		return;
	if (!v4mapped(f->laddr) && !zero16(f->laddr))
		return;
	f->family = NET_AF_INET;
	*(__u32 *)f->laddr = *(__u32 *)(f->laddr + 12);
	*(__u32 *)f->raddr = *(__u32 *)(f->raddr + 12);
	*(__u32 *)(f->laddr + 12) = 0;
	*(__u32 *)(f->raddr + 12) = 0;
	*(__u32 *)(f->laddr + 8) = 0;
	*(__u32 *)(f->raddr + 8) = 0;
}

/* Fills f (cleared) with what sk knows: protocol, family, local address and port, peer if connected. Returns 0
 * when sk is not a TCP, UDP or ping socket of IPv4/IPv6. Not normalised yet: the caller may still add a peer.
 * sk must be a BTF pointer (a tp_btf argument or CAST). */
static __always_inline int tuple_of_sock(struct flow *f, struct sock *sk)
{
	if (!sk)
		return 0;
	__u16 family = sk->__sk_common.skc_family;
	__u16 proto = sk->sk_protocol;
	__u16 type = sk->sk_type;
	if (family != NET_AF_INET && family != NET_AF_INET6)
		return 0;
	if (!((proto == NET_PROTO_TCP && type == SOCK_STREAM) ||
	      (type == SOCK_DGRAM && (proto == NET_PROTO_UDP || proto == NET_PROTO_ICMP || proto == NET_PROTO_ICMPV6))))
		return 0;
	f->proto = proto;
	f->family = family;
	f->lport = sk->__sk_common.skc_num;
	if (f->lport == 0) /* a closing TCP socket gives its port back before its CLOSE state change */
		f->lport = bpf_ntohs(CAST(struct inet_sock, sk)->inet_sport);
	if (proto == NET_PROTO_ICMP || proto == NET_PROTO_ICMPV6)
		f->rport = 0;
	else
		f->rport = bpf_ntohs(sk->__sk_common.skc_dport);
	if (family == NET_AF_INET) {
		*(__u32 *)f->laddr = sk->__sk_common.skc_rcv_saddr;
		*(__u32 *)f->raddr = sk->__sk_common.skc_daddr;
	} else {
		__builtin_memcpy(f->laddr, &sk->__sk_common.skc_v6_rcv_saddr, 16);
		__builtin_memcpy(f->raddr, &sk->__sk_common.skc_v6_daddr, 16);
	}
	return 1;
}

/* Whether the tuple has a peer: a connected socket (ICMP: a peer address; others: address and port). */
static __always_inline int has_peer(const struct flow *f)
{
	if (zero_addr(f, f->raddr))
		return 0;
	return f->rport != 0 || f->proto == NET_PROTO_ICMP || f->proto == NET_PROTO_ICMPV6;
}

/* Sets the peer of f from a user struct sockaddr (sockaddr_in or sockaddr_in6). Returns 0 when it is not of f's
 * family or unreadable. */
static __always_inline int peer_from_user(struct flow *f, const void *uaddr)
{
	/* family, port, then the IPv4 address at 4 or the IPv6 address at 8: one read of 24 bytes, or of 8 when the
	 * sockaddr_in (16 bytes) ends right before an unmapped page */
	__u8 sa[24];
	if (!uaddr)
		return 0;
	if (bpf_probe_read_user(sa, sizeof(sa), uaddr) && bpf_probe_read_user(sa, 8, uaddr))
		return 0;
	__u16 family = *(__u16 *)sa;
	__be16 port = *(__be16 *)(sa + 2);
	if (family == NET_AF_INET && f->family == NET_AF_INET6 && f->proto == NET_PROTO_UDP) {
		/* udpv6_sendmsg takes an IPv4 peer on a dual-stack socket */
		if (v4mapped(f->laddr))
			*(__u32 *)f->laddr = *(__u32 *)(f->laddr + 12);
		else if (!zero16(f->laddr))
			return 0;
		__builtin_memset(f->laddr + 4, 0, 12);
		f->family = NET_AF_INET;
	}
	if (family != f->family)
		return 0;
	if (family == NET_AF_INET)
		*(__u32 *)f->raddr = *(__u32 *)(sa + 4);
	else
		__builtin_memcpy(f->raddr, sa + 8, 16);
	f->rport = (f->proto == NET_PROTO_ICMP || f->proto == NET_PROTO_ICMPV6) ? 0 : bpf_ntohs(port);
	return !zero_addr(f, f->raddr);
}

/* The socket behind a descriptor of the current process (a BTF pointer), or NULL when it is not a socket. */
static __always_inline struct sock *sock_of_fd(int fd)
{
	if (fd < 0)
		return NULL;
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt = t->files->fdt;
	if (!fdt || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	struct file **fds = fdt->fd;
	struct file *raw = NULL;
	if (bpf_probe_read_kernel(&raw, sizeof(raw), &fds[fd]) || !raw)
		return NULL;
	struct file *file = CAST(struct file, raw);
	if ((file->f_inode->i_mode & S_IFMT) != S_IFSOCK)
		return NULL;
	struct socket *so = CAST(struct socket, file->private_data);
	return so ? so->sk : NULL;
}

/* ---- facts */

static __always_inline __u64 next_gen(void *seq_map)
{
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(seq_map, &zero);
	return seq ? __sync_fetch_and_add(seq, 1) + 1 : 0;
}

/* The next generation of a task_flow pair (net_seq) and of a flow (flow_seq). */
#define pair_gen() next_gen(&net_seq)
#define flow_gen() next_gen(&flow_seq)

static __always_inline struct net_scratch *net_scratch_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&net_scratch, &zero);
}

/* Sets flag bits on a flow; a bit it did not have bumps its gen. */
static __always_inline void flow_mark(struct flow *f, __u64 bits)
{
	if (!bits || (f->flags & bits) == bits)
		return;
	__u64 old = __sync_fetch_and_or(&f->flags, bits);
	if ((old & bits) != bits)
		f->gen = flow_gen();
}

/* The flows entry of tuple t (key k), created with `flags` if new. t's non-tuple fields are overwritten. Returns NULL when the map is full (counted). */
static __always_inline struct flow *flow_get(struct flow *t, __u64 k, __u64 flags, __u32 pid, __u64 now)
{
	struct flow *f = bpf_map_lookup_elem(&flows, &k);
	if (f)
		return f;
	t->state = 0;
	t->pad = 0;
	t->flags = flags;
	t->first_ns = now;
	t->last_ns = now;
	t->bytes_in = 0;
	t->bytes_out = 0;
	t->packets_in = 0;
	t->packets_out = 0;
	t->gen = flow_gen();
	long err = bpf_map_update_elem(&flows, &k, t, BPF_NOEXIST);
	if (err == 0) {
		count(CNT_FLOWS);
		notify(NOTICE_FLOW_NEW, pid, k, t->gen);
	} else if (err != -EEXIST) {
		count(CNT_FLOWS_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&flows, &k);
}

/* The initiator bit to set, if the flow has none yet. */
static __always_inline __u64 initiator(struct flow *f, __u64 bit)
{
	return (f->flags & (FLOW_INIT_LOCAL | FLOW_INIT_REMOTE)) ? 0 : bit;
}

/* Who ended it, if nobody has yet. */
static __always_inline __u64 ender(struct flow *f, __u64 bit)
{
	return (f->flags & (FLOW_END_LOCAL | FLOW_END_REMOTE)) ? 0 : bit;
}

/* A new task_flow pair's notice, with the flow as it is now and the pair as it was made (struct flow_notice). */
static __always_inline void notify_task_flow(__u32 pid, struct task_flow_key *tk, struct flow *f,
					     struct task_flow *tf)
{
	struct flow_notice *p = bpf_ringbuf_reserve(&notices, sizeof(*p), 0);
	if (!p) {
		count(CNT_NOTICE_LOST);
		return;
	}
	p->n.kind = NOTICE_TASK_FLOW;
	p->n.pid = pid;
	p->n.key = tk->task_key;
	p->n.seq = tk->flow_key;
	p->n.gen = tf->gen;
	__builtin_memcpy(&p->f, f, sizeof(p->f));
	__builtin_memcpy(&p->tf, tf, sizeof(p->tf));
	bpf_ringbuf_submit(p, 0);
}

/* A pair's new action, with the pair as the action left it (struct flow_bits_notice). */
static __always_inline void notify_flow_bits(__u32 pid, struct task_flow_key *tk, struct task_flow *tf, __u64 gen)
{
	struct flow_bits_notice *p = bpf_ringbuf_reserve(&notices, sizeof(*p), 0);
	if (!p) {
		count(CNT_NOTICE_LOST);
		return;
	}
	p->n.kind = NOTICE_TASK_FLOW;
	p->n.pid = pid;
	p->n.key = tk->task_key;
	p->n.seq = tk->flow_key;
	p->n.gen = gen;
	__builtin_memcpy(&p->tf, tf, sizeof(p->tf));
	bpf_ringbuf_submit(p, 0);
}

/*
 * Records that the current process did `action` on flow t (a normalised tuple), creating the flow
 * (with `init`, an initiator bit or 0) and the task_flow pair as needed. Repeats only update last_ns.
 */
static __always_inline void flow_did(struct flow *t, __u64 init, __u64 action, int adopt_now)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	if (!cur->mm)
		return; /* a kernel thread sending on its own behalf */
	__u64 now = bpf_ktime_get_boot_ns();
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 k = flow_key(t);
	struct flow *f = flow_get(t, k, init, pid, now);
	if (!f)
		return;
	f->last_ns = now;
	flow_mark(f, initiator(f, init));

	struct task_struct *leader = cur->group_leader;
	struct task_flow_key tk = { .task_key = task_key_of(leader->tgid, leader->start_boottime), .flow_key = k };
	struct task_flow *tf = bpf_map_lookup_elem(&task_flow, &tk);
	if (!tf) {
		if (adopt_now)
			adopt_current();
		struct task_flow v = { .actions = action, .first_ns = now, .last_ns = now, .gen = pair_gen() };
		long err = bpf_map_update_elem(&task_flow, &tk, &v, BPF_NOEXIST);
		if (err == 0) {
			notify_task_flow(pid, &tk, f, &v);
			return;
		}
		if (err != -EEXIST) {
			count(CNT_TASK_FLOWS_FULL);
			return;
		}
		tf = bpf_map_lookup_elem(&task_flow, &tk); /* another CPU created it meanwhile */
		if (!tf)
			return;
	}
	tf->last_ns = now;
	if ((tf->actions & action) == action)
		return;
	__u64 old = __sync_fetch_and_or(&tf->actions, action);
	if ((old & action) == action)
		return;
	__u64 gen = pair_gen();
	tf->gen = gen;
	notify_flow_bits(pid, &tk, tf, gen);
}

static __always_inline void task_did(struct flow *t, __u64 init, __u64 action)
{
	flow_did(t, init, action, 1);
}

/* ---- TCP states */

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(jibril_tcp_state, const struct sock *sk, const int oldstate, const int newstate)
{
	struct flow tuple;
	struct flow *t = &tuple;
	flow_clear(t);
	if (!tuple_of_sock(t, (struct sock *)sk) || t->proto != NET_PROTO_TCP)
		return 0;
	/* SYN_SENT is set before the local port is chosen, SYN_RECV before the child socket has its addresses,
	 * LISTEN has no peer: those transitions carry no complete tuple. */
	if (t->lport == 0 || !has_peer(t))
		return 0;
	normalise(t);
	__u64 init = 0, bits = 0;
	if (newstate == ST_ESTABLISHED) {
		bits |= FLOW_ESTABLISHED;
		init = oldstate == ST_SYN_SENT ? FLOW_INIT_LOCAL : oldstate == ST_SYN_RECV ? FLOW_INIT_REMOTE : 0;
	}
	__u64 k = flow_key(t);
	__u64 now = bpf_ktime_get_boot_ns();
	struct flow *f = flow_get(t, k, init, 0, now);
	if (!f)
		return 0;
	f->state = newstate;
	f->last_ns = now;
	if (oldstate == ST_ESTABLISHED && newstate == ST_FIN_WAIT1)
		bits |= ender(f, FLOW_END_LOCAL);
	else if (oldstate == ST_ESTABLISHED && newstate == ST_CLOSE_WAIT)
		bits |= ender(f, FLOW_END_REMOTE);
	if (newstate == ST_CLOSE)
		bits |= FLOW_CLOSED;
	flow_mark(f, bits | initiator(f, init));
	return 0;
}

/* ---- sends and receives on connected sockets, whatever the call */

static __always_inline void connected_io(struct sock *sk, int ret, __u64 action)
{
	if (ret < 0)
		return;
	struct flow tuple;
	struct flow *t = &tuple;
	flow_clear(t);
	if (!tuple_of_sock(t, sk) || !has_peer(t) || t->lport == 0)
		return; /* unconnected: the syscall tracepoints below know the peer */
	normalise(t);
	task_did(t, 0, action);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(jibril_send, struct sock *sk, int ret, int flags)
{
	connected_io(sk, ret, NET_ACT_SEND);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(jibril_recv, struct sock *sk, int ret, int flags)
{
	connected_io(sk, ret, NET_ACT_RECV);
	return 0;
}

/* ---- syscalls: connect, accept, close, and the peers of unconnected sockets */

static __always_inline void call_begin(struct sock *sk, __u32 kind, __u64 uaddr, __u32 action, __u32 vlen)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct net_call c = { .sk = (__u64)sk, .uaddr = uaddr, .kind = kind, .action = action, .vlen = vlen };
	if (bpf_map_update_elem(&net_calls, &id, &c, BPF_ANY))
		count(CNT_NET_CALLS_FULL);
}

/* Takes the current thread's call, if any, into c. */
static __always_inline int call_end(struct net_call *c)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct net_call *v = bpf_map_lookup_elem(&net_calls, &id);
	if (!v)
		return 0;
	*c = *v;
	bpf_map_delete_elem(&net_calls, &id);
	return 1;
}

/* Fills t with the flow of a connected socket; 0 when sk is not a connected inet socket. */
static __always_inline int connected_flow(struct flow *t, struct sock *sk)
{
	flow_clear(t);
	if (!tuple_of_sock(t, sk) || !has_peer(t) || t->lport == 0)
		return 0;
	normalise(t);
	return 1;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int jibril_connect_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct sock *sk = sock_of_fd((int)ctx->args[0]);
	if (!sk)
		return 0;
	__u16 family = sk->__sk_common.skc_family;
	if (family == NET_AF_INET || family == NET_AF_INET6)
		call_begin(sk, CALL_CONNECT, 0, NET_ACT_CONNECT, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int jibril_connect_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct net_call c;
	if (!call_end(&c) || c.kind != CALL_CONNECT)
		return 0;
	if (ctx->ret != 0 && ctx->ret != -EINPROGRESS)
		return 0;
	struct flow t;
	if (connected_flow(&t, CAST(struct sock, c.sk)))
		task_did(&t, FLOW_INIT_LOCAL, NET_ACT_CONNECT);
	return 0;
}

static __always_inline void accepted(long fd)
{
	if (fd < 0)
		return;
	struct flow t;
	if (connected_flow(&t, sock_of_fd((int)fd)))
		task_did(&t, FLOW_INIT_REMOTE, NET_ACT_ACCEPT);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int jibril_accept_exit(struct trace_event_raw_sys_exit *ctx)
{
	accepted(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int jibril_accept4_exit(struct trace_event_raw_sys_exit *ctx)
{
	accepted(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_close")
int jibril_close(struct trace_event_raw_sys_enter *ctx)
{
	struct flow tuple;
	struct flow *t = &tuple;
	if (!connected_flow(t, sock_of_fd((int)ctx->args[0])))
		return 0;
	task_did(t, 0, NET_ACT_CLOSE);
	if (t->proto == NET_PROTO_TCP)
		return 0; /* TCP: the state machine tells when and by whom the flow ends */
	__u64 k = flow_key(t);
	struct flow *f = bpf_map_lookup_elem(&flows, &k);
	if (f)
		flow_mark(f, FLOW_CLOSED | ender(f, FLOW_END_LOCAL));
	return 0;
}

/* Whether sk is a UDP or ping socket without a peer: its sends and receives name the peer each time (connected
 * sockets are handled by sock_send_length/sock_recv_length). *bound says whether it has its local port yet. */
static __always_inline int unconnected(struct sock *sk, int *bound)
{
	struct flow tuple;
	struct flow *t = &tuple;
	flow_clear(t);
	if (!tuple_of_sock(t, sk) || t->proto == NET_PROTO_TCP || has_peer(t))
		return 0;
	*bound = t->lport != 0;
	return 1;
}

/* The unconnected socket sk's tuple with the peer at uaddr, attributed to the current task. */
static __always_inline void unconnected_io(struct sock *sk, const void *uaddr, __u64 action, int adopt_now)
{
	struct flow tuple;
	struct flow *t = &tuple;
	flow_clear(t);
	if (!tuple_of_sock(t, sk) || t->lport == 0)
		return;
	if (!peer_from_user(t, uaddr)) {
		count(CNT_NET_NO_PEER);
		return;
	}
	normalise(t);
	flow_did(t, action == NET_ACT_SEND ? FLOW_INIT_LOCAL : FLOW_INIT_REMOTE, action, adopt_now);
}

struct mmsg_walk {
	struct mmsghdr *vec;
	struct sock *sk;
	__u32 action;
};

/* One message of sendmmsg/recvmmsg; bpf_loop calls it so that the verifier checks it once. */
static long mmsg_step(__u64 i, void *arg)
{
	struct mmsg_walk *w = arg;
	void *name = NULL;
	if (bpf_probe_read_user(&name, sizeof(name), &w->vec[i].msg_hdr.msg_name) == 0 && name)
		unconnected_io(w->sk, name, w->action, 0); /* mmsg_io() adopted the process (adopt_current) */
	else
		count(CNT_NET_NO_PEER);
	return 0;
}

static __always_inline void mmsg_io(struct sock *sk, __u64 vec, __u64 n, __u32 action)
{
	if (n > NET_MMSG_MAX) {
		count(CNT_MMSG_TRUNCATED);
		n = NET_MMSG_MAX;
	}
	struct mmsg_walk w = { .vec = (struct mmsghdr *)vec, .sk = sk, .action = action };
	if (n)
		adopt_current();
	bpf_loop(n, mmsg_step, &w, 0);
}

/*
 * Enter of a send or receive with a peer address at uaddr (CALL_ADDR) or a message vector (CALL_MMSG, vlen
 * messages). Sends on a bound socket are recorded now (the peer is in user memory already; a send that then fails
 * is still an attempt to reach that peer); receives, and sends that will bind the socket, at exit.
 */
static __always_inline void io_begin(int fd, __u32 kind, __u64 uaddr, __u32 vlen, __u32 action)
{
	if (!uaddr)
		return; /* no peer address: a connected socket, or a receiver that does not ask for the peer */
	struct sock *sk = sock_of_fd(fd);
	int bound = 0;
	if (!unconnected(sk, &bound))
		return;
	if (action == NET_ACT_SEND && bound) {
		if (kind == CALL_ADDR)
			unconnected_io(sk, (const void *)uaddr, action, 1);
		else
			mmsg_io(sk, uaddr, vlen, action);
		return;
	}
	call_begin(sk, kind, uaddr, action, vlen);
}

static __always_inline void io_end(struct trace_event_raw_sys_exit *ctx)
{
	struct net_call c;
	if (!call_end(&c) || ctx->ret < 0)
		return;
	struct sock *sk = CAST(struct sock, c.sk);
	if (c.kind == CALL_ADDR)
		unconnected_io(sk, (const void *)c.uaddr, c.action, 1);
	else if (c.kind == CALL_MMSG)
		mmsg_io(sk, c.uaddr, ctx->ret, c.action); /* ret: the messages sent or received */
}

/* sendto, recvfrom: args fd, buf, len, flags, addr, addrlen. */
static __always_inline void addr_call(struct trace_event_raw_sys_enter *ctx, __u32 action)
{
	io_begin((int)ctx->args[0], CALL_ADDR, ctx->args[4], 0, action);
}

/* sendmsg, recvmsg: args fd, struct user_msghdr *msg, flags; the peer is msg->msg_name. */
static __always_inline void msg_call(struct trace_event_raw_sys_enter *ctx, __u32 action)
{
	struct user_msghdr *msg = (struct user_msghdr *)ctx->args[1];
	void *name = NULL;
	if (msg && bpf_probe_read_user(&name, sizeof(name), &msg->msg_name) == 0)
		io_begin((int)ctx->args[0], CALL_ADDR, (__u64)name, 0, action);
}

/* sendmmsg, recvmmsg: args fd, struct mmsghdr *vec, vlen, flags. */
static __always_inline void mmsg_call(struct trace_event_raw_sys_enter *ctx, __u32 action)
{
	io_begin((int)ctx->args[0], CALL_MMSG, ctx->args[1], (__u32)ctx->args[2], action);
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int jibril_sendto_enter(struct trace_event_raw_sys_enter *ctx)
{
	addr_call(ctx, NET_ACT_SEND);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_sendto")
int jibril_sendto_exit(struct trace_event_raw_sys_exit *ctx)
{
	io_end(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_recvfrom")
int jibril_recvfrom_enter(struct trace_event_raw_sys_enter *ctx)
{
	addr_call(ctx, NET_ACT_RECV);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_recvfrom")
int jibril_recvfrom_exit(struct trace_event_raw_sys_exit *ctx)
{
	io_end(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int jibril_sendmsg_enter(struct trace_event_raw_sys_enter *ctx)
{
	msg_call(ctx, NET_ACT_SEND);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int jibril_sendmsg_exit(struct trace_event_raw_sys_exit *ctx)
{
	io_end(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int jibril_recvmsg_enter(struct trace_event_raw_sys_enter *ctx)
{
	msg_call(ctx, NET_ACT_RECV);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_recvmsg")
int jibril_recvmsg_exit(struct trace_event_raw_sys_exit *ctx)
{
	io_end(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int jibril_sendmmsg_enter(struct trace_event_raw_sys_enter *ctx)
{
	mmsg_call(ctx, NET_ACT_SEND);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_sendmmsg")
int jibril_sendmmsg_exit(struct trace_event_raw_sys_exit *ctx)
{
	io_end(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_recvmmsg")
int jibril_recvmmsg_enter(struct trace_event_raw_sys_enter *ctx)
{
	mmsg_call(ctx, NET_ACT_RECV);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_recvmmsg")
int jibril_recvmmsg_exit(struct trace_event_raw_sys_exit *ctx)
{
	io_end(ctx);
	return 0;
}

/* A thread that dies inside one of the calls above never reaches its exit tracepoint. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(jibril_net_thread_exit, struct task_struct *p)
{
	__u64 id = bpf_get_current_pid_tgid();
	bpf_map_delete_elem(&net_calls, &id);
	return 0;
}

/* ---- packets */

/* Copies a DNS answer (the message at off, at most limit bytes of it; 0: to the end) into dns_answers. */
static __always_inline void dns_copy(struct __sk_buff *skb, __u32 off, __u32 limit, __u64 fk)
{
	struct net_scratch *ns = net_scratch_get();
	if (!ns)
		return;
	struct dns_answer *d = &ns->d;
	if (skb->len <= off)
		return;
	__u32 len = skb->len - off;
	__u32 flags = 0;
	if (limit && len > limit)
		len = limit;
	if (len > DNS_MAX) {
		len = DNS_MAX;
		flags = DNS_TRUNCATED;
	}
	if (len < 12) /* not even a DNS header */
		return;
	__u8 qr = 0;
	if (bpf_skb_load_bytes(skb, off + 2, &qr, 1) || !(qr & 0x80))
		return; /* a query, not an answer */
	count(CNT_DNS_ANSWERS);
	if (flags)
		count(CNT_DNS_TRUNCATED);
	__builtin_memset(d->payload, 0, DNS_MAX);
	KEEP(len);
	len &= 2 * DNS_MAX - 1;
	if (len < 12 || len > DNS_MAX)
		return;
	if (bpf_skb_load_bytes(skb, off, d->payload, len))
		return;
	__u64 h = FNV_OFFSET;
	for (__u32 i = 0; i < DNS_MAX; i++) {
		if (i >= len)
			break;
		h = fnv_byte(h, d->payload[i]);
	}
	__u64 now = bpf_ktime_get_boot_ns();
	struct dns_answer *old = bpf_map_lookup_elem(&dns_answers, &h);
	if (old) {
		__sync_fetch_and_add(&old->count, 1);
		old->last_ns = now;
		return;
	}
	d->len = len;
	d->flags = flags;
	d->first_ns = now;
	d->last_ns = now;
	d->flow_key = fk;
	d->count = 1;
	long err = bpf_map_update_elem(&dns_answers, &h, d, BPF_NOEXIST);
	if (err == -EEXIST)
		return;
	if (err) {
		count(CNT_DNS_FULL);
		return;
	}
	notify(NOTICE_DNS, 0, h, fk);
}

/* Counts one packet on its flow. Returns nothing and never fails the packet. */
static __always_inline void account(struct __sk_buff *skb, int ingress)
{
	struct flow tuple;
	struct flow *t = &tuple;
	flow_clear(t);
	__u8 *src = ingress ? t->raddr : t->laddr;
	__u8 *dst = ingress ? t->laddr : t->raddr;
	__u32 off;
	__u8 proto;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;
		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
			return;
		if (ip.frag_off & bpf_htons(0x1fff)) {
			count(CNT_NET_UNPARSED);
			return;
		}
		t->family = NET_AF_INET;
		*(__u32 *)src = ip.saddr;
		*(__u32 *)dst = ip.daddr;
		off = ip.ihl * 4;
		proto = ip.protocol;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)))
			return;
		t->family = NET_AF_INET6;
		__builtin_memcpy(src, &ip6.saddr, 16);
		__builtin_memcpy(dst, &ip6.daddr, 16);
		off = sizeof(ip6);
		proto = ip6.nexthdr;
		/* Hop-by-hop, routing and destination options headers: skip a few. */
#pragma unroll
		for (int i = 0; i < 4; i++) {
			if (proto != 0 && proto != 43 && proto != 60)
				break;
			__u8 ext[2];
			if (bpf_skb_load_bytes(skb, off, ext, 2))
				return;
			proto = ext[0];
			off += (ext[1] + 1) * 8;
		}
	} else {
		return;
	}
	count(CNT_PACKETS);
	int icmp = (proto == NET_PROTO_ICMP && t->family == NET_AF_INET) ||
		   (proto == NET_PROTO_ICMPV6 && t->family == NET_AF_INET6);
	if (proto != NET_PROTO_TCP && proto != NET_PROTO_UDP && !icmp) {
		count(CNT_NET_UNPARSED);
		return;
	}
	/* TCP: ports, seq, ack, data offset, flags (byte 13); UDP: ports; ICMP: type, code, checksum, identifier. */
	__u8 h[14] = {};
	if (bpf_skb_load_bytes(skb, off, h, proto == NET_PROTO_TCP ? 14 : proto == NET_PROTO_UDP ? 4 : 8)) {
		count(CNT_NET_UNPARSED);
		return;
	}
	t->proto = proto;
	__u64 init = 0, bits = 0;
	__u16 sport = (__u16)h[0] << 8 | h[1];
	__u16 dport = (__u16)h[2] << 8 | h[3];
	if (icmp) {
		int request = h[0] == (proto == NET_PROTO_ICMP ? 8 : 128);
		int reply = h[0] == (proto == NET_PROTO_ICMP ? 0 : 129);
		if (request || reply) {
			t->lport = (__u16)h[4] << 8 | h[5];
			/* an echo request sent or a reply received: this host asked */
			init = (request != ingress) ? FLOW_INIT_LOCAL : FLOW_INIT_REMOTE;
		}
	} else {
		t->lport = ingress ? dport : sport;
		t->rport = ingress ? sport : dport;
	}
	/* UDP and ping sockets bound to the wildcard and not connected: the flow's local address is the wildcard,
	 * as the syscall side sees it (jibril.h). */
	if (proto != NET_PROTO_TCP) {
		struct bpf_sock *sk = skb->sk;
		if (sk)
			sk = bpf_sk_fullsock(sk);
		if (sk && sk->type == SOCK_DGRAM) {
			int wild;
			if (sk->family == NET_AF_INET)
				wild = sk->src_ip4 == 0;
			else
				wild = sk->src_ip6[0] == 0 && sk->src_ip6[1] == 0 && sk->src_ip6[3] == 0 &&
				       (sk->src_ip6[2] == 0 || (t->family == NET_AF_INET && sk->src_ip6[2] == bpf_htonl(0xffff)));
			if (wild)
				__builtin_memset(t->laddr, 0, 16);
		}
	}
	if (proto == NET_PROTO_UDP)
		init = ingress ? FLOW_INIT_REMOTE : FLOW_INIT_LOCAL; /* only when this packet creates the flow */
	if (proto == NET_PROTO_TCP) {
		__u8 fl = h[13];
		if ((fl & (TCP_SYN | TCP_ACK)) == TCP_SYN)
			init = ingress ? FLOW_INIT_REMOTE : FLOW_INIT_LOCAL;
		else if ((fl & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
			init = ingress ? FLOW_INIT_LOCAL : FLOW_INIT_REMOTE;
		if (fl & TCP_RST)
			bits |= ingress ? FLOW_RST_IN : FLOW_RST_OUT;
	}
	__u64 k = flow_key(t);
	__u64 now = bpf_ktime_get_boot_ns();
	struct flow *f = flow_get(t, k, init, 0, now);
	if (!f)
		return;
	__u64 segs = skb->gso_segs;
	if (segs == 0)
		segs = 1;
	if (ingress) {
		__sync_fetch_and_add(&f->bytes_in, skb->len);
		__sync_fetch_and_add(&f->packets_in, segs);
	} else {
		__sync_fetch_and_add(&f->bytes_out, skb->len);
		__sync_fetch_and_add(&f->packets_out, segs);
	}
	f->last_ns = now;
	if (proto == NET_PROTO_TCP) {
		if (h[13] & (TCP_FIN | TCP_RST))
			bits |= ender(f, ingress ? FLOW_END_REMOTE : FLOW_END_LOCAL);
		if (init == FLOW_INIT_LOCAL || init == FLOW_INIT_REMOTE)
			bits |= initiator(f, init);
	} else if (proto != NET_PROTO_UDP) {
		bits |= initiator(f, init);
	}
	flow_mark(f, bits);
	if (ingress && proto == NET_PROTO_UDP && t->rport == 53)
		dns_copy(skb, off + 8, 0, k);
	/* DNS over TCP (RFC 7766): a segment from port 53 whose payload starts with a message's two-byte length
	 * (servers write both at once). An answer split over segments keeps what its first segment holds; a length
	 * sent in a segment of its own is not followed. */
	if (ingress && proto == NET_PROTO_TCP && t->rport == 53) {
		__u32 poff = off + ((h[12] >> 4) & 0xf) * 4;
		__u8 ml[2];
		if (skb->len >= poff + 2 + 12 && !bpf_skb_load_bytes(skb, poff, ml, 2)) {
			__u32 mlen = (__u32)ml[0] << 8 | ml[1];
			if (mlen >= 12)
				dns_copy(skb, poff + 2, mlen, k);
		}
	}
}

SEC("cgroup_skb/ingress")
int jibril_ingress(struct __sk_buff *skb)
{
	account(skb, 1);
	return 1; /* observe, never block */
}

SEC("cgroup_skb/egress")
int jibril_egress(struct __sk_buff *skb)
{
	account(skb, 0);
	return 1; /* observe, never block */
}
