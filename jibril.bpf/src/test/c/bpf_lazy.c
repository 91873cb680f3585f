// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper of GuardProgramTest, compiled with the host's C compiler at test time: a write into a pinned array
 * map whose bpf() argument sits in a page that is not mapped in yet (a file mapping never touched), so that a
 * tracing program cannot read it when the call enters; the kernel faults it in to copy it. Prints "ok" on success,
 * exits 1 with the failing call on error.
 *
 *   bpf_lazy PIN VALUE      bpf(BPF_MAP_UPDATE_ELEM) of key 0 (u32) to VALUE (u64) in the map pinned at PIN
 */
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bpf_lazy PIN VALUE\n");
		return 2;
	}
	union bpf_attr get;
	memset(&get, 0, sizeof(get));
	get.pathname = (uint64_t)(uintptr_t)argv[1];
	long fd = bpf(BPF_OBJ_GET, &get);
	if (fd < 0)
		die("BPF_OBJ_GET");

	static uint32_t key;
	static uint64_t value;
	value = strtoull(argv[2], NULL, 0);
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)fd;
	attr.key = (uint64_t)(uintptr_t)&key;
	attr.value = (uint64_t)(uintptr_t)&value;
	attr.flags = BPF_ANY;

	/* The argument goes through a file written with write(2) (so it is in the page cache) and mapped but never
	 * touched here: the page table has no entry for it until the kernel's copy faults it in. */
	FILE *tmp = tmpfile();
	if (!tmp)
		die("tmpfile");
	long page = sysconf(_SC_PAGESIZE);
	if (fwrite(&attr, sizeof(attr), 1, tmp) != 1 || fflush(tmp))
		die("write");
	if (ftruncate(fileno(tmp), page))
		die("ftruncate");
	union bpf_attr *lazy = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fileno(tmp), 0);
	if (lazy == MAP_FAILED)
		die("mmap");
	if (bpf(BPF_MAP_UPDATE_ELEM, lazy))
		die("BPF_MAP_UPDATE_ELEM");
	printf("ok\n");
	return 0;
}
