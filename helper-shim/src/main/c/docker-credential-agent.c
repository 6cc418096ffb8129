/*
 * docker-credential-agent: the Docker credential helper of credagent.
 *
 * A relay, on purpose: docker and skopeo spawn a helper for every `get`, so it must
 * start in a millisecond, which no JVM can. It sends its action and its standard
 * input to the credagent daemon and writes back what the daemon answers, exiting
 * with the daemon's exit code. It parses no JSON and knows no rule of the
 * credential-helper protocol: those live in the daemon (dev.credagent.helper),
 * where they are unit-tested.
 *
 * Frame (docs/protocol.md, "The credential-helper relay"):
 *   request:  "credential-helper/1 ACTION LENGTH[ KEY=VALUE]...\n" then LENGTH bytes of stdin
 *   response: "EXIT LENGTH\n" then LENGTH bytes for stdout
 *
 * Before it sends a byte it checks whom it is talking to (agent_socket.c, shared with the
 * native credagent), as the Java CLI does (dev.credagent.client.SocketCheck): the socket's
 * directory is the user's own and private, the socket is the user's, and the process
 * listening on it runs as the user.
 * Otherwise another user who made the directory first (a default socket under /tmp)
 * would receive every password `docker login` stores.
 *
 * When nothing answers on the socket it takes the start lock beside the socket (the
 * one the CLI takes), starts the daemon (`credagent-jvm daemon`, installed beside it)
 * unless a daemon answers by then, and tries once more: one start however many helpers
 * find no daemon at once; with CREDAGENT_AUTOSTART=0 (a forwarded share) it starts
 * nothing and says so. A socket CREDAGENT_SOCKET names is the only one used: no fallback to
 * the home's daemon on another socket, nothing started on a share's path once the share has
 * ended (SOCKET.share marks it) nor, without a vault home here, on any but the default path.
 * Every wait is bounded.
 */
#ifdef __linux__
#define _GNU_SOURCE
#else
#define _XOPEN_SOURCE 700
#define _DARWIN_C_SOURCE
#endif
#include "agent_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define INPUT_LIMIT (1024 * 1024)        /* what we relay of stdin */
#define OUTPUT_LIMIT (16 * 1024 * 1024)  /* what we accept back */
#define MAX_ACTION 64
#define MAX_REPLY_HEADER 64          /* "EXIT LENGTH\n" */
#define IO_TIMEOUT_SECONDS 30
#define PROMPT_TIMEOUT_SECONDS 200
#define START_TIMEOUT_SECONDS 15

/* 0 with CREDAGENT_AUTOSTART=0: the socket is a share forwarded from elsewhere. */
static int may_start = 1;

/* Errors go to stdout with exit 1, as docker-credential-helpers report theirs. */
static void fail(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("docker-credential-agent: ", stdout);
  vfprintf(stdout, format, args);
  fputc('\n', stdout);
  va_end(args);
  fflush(stdout);
  exit(1);
}

/* Connects, checking the socket file first; -1 with errno set when nobody answers. */
static int connect_agent(const char *path) {
  char why[AGENT_WHY_SIZE];
  int fd = agent_connect(path, IO_TIMEOUT_SECONDS, why);
  if (fd == -2 || (fd == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))) {
    fail("%s", why); /* refused, or a daemon there that never took the connection: nothing to start */
  }
  return fd;
}

/* 1 when the socket's directory is the user's own and private, 0 when it does not exist;
   anything else is refused before a byte is sent. */
static int check_socket_directory(const char *path) {
  char why[AGENT_WHY_SIZE];
  int checked = agent_check_directory(path, why);
  if (checked < 0) {
    fail("%s", why);
  }
  return checked;
}

/* The daemon's launcher installed with this binary: PREFIX/lib/credagent/credagent-jvm. */
static void launcher_beside_us(const char *argv0, char *out, size_t size) {
  char dir[PATH_MAX];
  if (agent_own_directory(argv0, dir, sizeof(dir)) != 0) {
    fail("cannot find where docker-credential-agent is installed, to start credagent from there");
  }
  if (snprintf(out, size, "%s/../lib/credagent/credagent-jvm", dir) >= (int)size) {
    fail("the path of credagent-jvm is too long");
  }
}

