/*
 * The anchor of bench/throughput: a server on a Unix socket that answers every request line with
 * one fixed `ok` line, as the daemon answers a `get`, and does nothing else (no JSON, no vault, no
 * audit). One thread and epoll, as the daemon's event loop is. What the driver gets from it on
 * this machine, sharing the same cores, is the ceiling any server of this protocol could reach
 * here; the daemon's figure is read as a fraction of it.
 *
 *   answer-server SOCKET        (runs until killed)
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

static const char ANSWER[] =
    "{\"v\":1,\"ok\":true,\"server\":\"registry-0500.example.com\",\"username\":\"user-0500\",\"secret\":\"token-0500\"}\n";

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: answer-server SOCKET\n");
    return 2;
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
  static char out[BUFFER / 8 * sizeof(ANSWER)]; /* at most one answer per 8 bytes read */
  struct epoll_event ready[MAX_EVENTS];
  for (;;) {
    int n = epoll_wait(poll, ready, MAX_EVENTS, -1);
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
      size_t length = 0;
      for (ssize_t j = 0; j < got; j++) {
        if (in[j] == '\n') { /* one answer per line, whenever its end arrives */
          memcpy(out + length, ANSWER, sizeof(ANSWER) - 1);
          length += sizeof(ANSWER) - 1;
        }
      }
      for (size_t sent = 0; sent < length;) {
        ssize_t w = write(fd, out + sent, length - sent);
        if (w <= 0) {
          if (w < 0 && errno == EAGAIN) {
            continue; /* a full socket: the driver reads it; spin until it has room */
          }
          close(fd);
          break;
        }
        sent += (size_t)w;
      }
    }
  }
}
