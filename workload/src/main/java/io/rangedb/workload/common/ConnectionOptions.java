package io.rangedb.workload.common;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import picocli.CommandLine.Option;

/** The JDBC target shared by every workload command (a picocli mixin). */
public final class ConnectionOptions {

  @Option(
      names = "--url",
      required = true,
      description =
          "JDBC URL, e.g. jdbc:postgresql://127.0.0.1:5432/postgres or jdbc:rangedb://host:7400/defaultdb")
  String url;

  @Option(names = "--user", description = "Database user (default: none, or the URL's).")
  String user;

  @Option(names = "--password", description = "Database password (default: none, or the URL's).")
  String password;

  public ConnectionOptions() {}

  /** For callers that do not go through picocli (tests, other tools). */
  public ConnectionOptions(String url, String user, String password) {
    this.url = url;
    this.user = user;
    this.password = password;
  }

  public String url() {
    return url;
  }

  public Dialect dialect() {
    return Dialect.fromUrl(url);
  }

  /** Opens a new connection with the dialect's driver properties, autocommit off. */
  public Connection connect() throws SQLException {
    Properties props = dialect().connectionProperties();
    if (user != null) {
      props.setProperty("user", user);
    }
    if (password != null) {
      props.setProperty("password", password);
    }
    Connection c = DriverManager.getConnection(url, props);
    c.setAutoCommit(false);
    return c;
  }
}
