package dev.credagent.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credagent.setup.ServiceManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each of doctor's checks on fixture files and answers: what it says, and that a fault is a fault. */
class DoctorChecksTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private static String lines(List<Finding> findings) {
    return String.join("\n", findings.stream().map(Finding::line).toList());
  }

  private static long faults(List<Finding> findings) {
    return findings.stream().filter(finding -> !finding.ok()).count();
  }

  private Path file(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  private static int uid() {
    return dev.credagent.files.CurrentUser.uid();
  }

  @Test
  void aHomeIsRepairedToTheUsersAloneAndAReadableVaultIsAFault() throws Exception {
    Path home = dir.resolve("home");
    assertEquals(0, faults(new HomeCheck(home, home.resolve("vault"), uid()).run()), "none yet is no fault");
    Files.createDirectory(home, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    List<Finding> repaired = new HomeCheck(home, home.resolve("vault"), uid()).run();
    assertEquals(0, faults(repaired), lines(repaired));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
    Path vault = Files.writeString(home.resolve("vault"), "x");
    Files.setPosixFilePermissions(vault, PosixFilePermissions.fromString("rw-r--r--"));
    List<Finding> readable = new HomeCheck(home, vault, uid()).run();
    assertTrue(lines(readable).contains("FAIL  home: " + vault + " is readable by others: chmod 600"), lines(readable));
  }

  @Test
  void aDamagedVaultFileIsAFaultFoundWithoutThePassphrase() throws Exception {
    Path home = Files.createDirectory(dir.resolve("home"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path vault = Files.writeString(home.resolve("vault"), "not a vault at all");
    Files.setPosixFilePermissions(vault, PosixFilePermissions.fromString("rw-------"));
    List<Finding> findings = new HomeCheck(home, vault, uid()).run();
    assertEquals(1, faults(findings), lines(findings));
    assertTrue(lines(findings).contains("FAIL  vault: " + vault), lines(findings));
  }

  @Test
  void aBadConfigIsAFaultNamingItsLineAndNoneIsTheDefaults() throws Exception {
    String none = new ConfigCheck(dir.resolve("none.toml")).run().getFirst().line();
    assertTrue(none.startsWith("ok    config: defaults (idle-ttl "), none);
    List<Finding> bad = new ConfigCheck(file("config.toml", "idle-ttl = \"soon\"\n")).run();
    assertEquals(1, faults(bad), lines(bad));
    assertTrue(lines(bad).startsWith("FAIL  config: "), lines(bad));
  }

  /** The daemon's answers, as fixtures. */
  private record Answers(JsonNode list, JsonNode sources) implements VaultCheck.Daemon {}

  @Test
  void theVaultIsThereUnlockedAndNoSourceFails() throws Exception {
    Answers answers = new Answers(JSON.readTree("{\"credentials\":{\"ghcr.io\":\"u\"}}"),
        JSON.readTree("{\"sources\":{\"quay.io\":\"exec\"},\"failing\":{\"quay.io\":\"exited with 1\"}}"));
    assertEquals(List.of(), new VaultCheck(null, answers).run(), "no daemon: nothing to say");
    assertTrue(lines(new VaultCheck(JSON.readTree("{\"vault\":\"absent\"}"), answers).run()).contains("FAIL  vault: none yet"));
    assertTrue(lines(new VaultCheck(JSON.readTree("{\"vault\":\"present\",\"locked\":true}"), answers).run())
        .contains("FAIL  vault: locked: run `credagent unlock`"));
    VaultCheck open = new VaultCheck(JSON.readTree("{\"vault\":\"present\",\"locked\":false,\"credentials\":1}"), answers);
    List<Finding> findings = open.run();
    assertEquals(1, faults(findings), lines(findings));
    assertTrue(lines(findings).contains("FAIL  source: quay.io: its last run failed (exited with 1)"), lines(findings));
    assertEquals(Set.of("ghcr.io", "quay.io"), open.held());
  }

  private static String basicAuth(String user, String password) {
    return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void dockersConfigPointsAtCredagentWithItsOwnHelperFirstOnPath() throws Exception {
    Path installed = Files.createDirectory(dir.resolve("bin"));
    Path ours = Files.writeString(installed.resolve("docker-credential-agent"), "");
    Path other = Files.writeString(dir.resolve("docker-credential-agent"), "");
    Path config = file("config.json", "{\"credsStore\": \"agent\"}");

    List<Finding> good = new DockerCheck(config, Set.of(), program -> Optional.of(ours), Optional.of(installed)).run();
    assertEquals(0, faults(good), lines(good));
    List<Finding> shadowed = new DockerCheck(config, Set.of(), program -> Optional.of(other), Optional.of(installed)).run();
    assertTrue(lines(shadowed).contains("FAIL  docker: the docker-credential-agent on PATH is " + other), lines(shadowed));
    List<Finding> missing = new DockerCheck(config, Set.of(), program -> Optional.empty(), Optional.of(installed)).run();
    assertTrue(lines(missing).contains("is not on PATH: add the directory credagent was installed in (" + installed + ")"),
        lines(missing));
    List<Finding> elsewhere = new DockerCheck(file("pass.json", "{\"credsStore\": \"pass\"}"), Set.of(),
        program -> Optional.of(ours), Optional.empty()).run();
    assertTrue(lines(elsewhere).contains("has \"credsStore\": \"pass\", so docker does not ask credagent"), lines(elsewhere));
  }

  @Test
  void credHelpersThatBypassCredagentAndPlaintextAreFaults() throws Exception {
    Path helper = Files.writeString(dir.resolve("docker-credential-agent"), "");
    Path config = file("config.json", "{\"credsStore\": \"agent\", \"credHelpers\": {\"gcr.io\": \"gcloud\","
        + " \"ghcr.io\": \"gh\", \"quay.io\": \"agent\"}, \"auths\": {\"r.example\": {\"auth\": \""
        + basicAuth("alice", "s3cret") + "\"}}}");
    Map<String, Path> onPath = Map.of("docker-credential-agent", helper, "docker-credential-gh", helper);
    List<Finding> findings = new DockerCheck(config, Set.of("ghcr.io"),
        program -> Optional.ofNullable(onPath.get(program)), Optional.empty()).run();
    String text = lines(findings);
    assertEquals(3, faults(findings), text);
    assertTrue(text.contains("credHelpers sends gcr.io to docker-credential-gcloud, which is not on PATH"), text);
    assertTrue(text.contains("credHelpers sends ghcr.io to docker-credential-gh, though credagent holds it"), text);
    assertTrue(text.contains("FAIL  plaintext: " + config + " holds 1 credential(s) in base64 ([r.example])"), text);
    assertFalse(text.contains("s3cret") || text.contains(basicAuth("alice", "s3cret")), "never the secret: " + text);
  }

  @Test
  void aMalformedConfigIsOneFaultNamingThePlace() throws Exception {
    List<Finding> findings = new DockerCheck(file("config.json", "{\"credsStore\": "), Set.of(),
        program -> Optional.empty(), Optional.empty()).run();
    assertEquals(1, findings.size(), lines(findings));
    assertTrue(lines(findings).startsWith("FAIL  docker: "), lines(findings));
  }

  @Test
  void noAuthFileIsNothingToSayAndAnEmptyOneIsClean() throws Exception {
    assertEquals(List.of(), new PlaintextCheck(dir.resolve("auth.json"), "fix").run());
    assertEquals("ok    plaintext: none in " + dir.resolve("auth.json"),
        new PlaintextCheck(file("auth.json", "{\"auths\": {}}"), "fix").run().getFirst().line());
  }

  @Test
  void withoutAServiceManagerTheDaemonStartsOnDemand() {
    List<Finding> findings = new ServiceCheck(new ServiceManager.None()).run();
    assertEquals(0, faults(findings));
    assertEquals("ok    service: none (started on demand)", findings.getFirst().line());
  }
}
