/*
 * The load for bench/throughput: CLIENTS threads, each on its own connection, send JSON-line
 * `get` requests DEPTH at a time (1: one request, wait for its answer, the next; more:
 * pipelined) for SECONDS, and count the answers. C and pthreads, so that the driver is not
 * what limits the figure (a Python driver tops out far below the daemon).
 *
 *   throughput-driver SOCKET SERVER CLIENTS DEPTH SECONDS    prints: answers seconds errors
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *socket_path;
static char request[512];
static size_t request_length;
static int depth;
static double deadline;

struct result {
  long answers;
  long errors;
};

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *client(void *out) {
  struct result *result = out;
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  strncpy(address.sun_path, socket_path, sizeof(address.sun_path) - 1);
  if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
    result->errors++;
    return NULL;
  }
  char *batch = malloc(request_length * (size_t)depth);
  for (int i = 0; i < depth; i++) {
    memcpy(batch + request_length * (size_t)i, request, request_length);
  }
  char buffer[65536];
  char head[16]; /* the start of the answer being read: every one must be an ok */
  size_t head_length = 0;
  while (now() < deadline) {
    size_t length = request_length * (size_t)depth;
    for (size_t sent = 0; sent < length;) {
      ssize_t n = write(fd, batch + sent, length - sent);
      if (n <= 0) {
        result->errors++;
        goto done;
      }
      sent += (size_t)n;
    }
    for (int lines = 0; lines < depth;) {
      ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n <= 0) {
        result->errors++;
        goto done;
      }
      for (ssize_t i = 0; i < n; i++) {
        if (buffer[i] == '\n') {
          lines++;
          if (head_length < sizeof(head) || memcmp(head, "{\"v\":1,\"ok\":true", sizeof(head)) != 0) {
            result->errors++;
          }
          head_length = 0;
        } else if (head_length < sizeof(head)) {
          head[head_length++] = buffer[i];
        }
      }
    }
    result->answers += depth;
  }
done:
  free(batch);
  close(fd);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: throughput-driver SOCKET SERVER CLIENTS DEPTH SECONDS\n");
    return 2;
  }
  socket_path = argv[1];
  request_length = (size_t)snprintf(request, sizeof(request), "{\"v\":1,\"op\":\"get\",\"server\":\"%s\"}\n", argv[2]);
  int clients = atoi(argv[3]);
  depth = atoi(argv[4]);
  double seconds = atof(argv[5]);
  pthread_t *threads = calloc((size_t)clients, sizeof(pthread_t));
  struct result *results = calloc((size_t)clients, sizeof(struct result));
  double start = now();
  deadline = start + seconds;
  for (int i = 0; i < clients; i++) {
    pthread_create(&threads[i], NULL, client, &results[i]);
  }
  long answers = 0, errors = 0;
  for (int i = 0; i < clients; i++) {
    pthread_join(threads[i], NULL);
    answers += results[i].answers;
    errors += results[i].errors;
  }
  printf("%ld %.3f %ld\n", answers, now() - start, errors);
  return 0;
}
