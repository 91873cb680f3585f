// SPDX-License-Identifier: GPL-2.0
/*
 * Test fixture for the taint tests: a program that is not Jibril's but uses one of its maps. Load it with
 * "bpftool prog load intruder.bpf.o PIN map name counters pinned <pin root>/counters": it then holds Jibril's
 * counters map and could change it without a single bpf() call, which the daemon must notice.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* The shape of Jibril's counters map (common.h), so that bpftool can hand the pinned one in. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

SEC("socket")
int intruder(struct __sk_buff *skb)
{
	__u32 slot = 0;
	__u64 *v = bpf_map_lookup_elem(&counters, &slot);
	if (v)
		*v = 0;
	return 0;
}
