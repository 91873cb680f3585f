// SPDX-License-Identifier: GPL-2.0
/*
 * Test fixture for RingBufferTest: every getppid() of the process whose tgid is in target[0] writes one record to
 * a small ring: a sequence number, then a payload whose length (0..200 bytes) and contents follow from it, so that
 * records of many sizes wrap around the ring's end. Every seventh sequence number is reserved and then discarded.
 * A record that does not fit is counted in target[2].
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define PAYLOAD_MAX 200

struct rec {
	__u64 seq;
	__u8 payload[PAYLOAD_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} target SEC(".maps"); /* 0: the tgid; 1: the next sequence number; 2: records lost */

SEC("tracepoint/syscalls/sys_enter_getppid")
int ringfill(void *ctx)
{
	__u32 k0 = 0, k1 = 1, k2 = 2;
	__u64 *tgid = bpf_map_lookup_elem(&target, &k0);
	__u64 *next = bpf_map_lookup_elem(&target, &k1);
	__u64 *lost = bpf_map_lookup_elem(&target, &k2);
	if (!tgid || !next || !lost || *tgid != (bpf_get_current_pid_tgid() >> 32))
		return 0;
	__u64 seq = __sync_fetch_and_add(next, 1);
	if (seq % 7 == 6) {
		/* Reserved, then thrown away: the consumer must skip it without delivering it. */
		struct rec *d = bpf_ringbuf_reserve(&ring, sizeof(*d), 0);
		if (!d) {
			__sync_fetch_and_add(lost, 1);
			return 0;
		}
		bpf_ringbuf_discard(d, 0);
		return 0;
	}
	struct rec r;
	r.seq = seq;
	for (int i = 0; i < PAYLOAD_MAX; i++)
		r.payload[i] = (__u8)(seq + i);
	/* One size per record, from 8 bytes (no payload) to 8 + 200. */
	__u32 len = (__u32)(seq * 37) & 0xff;
	if (len > PAYLOAD_MAX)
		len -= 56;
	if (bpf_ringbuf_output(&ring, &r, 8 + len, 0))
		__sync_fetch_and_add(lost, 1);
	return 0;
}
