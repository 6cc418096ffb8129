/*
 * credagent: the command line's native front end.
 *
 * A JVM takes a third of a second to start; a command against a running daemon should take a
 * few milliseconds. So this program sends its arguments to the daemon, where the same picocli
 * command tree as the JVM CLI's parses and runs them (dev.credagent.cli.RelayedCommands), and
 * writes back what that printed, leaving with its exit code. It knows no command: it parses no
 * argument and prints no message of a command's. Whatever the daemon cannot run (a passphrase
 * prompt on a terminal, setup, doctor, the daemon itself), or when no daemon answers (it must be
 * started), or when the socket is not one we may talk to, or when a command would read standard
 * input that is a terminal (the JVM CLI asks there with echo off), it execs the JVM CLI with the
 * same arguments and standard input untouched, and that decides and says what to do.
 *
 * Frame (docs/protocol.md, "The command relay"):
 *   request:  "credagent/1 LENGTH[ KEY=VALUE]...\n" then the arguments, each ended by a NUL
 *   answer, at once:  "local\n"                      run the JVM CLI instead
 *                     "stdin line\n" | "stdin all\n" send "stdin LENGTH\n" and standard input's
 *                                                    first line, or all of it
 *                     "run\n"
 *   then, once run:   "exit CODE OUTLEN ERRLEN\n"    then OUTLEN bytes for stdout, ERRLEN for stderr
 *
 * Before it sends a byte it checks whom it is talking to, with the helper's checks
 * (agent_socket.c).
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define ARGS_LIMIT (64 * 1024)             /* the daemon's limit; longer command lines run in the JVM */
#define INPUT_LIMIT (1024 * 1024 + 1)      /* a byte past the commands' limit, so that they say so */
#define OUTPUT_LIMIT (16 * 1024 * 1024)    /* what we accept back */
#define MAX_REPLY_HEADER 64
#define FIRST_ANSWER_SECONDS 10            /* the daemon answers before it runs anything: past this it is stopped or hung */
#define IO_TIMEOUT_SECONDS 120             /* a login or a token may wait on a registry; the JVM CLI waits as long */
#define RELAY_ONLY_SECONDS 2             /* a completion waits no longer on a stalled daemon */
#define JVM_LAUNCHER "/../lib/credagent/credagent-jvm"

static void fail(const char *message) {
  fprintf(stderr, "credagent: %s\n", message);
  exit(1);
}

/* CREDAGENT_RELAY_ONLY=1: the shell's completion asks (credagent __complete KIND). It must never
   start a JVM (a third of a second at every Tab) nor, through it, a daemon: where the daemon cannot
   answer, it leaves at once, quietly, with nothing. */
static int relay_only;

/* fail(), with a socket's path and a number in the message. */
static void fail_with_path(const char *format, const char *path, int seconds) {
  char message[PATH_MAX + 512];
  snprintf(message, sizeof(message), format, path, seconds);
  fail(message);
}

/* Runs the JVM CLI with our arguments, standard input untouched; it never returns. */
static void run_jvm(char **argv) {
  if (relay_only) {
    exit(1);
  }
  char dir[PATH_MAX];
  char launcher[PATH_MAX + sizeof(JVM_LAUNCHER)];
  if (agent_own_directory(argv[0], dir, sizeof(dir)) != 0) {
    fail("cannot find where credagent is installed, to run its Java part");
  }
  snprintf(launcher, sizeof(launcher), "%s" JVM_LAUNCHER, dir);
  execv(launcher, argv);
  fprintf(stderr, "credagent: cannot run %s: %s\n", launcher, strerror(errno));
  exit(1);
}

/* What the daemon sent that is not consumed yet. */
struct answer {
  int fd;
  char data[4096];
  size_t have;
};

/* The daemon's next line, without its newline, taken from what was received (reading more as
   needed). -1 when none came: a close, a timeout, or no newline within MAX_REPLY_HEADER bytes. */
static int next_line(struct answer *a, char *line) {
  char *newline = memchr(a->data, '\n', a->have < MAX_REPLY_HEADER ? a->have : MAX_REPLY_HEADER);
  while (newline == NULL) {
    if (a->have >= MAX_REPLY_HEADER) {
      return -1;
    }
    long n = agent_read_some(a->fd, a->data + a->have, sizeof(a->data) - a->have);
    if (n <= 0) {
      return -1;
    }
    a->have += (size_t)n;
    newline = memchr(a->data, '\n', a->have < MAX_REPLY_HEADER ? a->have : MAX_REPLY_HEADER);
  }
  size_t line_length = (size_t)(newline - a->data);
  memcpy(line, a->data, line_length);
  line[line_length] = '\0';
  a->have -= line_length + 1;
  memmove(a->data, newline + 1, a->have);
  return 0;
}

