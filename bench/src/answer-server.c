/*
 * The anchor of bench/throughput: a server on a Unix socket that answers every request line with
 * one fixed `ok` line, as the daemon answers a `get`, and does nothing else (no JSON, no vault, no
 * audit). One thread and epoll, as the daemon's event loop is. What the driver gets from it on
 * this machine, sharing the same cores, is the ceiling any server of this protocol could reach
 * here; the daemon's figure is read as a fraction of it.
 *
 * With AUDIT-FILE it also keeps the order the daemon must keep: every request gets an audit line,
 * the lines of one epoll turn are written to the file together (one write(2)), and only then does
 * that turn's answers leave, all of them after every read of the turn. That is what the daemon's
 * group commit does, and it is dearer than answering each read at once for any server: each
 * client, asleep in its read, is woken twice (once when its request is consumed, once by its
 * answer) where an immediate answer finds it still awake. The file is emptied past 4 MiB.
 *
 *   answer-server SOCKET [AUDIT-FILE]       (runs until killed)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_EVENTS 64
#define BUFFER 65536
#define AUDIT_MAX (4 << 20)

static const char ANSWER[] =
    "{\"v\":1,\"ok\":true,\"server\":\"registry-0500.example.com\",\"username\":\"user-0500\",\"secret\":\"token-0500\"}\n";
/* As long as the daemon's line for a get by the driver. */
static const char AUDIT_LINE[] =
    "{\"time\":\"2026-12-05T03:55:40.431986691Z\",\"op\":\"get\",\"server\":\"registry-0500.example.com\",\"pid\":13429,"
    "\"exe\":\"/tmp/tmp.ToG1QajCZu/driver\",\"ppid\":13292,\"parentExe\":\"/usr/bin/bash\",\"key\":\"registry-0500.example.com\","
    "\"outcome\":\"ok\"}\n";

static char out[BUFFER / 8 * sizeof(ANSWER)]; /* at most one answer per 8 bytes read */

/* Writes COUNT answers to FD; false when the connection is gone (then it is closed). */
static int answer(int fd, size_t count) {
  size_t length = 0;
  for (size_t i = 0; i < count; i++) {
    memcpy(out + length, ANSWER, sizeof(ANSWER) - 1);
    length += sizeof(ANSWER) - 1;
  }
  for (size_t sent = 0; sent < length;) {
    ssize_t w = write(fd, out + sent, length - sent);
    if (w <= 0) {
      if (w < 0 && errno == EAGAIN) {
        continue; /* a full socket: the driver reads it; spin until it has room */
      }
      close(fd);
      return 0;
    }
    sent += (size_t)w;
  }
  return 1;
}

/* The audit's lines so far this turn, and where they go. */
static int audit = -1;
static char lines[BUFFER];
static size_t held, written;

static void audit_flush(void) {
  if (held == 0) {
    return;
  }
  if (written + held > AUDIT_MAX) { /* the daemon rotates; emptying the file costs as little */
    if (ftruncate(audit, 0) != 0) {
      perror("answer-server: audit");
      exit(1);
    }
    written = 0;
  }
  if (write(audit, lines, held) != (ssize_t)held) {
    perror("answer-server: audit");
    exit(1);
  }
  written += held;
  held = 0;
}

static void audit_line(void) {
  if (held + sizeof(AUDIT_LINE) > sizeof(lines)) {
    audit_flush(); /* still before any answer of the turn */
  }
  memcpy(lines + held, AUDIT_LINE, sizeof(AUDIT_LINE) - 1);
  held += sizeof(AUDIT_LINE) - 1;
}

int main(int argc, char **argv) {
  if (argc != 2 && argc != 3) {
    fprintf(stderr, "usage: answer-server SOCKET [AUDIT-FILE]\n");
    return 2;
  }
  if (argc == 3 && (audit = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
    perror("answer-server: audit");
    return 1;
  }
  int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  strncpy(address.sun_path, argv[1], sizeof(address.sun_path) - 1);
  unlink(argv[1]);
  if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof(address)) != 0 || listen(listener, 128) != 0) {
    perror("answer-server");
    return 1;
  }
  int poll = epoll_create1(0);
  struct epoll_event event = {.events = EPOLLIN, .data.fd = listener};
  epoll_ctl(poll, EPOLL_CTL_ADD, listener, &event);
  static char in[BUFFER];
  struct epoll_event ready[MAX_EVENTS];
  int answering[MAX_EVENTS];
  size_t count[MAX_EVENTS];
  for (;;) {
    int n = epoll_wait(poll, ready, MAX_EVENTS, -1), m = 0;
    for (int i = 0; i < n; i++) {
      int fd = ready[i].data.fd;
      if (fd == listener) {
        int client = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
        if (client >= 0) {
          struct epoll_event added = {.events = EPOLLIN, .data.fd = client};
          epoll_ctl(poll, EPOLL_CTL_ADD, client, &added);
        }
        continue;
      }
      ssize_t got = read(fd, in, sizeof(in));
      if (got <= 0) {
        if (got == 0 || errno != EAGAIN) {
          close(fd);
        }
        continue;
      }
      size_t lines_read = 0;
      for (ssize_t j = 0; j < got; j++) {
        if (in[j] == '\n') { /* one answer per line, whenever its end arrives */
          lines_read++;
        }
      }
      if (audit < 0) {
        answer(fd, lines_read); /* at once */
        continue;
      }
      for (size_t j = 0; j < lines_read; j++) {
        audit_line();
      }
      answering[m] = fd;
      count[m++] = lines_read;
    }
    audit_flush(); /* the turn's lines, then its answers */
    for (int i = 0; i < m; i++) {
      answer(answering[i], count[i]);
    }
  }
}
