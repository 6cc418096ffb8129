/*
 * An anchor of bench/connect-roundtrip: the work the daemon must do for one helper connection,
 * in C with nothing around it. Per connection: accept, the peer's uid and pid (SO_PEERCRED,
 * checked against ours), its parent from /proc/PID/stat, both executables (/proc/PID/exe), an
 * audit line naming them appended to AUDIT-FILE with one write(2) before the answer, the frame
 * peeked, a fixed answer written, the frame taken, close. Peeked and taken after the answer as the
 * daemon's acceptor does: taking it at once wakes the client asleep in its read for nothing. One connection at a time, as git's credential cache daemon
 * serves them. What that work costs on this machine is the floor under the daemon's figure.
 *
 *   relay-floor SOCKET AUDIT-FILE       (runs until killed)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define AUDIT_MAX (4 << 20)

static const char ANSWER[] = "0 70\n{\"ServerURL\":\"reg.example\",\"Username\":\"bench\",\"Secret\":\"s3cret-token\"}";

static long parent_of(pid_t pid) {
  char path[64], stat[2048];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, stat, sizeof stat - 1);
  close(fd);
  if (n <= 0) return -1;
  stat[n] = 0;
  char *end = strrchr(stat, ')');
  return end ? strtol(end + 4, NULL, 10) : -1;
}

static void exe_of(long pid, char *exe, size_t room) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/exe", pid);
  ssize_t n = readlink(path, exe, room - 1);
  if (n > 0) exe[n] = 0; else strcpy(exe, "unknown");
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: relay-floor SOCKET AUDIT-FILE\n");
    return 2;
  }
  int audit = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0600);
  int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  strncpy(address.sun_path, argv[1], sizeof(address.sun_path) - 1);
  unlink(argv[1]);
  if (audit < 0 || listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof(address)) != 0
      || listen(listener, 128) != 0) {
    perror("relay-floor");
    return 1;
  }
  long written = 0;
  for (;;) {
    int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) continue;
    struct ucred peer;
    socklen_t length = sizeof peer;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 || peer.uid != getuid()) {
      close(fd);
      continue;
    }
    char frame[4096];
    ssize_t got = recv(fd, frame, sizeof frame, MSG_PEEK); /* the C client writes its frame in one write */
    if (got <= 0) {
      close(fd);
      continue;
    }
    long parent = parent_of(peer.pid);
    char exe[4096], parent_exe[4096], line[9000];
    exe_of(peer.pid, exe, sizeof exe);
    if (parent > 0) exe_of(parent, parent_exe, sizeof parent_exe); else strcpy(parent_exe, "unknown");
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int n = snprintf(line, sizeof line, "{\"time\":%lld.%09ld,\"op\":\"get\",\"server\":\"reg.example\",\"pid\":%d,"
        "\"exe\":\"%s\",\"ppid\":%ld,\"parentExe\":\"%s\",\"key\":\"reg.example\",\"outcome\":\"ok\"}\n",
        (long long)now.tv_sec, now.tv_nsec, (int)peer.pid, exe, parent, parent_exe);
    if (written + n > AUDIT_MAX) { /* the daemon rotates; emptying the file costs as little */
      if (ftruncate(audit, 0) != 0) return 1;
      written = 0;
    }
    if (write(audit, line, (size_t)n) != n) return 1;
    written += n;
    (void)!write(fd, ANSWER, sizeof ANSWER - 1);
    (void)!recv(fd, frame, (size_t)got, 0); /* unread at close, it would reset the client's read */
    close(fd);
  }
}