/* Standard input: all of it, or up to and with its first newline (as the JVM's buffered read
   would take it), at most INPUT_LIMIT bytes. */
static char *read_input(int whole, size_t *length) {
  char *input = malloc(INPUT_LIMIT);
  if (!input) {
    fail("out of memory");
  }
  *length = 0;
  while (*length < INPUT_LIMIT) {
    long n = agent_read_some(STDIN_FILENO, input + *length, INPUT_LIMIT - *length);
    if (n < 0) {
      fail("cannot read standard input");
    }
    if (n == 0) {
      break;
    }
    int had_newline = memchr(input + *length, '\n', (size_t)n) != NULL;
    *length += (size_t)n;
    if (!whole && had_newline) {
      break;
    }
  }
  if (whole && *length == INPUT_LIMIT) {
    /* More than any command takes. Sending the first INPUT_LIMIT bytes cut `passwd`'s second line
       short, and a cut line reads as a whole one: the new passphrase set was not the one typed. */
    memset(input, 0, INPUT_LIMIT);
    fail("standard input holds more than 1048576 bytes");
  }
  return input;
}

static void write_out(int fd, const char *data, size_t length) {
  if (agent_write_all(fd, data, length) != 0 && fd == STDOUT_FILENO) {
    exit(1); /* stdout closed early (| head): nothing to say it on */
  }
}

/*
 * Nobody answers on our socket (or its directory is not there): the vault's daemon may serve
 * another one, recorded in its home, started where XDG_RUNTIME_DIR differed (a session with it, one
 * without). One daemon serves a vault, and the helper follows the record too (AgentClient.connect,
 * docker-credential-agent.c): without this every command here ran in the JVM CLI, a third of a
 * second each. Never from a socket CREDAGENT_SOCKET names, a share's path, or with
 * CREDAGENT_AUTOSTART=0: those are the only socket that may answer. The socket reached, into path;
 * -1 when there is none.
 */
static int connect_recorded(char *path, size_t size, int timeout_seconds, char *why) {
  const char *autostart = getenv("CREDAGENT_AUTOSTART");
  if (agent_socket_named_explicitly() || (autostart && strcmp(autostart, "0") == 0) || agent_share_marked(path)) {
    return -1;
  }
  char other[PATH_MAX];
  if (agent_recorded_socket(path, other, sizeof(other)) != 0 || agent_check_directory(other, why) != 1) {
    return -1;
  }
  int fd = agent_connect(other, timeout_seconds, why);
  if (fd >= 0) {
    snprintf(path, size, "%s", other);
  }
  return fd < 0 ? -1 : fd;
}

/*
 * A standard descriptor closed by whoever ran us (<&-, >&-) is /dev/null: else the daemon's socket,
 * the next descriptor opened, took its number, and `keyslot add --passphrase-stdin <&-` read its
 * "standard input" from the socket it was to send it on, both sides waiting until the timeout.
 */
static void open_closed_standard_descriptors(void) {
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
    if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      int null = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
      if (null != fd) { /* the lowest free number: fd itself, as the lower ones are open */
        exit(1);
      }
    }
  }
}

