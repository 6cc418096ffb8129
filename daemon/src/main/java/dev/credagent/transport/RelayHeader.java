package dev.credagent.transport;

import java.util.Arrays;

/**
 * A relay frame's header line ({@code credential-helper/1 ACTION LENGTH[ KEY=VALUE]...}, its
 * newline excluded), parsed: the one set of rules both readers of the frame use, Netty's
 * {@link RelayFrameDecoder} and the Linux fast path ({@code FastAcceptor}), so that they cannot
 * drift apart. An {@link IllegalArgumentException} says why a header is refused, never echoing an
 * attribute's value.
 */
record RelayHeader(String action, int length, HeaderAttributes attributes) {
  static final String MAGIC = "credential-helper/1 ";
  static final int MAX_INPUT_BYTES = 1024 * 1024;

  static RelayHeader parse(String header) {
    String[] parts = header.split(" ", -1); // -1: a trailing or doubled space is an empty field, refused
    if (!header.startsWith(MAGIC) || parts.length < 3) {
      throw new IllegalArgumentException("not a relay header");
    }
    HeaderAttributes attributes;
    try {
      attributes = HeaderAttributes.parse(Arrays.asList(parts).subList(3, parts.length));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a relay header: " + e.getMessage());
    }
    int length = BoundedDecoder.parseLength(parts[2], MAX_INPUT_BYTES, "relay", "relayed input");
    return new RelayHeader(parts[1], length, attributes);
  }
}
