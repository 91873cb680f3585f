// SPDX-License-Identifier: GPL-2.0
/*
 * Test fixture for LoadErrorTest: jibril_reject dereferences a map value without the NULL check the verifier
 * demands, so loading it must fail with the verifier's complaint; jibril_accept is fine, so the object loads and
 * attaches once jibril_reject's autoload is off. cells is a hash: since Linux 6.18 the verifier knows that an
 * array lookup with a constant in-bounds key cannot return NULL, so an array would not do.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cells SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(jibril_reject)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&cells, &zero);
	*v += 1;
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(jibril_accept)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&cells, &zero);
	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}
