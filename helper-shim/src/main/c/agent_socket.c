/* The daemon's socket: where it is, and whether it is safe to talk to (see agent_socket.h). */
#ifdef __linux__
#define _GNU_SOURCE /* struct ucred, for SO_PEERCRED */
#else
#define _XOPEN_SOURCE 700
#define _DARWIN_C_SOURCE /* getpeereid */
#endif
#include "agent_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/sysmacros.h>
#endif
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

#define OWN_DIRECTORY "keep the socket in a directory of your own " \
  "(CREDAGENT_SOCKET=$XDG_RUNTIME_DIR/credagent/agent.sock, or any path in a directory only you can reach)"

static int refuse(char *why, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(why, AGENT_WHY_SIZE, format, args);
  va_end(args);
  return -1;
}

/* Root with another user's HOME or XDG_RUNTIME_DIR (sudo -E, su without -) finds that user's files:
   the fix is to run as that user, not to point credagent elsewhere. */
static int refuse_as_root(char *why, const char *path, uid_t owner) {
  struct passwd *user = getpwuid(owner);
  if (user != NULL && user->pw_name != NULL) {
    return refuse(why, "refusing %s: you are root, and it is %s's; run credagent as %s (sudo -u %s credagent ...)",
                  path, user->pw_name, user->pw_name, user->pw_name);
  }
  return refuse(why, "refusing %s: you are root, and it belongs to uid %ld; run credagent as that user", path, (long)owner);
}

int agent_socket_named_explicitly(void) {
  const char *explicit_path = getenv("CREDAGENT_SOCKET");
  return explicit_path != NULL && *explicit_path != '\0';
}

int agent_socket_path(char *out, size_t size) {
  if (agent_socket_named_explicitly()) {
    int n = snprintf(out, size, "%s", getenv("CREDAGENT_SOCKET"));
    return n > 0 && (size_t)n < size ? 0 : -1;
  }
  return agent_default_socket_path(out, size);
}

int agent_default_socket_path(char *out, size_t size) {
  const char *runtime = getenv("XDG_RUNTIME_DIR");
  const char *tmp = getenv("TMPDIR");
  int n;
  if (runtime && *runtime) {
    n = snprintf(out, size, "%s/credagent/agent.sock", runtime);
  } else {
    size_t len = (tmp && *tmp) ? strlen(tmp) : 0;
    /* "$TMPDIR/" on macOS ends in a slash already; Java's Path joins without doubling it. */
    n = snprintf(out, size, "%s%scredagent-%ld/agent.sock", len ? tmp : "/tmp",
                 (len && tmp[len - 1] == '/') ? "" : "/", (long)getuid());
  }
  return n > 0 && (size_t)n < size ? 0 : -1;
}

/* CREDAGENT_HOME, else $XDG_DATA_HOME/credagent, else ~/.local/share/credagent, as the daemon's. */
static int home_path(char *out, size_t size) {
  const char *explicit_home = getenv("CREDAGENT_HOME");
  const char *data = getenv("XDG_DATA_HOME");
  const char *home = getenv("HOME");
  int n;
  if (explicit_home && *explicit_home) {
    n = snprintf(out, size, "%s", explicit_home);
  } else if (data && *data) {
    n = snprintf(out, size, "%s/credagent", data);
  } else {
    if (!home || !*home) {
#ifndef AGENT_NO_NSS
      struct passwd *me = getpwuid(getuid());
      home = me ? me->pw_dir : NULL;
#else
      home = NULL; /* the static build loads no NSS module: without HOME, no recorded socket */
#endif
    }
    if (!home) {
      return -1;
    }
    n = snprintf(out, size, "%s/.local/share/credagent", home);
  }
  return n > 0 && (size_t)n < size ? 0 : -1;
}

