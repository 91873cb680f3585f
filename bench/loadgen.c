/*
 * Jibril's load generator: produces a known number of distinct facts at a fixed offered rate, and prints the
 * ground truth as ONE JSON line on stdout at the end (plus, with --facts FILE, the list of facts).
 *
 *   gcc -O2 -o bench/target/loadgen bench/loadgen.c -lpthread
 *
 *   loadgen MODE [--rate N] [--duration S] [--workers W] [--dir DIR] [--prefix P] [--facts FILE] [options]
 *
 * Modes (one "event" is one operation below; a "fact" is what Jibril must keep once, however often it repeats):
 *   open-distinct  a child process first creates --files N empty files DIR/P.<i> (skipped when they exist, so a
 *                  file set can serve many runs); then each open+read+close is on a different file: every event
 *                  is a distinct fact (this process, that file). Facts file: "pid path" per line.
 *   open-same      open+read+close the same --files K files (default 4) over and over: K facts, many events.
 *                  Facts file: "pid path" per line (K lines).
 *   exec           posix_spawn (vfork+exec) of --exe (default: a copy of /bin/true at DIR/P-true) with argv[1] =
 *                  "P.<worker>.<seq>": every exec is a distinct fact (process C executed X, C a new process).
 *                  Workers are processes. Facts file: "pid seq-arg path" per line.
 *   connect        TCP connect to 127.0.0.1 listeners that a child process of the generator runs (--ports, default
 *                  64 ports), then close with RST (no TIME_WAIT): a flow fact per distinct (local port, remote
 *                  port) pair of this process. Facts file: "pid local-port 127.0.0.1 remote-port" per line
 *                  (one per connection; "facts" in the JSON counts distinct pairs).
 *
 * Options:
 *   --rate N        offered events/s over all workers; 0 = as fast as possible (default 0). Paced per worker with
 *                   a token bucket on CLOCK_MONOTONIC (burst at most 10 ms worth), sleeping in slices <= 1 ms.
 *   --duration S    seconds of load (default 2; fractions allowed)
 *   --workers W     threads (processes for exec) (default 1)
 *   --dir DIR       working directory for files and the exec helper (default /tmp)
 *   --prefix P      unique name prefix of files, helper and exec arguments (default lg<pid>)
 *   --facts FILE    write the list of generated facts there
 *   --files N       open-distinct: files in the set (default: rate*duration*1.1+1000, or 1000000*duration at
 *                   rate 0; a worker that runs out stops early and "exhausted" says so); open-same: K (default 4)
 *   --file-bytes B  bytes written in each created file (default 0: reads return 0 but are still read calls)
 *   --exe PATH      exec: binary to spawn instead of the DIR/P-true copy
 *   --ports N       connect: listener ports (default 64)
 *   --start-at T    wait until CLOCK_REALTIME T (seconds since the epoch, fractions allowed) before starting
 *
 * JSON fields: mode, pid, prefix, workers, offered_rate, achieved_rate, events, facts, duration_s (measured),
 * errors, exhausted, op_ns_mean/p50/p99 (time inside the operation itself, e.g. open+read+close), cpu_user_s,
 * cpu_sys_s (generator, all threads/worker processes), children_cpu_s (exec helpers), start_epoch, end_epoch
 * (CLOCK_REALTIME), prepare_s (file creation), files (open modes), exe (exec), ports (connect).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum mode { M_OPEN_DISTINCT, M_OPEN_SAME, M_EXEC, M_CONNECT };
static const char *mode_names[] = { "open-distinct", "open-same", "exec", "connect" };

/* Histogram of operation times: 50 ns buckets up to 5 ms, then one overflow bucket. */
#define HIST_NS 50
#define HIST_N 100000

struct worker {
	int id;
	double rate;           /* events/s for this worker, 0 = unpaced */
	uint64_t start_index;  /* open-distinct: first file index; stride = workers */
	/* results */
	uint64_t events;
	uint64_t errors;
	uint64_t op_ns_sum;
	int exhausted;
	double cpu_user_s, cpu_sys_s; /* exec: the worker process's own CPU */
	uint64_t hist[HIST_N + 1];
	/* facts (growable; for exec and connect: in a shared mapping when workers are processes) */
	uint64_t *rec;         /* open-distinct: file index; exec: (pid << 32 | seq); connect: lport << 16 | rport */
	uint64_t nrec, caprec;
};

