package dev.credagent.cli.local;

import dev.credagent.cli.LocalCommands;
import dev.credagent.cli.Session;
import java.util.List;

/** This module's part of the command tree ({@link LocalCommands}), which the tree finds through ServiceLoader. */
public final class LocalCommandSet implements LocalCommands {
  @Override
  public List<Class<?>> commands() {
    return List.of(StartCommand.class, StopCommand.class, ConfigCommand.class, LogCommand.class, ImportCommand.class,
        SetupCommand.class, DoctorCommand.class, DaemonCommand.class);
  }

  @Override
  public Session session() {
    return new LocalSession();
  }
}
