/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Task keys, for every object that names processes (common.h for the program families that share the facts maps,
 * guard.bpf.c which shares none). Userland computes the same: jibril.bpf.layout.Keys.
 */
#ifndef JIBRIL_KEYS_H
#define JIBRIL_KEYS_H

#include "jibril.h"

/* splitmix64 finaliser: userland computes the same (jibril.bpf.layout.Keys). */
static __always_inline __u64 mix64(__u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __always_inline __u64 task_key_of(__u32 tgid, __u64 start_boottime)
{
	return mix64(((__u64)tgid << 40) ^ (start_boottime / NSEC_PER_TICK));
}

#endif