/* Starts the daemon itself (`credagent-jvm daemon --detached --log-after-start`), in a session
   of its own, stdin on /dev/null and its output on a pipe to us: once it listens, it puts its log
   on its output, and the pipe's end says it is up. What it said before that (a bad config file,
   another daemon on the vault) is the error. No JVM stands between: `credagent start` cost a
   second JVM's start. Returns its connection, or -1 where nothing listens after all. */
static int start_daemon(const char *argv0, const char *path) {
  char launcher[PATH_MAX];
  launcher_beside_us(argv0, launcher, sizeof(launcher));
  if (access(launcher, X_OK) != 0) {
    fail("nothing answers on the credagent socket and %s cannot be run to start the daemon: %s",
         launcher, strerror(errno));
  }
  int output[2];
  if (pipe(output) != 0) {
    fail("cannot create a pipe: %s", strerror(errno));
  }
  pid_t child = fork();
  if (child < 0) {
    fail("cannot fork: %s", strerror(errno));
  }
  if (child == 0) {
    setsid(); /* a closing terminal, or docker's process group, does not take the daemon down */
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, STDIN_FILENO);
    }
    dup2(output[1], STDOUT_FILENO);
    dup2(output[1], STDERR_FILENO);
    close(output[0]);
    close(output[1]);
    execl(launcher, "credagent-jvm", "daemon", "--detached", "--log-after-start", (char *)NULL);
    dprintf(STDERR_FILENO, "cannot run %s: %s", launcher, strerror(errno));
    _exit(127);
  }
  close(output[1]);

  char message[1024];
  size_t used = 0;
  time_t deadline = time(NULL) + START_TIMEOUT_SECONDS;
  for (;;) {
    int left = (int)(deadline - time(NULL));
    if (left <= 0) {
      kill(child, SIGKILL);
      waitpid(child, NULL, 0);
      fail("the credagent daemon did not start within %d s", START_TIMEOUT_SECONDS);
    }
    struct pollfd readable = {output[0], POLLIN, 0};
    int ready = poll(&readable, 1, left * 1000);
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      continue;
    }
    ssize_t got = read(output[0], message + used, sizeof(message) - 1 - used);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      break; /* the end: it listens (its output is its log now), or it has exited */
    }
    used += (size_t)got;
    if (used == sizeof(message) - 1) {
      used = 0; /* keep only the tail: the last error is the one that matters */
    }
  }
  close(output[0]);
  message[used] = '\0';
  while (used > 0 && (message[used - 1] == '\n' || message[used - 1] == '\r')) {
    message[--used] = '\0';
  }
  int fd = check_socket_directory(path) == 1 ? connect_agent(path) : -1; /* the directory first, always */
  if (fd >= 0) {
    return fd; /* it listens: it is the daemon, and stays (our child until we exit) */
  }
  /* The end of the pipe, and nobody listening: it exited (its last words are the error), or it
     is gone for another reason. Its exit status says which; it is due at once. */
  int status = 0;
  pid_t gone = 0;
  for (int waited = 0; waited < 100 && gone == 0; waited++) {
    gone = waitpid(child, &status, WNOHANG);
    if (gone == 0) {
      struct timespec pause = {0, 20 * 1000 * 1000};
      nanosleep(&pause, NULL);
    }
  }
  if (gone == child && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
    fail("could not start the credagent daemon: %s", used ? message : "it exited at once");
  }
  return fd;
}

/* Waits (bounded) for the start lock beside the socket: a POSIX record lock, as Java's
   FileChannel.lock takes, so the helper and the CLI exclude each other. Returns its fd. */
static int take_start_lock(const char *path) {
  char lock_path[PATH_MAX];
  if (snprintf(lock_path, sizeof(lock_path), "%s.start", path) >= (int)sizeof(lock_path)) {
    fail("the credagent socket path is too long");
  }
  int fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    fail("cannot open the start lock %s: %s", lock_path, strerror(errno));
  }
  struct flock lock;
  memset(&lock, 0, sizeof(lock));
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  time_t deadline = time(NULL) + START_TIMEOUT_SECONDS;
  while (fcntl(fd, F_SETLK, &lock) != 0) {
    if (errno != EACCES && errno != EAGAIN && errno != EINTR) {
      fail("cannot lock %s: %s", lock_path, strerror(errno));
    }
    if (time(NULL) >= deadline) {
      fail("another credagent start held %s for %d s", lock_path, START_TIMEOUT_SECONDS);
    }
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  return fd;
}

