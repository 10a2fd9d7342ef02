package io.rangedb.workload.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ZipfianGeneratorTest {

  @Test
  void zipfianKeysFollowTheZipfLaw() {
    int keys = 1000;
    ZipfianGenerator z = new ZipfianGenerator(keys, 0.99, new SplittableRandom(1));
    int n = 200_000;
    int[] counts = new int[keys];
    for (int i = 0; i < n; i++) {
      long k = z.next();
      assertTrue(k >= 0 && k < keys, "key out of range: " + k);
      counts[(int) k]++;
    }
    // The two head keys are exact in Gray's method; the tail is approximate.
    assertEquals(z.probability(0), (double) counts[0] / n, 0.01);
    assertEquals(z.probability(1), (double) counts[1] / n, 0.01);
    assertTrue(counts[0] > counts[1] && counts[1] > counts[10] && counts[10] > counts[500]);
  }

  @Test
  void uniformKeysSpreadEvenly() {
    KeyGenerator u = KeyGenerator.Distribution.UNIFORM.create(10, new SplittableRandom(2));
    int[] counts = new int[10];
    for (int i = 0; i < 100_000; i++) {
      counts[(int) u.next()]++;
    }
    for (int c : counts) {
      assertEquals(10_000, c, 500);
    }
  }

  @Test
  void zetaIsTheGeneralizedHarmonicNumber() {
    assertEquals(
        1 + 1 / Math.pow(2, 0.5) + 1 / Math.pow(3, 0.5), ZipfianGenerator.zeta(3, 0.5), 1e-12);
  }
}
