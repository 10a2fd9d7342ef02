package io.rangedb.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** What Maven stamped into this build: the version users see in {@code rangedb --version}. */
public record BuildInfo(String version, String javaRelease) {

  private static final String RESOURCE = "/rangedb-build.properties";

  public static BuildInfo load() {
    Properties props = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath: broken build");
      }
      props.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    return new BuildInfo(props.getProperty("version"), props.getProperty("java.release"));
  }

  /** The lines printed by {@code --version}. */
  public String[] versionLines() {
    return new String[] {
      "rangedb " + version,
      "built for Java " + javaRelease + ", running on Java " + Runtime.version(),
    };
  }
}
