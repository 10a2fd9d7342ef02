package io.rangedb.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The Raft state machine of one replica: no threads, no I/O, no clock. Inputs are {@link #tick()},
 * {@link #step(Message)} and the local requests; outputs accumulate in {@link #msgs}, {@link
 * #msgsAfterPersist}, {@link #readStates} and the log, and {@link RawNode} hands them out as a
 * {@link Ready}.
 *
 * <p>This class holds the state every part of the protocol reads (term, vote, leader, role, log,
 * progress tracker, timers, the outgoing message lists), the role transitions that reset it, and
 * the dispatch of ticks and messages by term and role. The protocol itself lives in one
 * collaborator per concern, each holding a reference to this replica rather than a copy of its
 * state, and keeping only the state no other part touches:
 *
 * <ul>
 *   <li>{@link Election}: the election timer, campaigns (pre-vote, transfer), votes;
 *   <li>{@link Follower}: receiving appends, heartbeats and snapshots;
 *   <li>{@link LeaderCommit}: the leader's own appends and the commit index;
 *   <li>{@link LeaderReplication}: appends, snapshots and heartbeats to followers, their acks;
 *   <li>{@link LinearizableReads}: ReadIndex and the lease;
 *   <li>{@link Proposals}: local and forwarded proposals, admission and backpressure;
 *   <li>{@link LeadershipTransfer}: transfers and the hand-off of a removed leader;
 *   <li>{@link MembershipChanges}: applying configuration changes;
 *   <li>{@link Quiescence}: letting an idle group stop ticking.
 * </ul>
 *
 * <p>Invariants worth keeping in mind while reading:
 *
 * <ul>
 *   <li>Only voters are ever counted (votes, commit, activity, lease); learners never.
 *   <li>The leader counts its own log only up to what the host reported durable ({@link
 *       LeaderCommit#onPersisted}), so its APPs may leave before its own fsync.
 *   <li>An entry is committed by counting replicas only if it is of the leader's current term.
 *   <li>With check-quorum, a follower that heard from a leader within the election timeout refuses
 *       to vote (except for a leadership transfer), and so does a replica that started less than an
 *       election timeout ago: that refusal is what leader leases rest on.
 * </ul>
 */
final class Raft {
  private static final System.Logger LOG = System.getLogger(Raft.class.getName());

  final long id;
  final RaftConfig cfg;
  private final RandomGenerator rng;

  long term;
  long vote;
  long lead;
  Role role = Role.FOLLOWER;
  final RaftLog log;
  final ProgressTracker tracker;

  final List<Message> msgs = new ArrayList<>();
  final List<Message> msgsAfterPersist = new ArrayList<>();
  final List<ReadState> readStates = new ArrayList<>();

  int electionElapsed;
  int heartbeatElapsed;
  int randomizedElectionTimeout;

  /** Ticks since this replica started: the clock of the lease, local to this replica. */
  long ticks;

  long leadTransferee;

  /**
   * Our tick when we last took a message from a leader. Unlike {@link #lead} and {@link
   * #electionElapsed} it survives term changes: a follower that backed a leader's lease and then
   * learns a newer term from anyone (a stale rejection of its own pre-vote will do) must still
   * refuse votes until that lease has run out.
   */
  long leaderHeardTick = Long.MIN_VALUE;

  /**
   * Ticks already due by the host's clock that this replica has not been given yet (see {@link
   * RawNode#ticksOverdue}): the lease and a follower's promise count them as passed.
   */
  java.util.function.LongSupplier ticksOverdue = () -> 0;

  /** A TIMEOUT_NOW left this term: the lease cannot be trusted any more. */
  boolean sentTimeoutNow;

  /** Index of the latest membership change proposed; one at a time. */
  long pendingConfIndex;

  final Election election;
  final Follower follower;
  final LeaderCommit commit;
  final LeaderReplication replication;
  final LinearizableReads reads;
  final Proposals proposals;
  final LeadershipTransfer transfer;
  final MembershipChanges membership;
  final Quiescence quiescence;

  Raft(RaftConfig cfg, LogStorage storage, RandomGenerator rng) {
    this.id = cfg.id();
    this.cfg = cfg;
    this.rng = rng;
    this.log = new RaftLog(storage, cfg.maxCommittedSizePerReady());
    Membership m = Membership.of(storage.confState());
    this.tracker = new ProgressTracker(m, cfg.maxInflightMsgs());
    this.election = new Election(this);
    this.follower = new Follower(this);
    this.commit = new LeaderCommit(this);
    this.replication = new LeaderReplication(this);
    this.reads = new LinearizableReads(this);
    this.proposals = new Proposals(this);
    this.transfer = new LeadershipTransfer(this);
    this.membership = new MembershipChanges(this);
    this.quiescence = new Quiescence(this);
    tracker.setConfig(m, log.lastIndex() + 1);
    HardState hs = storage.hardState();
    if (!hs.isEmpty()) {
      term = hs.term();
      vote = hs.vote();
      log.commitTo(hs.commit());
    }
    long snapshotIndex = storage.snapshot().index();
    if (cfg.applied() > 0 && cfg.applied() < snapshotIndex) {
      // Entries up to the snapshot would be handed out again, or skipped, and its membership
      // would take changes it already holds a second time.
      throw new IllegalStateException(
          "replica "
              + id
              + ": its state machine has applied through index "
              + cfg.applied()
              + ", behind the log's snapshot at "
              + snapshotIndex
              + ": restore the state machine from that snapshot first");
    }
    long applied = cfg.applied() > 0 ? cfg.applied() : snapshotIndex;
    // What was applied was committed, and the stored commit index may be older
    // (LogStorage#hardState). An applied index beyond the log fails: the state machine is ahead
    // of its own log.
    log.commitTo(applied);
    // The membership above is the snapshot's. A state machine that resumes past it applied the
    // changes in between, which the host will not hand out again: take them from the log.
    for (Entry e : log.paged(snapshotIndex + 1, applied + 1)) {
      if (e.type() == EntryType.CONF_CHANGE) {
        membership.applyConfChange(ConfChange.decode(e.data()));
      }
    }
    log.appliedTo(applied);
    becomeFollower(term, 0);
  }

  HardState hardState() {
    return new HardState(term, vote, log.committed);
  }

  SoftState softState() {
    return new SoftState(lead, role);
  }

  /** Whether this replica may campaign: a voter of the current configuration. */
  boolean promotable() {
    return tracker.config.isVoter(id) && !log.hasPendingSnapshot();
  }

  // ---------------------------------------------------------------- sending

  void send(Message.Builder b) {
    b.from(id);
    MessageType t = b.type();
    boolean keepsTerm =
        t == MessageType.VOTE
            || t == MessageType.PRE_VOTE
            || t == MessageType.VOTE_RESP
            || t == MessageType.PRE_VOTE_RESP;
    boolean termless =
        t == MessageType.PROP || t == MessageType.READ_INDEX || t == MessageType.TRANSFER_LEADER;
    if (!keepsTerm) {
      b.term(termless ? 0 : term);
    }
    Message m = b.build();
    if (t.mayPrecedePersistence()) {
      msgs.add(m);
    } else {
      msgsAfterPersist.add(m);
    }
  }

  /**
   * The messages that may carry no term: requests forwarded to a leader, which are not bound to
   * one, and a pre-vote refusal from a replica that never saw a term (it answers with its own). Any
   * other message of term 0 would skip the term checks: a heartbeat would make its sender the
   * leader and commit what it says, an append would take a candidate's term back.
   */
  private static boolean mayComeWithoutTerm(MessageType t) {
    return t == MessageType.PROP
        || t == MessageType.READ_INDEX
        || t == MessageType.TRANSFER_LEADER
        || t == MessageType.PRE_VOTE_RESP;
  }

  // ---------------------------------------------------------------- role changes

  private void reset(long newTerm) {
    if (term != newTerm) {
      term = newTerm;
      vote = 0;
    }
    lead = 0;
    electionElapsed = 0;
    heartbeatElapsed = 0;
    randomizedElectionTimeout = cfg.electionTicks() + rng.nextInt(cfg.electionTicks());
    leadTransferee = 0;
    sentTimeoutNow = false;
    tracker.resetVotes();
    tracker.resetAll(log.lastIndex() + 1);
    pendingConfIndex = 0;
    proposals.reset();
    reads.reset();
    commit.reset();
  }

  void becomeFollower(long newTerm, long leader) {
    tracker.setConfigInLog(null, 0); // only candidates and leaders count quorums
    reset(newTerm);
    lead = leader;
    role = Role.FOLLOWER;
  }

  void becomePreCandidate() {
    // Does not touch term or vote: a pre-vote campaign must leave no trace if it fails.
    role = Role.PRE_CANDIDATE;
    lead = 0;
    tracker.resetVotes();
  }

  void becomeCandidate() {
    reset(term + 1);
    vote = id;
    role = Role.CANDIDATE;
  }

  void becomeLeader() {
    reset(term);
    lead = id;
    role = Role.LEADER;
    Progress self = tracker.progress.get(id);
    self.becomeReplicate();
    // Only what is durable counts for ourselves; unstable entries join via onPersisted.
    self.match = log.hasPendingSnapshot() ? 0 : log.unstable.offset - 1;
    self.next = log.lastIndex() + 1;
    self.recentActive = true;
    self.ackedTick = ticks;
    // Conservatively assume a membership change may be pending until our no-op is applied.
    pendingConfIndex = log.lastIndex();
    commit.appendEntries(List.of(new Entry(0, 0, EntryType.NORMAL, null)));
    replication.bcastAppend();
    LOG.log(System.Logger.Level.DEBUG, "{0} became leader at term {1}", id, term);
  }

  // ---------------------------------------------------------------- ticks

  void tick() {
    ticks++;
    if (role == Role.LEADER) {
      tickHeartbeat();
    } else {
      election.tick();
    }
  }

  /**
   * The leader's tick: its own ack for the lease, check-quorum (which may depose it), expiry of a
   * transfer, heartbeats, hand-off. Kept here because it paces every leader-side collaborator.
   */
  private void tickHeartbeat() {
    heartbeatElapsed++;
    electionElapsed++;
    Progress self = tracker.progress.get(id);
    if (self != null) {
      self.ackedTick = ticks;
    }
    if (electionElapsed >= cfg.electionTicks()) {
      electionElapsed = 0;
      if (cfg.checkQuorum()) {
        if (self != null) {
          self.recentActive = true;
        }
        if (!tracker.quorumActive()) {
          LOG.log(System.Logger.Level.DEBUG, "{0} steps down: quorum inactive", id);
          becomeFollower(term, 0);
          return;
        }
        tracker.progress.forEach((pid, p) -> p.recentActive = pid == id);
      }
      if (leadTransferee != 0) {
        leadTransferee = 0; // the transfer did not finish within an election timeout
      }
    }
    if (heartbeatElapsed >= cfg.heartbeatTicks()) {
      heartbeatElapsed = 0;
      replication.bcastHeartbeat(reads.lastContext());
    }
    transfer.tick();
  }

  // ---------------------------------------------------------------- step

  void step(Message m) {
    if (m.term() == 0) {
      if (!mayComeWithoutTerm(m.type())) {
        return; // a leader's or a candidate's business without a term: a sender's bug, ignored
      }
      // A forwarded request (PROP, READ_INDEX, TRANSFER_LEADER): not bound to a term.
    } else if (m.term() > term) {
      if (m.type() == MessageType.VOTE || m.type() == MessageType.PRE_VOTE) {
        if (!m.isTransferCampaign() && election.inLease()) {
          return; // we heard from a leader recently: do not help depose it
        }
      }
      if (m.type() == MessageType.PRE_VOTE) {
        // A pre-vote never changes our term.
      } else if (m.type() == MessageType.PRE_VOTE_RESP && !m.reject()) {
        // A grant for our own pre-campaign's future term: the term moves only if we campaign.
      } else if (m.type() == MessageType.APP
          || m.type() == MessageType.HEARTBEAT
          || m.type() == MessageType.SNAP) {
        becomeFollower(m.term(), m.from());
      } else {
        // Only a leader's message or a granted vote restarts the election timer (the Raft paper's
        // rule, which etcd does not follow here). A candidate whose log is too stale to win still
        // moves everyone's term; if that also restarted their timers, the replicas that could win
        // would keep being held back by the ones that cannot.
        int elapsed = electionElapsed;
        becomeFollower(m.term(), 0);
        electionElapsed = elapsed;
      }
    } else if (m.term() < term) {
      if ((cfg.checkQuorum() || cfg.preVote())
          && (m.type() == MessageType.APP || m.type() == MessageType.HEARTBEAT)) {
        // A stale leader (e.g. back from a partition): tell it our term so it steps down.
        send(Message.builder(MessageType.APP_RESP).to(m.from()));
      } else if (m.type() == MessageType.PRE_VOTE) {
        send(Message.builder(MessageType.PRE_VOTE_RESP).to(m.from()).term(term).reject(true));
      } else if (m.type() == MessageType.VOTE) {
        // Refuse with our term (as the paper's RPC does), so a candidate that nobody else talks to
        // learns it is behind. Found by the simulation: such a candidate otherwise campaigns at a
        // stale term forever while the only voter it needs ignores it.
        send(Message.builder(MessageType.VOTE_RESP).to(m.from()).term(term).reject(true));
      }
      return;
    }

    switch (m.type()) {
      case VOTE, PRE_VOTE -> election.handleVoteRequest(m);
      default -> {
        switch (role) {
          case LEADER -> stepLeader(m);
          case CANDIDATE, PRE_CANDIDATE -> election.stepCandidate(m);
          case FOLLOWER -> follower.step(m);
        }
      }
    }
  }

  private void stepLeader(Message m) {
    switch (m.type()) {
      case PROP -> proposals.handleForwarded(m);
      case READ_INDEX -> reads.handleReadIndex(m.from(), m.context());
      case TRANSFER_LEADER -> transfer.transferLeadership(m.index());
      case APP_RESP -> replication.handleAppendResponse(m);
      case HEARTBEAT_RESP -> replication.handleHeartbeatResponse(m);
      default -> {}
    }
  }
}