static enum mode mode;
static double opt_rate = 0, opt_duration = 2;
static int opt_workers = 1, opt_ports = 64, opt_file_bytes = 0;
static uint64_t opt_files = 0;
static const char *opt_dir = "/tmp", *opt_facts = NULL, *opt_exe = NULL;
static char opt_prefix[128];
static double opt_start_at = 0;
static char exe_path[PATH_MAX];
static uint16_t ports[1024];
static struct timespec t_start, t_stop;
static double prepare_s = 0;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "loadgen: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static inline uint64_t ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

static inline uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return ns(&t);
}

static double epoch_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void sleep_ns(uint64_t d)
{
	struct timespec t = { (time_t)(d / 1000000000ull), (long)(d % 1000000000ull) };
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

static void record(struct worker *w, uint64_t v)
{
	if (w->nrec == w->caprec) {
		uint64_t cap = w->caprec ? w->caprec * 2 : 65536;
		uint64_t *n = realloc(w->rec, cap * sizeof(uint64_t));
		if (!n)
			die("out of memory recording facts");
		w->rec = n;
		w->caprec = cap;
	}
	w->rec[w->nrec++] = v;
}

static void file_path(char *buf, size_t len, uint64_t i)
{
	if (mode == M_OPEN_SAME)
		snprintf(buf, len, "%s/%s.same.%llu", opt_dir, opt_prefix, (unsigned long long)i);
	else
		snprintf(buf, len, "%s/%s.%llu", opt_dir, opt_prefix, (unsigned long long)i);
}

/* ---- preparation: files are created by a child process so that creating them is not a fact of ours ---- */

static void create_files(uint64_t n)
{
	char p[PATH_MAX], last[PATH_MAX];
	struct stat st;
	file_path(p, sizeof p, 0);
	file_path(last, sizeof last, n - 1);
	if (stat(p, &st) == 0 && stat(last, &st) == 0)
		return; /* reused */
	double t0 = epoch_now();
	pid_t c = fork();
	if (c < 0)
		die("fork: %s", strerror(errno));
	if (c == 0) {
		char data[4096];
		memset(data, 'j', sizeof data);
		for (uint64_t i = 0; i < n; i++) {
			file_path(p, sizeof p, i);
			int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0) {
				fprintf(stderr, "loadgen: create %s: %s\n", p, strerror(errno));
				_exit(1);
			}
			if (opt_file_bytes > 0 && write(fd, data, opt_file_bytes > 4096 ? 4096 : opt_file_bytes) < 0)
				_exit(1);
			close(fd);
		}
		_exit(0);
	}
	int status;
	waitpid(c, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("creating %llu files in %s failed", (unsigned long long)n, opt_dir);
	prepare_s = epoch_now() - t0;
}

static void prepare_exe(void)
{
	if (opt_exe) {
		if (access(opt_exe, X_OK) != 0)
			die("--exe %s is not executable", opt_exe);
		snprintf(exe_path, sizeof exe_path, "%s", opt_exe);
		return;
	}
	snprintf(exe_path, sizeof exe_path, "%s/%s-true", opt_dir, opt_prefix);
	if (access(exe_path, X_OK) == 0)
		return;
	int in = open("/bin/true", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		die("/bin/true: %s", strerror(errno));
	int out = open(exe_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0)
		die("%s: %s", exe_path, strerror(errno));
	char buf[65536];
	ssize_t r;
	while ((r = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, r) != r)
			die("write %s: %s", exe_path, strerror(errno));
	close(in);
	close(out);
}

/* ---- connect: the listener child ---- */

static pid_t listener_pid = 0;

static void start_listeners(void)
{
	int fds[1024];
	for (int i = 0; i < opt_ports; i++) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (s < 0)
			die("socket: %s", strerror(errno));
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 4096) < 0)
			die("bind/listen on 127.0.0.1: %s", strerror(errno));
		socklen_t l = sizeof a;
		getsockname(s, (struct sockaddr *)&a, &l);
		ports[i] = ntohs(a.sin_port);
		fds[i] = s;
	}
	listener_pid = fork();
	if (listener_pid < 0)
		die("fork: %s", strerror(errno));
	if (listener_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int ep = epoll_create1(EPOLL_CLOEXEC);
		for (int i = 0; i < opt_ports; i++) {
			struct epoll_event e = { .events = EPOLLIN, .data.fd = fds[i] };
			epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e);
		}
		struct epoll_event evs[64];
		for (;;) {
			int n = epoll_wait(ep, evs, 64, -1);
			for (int i = 0; i < n; i++) {
				int c;
				while ((c = accept4(evs[i].data.fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
					close(c);
			}
		}
	}
	for (int i = 0; i < opt_ports; i++)
		close(fds[i]);
}

/* ---- one operation per mode ---- */

static inline int op_open(struct worker *w, uint64_t idx, char *path, char *buf)
{
	(void)w;
	file_path(path, PATH_MAX, idx);
	uint64_t t0 = now_ns();
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = read(fd, buf, 4096);
	close(fd);
	uint64_t d = now_ns() - t0;
	w->op_ns_sum += d;
	w->hist[d / HIST_NS < HIST_N ? d / HIST_NS : HIST_N]++;
	return r < 0 ? -1 : 0;
}

static uint64_t outstanding = 0;

static inline void reap(int block)
{
	while (outstanding > 0) {
		pid_t p = waitpid(-1, NULL, block ? 0 : WNOHANG);
		if (p <= 0)
			break;
		outstanding--;
		block = 0;
	}
}

static inline int op_exec(struct worker *w, uint64_t seq)
{
	char arg[192];
	snprintf(arg, sizeof arg, "%s.%d.%llu", opt_prefix, w->id, (unsigned long long)seq);
	char *argv[] = { exe_path, arg, NULL };
	pid_t c;
	uint64_t t0 = now_ns();
	int e = posix_spawn(&c, exe_path, NULL, NULL, argv, environ);
	uint64_t d = now_ns() - t0;
	if (e != 0)
		return -1;
	outstanding++;
	w->op_ns_sum += d;
	w->hist[d / HIST_NS < HIST_N ? d / HIST_NS : HIST_N]++;
	record(w, ((uint64_t)c << 32) | (seq & 0xffffffffu));
	reap(outstanding > 256);
	return 0;
}

static inline int op_connect(struct worker *w, uint64_t seq)
{
	uint16_t rport = ports[seq % opt_ports];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(rport),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	uint64_t t0 = now_ns();
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
		close(s);
		return -1;
	}
	struct sockaddr_in l;
	socklen_t ll = sizeof l;
	getsockname(s, (struct sockaddr *)&l, &ll);
	struct linger lg = { 1, 0 };
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(s);
	uint64_t d = now_ns() - t0;
	w->op_ns_sum += d;
	w->hist[d / HIST_NS < HIST_N ? d / HIST_NS : HIST_N]++;
	record(w, ((uint64_t)ntohs(l.sin_port) << 16) | rport);
	return 0;
}

