/*
 * pam_credagent: unlocks the user's credagent vault at login with the login password, through the
 * vault's login key slot, as kwallet-pam and gnome-keyring's PAM module do for theirs.
 *
 *   auth     optional pam_credagent.so   keeps the password PAM was given (PAM data, wiped by
 *                                        its cleanup); asks nothing, decides nothing
 *   session  optional pam_credagent.so   at open: as the user (initgroups, setgid, setuid, each
 *                                        checked), runs `credagent unlock --login --passphrase-stdin`,
 *                                        the password on a pipe (never argv or environment),
 *                                        which starts the daemon where none runs; at close, with
 *                                        the argument lock_on_close, `credagent lock` when it was
 *                                        the user's last open session (see SESSIONS_DIR)
 *   password optional pam_credagent.so   at a password change: `credagent passwd --login` rewraps
 *                                        the login slot from the old password to the new
 *
 * It never delays or fails a login: credagent runs in the background, as the user, bounded by
 * BACKGROUND_SECONDS; without a login slot or a vault it simply opens nothing; where it cannot be
 * started, one line goes to syslog (never a secret). It returns success (PAM_IGNORE in auth, so
 * that it never turns another module's "no" into a "yes"). Arguments: credagent=PATH (the credagent program; by default the one
 * installed beside this module, PREFIX/bin/credagent, else /usr/bin/credagent), lock_on_close.
 *
 * The program is handed a user's login password, so it must be root's: the path is resolved
 * (realpath) and every component of what is actually run, the file included, must be owned by
 * root and writable by no group or other; anything else is refused and logged, as pam_exec logs.
 * What the PAM application holds stays with it: the process that runs as the user gets its
 * descriptors closed above 2, every signal at its default and none blocked, and an environment
 * of five variables, as pam_exec's child gets (pam_modutil_sanitize_helper_fds).
 */
#define _GNU_SOURCE
#define PAM_SM_AUTH
#define PAM_SM_SESSION
#define PAM_SM_PASSWORD
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#define DATA_NAME "pam_credagent_authtok"
/*
 * lock_on_close locks at the user's LAST session's close, not at any: a second ssh login that ends
 * locked the vault under the desktop session still open. Sessions are counted here, not by logind
 * (which a container or a system without systemd lacks): each open session of a user with
 * lock_on_close leaves a marker UID.PID.START in this root-only directory, named by the PAM
 * application's process (sshd's monitor, login, gdm's worker: the one that also closes it) and that
 * process's start time, so that a reused pid is not taken for it. At close the session's own marker
 * goes; markers whose process is gone (a session that crashed, never closed) are removed as found;
 * if none of the user's is left, the vault is locked. The user cannot add or remove one.
 */
#define SESSIONS_DIR "/run/credagent-sessions"
#define BACKGROUND_SECONDS 60

static void wipe_free(char *text) {
  if (text != NULL) {
    explicit_bzero(text, strlen(text));
    free(text);
  }
}

static void cleanup(pam_handle_t *pamh, void *data, int error_status) {
  (void)pamh;
  (void)error_status;
  wipe_free(data);
}

/* The credagent program: credagent=PATH, else PREFIX/bin/credagent beside PREFIX/lib/credagent/this.so. */
static void credagent_path(int argc, const char **argv, char *out, size_t size) {
  for (int i = 0; i < argc; i++) {
    if (strncmp(argv[i], "credagent=", 10) == 0) {
      snprintf(out, size, "%s", argv[i] + 10);
      return;
    }
  }
  Dl_info self;
  if (dladdr((void *)credagent_path, &self) != 0 && self.dli_fname != NULL) {
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s", self.dli_fname);
    char *slash = strrchr(path, '/'); /* .../lib/credagent/pam_credagent.so */
    for (int up = 0; up < 2 && slash != NULL; up++) {
      *slash = '\0';
      slash = strrchr(path, '/');
    }
    if (slash != NULL) {
      *slash = '\0';
      if (snprintf(out, size, "%s/bin/credagent", path) < (int)size && access(out, X_OK) == 0) {
        return;
      }
    }
  }
  snprintf(out, size, "/usr/bin/credagent");
}

static int has_arg(int argc, const char **argv, const char *name) {
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], name) == 0) {
      return 1;
    }
  }
  return 0;
}

/*
 * 1 when PROGRAM may be run with a login password: RESOLVED (PATH_MAX) is then the path with no
 * symlink left, every component of which is owned by root and writable by no group or other (a
 * POSIX ACL that grants a write shows in the group bits, its mask). Since nobody but root can
 * change such a path, what is checked here is what execv runs. Otherwise 0, and the reason logged.
 */
