package io.rangedb.node;

/** Entry point of the {@code rangedb} launcher (bin/rangedb). */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(RangedbCommand.commandLine().execute(args));
  }
}