/* Both leave errno as it was: the caller's errno says why nothing answered. */
int agent_share_marked(const char *path) {
  char marker[PATH_MAX];
  struct stat st;
  int saved = errno;
  int marked = snprintf(marker, sizeof(marker), "%s.share", path) < (int)sizeof(marker) && lstat(marker, &st) == 0
      && S_ISREG(st.st_mode) && st.st_uid == getuid();
  errno = saved;
  return marked;
}

int agent_home_exists(void) {
  char home[PATH_MAX];
  struct stat st;
  int saved = errno;
  int exists = home_path(home, sizeof(home)) == 0 && lstat(home, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid();
  errno = saved;
  return exists;
}

int agent_recorded_socket(const char *own, char *out, size_t size) {
  char home[PATH_MAX];
  char record[PATH_MAX + 64];
  char why[AGENT_WHY_SIZE];
  if (home_path(home, sizeof(home)) != 0
      || snprintf(record, sizeof(record), "%s/daemon.lock", home) >= (int)sizeof(record)
      || agent_check_directory(record, why) != 1) {
    return -1; /* no home, or not one only we can reach: its record says nothing we may trust */
  }
  int fd = open(record, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return -1;
  }
  char content[PATH_MAX + 32];
  ssize_t got = read(fd, content, sizeof(content) - 1);
  close(fd);
  if (got <= 0) {
    return -1;
  }
  content[got] = '\0';
  char *first = strchr(content, '\n'); /* "PID\nSOCKET\n" */
  char *end = first ? strchr(first + 1, '\n') : NULL;
  if (!first || !end || first[1] != '/' || (size_t)(end - first - 1) >= size) {
    return -1;
  }
  *end = '\0';
  snprintf(out, size, "%s", first + 1);
  return strcmp(out, own) == 0 ? -1 : 0;
}

int agent_directory_of(const char *path, char *out, size_t size) {
  const char *slash = strrchr(path, '/');
  size_t length = slash == NULL ? 0 : (slash == path ? 1 : (size_t)(slash - path));
  if (length == 0) {
    snprintf(out, size, ".");
  } else if (length < size) {
    memcpy(out, path, length);
    out[length] = '\0';
  } else {
    return -1;
  }
  return 0;
}

int agent_check_directory(const char *path, char *why) {
  char dir[PATH_MAX];
  struct stat st;
  if (agent_directory_of(path, dir, sizeof(dir)) != 0) {
    return refuse(why, "the credagent socket path is too long");
  }
  if (lstat(dir, &st) != 0) {
    if (errno == ENOENT) {
      return 0;
    }
    return refuse(why, "cannot inspect %s: %s", dir, strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    return refuse(why, "refusing to use %s: it is not a directory (or is a symbolic link); remove it, or choose another path", dir);
  }
  if (st.st_uid != getuid() && getuid() == 0) {
    return refuse_as_root(why, dir, st.st_uid);
  }
  if (st.st_uid != getuid()) {
    return refuse(why, "refusing to use %s: it belongs to uid %ld, not to you (uid %ld); " OWN_DIRECTORY, dir,
                  (long)st.st_uid, (long)getuid());
  }
  if ((st.st_mode & 077) != 0) {
    if ((st.st_mode & (S_ISVTX | S_IWOTH)) != 0) {
      return refuse(why, "refusing to use %s: group or others can reach it (mode %03o, a shared directory); " OWN_DIRECTORY,
                    dir, (unsigned)(st.st_mode & 07777));
    }
    return refuse(why, "refusing to use %s: group or others can reach it (mode %03o); run: chmod 700 %s", dir,
                  (unsigned)(st.st_mode & 0777), dir);
  }
  return 1;
}

/* The socket, if there is one, must be a socket of the user's. */
static int check_socket_file(const char *path, char *why) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    return 0; /* nothing there: connect says so */
  }
  if (!S_ISSOCK(st.st_mode)) {
    return refuse(why, "refusing %s: it is not a socket; remove it", path);
  }
  if (st.st_uid != getuid() && getuid() == 0) {
    return refuse_as_root(why, path, st.st_uid);
  }
  if (st.st_uid != getuid()) {
    return refuse(why, "refusing %s: it belongs to uid %ld, not to you (uid %ld); remove it, or set CREDAGENT_SOCKET to a socket of your own",
                  path, (long)st.st_uid, (long)getuid());
  }
  return 0;
}

