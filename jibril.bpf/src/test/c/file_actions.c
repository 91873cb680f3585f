// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper of FilesProgramTest, compiled with the host's C compiler at test time: the file actions Java cannot
 * make with the exact system call the files program family hooks. Prints one line on success, exits 1 with the
 * failing call on error.
 *
 *   file_actions fasync FILE          open, then fcntl(F_SETFL, O_ASYNC)
 *   file_actions flock FILE           open, flock(LOCK_EX), flock(LOCK_UN)
 *   file_actions truncate FILE        truncate(2) by path
 *   file_actions dirfd DIR A B        openat(dirfd, A, O_CREAT), write, close, renameat(dirfd, A, dirfd, B),
 *                                     linkat(dirfd, B, dirfd, A), unlinkat(dirfd, A), unlinkat(dirfd, B)
 *   file_actions missing FILE         open, unlink, rename (to FILE.2), truncate, link (to FILE.3) of a file that
 *                                     does not exist: every call must fail with ENOENT
 *   file_actions reads FILE N         N times pread(fd, 1 byte, offset 0); prints "ns_per_read <x>" (CPU time)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* CPU time of this thread: unlike wall time, it does not count the time other processes had the CPU, which on a
 * shared machine is most of the noise. System call time (and so the BPF programs') is included. */
static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void reads(const char *file, long n)
{
	int fd = open(file, O_RDONLY);
	char c;
	if (fd < 0)
		die("open");
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (pread(fd, &c, 1, 0) < 0)
			die("pread");
	double t1 = now_ns();
	printf("ns_per_read %.1f\n", (t1 - t0) / n);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s fasync|flock|truncate|dirfd|missing|reads ARGS\n", argv[0]);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "fasync")) {
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			die("open");
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC) < 0)
			die("fcntl(F_SETFL, O_ASYNC)");
		close(fd);
	} else if (!strcmp(cmd, "flock")) {
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			die("open");
		if (flock(fd, LOCK_EX) < 0 || flock(fd, LOCK_UN) < 0)
			die("flock");
		close(fd);
	} else if (!strcmp(cmd, "truncate")) {
		if (truncate(argv[2], 1) < 0)
			die("truncate");
	} else if (!strcmp(cmd, "dirfd") && argc == 5) {
		int dfd = open(argv[2], O_RDONLY | O_DIRECTORY);
		if (dfd < 0)
			die("open(dir)");
		int fd = openat(dfd, argv[3], O_CREAT | O_WRONLY | O_EXCL, 0640);
		if (fd < 0)
			die("openat");
		if (write(fd, "x", 1) != 1)
			die("write");
		close(fd);
		if (renameat(dfd, argv[3], dfd, argv[4]) < 0)
			die("renameat");
		if (linkat(dfd, argv[4], dfd, argv[3], 0) < 0)
			die("linkat");
		if (unlinkat(dfd, argv[3], 0) < 0 || unlinkat(dfd, argv[4], 0) < 0)
			die("unlinkat");
		close(dfd);
	} else if (!strcmp(cmd, "missing")) {
		char other[4096];
		snprintf(other, sizeof(other), "%s.2", argv[2]);
		if (open(argv[2], O_RDONLY) >= 0 || errno != ENOENT)
			die("open of a missing file");
		if (unlink(argv[2]) == 0 || errno != ENOENT)
			die("unlink of a missing file");
		if (rename(argv[2], other) == 0 || errno != ENOENT)
			die("rename of a missing file");
		if (truncate(argv[2], 0) == 0 || errno != ENOENT)
			die("truncate of a missing file");
		snprintf(other, sizeof(other), "%s.3", argv[2]);
		if (link(argv[2], other) == 0 || errno != ENOENT)
			die("link of a missing file");
	} else if (!strcmp(cmd, "reads") && argc == 4) {
		reads(argv[2], atol(argv[3]));
	} else {
		fprintf(stderr, "%s: unknown command or wrong arguments\n", cmd);
		return 2;
	}
	printf("ok %s\n", cmd);
	return 0;
}