static int trusted_program(pam_handle_t *pamh, const char *program, char *resolved) {
  if (program[0] != '/' || realpath(program, resolved) == NULL) {
    pam_syslog(pamh, LOG_ERR, "refusing to run %s: not an absolute path to an existing file", program);
    return 0;
  }
  char prefix[PATH_MAX];
  size_t length = strlen(resolved);
  for (size_t end = 0; end <= length; end++) {
    if (end < length && resolved[end] != '/') {
      continue;
    }
    size_t taken = end == 0 ? 1 : end; /* "/", "/usr", "/usr/bin", ..., the file itself */
    memcpy(prefix, resolved, taken);
    prefix[taken] = '\0';
    struct stat st;
    const char *wrong = NULL;
    if (lstat(prefix, &st) != 0) {
      wrong = "missing";
    } else if (S_ISLNK(st.st_mode)) {
      wrong = "a symlink"; /* realpath left none: one appeared since */
    } else if (st.st_uid != 0) {
      wrong = "not owned by root";
    } else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
      wrong = "writable by group or others";
    } else if (end == length && !S_ISREG(st.st_mode)) {
      wrong = "not a regular file";
    }
    if (wrong != NULL) {
      pam_syslog(pamh, LOG_ERR, "refusing to run %s: %s is %s", program, prefix, wrong);
      return 0;
    }
  }
  return 1;
}

#if defined(__linux__) && defined(SYS_rt_sigaction) \
    && (defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || defined(__arm__))
/* The kernel's struct sigaction where it is handler, flags, restorer, mask (not on every architecture). */
struct kernel_sigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)(void);
  unsigned long mask[64 / (8 * sizeof(unsigned long))];
};
#define HAVE_KERNEL_SIGACTION 1
#endif

/* Every signal at its default and none blocked: an ignored or blocked signal outlives exec
 * (the PAM application's SIG_IGN for SIGPIPE or SIGHUP, or a mask that would hold off alarm). */
static void reset_signals(void) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, &dfl, NULL) == 0) {
      continue;
    }
#ifdef HAVE_KERNEL_SIGACTION
    /* The C library keeps two real-time signals for itself (32, 33 in glibc) and will not set
       them; an application (a JVM does) may have left them ignored. The kernel sets them. */
    struct kernel_sigaction kernel_dfl;
    memset(&kernel_dfl, 0, sizeof(kernel_dfl));
    kernel_dfl.handler = SIG_DFL;
    syscall(SYS_rt_sigaction, sig, &kernel_dfl, NULL, sizeof(kernel_dfl.mask));
#endif
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Closes every descriptor above stderr: the PAM application's files (a login program may hold
 * /etc/shadow or root's log) must not reach a process the user can ptrace or pidfd_getfd once it
 * has exec'd. close_range where the kernel has it (5.9), else each one up to the hard limit. */
static void close_above_stderr(void) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, STDERR_FILENO + 1, ~0U, 0) == 0) {
    return;
  }
#endif
  struct rlimit limit;
  long highest = 1L << 20; /* the kernel's default nr_open: no descriptor is above it */
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_max != RLIM_INFINITY && (long)limit.rlim_max < highest) {
    highest = (long)limit.rlim_max;
  }
  for (long fd = STDERR_FILENO + 1; fd < highest; fd++) {
    close((int)fd);
  }
}

/*
 * Starts credagent ARGS as the user, INPUT on its stdin, and returns at once: the login goes on
 * while the daemon starts and derives the key (a cold start takes seconds, which no login should
 * wait for). Two forks, so that it is nobody's child here; the user's process is bounded by
 * alarm(BACKGROUND_SECONDS), which outlives exec. 0 when it was started, -1 otherwise.
 */
