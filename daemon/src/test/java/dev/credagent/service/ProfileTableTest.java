package dev.credagent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which profile a working directory selects: real directories, real symlinks. */
class ProfileTableTest {
  @TempDir Path root;
  private Path w;
  private ProfileTable table;

  @BeforeEach
  void setUp() throws Exception {
    w = root.toRealPath().resolve("w");
    Files.createDirectories(w.resolve("a/deep/er"));
    Files.createDirectories(w.resolve("ab"));
    Files.createDirectories(w.resolve("other"));
    table = ProfileTable.EMPTY.with("client-a", List.of(w.resolve("a")))
        .with("deep", List.of(w.resolve("a/deep")));
  }

  @Test
  void theDeepestBoundDirectoryWins() throws Exception {
    assertEquals("client-a", table.choose(w.resolve("a").toString(), null).name());
    assertEquals("deep", table.choose(w.resolve("a/deep").toString(), null).name());
    assertEquals("deep", table.choose(w.resolve("a/deep/er").toString(), null).name());
    assertEquals("default", table.choose(w.resolve("other").toString(), null).name());
    assertEquals("default", table.choose(w.toString(), null).name(), "a parent of a bound dir is not in it");
  }

  @Test
  void aDirectoryWhoseNameOnlyBeginsWithABoundOneIsNotUnderIt() throws Exception {
    ProfileTable.Choice choice = table.choose(w.resolve("ab").toString(), null);
    assertEquals("default", choice.name(), "/w/ab is not under /w/a");
    assertTrue(choice.judged());
  }

  @Test
  void dotDotIsResolvedAsTheKernelDoesNotLexicallyIntoTheBoundDir() throws Exception {
    assertEquals("default", table.choose(w.resolve("a/../other").toString(), null).name(),
        "/w/a/../other is /w/other, not under /w/a");
    assertEquals("client-a", table.choose(w.resolve("other/../a").toString(), null).name());
  }

  @Test
  void aSymlinkIntoABoundDirSelectsItsProfileAndOneOutOfItDoesNot() throws Exception {
    Path into = Files.createSymbolicLink(root.resolve("into"), w.resolve("a/deep"));
    Path out = Files.createSymbolicLink(w.resolve("a/out"), w.resolve("other"));
    assertEquals("deep", table.choose(into.toString(), null).name());
    assertEquals("default", table.choose(out.toString(), null).name(), "a link under /w/a to /w/other is /w/other");
  }

  @Test
  void aBindingMadeThroughASymlinkIsKeptAsItsRealPath() throws Exception {
    Path link = Files.createSymbolicLink(root.resolve("link"), w.resolve("other"));
    ProfileTable bound = table.with("linked", List.of(link.toRealPath()));
    assertEquals(List.of(w.resolve("other")), bound.all().get("linked"));
    assertEquals("linked", bound.choose(w.resolve("other").toString(), null).name());
  }

  @Test
  void aNamedProfileWinsOverTheDirectoryAndMustExist() throws Exception {
    assertEquals("deep", table.choose(w.resolve("other").toString(), "deep").name());
    assertEquals("default", table.choose(w.resolve("a").toString(), "default").name());
    UnknownProfileException unknown = assertThrows(UnknownProfileException.class,
        () -> table.choose(w.resolve("a").toString(), "nope"));
    assertTrue(unknown.getMessage().contains("'nope'") && unknown.getMessage().contains("default, client-a, deep"),
        unknown.getMessage());
  }

  @Test
  void aHostileNameIsRefusedWithoutBeingRepeated() {
    UnknownProfileException bad = assertThrows(UnknownProfileException.class, () -> table.choose(null, "x\u001b[31mred"));
    assertFalse(bad.getMessage().contains("\u001b"), bad.getMessage());
    assertThrows(UnknownProfileException.class, () -> table.choose(null, "../client-a"));
    assertThrows(UnknownProfileException.class, () -> table.choose(null, "Client-A"));
  }

  @Test
  void aWorkingDirectoryTheDaemonCannotJudgeSelectsTheDefaultAndSaysWhy() throws Exception {
    for (String cwd : new String[] {null, "", "a/deep", w.resolve("a/gone").toString(), "/w\u0000/a", "/" + "x".repeat(5000)}) {
      ProfileTable.Choice choice = table.choose(cwd, null);
      assertEquals("default", choice.name(), String.valueOf(cwd));
      assertFalse(choice.judged(), String.valueOf(cwd));
      assertFalse(choice.why().contains("\u0000"), choice.why());
      assertTrue(choice.why().length() < 400, choice.why());
    }
  }

  @Test
  void oneDirectoryBindsOneProfile() {
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
        () -> table.with("second", List.of(w.resolve("a"))));
    assertTrue(twice.getMessage().contains("client-a"), twice.getMessage());
    assertEquals(List.of(w.resolve("a")), table.with("client-a", List.of(w.resolve("a"))).all().get("client-a"),
        "binding a profile's own directory again changes nothing");
  }

  @Test
  void namesAndBoundsAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> table.with("default", List.of(w)));
    assertThrows(IllegalArgumentException.class, () -> table.with("-x", List.of(w)));
    assertThrows(IllegalArgumentException.class, () -> table.with("x".repeat(65), List.of(w)));
    assertTrue(ProfileTable.isName("a" + "-".repeat(63)));
    ProfileTable many = ProfileTable.EMPTY;
    for (int i = 0; i < ProfileTable.MAX_PROFILES; i++) {
      many = many.with("p" + i, List.of(w.resolve("d" + i)));
    }
    ProfileTable full = many;
    assertThrows(IllegalArgumentException.class, () -> full.with("one-more", List.of(w.resolve("x"))));
  }

  @Test
  void theTableRoundTripsThroughTheVaultsSourceMap() throws Exception {
    Map<String, String> sources = Map.of(
        ProfileKeys.bindings("client-a"), ProfileTable.encode(List.of(w.resolve("a"), w.resolve("ab"))),
        "registry.example", "a source's definition",
        ProfileKeys.prefix("client-a") + "ghcr.io", "a profile's source");
    ProfileTable read = ProfileTable.of(sources);
    assertEquals(List.of("default", "client-a"), read.names());
    assertEquals(List.of(w.resolve("a"), w.resolve("ab")), read.all().get("client-a"));
  }
}
