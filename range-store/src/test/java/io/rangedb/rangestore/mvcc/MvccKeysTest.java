package io.rangedb.rangestore.mvcc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.txn.hlc.Timestamp;
import io.rangedb.wire.keys.Keys;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bytewise order of encoded MVCC records is (user key ascending, intent, then newest first).
 */
class MvccKeysTest {
  record Rec(byte[] userKey, Timestamp ts) {} // ts null: the intent

  @Test
  void encodedOrderIsUserKeyThenIntentThenNewestVersionFirst() {
    Random r = new Random(Long.getLong("mvcc.seed", 7));
    for (int round = 0; round < 200; round++) {
      List<Rec> recs = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        byte[] k = new byte[r.nextInt(4)];
        for (int j = 0; j < k.length; j++) {
          k[j] = (byte) new int[] {0, 1, 0xFF, 'a'}[r.nextInt(4)];
        }
        Timestamp ts =
            r.nextInt(5) == 0
                ? null
                : new Timestamp(
                    r.nextInt(3) == 0 ? Long.MAX_VALUE - r.nextInt(2) : r.nextInt(5), r.nextInt(3));
        recs.add(new Rec(k, ts));
      }
      Comparator<Rec> expected =
          Comparator.<Rec, byte[]>comparing(Rec::userKey, Arrays::compareUnsigned)
              .thenComparing(Rec::ts, Comparator.nullsFirst(Comparator.<Timestamp>reverseOrder()));
      List<Rec> byModel = new ArrayList<>(recs);
      byModel.sort(expected);
      List<Rec> byBytes = new ArrayList<>(recs);
      byBytes.sort(Comparator.comparing(MvccKeysTest::encode, Keys::compare));
      for (int i = 0; i < recs.size(); i++) {
        assertEquals(0, expected.compare(byModel.get(i), byBytes.get(i)), "position " + i);
      }
      for (Rec rec : recs) {
        byte[] enc = encode(rec);
        byte[] ik = MvccKeys.intentKeyOf(enc);
        assertArrayEquals(rec.userKey(), MvccKeys.userKeyOf(ik));
        assertTrue(Keys.compare(enc, MvccKeys.keyEnd(rec.userKey())) < 0);
        if (rec.ts() != null) {
          assertEquals(rec.ts(), MvccKeys.versionTimestamp(enc, ik));
        }
      }
    }
  }

  private static byte[] encode(Rec r) {
    return r.ts() == null
        ? MvccKeys.intentKey(r.userKey())
        : MvccKeys.versionKey(r.userKey(), r.ts());
  }
}
