package io.rangedb.raft;

import java.util.List;
import java.util.Objects;

/**
 * A message between two replicas of one group. One record for every type, as etcd/raft does, so a
 * transport converts one shape; fields a type does not use are zero, empty or null.
 *
 * @param index for APP the index before the entries; for APP_RESP the sender's last durable index
 *     (or the rejected index); for votes the candidate's last index; for HEARTBEAT(_RESP) the
 *     leader's tick at send time, echoed back for lease reads; for READ_INDEX_RESP the read index
 * @param logTerm term at {@code index} (APP, votes), or the term at the reject hint (APP_RESP)
 * @param context opaque bytes: a read-index request id, or {@link #CAMPAIGN_TRANSFER} on votes
 */
public record Message(
    MessageType type,
    long from,
    long to,
    long term,
    long logTerm,
    long index,
    List<Entry> entries,
    long commit,
    boolean reject,
    long rejectHint,
    Snapshot snapshot,
    byte[] context) {

  /** Marks votes of a campaign started by TIMEOUT_NOW: they may override a follower's lease. */
  public static final byte[] CAMPAIGN_TRANSFER = {'T'};

  /**
   * Marks a leader's last heartbeat before its group goes idle: the host stops ticking the group on
   * both sides until something happens. Its acknowledgement does not extend the lease.
   */
  public static final byte[] QUIESCE = {'Q'};

  private static final byte[] EMPTY = new byte[0];

  public Message {
    Objects.requireNonNull(type, "type");
    entries = entries == null ? List.of() : entries;
    context = context == null ? EMPTY : context;
  }

  public static Builder builder(MessageType type) {
    return new Builder(type);
  }

  public Builder toBuilder() {
    return new Builder(type)
        .from(from)
        .to(to)
        .term(term)
        .logTerm(logTerm)
        .index(index)
        .entries(entries)
        .commit(commit)
        .reject(reject)
        .rejectHint(rejectHint)
        .snapshot(snapshot)
        .context(context);
  }

  public boolean isQuiesce() {
    return java.util.Arrays.equals(context, QUIESCE);
  }

  boolean isTransferCampaign() {
    return java.util.Arrays.equals(context, CAMPAIGN_TRANSFER);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    b.append(from).append("->").append(to).append(' ').append(type).append(" t").append(term);
    switch (type) {
      case APP -> {
        b.append(" prev=").append(logTerm).append('/').append(index);
        b.append(" commit=").append(commit).append(" ents=").append(entries);
      }
      case APP_RESP -> {
        b.append(" index=").append(index);
        if (reject) {
          b.append(" REJECT hint=").append(logTerm).append('/').append(rejectHint);
        }
      }
      case VOTE, PRE_VOTE ->
          b.append(" last=")
              .append(logTerm)
              .append('/')
              .append(index)
              .append(isTransferCampaign() ? " transfer" : "");
      case VOTE_RESP, PRE_VOTE_RESP -> b.append(reject ? " REJECT" : " GRANT");
      case HEARTBEAT -> b.append(" commit=").append(commit).append(isQuiesce() ? " quiesce" : "");
      case SNAP -> b.append(' ').append(snapshot);
      case READ_INDEX_RESP -> b.append(" index=").append(index);
      default -> {}
    }
    return b.toString();
  }

  /** Builds messages field by field; the core sets {@code from} and {@code term} when it sends. */
  public static final class Builder {
    private final MessageType type;
    private long from;
    private long to;
    private long term;
    private long logTerm;
    private long index;
    private List<Entry> entries = List.of();
    private long commit;
    private boolean reject;
    private long rejectHint;
    private Snapshot snapshot;
    private byte[] context;

    private Builder(MessageType type) {
      this.type = type;
    }

    public Builder from(long v) {
      from = v;
      return this;
    }

    public Builder to(long v) {
      to = v;
      return this;
    }

    public Builder term(long v) {
      term = v;
      return this;
    }

    public Builder logTerm(long v) {
      logTerm = v;
      return this;
    }

    public Builder index(long v) {
      index = v;
      return this;
    }

    public Builder entries(List<Entry> v) {
      entries = v;
      return this;
    }

    public Builder commit(long v) {
      commit = v;
      return this;
    }

    public Builder reject(boolean v) {
      reject = v;
      return this;
    }

    public Builder rejectHint(long v) {
      rejectHint = v;
      return this;
    }

    public Builder snapshot(Snapshot v) {
      snapshot = v;
      return this;
    }

    public Builder context(byte[] v) {
      context = v;
      return this;
    }

    long term() {
      return term;
    }

    MessageType type() {
      return type;
    }

    public Message build() {
      return new Message(
          type,
          from,
          to,
          term,
          logTerm,
          index,
          entries,
          commit,
          reject,
          rejectHint,
          snapshot,
          context);
    }
  }
}