int agent_connect(const char *path, int timeout_seconds, char *why) {
  if (check_socket_file(path, why) != 0) {
    return -2;
  }
  struct sockaddr_un address;
  if (strlen(path) >= sizeof(address.sun_path)) {
    refuse(why, "the socket path %s is too long for a Unix socket; set CREDAGENT_SOCKET to a shorter one", path);
    return -2;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) {
    refuse(why, "cannot create a socket: %s", strerror(errno));
    return -2;
  }
  memset(&address, 0, sizeof(address));
  address.sun_family = AF_UNIX;
  memcpy(address.sun_path, path, strlen(path) + 1);
  /* Before connect: a listener that never accepts (a stopped or hung daemon) fills its backlog, and
     then connect itself waits for it, forever, unless the send timeout bounds it (Linux: EAGAIN). */
  struct timeval timeout = {timeout_seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
    int saved = errno;
    close(fd);
    if (saved == EAGAIN || saved == EWOULDBLOCK) {
      refuse(why, "the credagent daemon on %s did not take the connection within %d s (it is stopped or hung); "
             "nothing was sent", path, timeout_seconds);
    } else {
      refuse(why, "cannot reach the credagent daemon on %s: %s", path, strerror(saved));
    }
    errno = saved;
    return -1;
  }
  return fd;
}

int agent_check_peer(int fd, const char *path, char *why) {
  uid_t peer;
#ifdef __linux__
  struct ucred credentials;
  socklen_t length = sizeof(credentials);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
    return refuse(why, "cannot tell who listens on %s: %s", path, strerror(errno));
  }
  peer = credentials.uid;
#else
  gid_t group;
  if (getpeereid(fd, &peer, &group) != 0) {
    return refuse(why, "cannot tell who listens on %s: %s", path, strerror(errno));
  }
#endif
  if (peer != getuid()) {
    return refuse(why, "refusing the daemon on %s: it runs as uid %ld, not as you (uid %ld); nothing was sent. "
                  "Stop it, or set CREDAGENT_SOCKET to a socket of your own", path, (long)peer, (long)getuid());
  }
  return 0;
}

int agent_write_all(int fd, const char *data, size_t length) {
  while (length > 0) {
    ssize_t n = write(fd, data, length);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return -1;
    }
    data += n;
    length -= (size_t)n;
  }
  return 0;
}

int agent_write_both(int fd, const char *first, size_t first_length, const char *second, size_t second_length) {
  struct iovec parts[2] = {{(void *)first, first_length}, {(void *)second, second_length}};
  ssize_t n;
  do {
    n = writev(fd, parts, 2);
  } while (n < 0 && errno == EINTR);
  if (n < 0 || (n == 0 && first_length + second_length > 0)) {
    return -1;
  }
  size_t sent = (size_t)n;
  if (sent < first_length) { /* a full socket took part of the first: the rest one write at a time */
    return agent_write_all(fd, first + sent, first_length - sent) != 0 ? -1 : agent_write_all(fd, second, second_length);
  }
  sent -= first_length;
  return agent_write_all(fd, second + sent, second_length - sent);
}

long agent_read_some(int fd, char *data, size_t length) {
  for (;;) {
    ssize_t n = read(fd, data, length);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    return (long)n;
  }
}