/* Nothing answered: start the daemon (once, whoever else is trying) and connect again. */
static int start_and_connect(const char *argv0, const char *path) {
  char dir[PATH_MAX];
  if (agent_directory_of(path, dir, sizeof(dir)) != 0) {
    fail("the credagent socket path is too long");
  }
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    /* Its parents are missing too: the daemon creates them all, without the lock (its own lock
       keeps it one: a second daemon exits, naming the first). */
    int started = start_daemon(argv0, path);
    check_socket_directory(path);
    return started >= 0 ? started : connect_agent(path);
  }
  check_socket_directory(path);
  int lock = take_start_lock(path);
  int fd = connect_agent(path); /* started by whoever held the lock before us? */
  if (fd < 0) {
    fd = start_daemon(argv0, path);
  }
  close(lock);
  return fd;
}

/* A share whose end races our request (its TTL ran out as we sent, the ssh forward still accepting)
   breaks the pipe or closes before answering, by timing alone: both say the same to the user. */
#define SHARE_GONE "the credagent share closed the connection before answering: has it ended (its TTL, or " \
  "credagent share --stop), or its forwarding?"

static void sending_failed(void) {
  if (!may_start) {
    fail(SHARE_GONE);
  }
  fail("lost the connection to the credagent daemon while sending: %s", strerror(errno));
}

/* One read of at least a byte and at most length; fails on a timeout or an early close. */
static size_t read_some(int fd, char *data, size_t length) {
  long n = agent_read_some(fd, data, length);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    fail("the credagent daemon did not answer within %d s", IO_TIMEOUT_SECONDS);
  }
  if (n <= 0) {
    fail(may_start ? "the credagent daemon closed the connection before answering in full" : SHARE_GONE);
  }
  return (size_t)n;
}

static void read_all(int fd, char *data, size_t length) {
  while (length > 0) {
    size_t n = read_some(fd, data, length);
    data += n;
    length -= n;
  }
}

/* Standard input, unless it is a terminal (a person running `list` by hand types nothing). */
static char *read_input(size_t *length) {
  char *input = malloc(INPUT_LIMIT + 1);
  if (!input) {
    fail("out of memory");
  }
  *length = 0;
  if (isatty(STDIN_FILENO)) {
    return input;
  }
  for (;;) {
    ssize_t n = read(STDIN_FILENO, input + *length, INPUT_LIMIT + 1 - *length);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      fail("cannot read standard input: %s", strerror(errno));
    }
    if (n == 0) {
      break;
    }
    *length += (size_t)n;
    if (*length > INPUT_LIMIT) {
      fail("standard input is larger than %d bytes", INPUT_LIMIT);
    }
  }
  return input;
}

/* The old daemon's exact answers to a header with attributes it does not know (before 16 KiB
   headers and KEY=VALUE attributes). */
static int from_an_older_daemon(const char *output, size_t length) {
  static const char *const refusals[] = {
    "docker-credential-agent: not a relay header\n",
    "docker-credential-agent: relay header longer than 512 bytes\n",
  };
  for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
    if (length == strlen(refusals[i]) && memcmp(output, refusals[i], length) == 0) {
      return 1;
    }
  }
  return 0;
}

/* Sends one frame (header, then the input) on fd and reads the answer: its exit code, and its
   output (malloc'ed, NUL-terminated; the caller wipes and frees it). The input stays the caller's. */
