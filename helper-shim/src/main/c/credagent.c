/*
 * credagent: the command line's native front end.
 *
 * A JVM takes a third of a second to start; a command against a running daemon should take a
 * few milliseconds. So this program sends its arguments to the daemon, where the same picocli
 * command tree as the JVM CLI's parses and runs them (dev.credagent.cli.RelayedCommands), and
 * writes back what that printed, leaving with its exit code. It knows no command: it parses no
 * argument and prints no message of a command's. Whatever the daemon cannot run (a passphrase
 * prompt on a terminal, setup, doctor, the daemon itself), or when no daemon answers (it must be
 * started), or when the socket is not one we may talk to, it execs the JVM CLI with the same
 * arguments and standard input untouched, and that decides and says what to do.
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
#define FIRST_ANSWER_SECONDS 10            /* the daemon answers before it runs anything: past this, the JVM CLI takes over */
#define IO_TIMEOUT_SECONDS 120             /* a login or a token may wait on a registry; the JVM CLI waits as long */
#define JVM_LAUNCHER "/../lib/credagent/credagent-jvm"

static void fail(const char *message) {
  fprintf(stderr, "credagent: %s\n", message);
  exit(1);
}

/* Runs the JVM CLI with our arguments, standard input untouched; it never returns. */
static void run_jvm(char **argv) {
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
  return input;
}

static void write_out(int fd, const char *data, size_t length) {
  if (agent_write_all(fd, data, length) != 0 && fd == STDOUT_FILENO) {
    exit(1); /* stdout closed early (| head): nothing to say it on */
  }
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  char path[PATH_MAX];
  char why[AGENT_WHY_SIZE];
  /* Started by systemd's socket unit (LISTEN_FDS): the daemon we would ask is the one being
     started. No socket we may use, or nobody answering: the JVM CLI starts a daemon, or says why
     it will not, in its own words. */
  if (getenv("LISTEN_FDS") != NULL || agent_socket_path(path, sizeof(path)) != 0
      || agent_check_directory(path, why) != 1) {
    run_jvm(argv);
  }
  int fd = agent_connect(path, FIRST_ANSWER_SECONDS, why);
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
  header[header_used++] = '\n';
  int sent = agent_write_all(fd, header, header_used);
  for (int i = 1; i < argc && sent == 0; i++) {
    sent = agent_write_all(fd, argv[i], strlen(argv[i]) + 1);
  }

  char line[MAX_REPLY_HEADER + 1];
  struct answer answer = {.fd = fd, .have = 0};
  /* Until the first answer nothing has run, so the JVM CLI can still take over: a daemon that went
     away, one from before this relay (which does not speak it), or a socket that nobody serves
     yet (systemd's, while it starts the daemon). */
  if (sent != 0 || next_line(&answer, line) != 0
      || (strcmp(line, "run") != 0 && strcmp(line, "stdin line") != 0 && strcmp(line, "stdin all") != 0)) {
    close(fd);
    run_jvm(argv);
  }
  struct timeval timeout = {IO_TIMEOUT_SECONDS, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
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
