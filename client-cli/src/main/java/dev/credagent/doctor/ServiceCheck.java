package dev.credagent.doctor;

import dev.credagent.setup.ServiceManager;
import java.util.List;

/** The systemd or launchd units, where that service manager runs: installed and enabled. */
public record ServiceCheck(ServiceManager services) implements Check {
  @Override
  public List<Finding> run() {
    if (services instanceof ServiceManager.None) {
      return List.of(Finding.ok("service: " + services.name()));
    }
    if (services.installed()) {
      return List.of(Finding.ok("service: " + services.name() + " units installed and enabled"));
    }
    return List.of(Finding.fault("service: " + services.name() + " runs here, but credagent's unit is not installed"
        + " and enabled: run `credagent setup`"));
  }
}
