package io.rangedb.workload.tpcc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the customer of a Payment or Order-Status: by id, or by last name taking the customer in
 * the middle of the matches sorted by first name (position ceil(n/2), clause 2.5.2.2).
 */
final class CustomerSelector {

  /** Either an id, or a last name to resolve; 60% of lookups go by name (clause 2.5.1.2). */
  record Key(int id, String lastName) {
    static Key random(TpccRandom r) {
      return r.uniform(1, 100) <= 60 ? new Key(0, r.lastName()) : new Key(r.customerId(), null);
    }

    boolean byName() {
      return lastName != null;
    }
  }

  private CustomerSelector() {}

  /** The customer id, or -1 if no customer has that last name (possible only with a skewed C). */
  static int resolve(StatementCache s, int w, int dist, Key key) throws SQLException {
    if (!key.byName()) {
      return key.id();
    }
    List<Integer> ids = new ArrayList<>();
    try (ResultSet rs =
        s.bind(
                "SELECT c_id FROM customer WHERE c_w_id = ? AND c_d_id = ? AND c_last = ?"
                    + " ORDER BY c_first",
                w,
                dist,
                key.lastName())
            .executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getInt(1));
      }
    }
    if (ids.isEmpty()) {
      return -1;
    }
    return ids.get((ids.size() - 1) / 2);
  }
}
