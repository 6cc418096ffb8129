package dev.credagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The floors of the code (docs/design.md, "Floors"): a package may import its own and those on
 * lower floors, never one on its own floor or above. An upward arrow is how a small change in a
 * door (the codec, a command) comes to rebuild, and to be able to break, the vault; and a cycle is
 * a package that cannot be read, tested or moved alone. ArchUnit reads the arrows from the
 * compiled classes of every Java module (common, daemon and client-cli; the daemon is on this
 * module's test class path only), so an import that only javadoc uses does not count, and one that
 * the code uses cannot hide. A floor is a package, whichever module holds its classes.
 *
 * <p>A class named as a string is an arrow the bytecode does not show. There are three, each
 * between the daemon's module and the CLI's, which do not compile against each other, and each
 * pinned by a test: the daemon's entry point ({@code DaemonStarter.ENTRY_POINT}, DaemonMainTest),
 * the CLI's for what the daemon does not run ({@code DaemonMain.CLI_MAIN}), and the services each
 * finds through ServiceLoader ({@code CommandRelayProvider}, {@code VaultInspector}).
 */
class FloorsTest {

  /** Bottom to top. A new package must be placed here and in docs/design.md before it compiles in. */
  static final List<List<String>> FLOORS = List.of(
      List.of("failure", "files", "version", "process"), // 0: what every floor may say: failures, paths, the build, process groups
      List.of("vault", "config"),             // 1: the encrypted store; the settings file
      List.of("prompt", "registry", "source"), // 2: pinentry; the registry client; credential sources
      List.of("protocol", "caller"),          // 3: the wire's words (Op, Request, Response); who asked
      List.of("audit"),                       // 4: the audit log
      List.of("service"),                     // 5: what the daemon does, whichever door a request came by
      List.of("transport"),                   // 6: sockets, frames, peer checks (Netty)
      List.of("share", "helper"),             // 7: extra sockets; the credential-helper door
      List.of("door"),                        // 8: the JSON-lines door: a request line becomes a service call
      List.of("daemon"),                      // 9: the process: builds every floor below and starts it
      List.of("client"),                      // 10: the client's side of the socket
      List.of("imports"),                     // 11: reading other tools' credentials
      List.of("setup"),                       // 12: writing other tools' configs (uses imports)
      List.of("doctor"),                      // 13: checks of the whole install
      List.of("cli"));                        // 14: the credagent command tree

  /**
   * Arrows that still point up, each with why it is still there. The goal is none: each line here
   * is work left, and an arrow not in use any more fails the test, so the list cannot go stale.
   */
  static final Map<String, String> STILL_UP = Map.of();

  private static final String ROOT = "dev.credagent.";

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.credagent");
  }

  /** The feature package a class belongs to: dev.credagent.registry.auth.X is "registry". */
  static String feature(JavaClass type) {
    String rest = type.getPackageName().substring(ROOT.length());
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }

  static int floor(String feature) {
    for (int i = 0; i < FLOORS.size(); i++) {
      if (FLOORS.get(i).contains(feature)) {
        return i;
      }
    }
    return -1;
  }

  static boolean ours(JavaClass type) {
    return type.getPackageName().startsWith(ROOT);
  }

  @Test
  void bothModulesAreRead() {
    // A classpath without the daemon's classes would pass every rule below by having no arrows.
    Set<String> seen = new TreeSet<>();
    classes.stream().filter(FloorsTest::ours).forEach(type -> seen.add(feature(type)));
    assertTrue(seen.containsAll(List.of("vault", "service", "daemon", "client", "cli")), "read only " + seen);
  }

  @Test
  void everyPackageHasAFloor() {
    Set<String> unplaced = new TreeSet<>();
    classes.stream().filter(FloorsTest::ours).map(FloorsTest::feature)
        .filter(feature -> floor(feature) < 0).forEach(unplaced::add);
    assertEquals(Set.of(), unplaced, "place these packages on a floor in FloorsTest and docs/design.md");
  }

  @Test
  void noArrowPointsUpOrSideways() {
    Map<String, List<String>> up = upwardArrows();
    Map<String, List<String>> unexplained = new LinkedHashMap<>(up);
    unexplained.keySet().removeAll(STILL_UP.keySet());
    StringBuilder report = new StringBuilder();
    unexplained.forEach((arrow, examples) -> report.append('\n').append(arrow).append(": ").append(examples));
    assertEquals("", report.toString(), "imports that point up (or across one floor); move the class "
        + "down, or put an interface on the lower floor");
    Set<String> gone = new TreeSet<>(STILL_UP.keySet());
    gone.removeAll(up.keySet());
    assertEquals(Set.of(), gone, "these arrows are gone: take them off STILL_UP");
  }

  /** Arrow "from -> to" (features) to up to three class-level examples of it. */
  private static Map<String, List<String>> upwardArrows() {
    Map<String, List<String>> arrows = new java.util.TreeMap<>();
    for (JavaClass origin : classes) {
      if (!ours(origin)) {
        continue;
      }
      String from = feature(origin);
      for (Dependency dependency : origin.getDirectDependenciesFromSelf()) {
        JavaClass target = dependency.getTargetClass();
        if (!ours(target) || feature(target).equals(from)) {
          continue;
        }
        String to = feature(target);
        if (floor(to) >= floor(from)) {
          List<String> examples = arrows.computeIfAbsent(from + " -> " + to, arrow -> new ArrayList<>());
          String example = origin.getSimpleName() + " -> " + target.getSimpleName();
          if (examples.size() < 3 && !examples.contains(example)) {
            examples.add(example);
          }
        }
      }
    }
    return arrows;
  }

  /** docs/design.md draws the same floors, top to bottom, one "floor N | packages | what" line each. */
  /**
   * The command tree's two halves: the relayed commands (cli, the commands module, which the daemon
   * also loads) never name a local one (cli.local, client-cli: setup, doctor, import, log...); the
   * tree finds those through ServiceLoader, so the daemon never carries them.
   */
  @Test
  void theRelayedCommandsNeverNameALocalOne() {
    List<String> arrows = new ArrayList<>();
    classes.stream().filter(type -> type.getPackageName().equals(ROOT + "cli")).forEach(type -> {
      for (Dependency dependency : type.getDirectDependenciesFromSelf()) {
        if (dependency.getTargetClass().getPackageName().startsWith(ROOT + "cli.local")) {
          arrows.add(dependency.getDescription());
        }
      }
    });
    assertTrue(classes.stream().anyMatch(type -> type.getPackageName().equals(ROOT + "cli.local")), "cli.local was read");
    assertEquals(List.of(), arrows);
  }

  @Test
  void theDesignDocDrawsTheseFloors() throws IOException {
    Pattern line = Pattern.compile("^\\s*floor\\s+(\\d+)\\s*\\|\\s*([a-z, ]+?)\\s*\\|.*$");
    Map<Integer, List<String>> drawn = new java.util.TreeMap<>();
    for (String text : Files.readAllLines(Path.of("..", "docs", "design.md"))) {
      Matcher m = line.matcher(text);
      if (m.matches()) {
        drawn.put(Integer.parseInt(m.group(1)), List.of(m.group(2).split("\\s*,\\s*")));
      }
    }
    Map<Integer, List<String>> here = new java.util.TreeMap<>();
    for (int i = 0; i < FLOORS.size(); i++) {
      here.put(i, FLOORS.get(i));
    }
    assertEquals(here, drawn, "docs/design.md's floors and FloorsTest.FLOORS are one table");
  }
}