int main(int argc, char **argv) {
  open_closed_standard_descriptors();
  signal(SIGPIPE, SIG_IGN);
  const char *only = getenv("CREDAGENT_RELAY_ONLY");
  relay_only = only != NULL && strcmp(only, "1") == 0;
  int first_answer_seconds = relay_only ? RELAY_ONLY_SECONDS : FIRST_ANSWER_SECONDS;
  int io_timeout_seconds = relay_only ? RELAY_ONLY_SECONDS : IO_TIMEOUT_SECONDS;
  char path[PATH_MAX];
  char why[AGENT_WHY_SIZE];
  /* Started by systemd's socket unit (LISTEN_FDS): the daemon we would ask is the one being
     started. No socket we may use, or nobody answering: the JVM CLI starts a daemon, or says why
     it will not, in its own words. */
  /* `daemon` and `start` start a daemon: never sent to whatever listens on the socket (systemd's
     socket while it starts the service, a daemon that is stopped), which the JVM CLI judges. */
  int starts_a_daemon = argc > 1 && (strcmp(argv[1], "daemon") == 0 || strcmp(argv[1], "start") == 0);
  if (starts_a_daemon || getenv("LISTEN_FDS") != NULL || agent_refuse_another_users_home(why) != 0
      || agent_socket_path(path, sizeof(path)) != 0) {
    run_jvm(argv);
  }
  int directory = agent_check_directory(path, why);
  if (directory < 0) {
    run_jvm(argv);
  }
  int fd = directory == 1 ? agent_connect(path, first_answer_seconds, why) : -1;
  if (fd == -1) {
    fd = connect_recorded(path, sizeof(path), first_answer_seconds, why);
  }
  if (fd < 0) {
    run_jvm(argv);
  }
  if (agent_check_peer(fd, path, why) != 0) {
    close(fd);
    run_jvm(argv);
  }

  size_t args_length = 0;
  for (int i = 1; i < argc; i++) {
    args_length += strlen(argv[i]) + 1;
  }
  if (args_length > ARGS_LIMIT) {
    close(fd);
    run_jvm(argv);
  }
  /* Our terminal, where a locked vault may ask for its passphrase (pinentry) for a relayed get. */
  static char header[AGENT_HEADER_SIZE];
  int header_length = snprintf(header, sizeof(header), "credagent/1 %zu", args_length);
  size_t header_used = (size_t)header_length;
  agent_prompt_attributes(header, sizeof(header) - 1, &header_used);
  agent_place_attributes(header, sizeof(header) - 1, &header_used);
  header[header_used++] = '\n';
  int sent = agent_write_all(fd, header, header_used);
  for (int i = 1; i < argc && sent == 0; i++) {
    sent = agent_write_all(fd, argv[i], strlen(argv[i]) + 1);
  }

  char line[MAX_REPLY_HEADER + 1];
  struct answer answer = {.fd = fd, .have = 0};
  /* Until the first answer nothing has run, so the JVM CLI can still take over: a daemon that went
     away, or one from before this relay (which does not speak it). Not a daemon that is merely
     slow to answer: it has the command, and would run it beside the JVM CLI's copy. */
  errno = 0;
  int no_answer = sent != 0 || next_line(&answer, line) != 0;
  if (no_answer && sent == 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !relay_only) {
    /* A daemon that took the command and is stopped or hung: it runs it when it resumes, so the
       JVM CLI must not send it again (a share opened twice, an erase run twice). */
    fail_with_path("the credagent daemon on %s took the command but did not answer within %d s (it is stopped or hung); "
                   "it may still run the command if it resumes: check before running it again",
                   path, first_answer_seconds);
  }
  if (no_answer || (strcmp(line, "run") != 0 && strcmp(line, "stdin line") != 0 && strcmp(line, "stdin all") != 0)) {
    close(fd);
    run_jvm(argv);
  }
  struct timeval timeout = {io_timeout_seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (strcmp(line, "run") != 0 && isatty(STDIN_FILENO)) {
    /* Standard input is a terminal: the command reads a secret from it (keyslot add --login, login
       --password-stdin, store), which would echo as it is typed into our read. Nothing has run yet:
       the JVM CLI runs it, and asks on the terminal with echo off where the command can (issue 30). */
    close(fd);
    run_jvm(argv);
  }
  if (strcmp(line, "run") != 0) {
    size_t input_length;
    char *input = read_input(strcmp(line, "stdin all") == 0, &input_length);
    header_length = snprintf(header, sizeof(header), "stdin %zu\n", input_length);
    sent = agent_write_all(fd, header, (size_t)header_length);
    if (sent == 0) {
      sent = agent_write_all(fd, input, input_length);
    }
    memset(input, 0, input_length); /* it may hold a secret */
    free(input);
    if (sent != 0) {
      fail("lost the connection to the credagent daemon while sending standard input");
    }
  }
  if (next_line(&answer, line) != 0) {
    fail("lost the connection to the credagent daemon before its answer");
  }

  int exit_code;
  unsigned long out_length, err_length;
  char extra;
  if (sscanf(line, "exit %d %lu %lu%c", &exit_code, &out_length, &err_length, &extra) != 3 || exit_code < 0
      || exit_code > 255 || out_length > OUTPUT_LIMIT || err_length > OUTPUT_LIMIT || answer.have > out_length + err_length) {
    fail("the credagent daemon answered something that is not a command reply");
  }
  size_t total = out_length + err_length;
  char *output = malloc(total + 1);
  if (!output) {
    fail("out of memory");
  }
  memcpy(output, answer.data, answer.have);
  memset(answer.data, 0, sizeof(answer.data)); /* it may hold the start of a secret */
  for (size_t have = answer.have; have < total;) {
    long n = agent_read_some(fd, output + have, total - have);
    if (n <= 0) {
      fail(n == 0 ? "the credagent daemon closed the connection before answering in full"
                  : "the credagent daemon did not answer in time");
    }
    have += (size_t)n;
  }
  close(fd);
  write_out(STDOUT_FILENO, output, out_length);
  write_out(STDERR_FILENO, output + out_length, err_length);
  memset(output, 0, total); /* `credagent get` prints a secret */
  free(output);
  return exit_code;
}
