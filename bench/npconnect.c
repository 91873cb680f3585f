// Connect and send rates through whatever cgroup programs judge this process, for bench/netpolicy.
//   npconnect tcp COUNT   COUNT TCP connects to a listener of its own on 127.0.0.1 (closed with RST)
//   npconnect udp COUNT   COUNT datagrams sent with sendto() to a receiver of its own on 127.0.0.1
// Prints one line: mode count seconds rate_per_s p50_ns p99_ns (latency of the connect() or sendto() call alone).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: npconnect tcp|udp COUNT\n");
		return 2;
	}
	int tcp = strcmp(argv[1], "tcp") == 0;
	long n = atol(argv[2]);
	long long *lat = calloc(n, sizeof(*lat));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int srv = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (srv < 0 || bind(srv, (struct sockaddr *)&a, sizeof(a)) || getsockname(srv, (struct sockaddr *)&a, &al)) {
		perror("server");
		return 1;
	}
	pid_t child = 0;
	if (tcp) {
		listen(srv, 4096);
		child = fork();
		if (child == 0) {
			for (;;) {
				int c = accept(srv, NULL, NULL);
				if (c >= 0)
					close(c);
			}
		}
	}
	struct linger lg = { 1, 0 };
	char byte = 'x';
	int u = tcp ? -1 : socket(AF_INET, SOCK_DGRAM, 0);
	long long t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (tcp) {
			int s = socket(AF_INET, SOCK_STREAM, 0);
			setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			long long b = now_ns();
			if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
				perror("connect");
				return 1;
			}
			lat[i] = now_ns() - b;
			close(s);
		} else {
			long long b = now_ns();
			if (sendto(u, &byte, 1, 0, (struct sockaddr *)&a, sizeof(a)) != 1) {
				perror("sendto");
				return 1;
			}
			lat[i] = now_ns() - b;
			if ((i & 63) == 63) { /* keep the receive queue from filling */
				char buf[64];
				while (recv(srv, buf, sizeof(buf), MSG_DONTWAIT) > 0)
					;
			}
		}
	}
	double secs = (now_ns() - t0) / 1e9;
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	qsort(lat, n, sizeof(*lat), cmp);
	printf("%s %ld %.3f %.0f %lld %lld\n", argv[1], n, secs, n / secs, lat[n / 2], lat[(long)(n * 0.99)]);
	return 0;
}
