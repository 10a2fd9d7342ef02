package io.rangedb.workload.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for tests: initdb into a directory, listen on 127.0.0.1 only on a
 * free port, trust authentication, no fsync (the data dies with the test). As root it runs the
 * server binaries as the {@code postgres} system user, because PostgreSQL refuses to run as root.
 */
public final class LocalPostgres implements AutoCloseable {
  private static final String INSTALL_HINT =
      "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under"
          + " /usr/lib/postgresql/*/bin; install them with 'apt-get install postgresql'";

  private final Path binDir;
  private final Path dataDir;
  private final int port;
  private final boolean asPostgresUser;

  private LocalPostgres(Path binDir, Path dataDir, int port, boolean asPostgresUser) {
    this.binDir = binDir;
    this.dataDir = dataDir;
    this.port = port;
    this.asPostgresUser = asPostgresUser;
  }

  /** Creates a cluster under {@code dir} and starts it; {@link #close()} stops it. */
  public static LocalPostgres start(Path dir) throws IOException, InterruptedException {
    Path bin = findBinDir().orElseThrow(() -> new IllegalStateException(INSTALL_HINT));
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      // The server runs as postgres and needs to own its directory (and reach it).
      UserPrincipal postgres =
          dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
      Files.setOwner(dir, postgres);
    }
    LocalPostgres pg = new LocalPostgres(bin, dir.resolve("data"), freeLoopbackPort(), root);
    pg.run(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            pg.dataDir.toString(),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync"));
    try {
      pg.run(
          List.of(
              bin.resolve("pg_ctl").toString(),
              "-D",
              pg.dataDir.toString(),
              "-l",
              dir.resolve("postgres.log").toString(),
              "-w",
              "-t",
              "60",
              "-o",
              "-p "
                  + pg.port
                  + " -k "
                  + dir
                  + " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                  + " -c full_page_writes=off",
              "start"));
    } catch (IOException | RuntimeException e) {
      pg.close(); // a half-started server must not outlive the test
      throw e;
    }
    return pg;
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  public String user() {
    return "postgres";
  }

  public int port() {
    return port;
  }

  /** Stops the server at once; the data directory is the caller's to delete. */
  @Override
  public void close() throws IOException, InterruptedException {
    if (Files.exists(dataDir.resolve("postmaster.pid"))) {
      run(
          List.of(
              binDir.resolve("pg_ctl").toString(),
              "-D",
              dataDir.toString(),
              "-m",
              "immediate",
              "-w",
              "stop"));
    }
  }

  private void run(List<String> command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (asPostgresUser) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
    // pg_ctl's started server inherits the pipe; read only until the command itself exits.
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + String.join(" ", full));
    }
    String output =
        new String(
            p.getInputStream().readNBytes(p.getInputStream().available()), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(
          "failed (exit " + p.exitValue() + "): " + String.join(" ", full) + "\n" + output);
    }
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The directory holding initdb and pg_ctl: PATH first, else the newest Debian install. */
  static Optional<Path> findBinDir() throws IOException {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String entry : path.split(java.io.File.pathSeparator)) {
      Path dir = Paths.get(entry.isEmpty() ? "." : entry);
      if (Files.isExecutable(dir.resolve("initdb")) && Files.isExecutable(dir.resolve("pg_ctl"))) {
        return Optional.of(dir);
      }
    }
    Path debian = Paths.get("/usr/lib/postgresql");
    if (!Files.isDirectory(debian)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(debian)) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(
              b ->
                  Files.isExecutable(b.resolve("initdb"))
                      && Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.comparingInt(LocalPostgres::majorVersion));
    }
  }

  private static int majorVersion(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
