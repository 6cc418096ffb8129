/*
 * One connection per request, as a credential helper makes it, with no exec around it: N times
 * connect, send one request, read the answer to EOF, close. Prints one figure per batch: the
 * median microseconds of a round trip in it.
 *
 *   connect-roundtrip agent SOCKET HOST N [GAP_US]   the daemon: "credential-helper/1 get LEN\nHOST"
 *   connect-roundtrip git SOCKET HOST N        git credential-cache--daemon: action=get, timeout,
 *                                              protocol, host, a blank line, shutdown(SHUT_WR)
 *
 * GAP_US: microseconds slept between round trips (untimed), as real helper calls come apart: a
 * server that sleeps between them answers from cold caches.
 *
 * Exits 1 where an answer is not what a stored credential gives (so a bench never times refusals).
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return x < y ? -1 : x > y;
}

/* One round trip; returns the bytes of the answer, or -1. */
static int roundtrip(const char *path, const char *request, size_t length, int half_close, char *answer, size_t room) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  strncpy(address.sun_path, path, sizeof address.sun_path - 1);
  if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) { close(fd); return -1; }
  if (write(fd, request, length) != (ssize_t)length) { close(fd); return -1; }
  if (half_close) shutdown(fd, SHUT_WR);
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fd, answer + got, room - got);
    if (n < 0) { close(fd); return -1; }
    if (n == 0) break;
    got += (size_t)n;
    if (got == room) { close(fd); return -1; }
  }
  close(fd);
  return (int)got;
}

int main(int argc, char **argv) {
  if ((argc != 5 && argc != 6) || (strcmp(argv[1], "agent") && strcmp(argv[1], "git"))) {
    fprintf(stderr, "usage: connect-roundtrip agent|git SOCKET HOST N [GAP_US]\n");
    return 2;
  }
  int git = !strcmp(argv[1], "git");
  const char *path = argv[2], *host = argv[3];
  int n = atoi(argv[4]);
  int gap = argc == 6 ? atoi(argv[5]) : 0;
  if (gap < 0 || gap > 1000000) { fprintf(stderr, "connect-roundtrip: GAP_US must be 0..1000000\n"); return 2; }
  if (n <= 0 || n > 1000000) { fprintf(stderr, "connect-roundtrip: N must be 1..1000000\n"); return 2; }
  char request[512];
  int length = git
      ? snprintf(request, sizeof request, "action=get\ntimeout=900\nprotocol=https\nhost=%s\n\n", host)
      : snprintf(request, sizeof request, "credential-helper/1 get %zu\n%s", strlen(host), host);
  if (length <= 0 || length >= (int)sizeof request) { fprintf(stderr, "connect-roundtrip: host too long\n"); return 2; }
  long long *took = malloc(sizeof *took * (size_t)n);
  if (!took) return 2;
  char answer[4096];
  for (int i = 0; i < n; i++) {
    long long start = now_ns();
    int got = roundtrip(path, request, (size_t)length, git, answer, sizeof answer);
    took[i] = now_ns() - start;
    if (gap > 0) usleep((useconds_t)gap);
    /* A stored credential: the daemon answers "0 LEN\n{...Secret...}", git "...password=...". */
    if (got <= 0 || (git ? !memmem(answer, (size_t)got, "password=", 9)
                         : (answer[0] != '0' || !memmem(answer, (size_t)got, "Secret", 6)))) {
      fprintf(stderr, "connect-roundtrip: unexpected answer from %s (%d bytes)\n", path, got);
      return 1;
    }
  }
  qsort(took, (size_t)n, sizeof *took, cmp);
  printf("%.1f\n", (n % 2 ? took[n / 2] : (took[n / 2 - 1] + took[n / 2]) / 2) / 1000.0);
  free(took);
  return 0;
}