int agent_own_directory(const char *argv0, char *out, size_t size) {
  char self[PATH_MAX];
  char resolved[PATH_MAX];
  ssize_t n = -1;
#ifdef __APPLE__
  uint32_t length = sizeof(self);
  if (_NSGetExecutablePath(self, &length) == 0) {
    n = (ssize_t)strlen(self);
  }
#else
  n = readlink("/proc/self/exe", self, sizeof(self) - 1);
#endif
  if (n > 0) {
    self[n] = '\0';
  } else if (strchr(argv0, '/') != NULL && strlen(argv0) < sizeof(self)) {
    memcpy(self, argv0, strlen(argv0) + 1);
  } else {
    return -1;
  }
  if (realpath(self, resolved) == NULL) {
    memcpy(resolved, self, strlen(self) + 1);
  }
  char *slash = strrchr(resolved, '/');
  if (slash) {
    *slash = '\0';
  }
  return snprintf(out, size, "%s", resolved) < (int)size ? 0 : -1;
}

/* ttyname() of /dev/tty says only "/dev/tty": the terminal is found from /proc/self/stat's tty_nr,
   and checked to be that device. */
int agent_controlling_terminal(char *out, size_t size) {
  char stat_line[1024];
  FILE *stat_file = fopen("/proc/self/stat", "re");
  if (stat_file == NULL) {
    return -1;
  }
  size_t got = fread(stat_line, 1, sizeof(stat_line) - 1, stat_file);
  fclose(stat_file);
  stat_line[got] = '\0';
  const char *after_name = strrchr(stat_line, ')'); /* the command name may hold spaces and parentheses */
  int tty_nr = 0;
  if (after_name == NULL || sscanf(after_name + 1, " %*c %*d %*d %*d %d", &tty_nr) != 1 || tty_nr == 0) {
    return -1;
  }
  unsigned major_number = ((unsigned)tty_nr >> 8) & 0xfff;
  unsigned minor_number = ((unsigned)tty_nr & 0xff) | (((unsigned)tty_nr >> 12) & 0xfff00);
  if (major_number >= 136 && major_number <= 143) {
    snprintf(out, size, "/dev/pts/%u", (major_number - 136) * 256 + minor_number);
  } else if (major_number == 4 && minor_number < 64) {
    snprintf(out, size, "/dev/tty%u", minor_number);
  } else {
    return -1;
  }
  struct stat device;
  if (stat(out, &device) != 0 || !S_ISCHR(device.st_mode) || major(device.st_rdev) != major_number
      || minor(device.st_rdev) != minor_number) {
    return -1;
  }
  return 0;
}


int agent_refuse_another_users_home(char *why) {
  /* The checks on each directory catch only what exists; root's first command in a user's HOME
     (sudo -E, su without -) made root-owned files there that the user's own credagent refused. */
  const char *home = getenv("HOME");
  struct stat st;
  if (geteuid() != 0 || home == NULL || *home == '\0' || stat(home, &st) != 0 || !S_ISDIR(st.st_mode)
      || st.st_uid == 0) {
    return 0;
  }
  return refuse_as_root(why, home, st.st_uid);
}

/* The keys a frame header may carry, and nothing else: the daemon refuses a frame with any other
   (dev.credagent.transport.HeaderAttributes.Key holds the same table). */
static const char *const ATTRIBUTE_KEYS[] = {
  "tty", "display", "wayland-display", "xauthority", "session-type", "dbus", "cwd", "profile",
};

static int known_attribute(const char *key) {
  for (size_t i = 0; i < sizeof(ATTRIBUTE_KEYS) / sizeof(ATTRIBUTE_KEYS[0]); i++) {
    if (strcmp(key, ATTRIBUTE_KEYS[i]) == 0) {
      return 1;
    }
  }
  return 0;
}

