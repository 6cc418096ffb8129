package dev.credagent.transport;

import java.util.Arrays;
import java.util.List;

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
    // The rule is header.split(" ", -1): the magic, the action, the length, then each attribute (a
    // trailing or doubled space is an empty field, refused). The action and the length are found
    // with indexOf, and only the attributes split: splitting the whole header (a list, an array
    // and a String per field) was most of parsing the helper's frame.
    int actionEnd = header.startsWith(MAGIC) ? header.indexOf(' ', MAGIC.length()) : -1;
    if (actionEnd < 0) {
      throw new IllegalArgumentException("not a relay header");
    }
    int lengthEnd = header.indexOf(' ', actionEnd + 1);
    HeaderAttributes attributes;
    try {
      attributes = lengthEnd < 0 ? HeaderAttributes.parse(List.of())
          : HeaderAttributes.parse(Arrays.asList(header.substring(lengthEnd + 1).split(" ", -1)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a relay header: " + e.getMessage());
    }
    String length = lengthEnd < 0 ? header.substring(actionEnd + 1) : header.substring(actionEnd + 1, lengthEnd);
    return new RelayHeader(header.substring(MAGIC.length(), actionEnd),
        BoundedDecoder.parseLength(length, MAX_INPUT_BYTES, "relay", "relayed input"), attributes);
  }
}
