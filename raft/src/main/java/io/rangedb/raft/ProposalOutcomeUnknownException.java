package io.rangedb.raft;

/**
 * The host stopped waiting for a proposal that was appended but whose fate it cannot learn: the log
 * moved past it through a snapshot, or it did not commit within the host's timeout (a new leader
 * may or may not have kept it). It may yet be applied, so a caller must not assume either outcome;
 * retrying is safe only for idempotent commands.
 */
public final class ProposalOutcomeUnknownException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ProposalOutcomeUnknownException(String detail) {
    super(detail, null, false, false);
  }
}