int agent_header_attribute(char *header, size_t size, size_t *length, const char *key, const char *value) {
  static const char plain[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._:,+@-";
  static const char hex[] = "0123456789ABCDEF";
  if (!known_attribute(key) || value == NULL || *value == '\0') {
    return -1;
  }
  size_t at = *length;
  size_t key_length = strlen(key);
  if (at + 2 + key_length >= size) {
    return -1;
  }
  header[at++] = ' ';
  memcpy(header + at, key, key_length);
  at += key_length;
  header[at++] = '=';
  for (const unsigned char *c = (const unsigned char *)value; *c != '\0'; c++) {
    if (strchr(plain, *c) != NULL) {
      if (at + 1 >= size) {
        header[*length] = '\0';
        return -1;
      }
      header[at++] = (char)*c;
    } else {
      if (at + 3 >= size) {
        header[*length] = '\0';
        return -1;
      }
      header[at++] = '%';
      header[at++] = hex[*c >> 4];
      header[at++] = hex[*c & 0xf];
    }
  }
  header[at] = '\0';
  *length = at;
  return 0;
}

int agent_terminal_attribute(char *header, size_t size, size_t *length) {
  char terminal[64];
  return agent_controlling_terminal(terminal, sizeof(terminal)) == 0
      && agent_header_attribute(header, size, length, "tty", terminal) == 0;
}

int agent_display_attributes(char *header, size_t size, size_t *length) {
  /* gpg-agent's session environment (gnupg common/session-env.c), the part a pinentry needs to open
     a window on the requester's display. The daemon checks each is the user's own before it does. */
  static const char *const display_variables[][2] = {
    {"DISPLAY", "display"},
    {"WAYLAND_DISPLAY", "wayland-display"},
    {"XAUTHORITY", "xauthority"},
    {"XDG_SESSION_TYPE", "session-type"},
    {"DBUS_SESSION_BUS_ADDRESS", "dbus"},
  };
  int display = 0;
  for (size_t i = 0; i < sizeof(display_variables) / sizeof(display_variables[0]); i++) {
    const char *value = getenv(display_variables[i][0]);
    /* One that does not fit is left out (the daemon then finds no display, or refuses it): never a
       frame cut short. */
    if (value != NULL && *value != '\0' && agent_header_attribute(header, size, length, display_variables[i][1], value) == 0
        && i < 2) {
      display = 1;
    }
  }
  return display;
}

int agent_prompt_attributes(char *header, size_t size, size_t *length) {
  int terminal = agent_terminal_attribute(header, size, length);
  return agent_display_attributes(header, size, length) || terminal;
}

/* Whether text is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past
   U+10FFFF): the daemon refuses a whole frame whose attribute is not, so a directory named in
   another encoding is better not named at all (the daemon then answers in the default profile). */
static int well_formed_utf8(const unsigned char *c) {
  while (*c) {
    if (*c < 0x80) {
      c++;
      continue;
    }
    int more;
    unsigned int point;
    if ((*c & 0xe0) == 0xc0) {
      more = 1;
      point = *c & 0x1f;
    } else if ((*c & 0xf0) == 0xe0) {
      more = 2;
      point = *c & 0x0f;
    } else if ((*c & 0xf8) == 0xf0) {
      more = 3;
      point = *c & 0x07;
    } else {
      return 0;
    }
    c++;
    for (int i = 0; i < more; i++, c++) {
      if ((*c & 0xc0) != 0x80) {
        return 0;
      }
      point = (point << 6) | (*c & 0x3f);
    }
    if ((more == 1 && point < 0x80) || (more == 2 && point < 0x800) || (more == 3 && point < 0x10000)
        || point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) {
      return 0;
    }
  }
  return 1;
}

int agent_place_attributes(char *header, size_t size, size_t *length) {
  /* getcwd(3), not /proc/self/cwd: the same on macOS, and the path the kernel gives (no symlinks,
     no ".."). A working directory that is gone or too long is simply not sent: the daemon then
     answers in the default profile and its audit line says so. */
  static char cwd[PATH_MAX + 1];
  int appended = 0;
  if (getcwd(cwd, sizeof(cwd)) != NULL && cwd[0] == '/' && well_formed_utf8((const unsigned char *)cwd)) {
    appended += agent_header_attribute(header, size, length, "cwd", cwd) == 0;
  }
  const char *profile = getenv("CREDAGENT_PROFILE");
  if (profile != NULL && *profile != '\0') { /* sent as it is: a name the daemon cannot read is an error there, never the default profile */
    appended += agent_header_attribute(header, size, length, "profile", profile) == 0;
  }
  return appended;
}