/* ---- the paced loop ---- */

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	char *path = malloc(PATH_MAX), *buf = malloc(4096);
	uint64_t start = ns(&t_start), stop = ns(&t_stop);
	uint64_t idx = w->start_index, seq = 0;
	double tokens = 1, cap = w->rate > 0 ? (w->rate * 0.010 > 1 ? w->rate * 0.010 : 1) : 0;
	uint64_t last = start;
	while (now_ns() < start)
		sleep_ns(200000);
	for (;;) {
		uint64_t now = now_ns();
		if (now >= stop)
			break;
		if (w->rate > 0) {
			tokens += (double)(now - last) * w->rate / 1e9;
			last = now;
			if (tokens > cap)
				tokens = cap;
			if (tokens < 1) {
				uint64_t wait = (uint64_t)((1 - tokens) * 1e9 / w->rate);
				sleep_ns(wait > 1000000 ? 1000000 : wait);
				continue;
			}
			tokens -= 1;
		}
		int r;
		switch (mode) {
		case M_OPEN_DISTINCT:
			if (idx >= opt_files) {
				w->exhausted = 1;
				goto out;
			}
			r = op_open(w, idx, path, buf);
			if (r == 0)
				record(w, idx);
			idx += opt_workers;
			break;
		case M_OPEN_SAME:
			r = op_open(w, seq % opt_files, path, buf);
			break;
		case M_EXEC:
			r = op_exec(w, seq);
			break;
		default:
			r = op_connect(w, ((uint64_t)w->id << 20) + seq);
			break;
		}
		seq++;
		if (r == 0)
			w->events++;
		else
			w->errors++;
	}