static int spawn_as_user(pam_handle_t *pamh, const struct passwd *pw, const char *program, const char *const *args,
                         const char *input) {
  const char *runtime = pam_getenv(pamh, "XDG_RUNTIME_DIR");
  char runtime_copy[PATH_MAX] = "";
  if (runtime != NULL) {
    snprintf(runtime_copy, sizeof(runtime_copy), "%s", runtime);
  }
  pid_t child = fork();
  if (child < 0) {
    return -1;
  }
  if (child == 0) {
    if (setsid() < 0 || fork() != 0) {
      _exit(0); /* the intermediate: gone at once, so the worker is reparented */
    }
    reset_signals();
    /* The user's own process from here on: groups, gid, uid, each checked; no way back to root. */
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0
        || getuid() != pw->pw_uid || geteuid() != pw->pw_uid || (pw->pw_uid != 0 && setuid(0) == 0)) {
      _exit(126);
    }
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) {
      _exit(126);
    }
    /* A line or two: the pipe holds it whole, so it is written before the program runs, never on argv. */
    size_t length = strlen(input);
    if (length > 0 && write(pipe_fds[1], input, length) != (ssize_t)length) {
      _exit(126);
    }
    close(pipe_fds[1]);
    /* The read end is the lowest free descriptor: 0 already where the application closed its stdin. */
    if (pipe_fds[0] != STDIN_FILENO && (dup2(pipe_fds[0], STDIN_FILENO) != STDIN_FILENO || close(pipe_fds[0]) != 0)) {
      _exit(126);
    }
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, STDOUT_FILENO) != STDOUT_FILENO || dup2(null, STDERR_FILENO) != STDERR_FILENO) {
      _exit(126);
    }
    close_above_stderr();
    if (chdir(pw->pw_dir) != 0 && chdir("/") != 0) {
      _exit(126);
    }
    clearenv(); /* nothing of the application's environment: only what the program needs to find the user's */
    setenv("HOME", pw->pw_dir, 1);
    setenv("USER", pw->pw_name, 1);
    setenv("LOGNAME", pw->pw_name, 1);
    setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
    if (runtime_copy[0] != '\0') {
      setenv("XDG_RUNTIME_DIR", runtime_copy, 1);
    }
    alarm(BACKGROUND_SECONDS);
    execv(program, (char *const *)args);
    _exit(127);
  }
  int status;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return 0;
}

static const struct passwd *user_of(pam_handle_t *pamh, struct passwd *storage, char *buffer, size_t size);

/* Starts credagent ARGS for PAM's user, INPUT on its stdin; logs WHAT where it cannot be started. */
static void start_for_user(pam_handle_t *pamh, int argc, const char **argv, const char *const *args, const char *input,
                           const char *what) {
  struct passwd storage;
  char buffer[4096];
  const struct passwd *pw = user_of(pamh, &storage, buffer, sizeof(buffer));
  if (pw == NULL) {
    return;
  }
  char program[PATH_MAX];
  credagent_path(argc, argv, program, sizeof(program));
  char resolved[PATH_MAX];
  if (!trusted_program(pamh, program, resolved)) {
    return; /* logged: a program the user (or anyone but root) could replace never sees a password */
  }
  if (spawn_as_user(pamh, pw, resolved, args, input) != 0) {
    pam_syslog(pamh, LOG_INFO, "could not start credagent to %s for %s", what, pw->pw_name);
  }
}

static const struct passwd *user_of(pam_handle_t *pamh, struct passwd *storage, char *buffer, size_t size) {
  const char *name = NULL;
  struct passwd *found = NULL;
  if (pam_get_user(pamh, &name, NULL) != PAM_SUCCESS || name == NULL
      || getpwnam_r(name, storage, buffer, size, &found) != 0 || found == NULL) {
    return NULL;
  }
  return found;
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv) {
  (void)flags;
  (void)argc;
  (void)argv;
  const void *password = NULL;
  if (pam_get_item(pamh, PAM_AUTHTOK, &password) != PAM_SUCCESS || password == NULL) {
    return PAM_IGNORE;
  }
  char *copy = strdup(password);
  if (copy == NULL || pam_set_data(pamh, DATA_NAME, copy, cleanup) != PAM_SUCCESS) {
    wipe_free(copy);
  }
  return PAM_IGNORE;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv) {
  (void)pamh;
  (void)flags;
  (void)argc;
  (void)argv;
  return PAM_SUCCESS;
}

/* The start time of process PID (field 22 of /proc/PID/stat, clock ticks since boot); 0 when it is gone. */
static unsigned long long start_time(pid_t pid) {
  char path[64];
  char line[1024];
  snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
  FILE *stat_file = fopen(path, "re");
  if (stat_file == NULL) {
    return 0;
  }
  size_t got = fread(line, 1, sizeof(line) - 1, stat_file);
  fclose(stat_file);
  line[got] = '\0';
  const char *after_name = strrchr(line, ')'); /* the command name may hold spaces and parentheses */
  unsigned long long started = 0;
  if (after_name == NULL
      || sscanf(after_name + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                &started) != 1) {
    return 0;
  }
  return started;
}

/* SESSIONS_DIR, made if absent: 0 when it is root's, a directory, and 0700; -1 (logged) otherwise. */
static int sessions_dir(pam_handle_t *pamh) {
  struct stat st;
  if (mkdir(SESSIONS_DIR, 0700) != 0 && errno != EEXIST) {
    pam_syslog(pamh, LOG_ERR, "cannot make %s: %s", SESSIONS_DIR, strerror(errno));
    return -1;
  }
  if (lstat(SESSIONS_DIR, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077) != 0) {
    pam_syslog(pamh, LOG_ERR, "refusing %s: not a directory of root's alone (mode 0700); sessions are not counted",
               SESSIONS_DIR);
    return -1;
  }
  return 0;
}

