package dev.credagent.imports;

/** An entry that is not imported, and why, said to the user. */
public record Skipped(String server, String why) {}
