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
#   PREFIX/share/man/man1/credagent*.1    a man page per command, made from the command tree
#   PREFIX/share/bash-completion/..., PREFIX/share/zsh/vendor-completions/_credagent
# Nothing is written outside PREFIX. With --deb, the same tree under /usr, and the user units,
# go into a Debian package instead (one assembly, assemble_lib and assemble_share below).
set -euo pipefail

usage() {
  cat <<USAGE
usage: ./install.sh [--prefix DIR] [--no-setup] [--small] [--no-build]
       ./install.sh --deb OUTDIR [--no-build]
  --prefix DIR   install under DIR (default: ~/.local)
  --no-setup     install the programs only; do not run \`credagent setup\`
  --small        no AOT cache: 26 MiB less, and the daemon takes twice as long to start
  --no-build     install what \`./mvnw -B -DskipTests package\` built already
  --deb OUTDIR   write OUTDIR/credagent_VERSION_ARCH.deb (needs dpkg-deb and asciidoctor)
USAGE
}

prefix=${HOME}/.local
prefix_given=0
setup=1
aot=1
build=1
deb=
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || { usage >&2; exit 2; }; prefix=$2; prefix_given=1; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; prefix_given=1; shift ;;
    --no-setup) setup=0; shift ;;
    --small) aot=0; shift ;;
    --no-build) build=0; shift ;;
    --deb) [ $# -ge 2 ] || { usage >&2; exit 2; }; deb=$2; shift 2 ;;
    --deb=*) deb=${1#--deb=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd -P)

# Root in another user's clone (sudo ./install.sh): a build would leave root-owned files in their
# tree, which their next build cannot clean, and the default PREFIX would be root's ~/.local and
# root's docker. Refuse before writing anything, and say what works.
tree_owner=$(stat -c %u "$here" 2>/dev/null || stat -f %u "$here")
if [ "$(id -u)" = 0 ] && [ "$tree_owner" != 0 ] && { [ "$build" = 1 ] || { [ -z "$deb" ] && [ "$prefix_given" = 0 ]; }; }; then
  owner=$(id -nu "$tree_owner" 2>/dev/null || echo "uid $tree_owner")
  echo "install.sh: refusing: this tree belongs to $owner, and you are root. Run ./install.sh as $owner" \
    "(it installs into their ~/.local); for a system-wide install, build as $owner" \
    "(./mvnw -B -DskipTests package), then as root: ./install.sh --no-build --prefix /usr/local, or --deb OUTDIR" >&2
  exit 1
fi
# Root with another user's HOME (sudo -E, su without -): the default PREFIX and `credagent setup`
# would leave root-owned files in that user's home (~/.local, ~/.docker/config.json), which their
# own credagent then refuses. Refuse before writing anything, and say what works.
home_owner=$(stat -c %u "$HOME" 2>/dev/null || stat -f %u "$HOME" 2>/dev/null || echo 0)
if [ "$(id -u)" = 0 ] && [ "$home_owner" != 0 ] && [ -z "$deb" ] && { [ "$prefix_given" = 0 ] || [ "$setup" = 1 ]; }; then
  owner=$(id -nu "$home_owner" 2>/dev/null || echo "uid $home_owner")
  echo "install.sh: refusing: HOME ($HOME) belongs to $owner, and you are root. Run ./install.sh as $owner;" \
    "for root's own install use a login shell (sudo -i, su -); for a system-wide one: --prefix DIR --no-setup, or --deb OUTDIR" >&2
  exit 1
fi
jdk=$("$here/.mvn/find-jdk")
dist=$here/dist/target/dist # the one place the build leaves everything this installs (the dist module)
helper=$dist/bin/docker-credential-agent

if [ -n "$deb" ]; then
  for tool in dpkg-deb asciidoctor; do
    command -v "$tool" >/dev/null || { echo "install.sh: --deb needs $tool (Debian: apt-get install dpkg-dev asciidoctor)" >&2; exit 1; }
  done
fi

if [ "$build" = 1 ]; then
  echo "building with $jdk (a minute or so: the Java parts, then the native programs) ..."
  (cd "$here" && ./mvnw -q -B -DskipTests clean package) # clean: no jar of an older version stays in dist
elif [ ! -x "$dist/bin/credagent" ]; then
  echo "install.sh: --no-build, but nothing is built: run ./mvnw -B -DskipTests package first" >&2
  exit 1
fi

# lib/credagent: the launcher, its options, the jars, a jlink'd runtime and the static helper.
assemble_lib() {
  local lib=$1
  mkdir -p "$lib"
  cp -R "$dist/lib/credagent/jars" "$lib/jars"
  cp "$dist/lib/credagent/daemon.jvmoptions" "$lib/daemon.jvmoptions"
  install -m 755 "$dist/lib/credagent/credagent-jvm" "$lib/credagent-jvm"
  # The runtime this build made for an install before (dist/target/runtime-cache), when the JDK,
  # the jars and make-runtime are the same: a jlink saved. Kept only in a tree we own: root's
  # files in another user's tree would stop their next clean build.
  local cache=$dist/../runtime-cache key=
  if [ "$(id -u)" = "$tree_owner" ] && [ -w "$dist/.." ]; then
    key=$("$here/.mvn/runtime-cache" key "$jdk" "$lib" 2>/dev/null) || key=
  fi
  if [ -n "$key" ] && "$here/.mvn/runtime-cache" get "$cache" "$key" "$lib"; then
    echo "reusing the trimmed Java runtime made for this build and JDK before"
  else
    echo "making a trimmed Java runtime for credagent (jlink) ..."
    "$here/.mvn/make-runtime" "$jdk" "$lib"
    if [ -n "$key" ]; then
      "$here/.mvn/runtime-cache" put "$cache" "$key" "$lib" || echo "note: the runtime could not be kept for the next install" >&2
    fi
  fi
  # Unlock at login (README, "Unlock at login"): where PAM's headers were there to build it.
  if [ -f "$dist/lib/credagent/pam_credagent.so" ]; then
    install -m 644 -s "$dist/lib/credagent/pam_credagent.so" "$lib/pam_credagent.so"
  fi
  # For containers, beside a share's socket: the helper linked with no shared library.
  if [ -x "$dist/lib/credagent/docker-credential-agent-static" ]; then
    install -m 755 -s "$dist/lib/credagent/docker-credential-agent-static" "$lib/docker-credential-agent-static"
  fi
}

# bin: the two native programs.
assemble_bin() {
  local bin=$1
  mkdir -p "$bin"
  install -m 755 -s "$dist/bin/credagent" "$bin/credagent"
  if [ -x "$helper" ]; then
    install -m 755 -s "$helper" "$bin/docker-credential-agent"
  fi
}

# share: the man pages (made from the command tree's AsciiDoc with asciidoctor; without it,
# none, and a note) and the bash and zsh completion; $2 = "gz" to compress the pages.
assemble_share() {
  local share=$1 compress=${2:-}
  mkdir -p "$share/bash-completion/completions" "$share/zsh/vendor-completions"
  install -m 644 "$dist/share/bash-completion/completions/credagent" "$share/bash-completion/completions/credagent"
  install -m 644 "$dist/share/zsh/vendor-completions/_credagent" "$share/zsh/vendor-completions/_credagent"
  if command -v asciidoctor >/dev/null; then
    mkdir -p "$share/man/man1"
    asciidoctor -b manpage -a reproducible -D "$share/man/man1" "$dist"/share/man/*.adoc
    chmod 644 "$share"/man/man1/*.1
    if [ "$compress" = gz ]; then
      gzip -9n "$share"/man/man1/*.1
    fi
  else
    echo "note: no man pages (asciidoctor makes them: apt-get install asciidoctor); \`credagent help COMMAND\` says the same"
  fi
}

# Every file readable by all, as a package's would be: under a system-wide prefix the JVM of
# every other user maps the AOT cache and reads the jars.
readable_by_all() {
  chmod -R u+rwX,go+rX,go-w "$@"
}

if [ -n "$deb" ]; then
  version=$(sed -n 's/^version=//p' "$here/common/target/classes/dev/credagent/version/version.properties")
  commit=$(sed -n 's/^commit=//p' "$here/common/target/classes/dev/credagent/version/commit.properties")
  arch=$(dpkg --print-architecture)
  mkdir -p "$deb"
  deb=$(cd "$deb" && pwd -P)
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  assemble_lib "$root/usr/lib/credagent"
  assemble_bin "$root/usr/bin"
  assemble_share "$root/usr/share" gz
  # The user units, enabled for every user as Debian's gnupg enables gpg-agent's sockets: a user
  # who logs in after the install has the socket, and nothing starts for one who never uses it.
  units=$root/usr/lib/systemd/user
  mkdir -p "$units/sockets.target.wants"
  install -m 644 "$here/systemd/credagent.socket" "$units/credagent.socket"
  sed 's|^ExecStart=.*|ExecStart=/usr/lib/credagent/credagent-jvm daemon|' "$here/systemd/credagent.service" > "$units/credagent.service"
  ln -s ../credagent.socket "$units/sockets.target.wants/credagent.socket"
  # The PAM module where PAM looks for modules, as Debian's libpam-* packages put theirs.
  if [ -f "$root/usr/lib/credagent/pam_credagent.so" ]; then
    security=$root/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine)/security
    mkdir -p "$security"
    mv "$root/usr/lib/credagent/pam_credagent.so" "$security/pam_credagent.so"
  fi
  "$here/packaging/deb/make-control" "$root" "$version" "$commit" "$arch" "$here"
  readable_by_all "$root/usr"
  out=$deb/credagent_${version}_${arch}.deb
  # xz, as Debian's own packages are; DPKG_DEB_COMPRESSOR_TYPE=gzip (dpkg-deb's own variable) trades
  # 14% more bytes for a build 8 times faster: the end-to-end tests' package is installed, not shipped.
  dpkg-deb --root-owner-group -Z"${DPKG_DEB_COMPRESSOR_TYPE:-xz}" --build "$root" "$out" >/dev/null
  echo "wrote $out"
  exit 0
fi

mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd -P)
# Was a daemon of an earlier install running? Then it keeps running the old code until restarted.
running_before=
running_commit=
if [ -x "$prefix/bin/credagent" ]; then
  running_status=$(CREDAGENT_AUTOSTART=0 "$prefix/bin/credagent" status --json 2>/dev/null || true)
  running_before=$(printf '%s' "$running_status" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
  running_commit=$(printf '%s' "$running_status" | sed -n 's/.*"commit":"\([0-9a-f]*\)".*/\1/p')
fi

lib=$prefix/lib/credagent
mkdir -p "$prefix/lib"
staging=$(mktemp -d "$prefix/lib/.credagent.XXXXXX")
trap 'rm -rf "$staging"' EXIT
assemble_lib "$staging"
rm -rf "$lib.old"
[ -d "$lib" ] && mv "$lib" "$lib.old"
chmod 755 "$staging"
mv "$staging" "$lib"
trap - EXIT
rm -rf "$lib.old"

# Java 25's AOT cache (JEP 514), trained on the daemon's start, the protocol and the helper: the
# daemon answers in half the time, and the JVM CLI, which the same cache serves, starts faster.
# 26 MiB; --small leaves it out.
if [ "$aot" = 1 ]; then
  echo "training the AOT cache that halves the daemon's start ..."
  "$here/.mvn/train-aot" "$lib" "$helper" || echo "note: no AOT cache was made; credagent will start slower"
fi
readable_by_all "$lib"

assemble_bin "$prefix/bin"
assemble_share "$prefix/share"

# The daemon derives keys with libargon2 where it can (memory outside the JVM's heap); without
# it, Bouncy Castle's Java Argon2 works too, slower and holding more memory. Looked for where the
# daemon's dlopen("libargon2.so.1") finds it: the loader's cache (ldconfig lives in /sbin, off a
# normal user's PATH), then the default directories; macOS: Homebrew's.
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
# A reinstall of the build the daemon already runs (the same commit) needs no restart; say so only
# where it is true (a build outside git has no commit to compare: then the note stays).
installed_commit=$("$prefix/bin/credagent" --version 2>/dev/null | sed -n 's/.*(commit \([0-9a-f]*\)).*/\1/p')
if [ -n "$running_before" ] && { [ -z "$running_commit" ] || [ "$running_commit" != "$installed_commit" ]; }; then
  echo "note: the credagent daemon started before this install (pid $running_before) still runs the old version;"
  echo "  restart it with \`credagent stop\` (the next command starts the new one; unlock again then)"
fi
if [ "$setup" = 1 ]; then
  # Points docker (and podman, buildah, skopeo) at credagent, moves the plaintext in their
  # auth files into the vault, and installs the systemd or launchd service where one runs.
  "$prefix/bin/credagent" setup || echo "note: \`credagent setup\` failed; run it again once the cause above is fixed"
  vault_home=${CREDAGENT_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/credagent}
  if [ -e "$vault_home/vault" ]; then
    echo "next: \`credagent doctor\` (your vault in $vault_home is kept; \`credagent unlock\` opens it)"
  else
    echo "next: credagent unlock   (creates your vault on first use), then \`credagent doctor\`"
  fi
fi
