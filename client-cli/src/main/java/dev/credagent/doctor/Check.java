package dev.credagent.doctor;

import java.util.List;

/**
 * One thing {@code credagent doctor} checks, over what it is given (files, the environment, the
 * daemon's answers), so that each is tested on fixtures without a daemon or a home of its own.
 */
public interface Check {
  List<Finding> run();
}
