package io.rangedb.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ConfChangeCodecTest {

  @Test
  void roundTripsEveryKindOfChange() {
    for (ConfChange cc :
        new ConfChange[] {
          ConfChange.addVoter(4),
          ConfChange.addLearner(5),
          ConfChange.remove(2),
          ConfChange.replaceVoter(1, 6),
          ConfChange.leaveJoint()
        }) {
      assertEquals(cc, ConfChange.decode(cc.encode()));
    }
  }

  @Test
  void garbageIsRejectedWithATypedErrorNeverMisread() {
    byte[] good = ConfChange.replaceVoter(1, 6).encode();
    assertThrows(IllegalArgumentException.class, () -> ConfChange.decode(new byte[0]));
    assertThrows(
        IllegalArgumentException.class,
        () -> ConfChange.decode(Arrays.copyOf(good, good.length - 3)));
    assertThrows(
        IllegalArgumentException.class,
        () -> ConfChange.decode(Arrays.copyOf(good, good.length + 1)));
    SplittableRandom rng = new SplittableRandom(7);
    for (int i = 0; i < 10_000; i++) {
      byte[] junk = new byte[rng.nextInt(40)];
      rng.nextBytes(junk);
      try {
        ConfChange.decode(junk);
      } catch (IllegalArgumentException expected) {
        // the only failure allowed
      }
    }
  }
}
