package io.rangedb.workload.kv;

import java.util.random.RandomGenerator;

/**
 * Zipfian keys: key 0 is the most popular, and the popularity of key i falls as 1/(i+1)^theta. Uses
 * the constant-time inversion of Gray et al., "Quickly Generating Billion-Record Synthetic
 * Databases" (SIGMOD 1994), the method YCSB made the standard for skewed key-value benchmarks; the
 * O(n) normalization constant is computed once.
 *
 * <p>Hot keys are deliberately the low, contiguous ones: on a range-partitioned store that puts the
 * skew on one range, which is the case we want to see.
 */
public final class ZipfianGenerator implements KeyGenerator {
  public static final double DEFAULT_THETA = 0.99;

  private final long items;
  private final double theta;
  private final RandomGenerator random;
  private final double zetaN;
  private final double alpha;
  private final double eta;
  private final double halfPowTheta;

  public ZipfianGenerator(long items, double theta, RandomGenerator random) {
    if (items < 2 || theta <= 0 || theta >= 1) {
      throw new IllegalArgumentException("need items >= 2 and 0 < theta < 1");
    }
    this.items = items;
    this.theta = theta;
    this.random = random;
    this.zetaN = zeta(items, theta);
    double zeta2 = zeta(2, theta);
    this.alpha = 1.0 / (1.0 - theta);
    this.eta = (1 - Math.pow(2.0 / items, 1 - theta)) / (1 - zeta2 / zetaN);
    this.halfPowTheta = Math.pow(0.5, theta);
  }

  /** The generalized harmonic number: sum over i in [1, n] of 1 / i^theta. */
  static double zeta(long n, double theta) {
    double sum = 0;
    for (long i = 1; i <= n; i++) {
      sum += 1.0 / Math.pow(i, theta);
    }
    return sum;
  }

  /** The probability this generator gives key {@code k}, by the Zipf law it approximates. */
  public double probability(long k) {
    return 1.0 / Math.pow(k + 1, theta) / zetaN;
  }

  @Override
  public long next() {
    double u = random.nextDouble();
    double uz = u * zetaN;
    if (uz < 1.0) {
      return 0;
    }
    if (uz < 1.0 + halfPowTheta) {
      return 1;
    }
    long k = (long) (items * Math.pow(eta * u - eta + 1, alpha));
    return Math.min(k, items - 1);
  }
}
