/*
 * The daemon's socket as both native programs find and check it: docker-credential-agent and
 * credagent. The same rules as the Java client's (dev.credagent.client.SocketCheck): the socket's
 * directory is the user's own and private, the socket is the user's, and the process listening
 * on it runs as the user; otherwise nothing is sent. Each check that refuses writes why into
 * `why` (one line, naming the fix) and returns -1; the caller decides what to do with it.
 */
#ifndef CREDAGENT_AGENT_SOCKET_H
#define CREDAGENT_AGENT_SOCKET_H

#include <stddef.h>

#define AGENT_WHY_SIZE 512

/* CREDAGENT_SOCKET, else $XDG_RUNTIME_DIR/credagent/agent.sock, else $TMPDIR/credagent-UID/agent.sock.
   0, or -1 when the path does not fit. */
int agent_socket_path(char *out, size_t size);

/* 1 when CREDAGENT_SOCKET names the socket: then it is the only one used (it may be a share's). */
int agent_socket_named_explicitly(void);

/* The user's own daemon socket, as agent_socket_path finds it without CREDAGENT_SOCKET. */
int agent_default_socket_path(char *out, size_t size);

/* 1 when PATH was a share's socket: PATH.share, a regular file of the user's, marks it (the daemon
   writes it when the share opens and leaves it when the share ends; dev.credagent.share.ShareMarker). */
int agent_share_marked(const char *path);

/* 1 when the vault home (CREDAGENT_HOME, ...) exists, as a directory of the user's. */
int agent_home_exists(void);

/* The socket the vault home's daemon records (HOME/daemon.lock: "PID\nSOCKET\n") when it is not
   own: one daemon serves a vault, wherever XDG_RUNTIME_DIR pointed when it started. 0 with out set,
   -1 when there is none, the home is not the user's alone, or it is own. Check it as any socket. */
int agent_recorded_socket(const char *own, char *out, size_t size);

/* -1 with why set when we are root and HOME is another user's (sudo -E, su without -): run as
   that user. 0 otherwise. */
int agent_refuse_another_users_home(char *why);

/* The directory part of path ("." when it has none); -1 when it does not fit. */
int agent_directory_of(const char *path, char *out, size_t size);

/* 1: the socket's directory is the user's own and private; 0: it does not exist; -1: refused. */
int agent_check_directory(const char *path, char *why);

/* Connects after checking the socket file; returns the socket with both timeouts set, -1 with errno
   set when nobody answers (why says so too), or -2 when refused (why says why). */
int agent_connect(const char *path, int timeout_seconds, char *why);

/* 0 when the process on the other end of fd runs as the user; -1 (why) otherwise. */
int agent_check_peer(int fd, const char *path, char *why);

/* Writes all of data; 0, or -1 when the connection failed (errno set). EINTR is retried. */
int agent_write_all(int fd, const char *data, size_t length);
/* Writes first, then second, with one writev(2) where the socket takes both (a request's header
   and its body in one segment: the daemon reads them in one turn, not two); -1 on failure. */
int agent_write_both(int fd, const char *first, size_t first_length, const char *second, size_t second_length);

/* One read of at least a byte; 0 at a close, -1 on a timeout or an error (errno set). */
long agent_read_some(int fd, char *data, size_t length);

/* Our controlling terminal's path (/dev/pts/N or /dev/ttyN), where a locked vault may ask for its
   passphrase (pinentry): 0 with out set, -1 where there is none or no /proc to tell. */
int agent_controlling_terminal(char *out, size_t size);

/* A frame header's bound (the daemon's HeaderAttributes.MAX_HEADER_BYTES): PATH_MAX of cwd and the
   display's environment, percent-encoded, fit. */
#define AGENT_HEADER_SIZE (16 * 1024)

/* Appends " KEY=VALUE" to the header in header[0..*length) (NUL-terminated, size bytes of room),
   VALUE percent-encoded: every byte outside [A-Za-z0-9/._:,+@-] as %XX. KEY must be in the table
   of attribute keys (agent_socket.c; the daemon's is dev.credagent.transport.HeaderAttributes.Key).
   0, or -1 with the header unchanged: an unknown key, an empty value, or no room. */
int agent_header_attribute(char *header, size_t size, size_t *length, const char *key, const char *value);

/* Appends the requester's places where a passphrase may be asked: its controlling terminal (tty=)
   and its display's environment (DISPLAY, WAYLAND_DISPLAY, XAUTHORITY, XDG_SESSION_TYPE,
   DBUS_SESSION_BUS_ADDRESS). 1 when a terminal or a display was appended, else 0. */
int agent_prompt_attributes(char *header, size_t size, size_t *length);

/* The two halves of agent_prompt_attributes: the terminal (tty=), 1 when appended; the display's
   environment, 1 when DISPLAY or WAYLAND_DISPLAY was appended. */
int agent_terminal_attribute(char *header, size_t size, size_t *length);
int agent_display_attributes(char *header, size_t size, size_t *length);


/* Appends where the requester runs, for the daemon's choice of profile: its working directory
   (cwd=, from getcwd) and CREDAGENT_PROFILE (profile=) where set and not empty. How many were
   appended. */
int agent_place_attributes(char *header, size_t size, size_t *length);

/* The directory this program is installed in (symbolic links resolved); -1 when unknown. */
int agent_own_directory(const char *argv0, char *out, size_t size);

#endif