out:
	if (mode == M_EXEC)
		while (outstanding > 0)
			reap(1);
	free(path);
	free(buf);
	return NULL;
}

/* ---- results ---- */

static double pct(uint64_t *hist, uint64_t total, double q)
{
	uint64_t want = (uint64_t)(q * total), acc = 0;
	for (int i = 0; i <= HIST_N; i++) {
		acc += hist[i];
		if (acc > want)
			return (i + 0.5) * HIST_NS;
	}
	return HIST_N * (double)HIST_NS;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fprintf(stderr, "usage: loadgen open-distinct|open-same|exec|connect [--rate N] [--duration S] [--workers W]\n"
			"               [--dir DIR] [--prefix P] [--facts FILE] [--files N] [--file-bytes B] [--exe PATH]\n"
			"               [--ports N] [--start-at EPOCH]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	int m = -1;
	for (int i = 0; i < 4; i++)
		if (strcmp(argv[1], mode_names[i]) == 0)
			m = i;
	if (m < 0)
		usage();
	mode = m;
	snprintf(opt_prefix, sizeof opt_prefix, "lg%d", (int)getpid());
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc)
			usage();
		const char *v = argv[++i];
		if (!strcmp(a, "--rate"))
			opt_rate = atof(v);
		else if (!strcmp(a, "--duration"))
			opt_duration = atof(v);
		else if (!strcmp(a, "--workers"))
			opt_workers = atoi(v);
		else if (!strcmp(a, "--dir"))
			opt_dir = v;
		else if (!strcmp(a, "--prefix"))
			snprintf(opt_prefix, sizeof opt_prefix, "%s", v);
		else if (!strcmp(a, "--facts"))
			opt_facts = v;
		else if (!strcmp(a, "--files"))
			opt_files = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--file-bytes"))
			opt_file_bytes = atoi(v);
		else if (!strcmp(a, "--exe"))
			opt_exe = v;
		else if (!strcmp(a, "--ports"))
			opt_ports = atoi(v);
		else if (!strcmp(a, "--start-at"))
			opt_start_at = atof(v);
		else
			usage();
	}
	if (opt_workers < 1 || opt_workers > 64 || opt_duration <= 0 || opt_rate < 0 || opt_ports < 1 || opt_ports > 1024)
		die("bad option value");
	if (strchr(opt_prefix, '/') || strchr(opt_prefix, ' '))
		die("--prefix must not contain '/' or spaces");
	prctl(PR_SET_TIMERSLACK, 1000); /* 1 µs: sleeps in the pacing loop end on time */

	switch (mode) {
	case M_OPEN_DISTINCT:
		if (!opt_files)
			opt_files = opt_rate > 0 ? (uint64_t)(opt_rate * opt_duration * 1.1) + 1000
						 : (uint64_t)(1000000 * opt_duration);
		create_files(opt_files);
		break;
	case M_OPEN_SAME:
		if (!opt_files)
			opt_files = 4;
		create_files(opt_files);
		break;
	case M_EXEC:
		prepare_exe();
		break;
	case M_CONNECT:
		start_listeners();
		break;
	}

	if (opt_start_at > 0) {
		double d = opt_start_at - epoch_now();
		if (d > 0)
			sleep_ns((uint64_t)(d * 1e9));
	}
	/* Workers start together 20 ms from now. */
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	uint64_t s0 = ns(&t_start) + 20000000ull, s1 = s0 + (uint64_t)(opt_duration * 1e9);
	t_start.tv_sec = s0 / 1000000000ull;
	t_start.tv_nsec = s0 % 1000000000ull;
	t_stop.tv_sec = s1 / 1000000000ull;
	t_stop.tv_nsec = s1 % 1000000000ull;
	double start_epoch = epoch_now() + 0.020;

	struct worker *ws;
	size_t wsz = sizeof(struct worker) * opt_workers;
	ws = mmap(NULL, wsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ws == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(ws, 0, wsz);
	for (int i = 0; i < opt_workers; i++) {
		ws[i].id = i;
		ws[i].rate = opt_rate / opt_workers;
		ws[i].start_index = i;
	}

	struct rusage ru0, ruc0;
	getrusage(RUSAGE_SELF, &ru0);
	getrusage(RUSAGE_CHILDREN, &ruc0); /* the file creator, if any, is not part of the load */
	if (mode == M_EXEC) {
		/* Workers are processes; each sends its facts back through a pipe after the run. */
		int pipes[64][2];
		pid_t pids[64];
		for (int i = 0; i < opt_workers; i++) {
			if (pipe2(pipes[i], O_CLOEXEC) < 0)
				die("pipe: %s", strerror(errno));
			pids[i] = fork();
			if (pids[i] < 0)
				die("fork: %s", strerror(errno));
			if (pids[i] == 0) {
				close(pipes[i][0]);
				struct worker *w = &ws[i];
				w->rec = NULL;
				run_worker(w);
				struct rusage me;
				getrusage(RUSAGE_SELF, &me);
				w->cpu_user_s = me.ru_utime.tv_sec + me.ru_utime.tv_usec / 1e6;
				w->cpu_sys_s = me.ru_stime.tv_sec + me.ru_stime.tv_usec / 1e6;
				size_t bytes = w->nrec * sizeof(uint64_t), off = 0;
				while (off < bytes) {
					ssize_t r = write(pipes[i][1], (char *)w->rec + off, bytes - off);
					if (r <= 0)
						_exit(1);
					off += r;
				}
				_exit(0);
			}
			close(pipes[i][1]);
		}
		for (int i = 0; i < opt_workers; i++) {
			uint64_t n = 0, cap = 65536;
			uint64_t *rec = malloc(cap * sizeof(uint64_t));
			ssize_t r;
			size_t have = 0;
			while ((r = read(pipes[i][0], (char *)rec + have, cap * sizeof(uint64_t) - have)) > 0) {
				have += r;
				if (have == cap * sizeof(uint64_t)) {
					cap *= 2;
					rec = realloc(rec, cap * sizeof(uint64_t));
				}
			}
			n = have / sizeof(uint64_t);
			close(pipes[i][0]);
			waitpid(pids[i], NULL, 0);
			ws[i].rec = rec;
			ws[i].nrec = n;
		}
	} else {
		pthread_t th[64];
		for (int i = 0; i < opt_workers; i++)
			pthread_create(&th[i], NULL, run_worker, &ws[i]);
		for (int i = 0; i < opt_workers; i++)
			pthread_join(th[i], NULL);
	}
	uint64_t t_end = now_ns();
	double end_epoch = epoch_now();
	struct rusage ru1, ruc;
	getrusage(RUSAGE_SELF, &ru1);
	getrusage(RUSAGE_CHILDREN, &ruc);
	if (listener_pid > 0) {
		kill(listener_pid, SIGKILL);
		waitpid(listener_pid, NULL, 0);
	}

	/* Totals. */
	uint64_t events = 0, errors = 0, op_sum = 0, facts = 0;
	int exhausted = 0;
	static uint64_t hist[HIST_N + 1];
	for (int i = 0; i < opt_workers; i++) {
		events += ws[i].events;
		errors += ws[i].errors;
		op_sum += ws[i].op_ns_sum;
		exhausted |= ws[i].exhausted;
		for (int j = 0; j <= HIST_N; j++)
			hist[j] += ws[i].hist[j];
	}
	double dur = (t_end - s0) / 1e9;
	switch (mode) {
	case M_OPEN_DISTINCT:
	case M_EXEC:
		facts = events;
		break;
	case M_OPEN_SAME:
		facts = events < opt_files ? events : opt_files;
		break;
	case M_CONNECT: {
		uint64_t n = 0;
		for (int i = 0; i < opt_workers; i++)
			n += ws[i].nrec;
		uint64_t *all = malloc((n ? n : 1) * sizeof(uint64_t)), k = 0;
		for (int i = 0; i < opt_workers; i++)
			for (uint64_t j = 0; j < ws[i].nrec; j++)
				all[k++] = ws[i].rec[j];
		qsort(all, n, sizeof(uint64_t), cmp_u64);
		for (uint64_t j = 0; j < n; j++)
			if (j == 0 || all[j] != all[j - 1])
				facts++;
		free(all);
		break;
	}
	}

	if (opt_facts) {
		FILE *f = fopen(opt_facts, "w");
		if (!f)
			die("--facts %s: %s", opt_facts, strerror(errno));
		static char fbuf[1 << 20];
		setvbuf(f, fbuf, _IOFBF, sizeof fbuf);
		char p[PATH_MAX];
		int me = getpid();
		if (mode == M_OPEN_SAME) {
			for (uint64_t i = 0; i < facts; i++) {
				file_path(p, sizeof p, i);
				fprintf(f, "%d %s\n", me, p);
			}
		}
		for (int i = 0; i < opt_workers; i++)
			for (uint64_t j = 0; j < ws[i].nrec; j++) {
				uint64_t v = ws[i].rec[j];
				if (mode == M_OPEN_DISTINCT) {
					file_path(p, sizeof p, v);
					fprintf(f, "%d %s\n", me, p);
				} else if (mode == M_EXEC) {
					fprintf(f, "%u %s.%d.%llu %s\n", (unsigned)(v >> 32), opt_prefix, i,
						(unsigned long long)(v & 0xffffffffu), exe_path);
				} else {
					fprintf(f, "%d %u 127.0.0.1 %u\n", me, (unsigned)(v >> 16), (unsigned)(v & 0xffff));
				}
			}
		fclose(f);
	}

	double cu = (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) + (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6;
	double cs = (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) + (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	double cc = (ruc.ru_utime.tv_sec - ruc0.ru_utime.tv_sec) + (ruc.ru_utime.tv_usec - ruc0.ru_utime.tv_usec) / 1e6 +
		    (ruc.ru_stime.tv_sec - ruc0.ru_stime.tv_sec) + (ruc.ru_stime.tv_usec - ruc0.ru_stime.tv_usec) / 1e6;
	if (mode == M_EXEC) {
		/* Worker processes are children: RUSAGE_CHILDREN holds their CPU and the helpers'. Generator CPU is the
		 * parent's plus the workers' own; children_cpu_s keeps the helpers' (the exec'd binaries) only. */
		for (int i = 0; i < opt_workers; i++) {
			cu += ws[i].cpu_user_s;
			cs += ws[i].cpu_sys_s;
			cc -= ws[i].cpu_user_s + ws[i].cpu_sys_s;
		}
		if (cc < 0)
			cc = 0;
	}
	printf("{\"mode\":\"%s\",\"pid\":%d,\"prefix\":\"%s\",\"workers\":%d,\"offered_rate\":%.0f,"
	       "\"achieved_rate\":%.1f,\"events\":%llu,\"facts\":%llu,\"duration_s\":%.3f,\"errors\":%llu,"
	       "\"exhausted\":%s,\"op_ns_mean\":%.0f,\"op_ns_p50\":%.0f,\"op_ns_p99\":%.0f,"
	       "\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f,\"children_cpu_s\":%.3f,\"start_epoch\":%.6f,"
	       "\"end_epoch\":%.6f,\"prepare_s\":%.3f",
	       mode_names[mode], (int)getpid(), opt_prefix, opt_workers, opt_rate, events / dur,
	       (unsigned long long)events, (unsigned long long)facts, dur, (unsigned long long)errors,
	       exhausted ? "true" : "false", events ? (double)op_sum / events : 0, pct(hist, events, 0.5),
	       pct(hist, events, 0.99), cu, cs, cc, start_epoch, end_epoch, prepare_s);
	if (mode == M_OPEN_DISTINCT || mode == M_OPEN_SAME) {
		char p[PATH_MAX];
		file_path(p, sizeof p, 0);
		printf(",\"files\":%llu,\"dir\":\"%s\"", (unsigned long long)opt_files, opt_dir);
	}
	if (mode == M_EXEC)
		printf(",\"exe\":\"%s\"", exe_path);
	if (mode == M_CONNECT) {
		printf(",\"ports\":[");
		for (int i = 0; i < opt_ports; i++)
			printf("%s%u", i ? "," : "", ports[i]);
		printf("]");
	}
	if (opt_facts)
		printf(",\"facts_file\":\"%s\"", opt_facts);
	printf("}\n");
	return 0;
}
