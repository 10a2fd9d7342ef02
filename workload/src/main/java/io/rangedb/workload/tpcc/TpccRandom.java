package io.rangedb.workload.tpcc;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.random.RandomGenerator;

/**
 * The random inputs TPC-C prescribes (clauses 2.1.6 and 4.3.2): uniform integers, the skewed NURand
 * function, alphanumeric and numeric strings, the 10% "ORIGINAL" marker, zip codes, last names.
 * Every source of randomness is one seeded generator, so a given seed reproduces a load or a run.
 */
public final class TpccRandom {
  /**
   * Characters of an a-string. The spec allows any 128 characters; alphanumerics keep SQL dumps
   * readable.
   */
  private static final char[] ALPHANUMERIC =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".toCharArray();

  private final RandomGenerator random;
  private final Constants constants;

  /**
   * The run-time constants C of NURand (clause 2.1.6). C for C_LAST differs between load and run by
   * a delta in [65, 119] other than 96 and 112, so that the run's by-name lookups do not hit
   * exactly the names the load made popular; the C for C_ID and OL_I_ID may stay the same.
   */
  public record Constants(int cLast, int cId, int olIid) {
    public static final Constants LOAD = new Constants(157, 259, 7911);
    public static final Constants RUN = new Constants(223, 259, 7911);

    public Constants {
      check(cLast, 255);
      check(cId, 1023);
      check(olIid, 8191);
    }

    private static void check(int c, int a) {
      if (c < 0 || c > a) {
        throw new IllegalArgumentException("NURand constant " + c + " out of [0, " + a + "]");
      }
    }

    /** Clause 2.1.6.1's rule between the load's and the run's C for C_LAST. */
    public static boolean validRunDelta(int loadCLast, int runCLast) {
      int delta = Math.abs(loadCLast - runCLast);
      return delta >= 65 && delta <= 119 && delta != 96 && delta != 112;
    }
  }

  public TpccRandom(RandomGenerator random, Constants constants) {
    this.random = random;
    this.constants = constants;
  }

  /** Uniform integer in [min, max], both inclusive. */
  public int uniform(int min, int max) {
    return random.nextInt(min, max + 1);
  }

  /** Uniform fraction in [0, 1). */
  public double fraction() {
    return random.nextDouble();
  }

  /** NURand(A, x, y) = (((random(0, A) | random(x, y)) + C) % (y - x + 1)) + x. */
  public static int nurand(RandomGenerator random, int a, int c, int x, int y) {
    return (((random.nextInt(0, a + 1) | random.nextInt(x, y + 1)) + c) % (y - x + 1)) + x;
  }

  /** A customer id in [1, 3000], skewed. */
  public int customerId() {
    return nurand(random, 1023, constants.cId(), 1, TpccScale.CUSTOMERS_PER_DISTRICT);
  }

  /** An item id in [1, 100000], skewed. */
  public int itemId() {
    return nurand(random, 8191, constants.olIid(), 1, TpccScale.ITEMS);
  }

  /** A last-name number in [0, 999], skewed. */
  public int lastNameNumber() {
    return nurand(random, 255, constants.cLast(), 0, 999);
  }

  /** A last name for a run-time lookup. */
  public String lastName() {
    return LastNames.of(lastNameNumber());
  }

  /** An a-string: random alphanumerics, length uniform in [min, max]. */
  public String astring(int min, int max) {
    int n = uniform(min, max);
    char[] s = new char[n];
    for (int i = 0; i < n; i++) {
      s[i] = ALPHANUMERIC[random.nextInt(ALPHANUMERIC.length)];
    }
    return new String(s);
  }

  /** An n-string: random digits, length uniform in [min, max]. */
  public String nstring(int min, int max) {
    int n = uniform(min, max);
    char[] s = new char[n];
    for (int i = 0; i < n; i++) {
      s[i] = (char) ('0' + random.nextInt(10));
    }
    return new String(s);
  }

  /**
   * I_DATA and S_DATA: an a-string of [26, 50] characters; in 10% of rows, chosen at random, the
   * string "ORIGINAL" sits at a random position in it (clause 4.3.3.1).
   */
  public String dataWithOriginal() {
    String s = astring(26, 50);
    if (random.nextInt(10) != 0) {
      return s;
    }
    int at = random.nextInt(s.length() - "ORIGINAL".length() + 1);
    return s.substring(0, at) + "ORIGINAL" + s.substring(at + "ORIGINAL".length());
  }

  /** A zip code: four random digits then "11111" (clause 4.3.2.7). */
  public String zip() {
    return nstring(4, 4) + "11111";
  }

  /** Two random letters for a state code. */
  public String state() {
    return "" + (char) ('A' + random.nextInt(26)) + (char) ('A' + random.nextInt(26));
  }

  /**
   * A random decimal in [min, max] with {@code scale} digits after the point, uniform on that grid.
   */
  public BigDecimal decimal(String min, String max, int scale) {
    long lo = new BigDecimal(min).movePointRight(scale).longValueExact();
    long hi = new BigDecimal(max).movePointRight(scale).longValueExact();
    return BigDecimal.valueOf(random.nextLong(lo, hi + 1), scale)
        .setScale(scale, RoundingMode.UNNECESSARY);
  }

  /** A random permutation of 1..n, for the load's O_C_ID (each customer gets exactly one order). */
  public int[] permutation(int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i + 1;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /**
   * A think time (clause 5.2.5.4): negative exponential with the given mean, cut at ten times the
   * mean, in milliseconds.
   */
  public long thinkMillis(double meanSeconds) {
    double r = Math.max(random.nextDouble(), 1e-12);
    double seconds = Math.min(-Math.log(r) * meanSeconds, 10 * meanSeconds);
    return Math.round(seconds * 1000);
  }

  public RandomGenerator generator() {
    return random;
  }
}
