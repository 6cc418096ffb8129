/*
 * Whole-process latency without a shell's fork around it: N times posix_spawn PROGRAM with INPUT
 * on its stdin (a pipe, written whole before the wait) and its stdout on /dev/null, then waitpid.
 * Prints the median microseconds. Exits 1 where PROGRAM fails (so a bench never times refusals).
 *
 *   spawn-timer N INPUT PROGRAM [ARG...]
 */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: spawn-timer N INPUT PROGRAM [ARG...]\n");
    return 2;
  }
  int n = atoi(argv[1]);
  const char *input = argv[2];
  size_t length = strlen(input);
  if (n <= 0 || n > 100000) { fprintf(stderr, "spawn-timer: N must be 1..100000\n"); return 2; }
  signal(SIGPIPE, SIG_IGN); /* /bin/true exits without reading its stdin */
  int devnull = open("/dev/null", O_WRONLY);
  long long *took = malloc(sizeof *took * (size_t)n);
  if (devnull < 0 || !took) return 2;
  for (int i = 0; i < n; i++) {
    long long start = now_ns();
    int in[2];
    if (pipe(in) < 0) return 2;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, devnull, 1);
    posix_spawn_file_actions_addclose(&actions, in[1]);
    pid_t pid;
    int failed = posix_spawn(&pid, argv[3], &actions, NULL, argv + 3, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    if (failed) { fprintf(stderr, "spawn-timer: cannot run %s\n", argv[3]); return 1; }
    if (length) (void)!write(in[1], input, length);
    close(in[1]);
    int status;
    waitpid(pid, &status, 0);
    took[i] = now_ns() - start;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "spawn-timer: %s failed (status %d)\n", argv[3], status);
      return 1;
    }
  }
  qsort(took, (size_t)n, sizeof *took, cmp);
  printf("%.1f\n", (n % 2 ? took[n / 2] : (took[n / 2 - 1] + took[n / 2]) / 2) / 1000.0);
  free(took);
  return 0;
}
