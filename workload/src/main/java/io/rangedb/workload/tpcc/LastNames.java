package io.rangedb.workload.tpcc;

/**
 * Customer last names (TPC-C clause 4.3.2.3): the three digits of a number in [0, 999] each pick a
 * syllable, so 371 becomes PRI+CALLY+OUGHT. Few distinct names make the by-name lookups of Payment
 * and Order-Status return several customers, which is the point.
 */
public final class LastNames {
  private static final String[] SYLLABLES = {
    "BAR", "OUGHT", "ABLE", "PRI", "PRES", "ESE", "ANTI", "CALLY", "ATION", "EING"
  };

  private LastNames() {}

  public static String of(int number) {
    if (number < 0 || number > 999) {
      throw new IllegalArgumentException("last-name number out of [0, 999]: " + number);
    }
    return SYLLABLES[number / 100] + SYLLABLES[(number / 10) % 10] + SYLLABLES[number % 10];
  }
}
