package io.rangedb.workload.tpcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TpccRandomTest {
  private static final int DRAWS = 200_000;

  private static TpccRandom random(long seed) {
    return new TpccRandom(new SplittableRandom(seed), TpccRandom.Constants.RUN);
  }

  /** Draws NURand(a, x, y) and returns the frequency of each value in [x, y]. */
  private static int[] nurandCounts(int a, int c, int x, int y) {
    SplittableRandom r = new SplittableRandom(11);
    int[] counts = new int[y - x + 1];
    for (int i = 0; i < DRAWS; i++) {
      int v = TpccRandom.nurand(r, a, c, x, y);
      assertTrue(v >= x && v <= y, "NURand out of range: " + v);
      counts[v - x]++;
    }
    return counts;
  }

  /** Share of all draws taken by the most frequent tenth of the values. */
  private static double topTenthShare(int[] counts) {
    int[] sorted = counts.clone();
    Arrays.sort(sorted);
    long top = 0;
    for (int i = sorted.length - sorted.length / 10; i < sorted.length; i++) {
      top += sorted[i];
    }
    return (double) top / DRAWS;
  }

  @Test
  void nurandStaysInRangeCoversItAndIsSkewed() {
    int[][] cases = {{255, 223, 0, 999}, {1023, 259, 1, 3000}, {8191, 7911, 1, 100_000}};
    for (int[] k : cases) {
      int[] counts = nurandCounts(k[0], k[1], k[2], k[3]);
      if (k[3] - k[2] < 10_000) {
        // Small ranges: both ends are reached and nearly every value in between (a few values
        // need a rare bit pattern from both uniforms and may be missed by chance).
        assertTrue(counts[0] > 0 && counts[counts.length - 1] > 0, "an end never drawn");
        long drawn = Arrays.stream(counts).filter(n -> n > 0).count();
        assertTrue(drawn > 0.9 * counts.length, "only " + drawn + " values drawn for A=" + k[0]);
      }
      // A uniform draw would give the top tenth about 10% (a little more by chance); NURand's OR
      // of two uniforms concentrates on values with many bits set.
      double share = topTenthShare(counts);
      assertTrue(share > 0.2, "NURand(" + k[0] + ") top-tenth share only " + share);
    }
  }

  @Test
  void uniformDrawsAreNotSkewedByTheSameMeasure() {
    SplittableRandom r = new SplittableRandom(3);
    int[] counts = new int[1000];
    for (int i = 0; i < DRAWS; i++) {
      counts[r.nextInt(1000)]++;
    }
    assertTrue(topTenthShare(counts) < 0.13);
  }

  @Test
  void runConstantForLastNamesRespectsTheDeltaRule() {
    assertTrue(
        TpccRandom.Constants.validRunDelta(
            TpccRandom.Constants.LOAD.cLast(), TpccRandom.Constants.RUN.cLast()));
    assertTrue(!TpccRandom.Constants.validRunDelta(100, 196)); // delta 96 is excluded
    assertTrue(!TpccRandom.Constants.validRunDelta(100, 150)); // delta 50 is too small
  }

  @Test
  void idsFromTheHelpersStayInTheirTables() {
    TpccRandom r = random(5);
    for (int i = 0; i < 50_000; i++) {
      int c = r.customerId();
      int item = r.itemId();
      String last = r.lastName();
      assertTrue(c >= 1 && c <= 3000);
      assertTrue(item >= 1 && item <= 100_000);
      assertTrue(last.length() >= 9 && last.length() <= 15, last);
    }
  }

  @Test
  void aboutTenPercentOfDataStringsCarryOriginal() {
    TpccRandom r = random(7);
    int original = 0;
    int n = 100_000;
    for (int i = 0; i < n; i++) {
      String s = r.dataWithOriginal();
      assertTrue(s.length() >= 26 && s.length() <= 50, "length " + s.length());
      if (s.contains("ORIGINAL")) {
        original++;
      }
    }
    double share = (double) original / n;
    // Binomial(100000, 0.1) has a standard deviation of ~0.1%; 0.6% is six of them.
    assertEquals(0.10, share, 0.006, "ORIGINAL share " + share);
  }

  @Test
  void stringsHaveTheRequestedLengthsAndAlphabets() {
    TpccRandom r = random(9);
    for (int i = 0; i < 10_000; i++) {
      String a = r.astring(8, 16);
      assertTrue(a.length() >= 8 && a.length() <= 16);
      assertTrue(a.chars().allMatch(Character::isLetterOrDigit), a);
      String n = r.nstring(16, 16);
      assertEquals(16, n.length());
      assertTrue(n.chars().allMatch(Character::isDigit), n);
      String zip = r.zip();
      assertEquals(9, zip.length());
      assertTrue(zip.endsWith("11111"), zip);
    }
  }

  @Test
  void decimalsStayInRangeWithTheirScale() {
    TpccRandom r = random(13);
    BigDecimal min = new BigDecimal("1.00");
    BigDecimal max = new BigDecimal("5000.00");
    boolean sawFraction = false;
    for (int i = 0; i < 10_000; i++) {
      BigDecimal d = r.decimal("1.00", "5000.00", 2);
      assertEquals(2, d.scale());
      assertTrue(d.compareTo(min) >= 0 && d.compareTo(max) <= 0, d.toString());
      sawFraction |= d.remainder(BigDecimal.ONE).signum() != 0;
    }
    assertTrue(sawFraction, "cents are random too");
  }

  @Test
  void permutationHoldsEveryCustomerOnce() {
    int[] p = random(17).permutation(3000);
    int[] sorted = p.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < 3000; i++) {
      assertEquals(i + 1, sorted[i]);
    }
    assertTrue(!Arrays.equals(p, sorted), "a permutation that is not shuffled");
  }

  @Test
  void thinkTimesAreExponentialWithTheMeanAndCutAtTenTimesIt() {
    TpccRandom r = random(19);
    int n = 100_000;
    double sum = 0;
    long max = 0;
    for (int i = 0; i < n; i++) {
      long ms = r.thinkMillis(12);
      sum += ms;
      max = Math.max(max, ms);
    }
    assertEquals(12_000, sum / n, 200); // the cut at 10x trims the mean by only e^-10
    assertTrue(max <= 120_000, "think time above 10x the mean: " + max);
  }

  @Test
  void theSameSeedReproducesTheSameStream() {
    TpccRandom a = random(23);
    TpccRandom b = random(23);
    for (int i = 0; i < 1000; i++) {
      assertEquals(a.astring(5, 10), b.astring(5, 10));
      assertEquals(a.customerId(), b.customerId());
    }
  }
}
