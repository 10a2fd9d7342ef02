package io.rangedb.workload.kv;

import java.util.random.RandomGenerator;

/** Picks keys in [0, keys) for the kv workload. Not thread-safe: one per worker. */
public interface KeyGenerator {
  long next();

  /** The distributions a user can ask for. */
  enum Distribution {
    UNIFORM,
    ZIPFIAN;

    public KeyGenerator create(long keys, RandomGenerator random) {
      return switch (this) {
        case UNIFORM -> () -> random.nextLong(keys);
        case ZIPFIAN -> new ZipfianGenerator(keys, ZipfianGenerator.DEFAULT_THETA, random);
      };
    }
  }
}
