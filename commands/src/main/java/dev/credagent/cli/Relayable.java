package dev.credagent.cli;

import dev.credagent.transport.CommandRelay;

/**
 * A command that can run inside the daemon when the native credagent relays it (it talks to the
 * daemon and prints, through its {@link Session}). The others run in the JVM CLI: they prompt,
 * read the user's files, or are the daemon itself.
 */
interface Relayable {
  /** What it needs of standard input to run there; {@code HAND_BACK} where it must prompt instead. */
  default CommandRelay.Input relayInput() {
    return CommandRelay.Input.NONE;
  }
}
