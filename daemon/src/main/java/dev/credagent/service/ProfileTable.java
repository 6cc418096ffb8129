package dev.credagent.service;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The profiles and the directories bound to them, as the vault holds them, and the one rule that
 * picks a caller's profile (as git's {@code includeIf "gitdir:"} picks an identity): a profile
 * named by the caller ({@code --profile}, {@code CREDAGENT_PROFILE}) wins, and must exist; else the
 * profile whose directory holds the caller's working directory, the deepest; else the default.
 *
 * <p>Directories are compared as real paths, component by component ({@link Path#startsWith}), so
 * {@code /w/ab} is not under {@code /w/a}. A working directory is resolved here too
 * ({@link Path#toRealPath}: symlinks and {@code ..} as the kernel sees them, never lexically: a
 * lexical {@code /w/work/../other} would read as under {@code /w/work}). One the daemon cannot judge
 * (not sent, relative, missing, too long) selects the default profile, and says why.
 */
public final class ProfileTable {
  public static final String NAME_RULE = "[a-z0-9][a-z0-9-]{0,63}";
  private static final Pattern NAME = Pattern.compile(NAME_RULE);
  /** Bounds of what a caller can make the daemon hold and walk on every request. */
  public static final int MAX_PROFILES = 64;
  public static final int MAX_DIRS = 64;
  /** PATH_MAX: a longer working directory is none the kernel gave. */
  public static final int MAX_CWD = 4096;

  public static final ProfileTable EMPTY = new ProfileTable(new TreeMap<>());

  /** Profile to its directories (real, absolute paths), sorted by name. */
  private final SortedMap<String, List<Path>> dirs;
  /** Directory to its profile: a working directory's ancestors are looked up, deepest first. */
  private final Map<Path, String> byDir = new java.util.HashMap<>();

  private ProfileTable(SortedMap<String, List<Path>> dirs) {
    this.dirs = dirs;
    dirs.forEach((name, paths) -> paths.forEach(dir -> byDir.put(dir, name)));
  }

  /** How a working directory becomes a real path: {@link Path#toRealPath}, or a cache of it. */
  public interface RealPaths {
    Path real(Path absolute) throws IOException;
  }

  private static final RealPaths UNCACHED = Path::toRealPath;

  /**
   * The choice of every request while no profile is bound: made once, not per get (its reason, a
   * capturing lambda, was made through Unsafe.allocateInstance under C1).
   */
  private static final Choice NO_PROFILES = new Choice(ProfileKeys.DEFAULT, "no profile is bound to any directory", true);

  /**
   * How the caller's profile was chosen: {@link #why} is for {@code profile which} and the audit
   * line, made only when asked (most gets need the name alone).
   */
  public record Choice(String name, java.util.function.Supplier<String> reason, boolean judged) {
    Choice(String name, String why, boolean judged) {
      this(name, () -> why, judged);
    }

    public String why() {
      return reason.get();
    }

    public boolean isDefault() {
      return ProfileKeys.DEFAULT.equals(name);
    }
  }

  public static boolean isName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /** The table kept in the vault's source definitions ({@link ProfileKeys#bindings}). */
  static ProfileTable of(Map<String, String> sources) {
    SortedMap<String, List<Path>> dirs = new TreeMap<>();
    sources.forEach((key, definition) -> {
      if (ProfileKeys.isBindings(key)) {
        dirs.put(ProfileKeys.profileOf(key), decode(definition));
      }
    });
    return new ProfileTable(dirs);
  }

  static String encode(List<Path> dirs) {
    return String.join("\n", dirs.stream().map(Path::toString).toList());
  }

  private static List<Path> decode(String definition) {
    List<Path> paths = new ArrayList<>();
    for (String line : definition.split("\n")) {
      if (!line.isEmpty()) {
        paths.add(Path.of(line));
      }
    }
    return List.copyOf(paths);
  }

  /** Profile to directories, the default profile first (with none). */
  public SortedMap<String, List<Path>> all() {
    return Collections.unmodifiableSortedMap(dirs);
  }

  public boolean has(String name) {
    return ProfileKeys.DEFAULT.equals(name) || dirs.containsKey(name);
  }

  /** Every profile's name, the default first. */
  public List<String> names() {
    List<String> names = new ArrayList<>();
    names.add(ProfileKeys.DEFAULT);
    names.addAll(dirs.keySet());
    return names;
  }

  /** The profile named {@code name}, which must exist (the default always does). */
  public Choice named(String name, String by) throws UnknownProfileException {
    if (!has(name)) {
      throw new UnknownProfileException(name, names());
    }
    return new Choice(name, "named by " + by, true);
  }

  /**
   * The profile of a caller that names {@code requested} (null: none) and runs in {@code cwd}
   * (null: it did not say).
   */
  public Choice choose(String cwd, String requested) throws UnknownProfileException {
    return choose(cwd, requested, UNCACHED);
  }

  /** The same, resolving the working directory with {@code realPaths}. */
  public Choice choose(String cwd, String requested, RealPaths realPaths) throws UnknownProfileException {
    if (requested != null && !requested.isEmpty()) {
      return named(requested, "--profile or CREDAGENT_PROFILE");
    }
    if (dirs.isEmpty()) {
      // No profile, so every directory is the default's: no file-system call on the way of a get.
      return NO_PROFILES;
    }
    if (cwd == null || cwd.isEmpty()) {
      return fallBack("the client sent no working directory");
    }
    if (cwd.length() > MAX_CWD) {
      return fallBack("the working directory sent is longer than " + MAX_CWD + " characters");
    }
    Path real;
    try {
      Path sent = Path.of(cwd);
      if (!sent.isAbsolute()) {
        return fallBack("the working directory sent is not an absolute path");
      }
      real = realPaths.real(sent);
    } catch (InvalidPathException e) {
      return fallBack("the working directory sent is not a path");
    } catch (RealPathCache.StalledPathException e) {
      return fallBack("the working directory " + printable(cwd) + " " + e.getMessage());
    } catch (IOException e) {
      return fallBack("the working directory " + printable(cwd) + " cannot be resolved (missing, or not searchable)");
    }
    return under(real);
  }

  /** The profile whose directory holds {@code real} (a real path), the deepest; else the default. */
  Choice under(Path real) {
    // Its ancestors, deepest first, each one lookup: whole components, so /w/ab is never under /w/a.
    for (Path dir = real; dir != null; dir = dir.getParent()) {
      String profile = byDir.get(dir);
      if (profile != null) {
        Path under = dir;
        return new Choice(profile, () -> printable(real.toString()) + " is under " + printable(under.toString()), true);
      }
    }
    return new Choice(ProfileKeys.DEFAULT, () -> "no profile's directory holds " + printable(real.toString()), true);
  }

  private static Choice fallBack(String why) {
    return new Choice(ProfileKeys.DEFAULT, why, false);
  }

  /**
   * Refusal of a directory holding a control character: the bindings are kept one a line, so a
   * line break in one bound other directories, and a terminal escape in one would reach the log
   * and {@code profile list}. No directory worth binding needs one.
   */
  static final String CONTROL_CHARACTER =
      "a profile's directory has a control character (a line break, a tab, an escape) in its name: rename it, or bind its parent";

  static boolean hasControlCharacter(String path) {
    return path.codePoints().anyMatch(Character::isISOControl);
  }

  /** A path as the audit line and a terminal may show it: control characters as '?'. */
  static String printable(String path) {
    StringBuilder shown = new StringBuilder(Math.min(path.length(), 256));
    path.codePoints().limit(256).forEach(c -> shown.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return path.length() > 256 ? shown + "..." : shown.toString();
  }

  /**
   * The table with {@code name} bound to {@code add} (real paths) as well. Refused: a bad name, the
   * default's (it has no directories: it is where everything else falls), a directory another
   * profile has, and past the bounds.
   */
  ProfileTable with(String name, List<Path> add) {
    if (!isName(name)) {
      throw new IllegalArgumentException("a profile name is " + NAME_RULE);
    }
    if (ProfileKeys.DEFAULT.equals(name)) {
      throw new IllegalArgumentException("the default profile is where every unbound directory falls: it takes no --dir");
    }
    if (!dirs.containsKey(name) && dirs.size() >= MAX_PROFILES) {
      throw new IllegalArgumentException("there are " + MAX_PROFILES + " profiles already; remove one first");
    }
    List<Path> merged = new ArrayList<>(dirs.getOrDefault(name, List.of()));
    for (Path dir : add) {
      if (hasControlCharacter(dir.toString())) {
        throw new IllegalArgumentException(CONTROL_CHARACTER); // a real path can gain one through a symlink
      }
      for (Map.Entry<String, List<Path>> other : dirs.entrySet()) {
        if (!other.getKey().equals(name) && other.getValue().contains(dir)) {
          throw new IllegalArgumentException(dir + " is bound to profile " + other.getKey()
              + " already: one directory selects one profile (credagent profile remove it first)");
        }
      }
      if (!merged.contains(dir)) {
        merged.add(dir);
      }
    }
    if (merged.size() > MAX_DIRS) {
      throw new IllegalArgumentException("a profile has at most " + MAX_DIRS + " directories");
    }
    SortedMap<String, List<Path>> next = new TreeMap<>(dirs);
    next.put(name, List.copyOf(merged));
    return new ProfileTable(next);
  }
}
