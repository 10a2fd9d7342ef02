package io.rangedb.rangestore.mvcc;

import io.rangedb.rangestore.mvcc.MvccStats.Head;
import io.rangedb.rangestore.mvcc.MvccValues.Intent;
import io.rangedb.txn.hlc.Timestamp;

/**
 * The records at the top of one user key, as write paths need them: the intent (if any) and the
 * newest committed version (if any). Loaded with one seek.
 */
final class KeyRecords {
  final byte[] userKey;
  final byte[] intentKey;
  Intent intent;
  byte[] intentRaw;
  byte[] newestKey;
  Timestamp newestTs;

  /** Stored length of the newest version; 0 is a tombstone. */
  int newestValueLength;

  private KeyRecords(byte[] userKey, byte[] intentKey) {
    this.userKey = userKey;
    this.intentKey = intentKey;
  }

  /** Seeks {@code it} to the key and reads its intent and newest version. */
  static KeyRecords load(MvccCursor it, byte[] userKey, byte[] intentKey) {
    KeyRecords r = new KeyRecords(userKey, intentKey);
    it.seek(intentKey);
    if (!it.valid()) {
      return r;
    }
    byte[] k = it.key();
    if (MvccKeys.isIntentKey(k, intentKey)) {
      r.intentRaw = it.value();
      r.intent = MvccValues.decodeIntent(r.intentRaw);
      it.next();
      if (!it.valid()) {
        return r;
      }
      k = it.key();
    }
    if (MvccKeys.belongsTo(k, intentKey)) {
      r.newestKey = k;
      r.newestTs = MvccKeys.versionTimestamp(k, intentKey);
      r.newestValueLength = it.valueLength(); // stats need only its size
    }
    return r;
  }

  /**
   * Whether the key holds a value as {@code writer} sees it (null: a non-transactional writer): a
   * transaction does not see its own intents of an epoch it abandoned on restart, only what lies
   * beneath them, as its reads do.
   */
  boolean liveFor(TxnMeta writer) {
    if (intent != null && intent.txn().sameTxn(writer) && intent.txn().epoch() < writer.epoch()) {
      return newestHead().live();
    }
    return head().live();
  }

  /**
   * Whether the key's intent is a later write of {@code writer} (same epoch, higher sequence), so
   * that this write is a replay of an earlier request, retried after an ambiguous outcome: it must
   * not undo what came after it.
   */
  boolean supersededFor(TxnMeta writer) {
    return intent != null
        && intent.txn().sameTxn(writer)
        && intent.txn().epoch() == writer.epoch()
        && intent.txn().sequence() > writer.sequence();
  }

  boolean exists() {
    return intent != null || newestKey != null;
  }

  Head head() {
    if (intent != null) {
      return intentHead(intentKey, intentRaw, intent);
    }
    return newestHead();
  }

  /** The head the key has once its intent is gone. */
  Head newestHead() {
    return newestKey == null
        ? Head.NONE
        : new Head(true, newestValueLength > 0, newestKey.length, newestValueLength);
  }

  static Head intentHead(byte[] intentKey, byte[] intentRaw, Intent intent) {
    return new Head(true, !intent.isTombstone(), intentKey.length, intentRaw.length);
  }
}