/* This session's marker's path: UID.PID.START of the PAM application's process. */
static int own_marker(uid_t uid, char *out, size_t size) {
  unsigned long long started = start_time(getpid());
  return started != 0 && snprintf(out, size, SESSIONS_DIR "/%lu.%ld.%llu", (unsigned long)uid, (long)getpid(), started)
      < (int)size ? 0 : -1;
}

/* Records this session as open for UID (lock_on_close). */
static void session_opened(pam_handle_t *pamh, uid_t uid) {
  char marker[256];
  if (sessions_dir(pamh) != 0 || own_marker(uid, marker, sizeof(marker)) != 0) {
    return;
  }
  int fd = open(marker, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) {
    close(fd);
  }
}

/*
 * Removes this session's marker, and those of UID's sessions whose process is gone; 1 when no
 * session of UID is left open (the vault may be locked), 0 when one is. Where sessions cannot be
 * counted (the directory is not root's alone), 1: lock_on_close then locks at every close, as before.
 */
static int session_closed_was_last(pam_handle_t *pamh, uid_t uid) {
  char marker[256];
  if (sessions_dir(pamh) != 0) {
    return 1;
  }
  if (own_marker(uid, marker, sizeof(marker)) == 0) {
    unlink(marker);
  }
  DIR *dir = opendir(SESSIONS_DIR);
  if (dir == NULL) {
    return 1;
  }
  int open_sessions = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    unsigned long owner;
    long pid;
    unsigned long long started;
    char end;
    if (sscanf(entry->d_name, "%lu.%ld.%llu%c", &owner, &pid, &started, &end) != 3 || owner != (unsigned long)uid) {
      continue;
    }
    if (pid > 0 && start_time((pid_t)pid) == started) {
      open_sessions++;
    } else {
      char stale[256 + 64];
      snprintf(stale, sizeof(stale), SESSIONS_DIR "/%s", entry->d_name);
      unlink(stale); /* a session that ended without a close (its program killed): it holds nothing open */
    }
  }
  closedir(dir);
  return open_sessions == 0;
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv) {
  (void)flags;
  if (has_arg(argc, argv, "lock_on_close")) {
    struct passwd storage;
    char buffer[4096];
    const struct passwd *pw = user_of(pamh, &storage, buffer, sizeof(buffer));
    if (pw != NULL) {
      session_opened(pamh, pw->pw_uid); /* a key login's session counts too: it has no password to unlock with */
    }
  }
  const void *password = NULL;
  if (pam_get_data(pamh, DATA_NAME, &password) != PAM_SUCCESS || password == NULL) {
    return PAM_SUCCESS; /* no password came through auth (a key login): nothing to unlock with */
  }
  size_t length = strlen(password);
  char *input = malloc(length + 2);
  if (input != NULL) {
    snprintf(input, length + 2, "%s\n", (const char *)password);
    const char *const args[] = {"credagent", "unlock", "--login", "--passphrase-stdin", NULL};
    start_for_user(pamh, argc, argv, args, input, "unlock the vault");
    wipe_free(input);
  }
  pam_set_data(pamh, DATA_NAME, NULL, NULL); /* the cleanup wipes it; nothing keeps it past the session's start */
  return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv) {
  (void)flags;
  if (has_arg(argc, argv, "lock_on_close")) {
    struct passwd storage;
    char buffer[4096];
    const struct passwd *pw = user_of(pamh, &storage, buffer, sizeof(buffer));
    if (pw != NULL && session_closed_was_last(pamh, pw->pw_uid)) {
      const char *const args[] = {"credagent", "lock", NULL};
      start_for_user(pamh, argc, argv, args, "", "lock the vault");
    }
  }
  return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv) {
  if (!(flags & PAM_UPDATE_AUTHTOK)) {
    return PAM_SUCCESS; /* the preliminary check: nothing of ours to check */
  }
  const void *old = NULL;
  const void *replacement = NULL;
  if (pam_get_item(pamh, PAM_OLDAUTHTOK, &old) != PAM_SUCCESS || old == NULL
      || pam_get_item(pamh, PAM_AUTHTOK, &replacement) != PAM_SUCCESS || replacement == NULL) {
    return PAM_SUCCESS; /* root set the password without the old one: the login slot cannot be rewrapped */
  }
  size_t size = strlen(old) + strlen(replacement) + 3;
  char *input = malloc(size);
  if (input != NULL) {
    snprintf(input, size, "%s\n%s\n", (const char *)old, (const char *)replacement);
    const char *const args[] = {"credagent", "passwd", "--login", "--passphrase-stdin", NULL};
    start_for_user(pamh, argc, argv, args, input, "rewrap the login key slot");
    wipe_free(input);
  }
  return PAM_SUCCESS;
}