static char *relay(int fd, const char *header, size_t header_used, const char *input, size_t length, int may_prompt,
                   int *exit_code_out, size_t *output_length_out) {
  /* One segment: one read in the daemon. A daemon that refuses the header (one older than
     profiles refuses cwd=) answers and closes without reading the input: sending it then breaks
     the pipe, by timing or because the input outgrew the socket's buffer, while the answer waits
     to be read. So a closed peer here is not yet a failure; the read below says whether an answer came. */
  if (agent_write_both(fd, header, header_used, input, length) != 0 && errno != EPIPE && errno != ECONNRESET) {
    sending_failed();
  }
  if (may_prompt) {
    /* The daemon may ask for the passphrase on that terminal first (three tries of a minute at
       most): wait for a person, not only for the daemon. */
    struct timeval person = {PROMPT_TIMEOUT_SECONDS, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &person, sizeof(person));
  }

  /* "EXIT LENGTH\n" then the output: one read brings both, as a rule. Whatever came after the
     header is the start of the output. */
  char received[4096];
  size_t have = 0;
  char *newline = NULL;
  while (newline == NULL) {
    if (have >= MAX_REPLY_HEADER) {
      fail("the credagent daemon answered something that is not a relay frame");
    }
    have += read_some(fd, received + have, sizeof(received) - have);
    newline = memchr(received, '\n', have);
  }
  size_t reply_header_length = (size_t)(newline - received);
  if (reply_header_length >= MAX_REPLY_HEADER) {
    fail("the credagent daemon answered something that is not a relay frame");
  }
  char reply[MAX_REPLY_HEADER];
  memcpy(reply, received, reply_header_length);
  reply[reply_header_length] = '\0';
  int exit_code;
  unsigned long output_length;
  if (sscanf(reply, "%d %lu", &exit_code, &output_length) != 2 || exit_code < 0 || exit_code > 255
      || output_length > OUTPUT_LIMIT) {
    fail("the credagent daemon answered something that is not a relay frame");
  }
  size_t early = have - reply_header_length - 1;
  if (early > output_length) {
    fail("the credagent daemon answered something that is not a relay frame");
  }
  char *output = malloc(output_length + 1);
  if (!output) {
    fail("out of memory");
  }
  memcpy(output, newline + 1, early);
  memset(received, 0, sizeof(received)); /* it may hold a secret */
  read_all(fd, output + early, output_length - early);
  output[output_length] = '\0';
  *exit_code_out = exit_code;
  *output_length_out = output_length;
  return output;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  const char *action = argc > 1 ? argv[1] : "";
  /* The frame is space-separated: an action that could break it is relayed as "?", which the
     daemon answers with the usage line like any other unknown action. */
  if (strlen(action) > MAX_ACTION || strpbrk(action, " \t\r\n") != NULL) {
    action = "?";
  }

  size_t length;
  char *input = read_input(&length);

  /* The whole frame is made before the connection, so that it leaves in one write right after the
     peer check: the daemon's acceptor reads a new connection once, at once, and a frame not there
     yet costs the daemon a hand-off to its slower path (issue 32: a terminal look-up and the cwd
     between connect and write sent half of all helper calls there).
     The requester's controlling terminal (docker keeps its own, though it gives us pipes), so
     that the daemon can ask for the passphrase there when the vault is locked (pinentry); and
     where it runs (cwd=, CREDAGENT_PROFILE), which chooses the profile answering it. */
  static char header[AGENT_HEADER_SIZE];
  int header_length = snprintf(header, sizeof(header), "credential-helper/1 %s %zu", *action ? action : "-", length);
  size_t header_used = (size_t)header_length;
  int may_prompt = agent_terminal_attribute(header, sizeof(header) - 1, &header_used);
  size_t tty_only = header_used; /* all that a daemon from before the header attributes reads */
  int display = agent_display_attributes(header, sizeof(header) - 1, &header_used);
  agent_place_attributes(header, sizeof(header) - 1, &header_used);
  int beyond_tty = header_used > tty_only;
  header[header_used++] = '\n';

  char refused[AGENT_WHY_SIZE];
  if (agent_refuse_another_users_home(refused) != 0) {
    fail("%s", refused);
  }
  char path[PATH_MAX];
  if (agent_socket_path(path, sizeof(path)) != 0) {
    fail("the credagent socket path is too long");
  }
  int fd = check_socket_directory(path) ? connect_agent(path) : (errno = ENOENT, -1);
  /* CREDAGENT_AUTOSTART=0: the socket is a share forwarded from elsewhere (ssh -R, a container's
     bind mount), where starting a daemon of our own would only hide that the share is gone. */
  const char *autostart = getenv("CREDAGENT_AUTOSTART");
  may_start = !(autostart && strcmp(autostart, "0") == 0);
  int explicit_socket = agent_socket_named_explicitly();
  if (fd < 0 && (errno == ENOENT || errno == ECONNREFUSED) && agent_share_marked(path)) {
    /* A share's path, the share gone: neither the home's daemon nor a new one may answer in its
       place (a daemon bound here would also keep the next `ssh -R` from binding). */
    fail("the credagent share on %s has ended (its TTL ran out, or credagent share --stop): nothing answers "
         "there and no daemon is started in its place; ask for a new share", path);
  }
  if (fd < 0 && may_start && !explicit_socket && (errno == ENOENT || errno == ECONNREFUSED)) {
    /* Nobody on our socket, but the vault's daemon may serve another one (started where
       XDG_RUNTIME_DIR differed, as rootless podman sets it for its helpers): one daemon a vault.
       Never from a socket CREDAGENT_SOCKET names: that one may be a share's. */
    int nobody = errno;
    char other[PATH_MAX];
    if (agent_recorded_socket(path, other, sizeof(other)) == 0 && check_socket_directory(other) == 1) {
      int other_fd = connect_agent(other);
      if (other_fd >= 0) {
        fd = other_fd;
        snprintf(path, sizeof(path), "%s", other);
      }
    }
    errno = nobody;
  }
  if (fd < 0 && may_start && explicit_socket && (errno == ENOENT || errno == ECONNREFUSED) && !agent_home_exists()) {
    /* A socket named explicitly, no vault home here, and not the user's default socket: the far
       side of a share (ssh -R, a bind mount) whose share is gone, where a daemon of our own would
       serve an empty vault on the share's path. The user's own default path still starts one. */
    char own[PATH_MAX];
    if (agent_default_socket_path(own, sizeof(own)) != 0 || strcmp(own, path) != 0) {
      fail("nothing answers on %s, which CREDAGENT_SOCKET names, and there is no credagent vault here: no daemon "
           "is started on it (if it is a share, the share has ended); `credagent unlock` makes a vault of your own",
           path);
    }
  }
  if (fd < 0 && may_start && (errno == ENOENT || errno == ECONNREFUSED)) {
    fd = start_and_connect(argv[0], path);
  }
  if (fd < 0 && !may_start) {
    fail("cannot reach the credagent share on %s: %s (CREDAGENT_AUTOSTART=0: no daemon is started here; "
         "is the share, or its forwarding, still open?)", path, strerror(errno));
  }
  if (fd < 0) {
    fail("cannot reach the credagent daemon on %s: %s", path, strerror(errno));
  }
  char why[AGENT_WHY_SIZE];
  if (agent_check_peer(fd, path, why) != 0) {
    fail("%s", why);
  }

  int exit_code;
  size_t output_length;
  char *output = relay(fd, header, header_used, input, length, may_prompt || display, &exit_code, &output_length);
  if (beyond_tty && exit_code == 1 && from_an_older_daemon(output, output_length)) {
    /* A daemon started before this helper was installed (an upgrade; it runs until it is
       restarted) refuses any attribute but tty=: asked again as it expects, it answers as it
       always did, in its only profile. Only its exact refusals lead here, never a newer daemon's. */
    close(fd);
    memset(output, 0, output_length);
    free(output);
    const char *profile = getenv("CREDAGENT_PROFILE");
    if (profile != NULL && *profile != '\0') {
      memset(input, 0, length);
      fail("the running credagent daemon is older than profiles and cannot honour CREDAGENT_PROFILE: restart it "
           "(credagent stop; the next request starts the new one)");
    }
    fd = connect_agent(path);
    if (fd < 0 || agent_check_peer(fd, path, why) != 0) {
      fail("cannot reach the credagent daemon on %s again", path);
    }
    header[tty_only] = '\n';
    output = relay(fd, header, tty_only + 1, input, length, may_prompt, &exit_code, &output_length);
  }
  memset(input, 0, length); /* it may hold a secret */
  free(input);
  close(fd);
  size_t written = 0;
  while (written < output_length) {
    ssize_t n = write(STDOUT_FILENO, output + written, output_length - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return 1;
    }
    written += (size_t)n;
  }
  memset(output, 0, output_length);
  free(output);
  return exit_code;
}
