// SPDX-License-Identifier: GPL-2.0
/*
 * Entry counts of the host's BPF maps, exact and cheap: a bpf_map iterator that writes, for every map the kernel
 * holds, one struct map_count {id, entries}. The count is the kernel's own per-map element counter (kfunc
 * bpf_map_sum_elem_count, Linux 6.6+), maintained by hash and LRU maps on every insert and delete, so userland no
 * longer walks a map to learn how full it is. Read by jibril.bpf.MapCounter (one read() of the iterator: a few
 * hundred bytes for a few dozen maps); maps without such a counter (arrays, ring buffers) report 0.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern s64 bpf_map_sum_elem_count(const struct bpf_map *map) __ksym;

/* One record per map; mirrored by jibril.bpf.MapCounter. */
struct map_count {
	__u32 id;
	__u32 pad;
	__s64 entries;
};

SEC("iter/bpf_map")
int jibril_map_count(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_map *map = ctx->map;
	struct map_count rec = {};

	if (!map)
		return 0;
	rec.id = map->id;
	rec.entries = bpf_map_sum_elem_count(map);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
