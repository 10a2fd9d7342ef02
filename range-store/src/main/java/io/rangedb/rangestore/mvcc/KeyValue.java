package io.rangedb.rangestore.mvcc;

import io.rangedb.txn.hlc.Timestamp;

/** A visible value of a user key and the timestamp of the version (or own intent) it came from. */
public record KeyValue(byte[] key, byte[] value, Timestamp timestamp) {}
