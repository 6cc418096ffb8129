package dev.credagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The Debian packages these tests use are listed twice: in the README, for a person who installs
 * them once, and in .ci/run, which CI runs. They drifted (the README lacked the PAM and pinentry
 * tests' five), so they are compared here, word for word.
 */
class TestPackagesIT {
  private static final Path REPOSITORY = Path.of("..");

  @Test
  void theReadmeListsThePackagesCiInstalls() throws Exception {
    Set<String> ci = ciPackages(Files.readAllLines(REPOSITORY.resolve(".ci/run")));
    Set<String> readme = readmePackages(Files.readString(REPOSITORY.resolve("README.md")));
    assertTrue(ci.size() > 20 && ci.contains("pamtester"), "read .ci/run's list: " + ci);
    assertEquals(ci, readme, "README.md's apt-get line and .ci/run's packages differ");
  }

  /** The words of {@code packages=( ... )}, less comments, and what is added to it with {@code packages+=(...)}. */
  static Set<String> ciPackages(List<String> script) {
    Set<String> packages = new TreeSet<>();
    boolean inList = false;
    for (String line : script) {
      String code = line.replaceFirst("#.*", "").strip();
      if (code.startsWith("packages=(") || code.startsWith("packages+=(")) {
        inList = true;
        code = code.substring(code.indexOf('(') + 1);
      }
      if (!inList) {
        continue;
      }
      if (code.contains(")")) {
        code = code.substring(0, code.indexOf(')'));
        inList = false;
      }
      for (String word : code.split("\\s+")) {
        if (!word.isEmpty()) {
          packages.add(word);
        }
      }
    }
    return packages;
  }

  /** The packages of the README's {@code apt-get install --no-install-recommends ...} command, continued lines and all. */
  static Set<String> readmePackages(String readme) {
    int start = readme.indexOf("apt-get install --no-install-recommends");
    assertTrue(start >= 0, "README.md has no apt-get install line");
    int end = readme.indexOf("\n```", start);
    Set<String> packages = new TreeSet<>();
    for (String word : readme.substring(start, end).replace("\\\n", " ").split("\\s+")) {
      if (!word.isEmpty() && !word.startsWith("-") && !word.equals("apt-get") && !word.equals("install")) {
        packages.add(word);
      }
    }
    return packages;
  }
}
