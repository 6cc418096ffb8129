#!/usr/bin/env bash
# Builds credagent with the Maven wrapper and installs a self-contained copy:
#   PREFIX/bin/credagent                  the command line (native: relays to the daemon, or
#                                         runs lib/credagent/credagent-jvm)
#   PREFIX/bin/docker-credential-agent    the docker credential helper (native)
#   PREFIX/lib/credagent/credagent-jvm    the CLI and the daemon on Java
#   PREFIX/lib/credagent/docker-credential-agent-static   the helper for containers (static)
#   PREFIX/lib/credagent/runtime          a jlink'd Java runtime: no java on PATH is needed
#   PREFIX/lib/credagent/jars             the application
#   PREFIX/lib/credagent/credagent.aot    an AOT cache that halves the daemon's start (and the JVM CLI's)
# Nothing is written outside PREFIX.
set -euo pipefail

usage() {
  cat <<USAGE
usage: ./install.sh [--prefix DIR] [--no-setup] [--small] [--no-build]
  --prefix DIR   install under DIR (default: ~/.local)
  --no-setup     install the programs only; do not run \`credagent setup\`
  --small        no AOT cache: 35 MiB less, and the daemon takes twice as long to start
  --no-build     install what \`./mvnw -B -DskipTests package\` built already
USAGE
}

prefix=${HOME}/.local
setup=1
aot=1
build=1
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || { usage >&2; exit 2; }; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --no-setup) setup=0; shift ;;
    --small) aot=0; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd -P)
jdk=$("$here/.mvn/find-jdk")
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd -P)

# Was a daemon of an earlier install running? Then it keeps running the old code until restarted.
running_before=
if [ -x "$prefix/bin/credagent" ]; then
  running_before=$(CREDAGENT_AUTOSTART=0 "$prefix/bin/credagent" status --json 2>/dev/null | sed -n 's/.*"pid":\([0-9]*\).*/\1/p' || true)
fi

if [ "$build" = 1 ]; then
  echo "building with $jdk (a minute or so: the Java parts, then the native programs) ..."
  (cd "$here" && ./mvnw -q -B -DskipTests package)
elif [ ! -x "$here/client-cli/target/dist/bin/credagent" ]; then
  echo "install.sh: --no-build, but nothing is built: run ./mvnw -B -DskipTests package first" >&2
  exit 1
fi
echo "making a trimmed Java runtime for credagent (jlink) ..."

dist=$here/client-cli/target/dist
lib=$prefix/lib/credagent
staging=$(mktemp -d "$prefix/lib/.credagent.XXXXXX" 2>/dev/null || { mkdir -p "$prefix/lib"; mktemp -d "$prefix/lib/.credagent.XXXXXX"; })
trap 'rm -rf "$staging"' EXIT

cp -R "$dist/lib/credagent/jars" "$staging/jars"
cp "$dist/lib/credagent/daemon.jvmoptions" "$staging/daemon.jvmoptions"
install -m 755 "$dist/lib/credagent/credagent-jvm" "$staging/credagent-jvm"
"$here/.mvn/make-runtime" "$jdk" "$staging"

rm -rf "$lib.old"
[ -d "$lib" ] && mv "$lib" "$lib.old"
chmod 755 "$staging"
mv "$staging" "$lib"
trap - EXIT
rm -rf "$lib.old"

# Java 25's AOT cache (JEP 514), trained on the daemon's start and the commands it relays: the
# daemon answers in half the time, and the JVM CLI, which the same cache serves, starts faster.
# 35 MiB; --small leaves it out.
if [ "$aot" = 1 ]; then
  echo "training the AOT cache that halves the daemon's start ..."
  "$here/.mvn/train-aot" "$lib" "$dist/bin/credagent" || echo "note: no AOT cache was made; credagent will start slower"
fi
# Every installed file readable by all, as a package's would be: under a system-wide prefix the
# JVM of every other user maps the AOT cache and reads the jars (it was made 0600).
chmod -R u+rwX,go+rX,go-w "$lib"


mkdir -p "$prefix/bin"
install -m 755 "$dist/bin/credagent" "$prefix/bin/credagent"
helper=$here/native/target/docker-credential-agent
if [ -x "$helper" ]; then
  install -m 755 "$helper" "$prefix/bin/docker-credential-agent"
fi
# For containers, beside a share's socket: the helper linked with no shared library.
if [ -x "$helper-static" ]; then
  install -m 755 "$helper-static" "$lib/docker-credential-agent-static"
fi

# The daemon derives keys with libargon2 where it can (memory outside the JVM's heap); without
# it, Bouncy Castle's Java Argon2 works too, slower and holding more memory.
# Looked for where the daemon's dlopen("libargon2.so.1") finds it: the loader's cache (ldconfig
# lives in /sbin, off a normal user's PATH), then the default directories; macOS: Homebrew's.
have_argon2() {
  local ldconfig dir
  for ldconfig in "$(command -v ldconfig 2>/dev/null || true)" /sbin/ldconfig /usr/sbin/ldconfig; do
    if [ -n "$ldconfig" ] && [ -x "$ldconfig" ] && "$ldconfig" -p 2>/dev/null | grep -q 'libargon2\.so\.1'; then
      return 0
    fi
  done
  for dir in /lib /usr/lib /lib64 /usr/lib64 /lib/*-linux-gnu /usr/lib/*-linux-gnu /opt/homebrew/lib /usr/local/lib; do
    if [ -e "$dir/libargon2.so.1" ] || [ -e "$dir/libargon2.1.dylib" ]; then
      return 0
    fi
  done
  return 1
}
if ! have_argon2; then
  echo "note: libargon2 was not found; install it (Debian/Ubuntu: apt-get install libargon2-1; macOS: brew install argon2) for a smaller, faster daemon"
fi

echo "installed credagent into $prefix (bin/credagent$([ -x "$helper" ] && echo ', bin/docker-credential-agent'))"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *)
    echo "note: $prefix/bin is not on your PATH; add it, then open a new shell:"
    case $(basename "${SHELL:-sh}") in
      zsh) echo "  echo 'export PATH=\"$prefix/bin:\$PATH\"' >> ~/.zshrc" ;;
      fish) echo "  fish_add_path $prefix/bin" ;;
      bash) echo "  echo 'export PATH=\"$prefix/bin:\$PATH\"' >> ~/.bashrc" ;;
      *) echo "  echo 'export PATH=\"$prefix/bin:\$PATH\"' >> ~/.profile" ;;
    esac
    ;;
esac
if [ -n "$running_before" ]; then
  echo "note: the credagent daemon started before this install (pid $running_before) still runs the old version;"
  echo "  restart it with \`credagent stop\` (the next command starts the new one; unlock again then)"
fi
if [ "$setup" = 1 ]; then
  # Points docker (and podman, buildah, skopeo) at credagent, moves the plaintext in their
  # auth files into the vault, and installs the systemd or launchd service where one runs.
  "$prefix/bin/credagent" setup || echo "note: \`credagent setup\` failed; run it again once the cause above is fixed"
  echo "next: credagent unlock   (creates your vault on first use), then \`credagent doctor\`"
fi
