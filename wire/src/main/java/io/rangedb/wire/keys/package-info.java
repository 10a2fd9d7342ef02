/**
 * Order-preserving key encoding: {@link io.rangedb.wire.keys.KeyEncoder} writes typed columns so
 * that the unsigned bytewise order of keys is the order of their values, column by column,
 * ascending or descending; {@link io.rangedb.wire.keys.KeyDecoder} reads them back; {@link
 * io.rangedb.wire.keys.Keys} has span helpers (prefix end, successor). It lives in {@code wire}
 * because the SQL layer builds row and index keys with it and the storage layer must agree on the
 * byte order, and neither may import the other.
 */
package io.rangedb.wire.keys;
