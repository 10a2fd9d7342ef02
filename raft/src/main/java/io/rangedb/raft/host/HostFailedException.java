package io.rangedb.raft.host;

/**
 * The host stopped after an unexpected failure (a failed log write, a broken invariant, a state
 * machine error): it serves nothing more, and the process should restart from its durable state.
 */
public final class HostFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public HostFailedException(long nodeId, Throwable cause) {
    super("the Raft host of node " + nodeId + " stopped after a failure: " + cause, cause);
  }
}
