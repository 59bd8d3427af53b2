/*
 * hostile_fork.c - new processes in awkward ways.
 * Usage: hostile_fork MODE [N]
 *   fork N     - four threads allocate and free without pause while the
 *                main thread forks N times; each child allocates, frees
 *                and exits (a child that inherited a held lock hangs).
 *   vfork N    - vfork then exec /bin/true, N times.
 *   spawn N    - posix_spawn /bin/echo, N times.
 *   system N   - system("echo ..."), N times.
 *   exec-keep  - exec itself (mode child) with the environment as it is.
 *   exec-strip - exec itself (mode child) with LD_PRELOAD and TETHER_*
 *                removed: the child must run untraced.
 *   child      - print whether libtether.so is mapped, allocate, exit 9.
 */
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static atomic_int stop;
static void *volatile sink;

static void *
churn(void *arg)
{
	void *ring[16] = { 0 };
	unsigned long i = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		free(ring[i % 16]);
		ring[i % 16] = malloc(16 + i % 1000);
		i++;
	}
	for (int k = 0; k < 16; k++)
		free(ring[k]);
	return NULL;
}

static int
traced(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int found = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, "libtether.so") != NULL;
	fclose(f);
	return found;
}

static int
reap(pid_t pid)
{
	int st;

	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "fork";
	int n = argc > 2 ? atoi(argv[2]) : 200, bad = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(mode, "fork") == 0) {
		pthread_t t[4];

		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, churn, NULL);
		for (int i = 0; i < n; i++) {
			pid_t pid = fork();

			if (pid == 0) {
				char *p = malloc(100 + (size_t)i);

				memset(p, 0, 100);
				free(p);
				sink = malloc(64);
				exit(7);
			}
			bad += reap(pid) != 7;
		}
		atomic_store(&stop, 1);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		printf("fork: %d children, %d bad\n", n, bad);
	} else if (strcmp(mode, "vfork") == 0) {
		for (int i = 0; i < n; i++) {
			pid_t pid = vfork();

			if (pid == 0) {
				execl("/bin/true", "true", (char *)NULL);
				_exit(127);
			}
			bad += reap(pid) != 0;
		}
		printf("vfork: %d children, %d bad\n", n, bad);
	} else if (strcmp(mode, "spawn") == 0) {
		for (int i = 0; i < n; i++) {
			char *args[] = { "echo", "spawned", NULL };
			pid_t pid;

			if (posix_spawn(&pid, "/bin/echo", NULL, NULL, args, environ) != 0)
				bad++;
			else
				bad += reap(pid) != 0;
		}
		printf("spawn: %d children, %d bad\n", n, bad);
	} else if (strcmp(mode, "system") == 0) {
		for (int i = 0; i < n; i++) {
			int st = system("echo from-system");

			bad += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		}
		printf("system: %d children, %d bad\n", n, bad);
	} else if (strcmp(mode, "exec-keep") == 0 || strcmp(mode, "exec-strip") == 0) {
		sink = malloc(66);
		if (strcmp(mode, "exec-strip") == 0) {
			char **e = environ, **out = e;

			for (; *e; e++)
				if (strncmp(*e, "LD_PRELOAD=", 11) != 0 &&
				    strncmp(*e, "TETHER_", 7) != 0)
					*out++ = *e;
			*out = NULL;
		}
		execl("/proc/self/exe", argv[0], "child", (char *)NULL);
		perror("exec");
		return 126;
	} else if (strcmp(mode, "child") == 0) {
		sink = malloc(77);
		printf("child traced=%d\n", traced());
		return 9;
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	return bad ? 1 : 0;
}
