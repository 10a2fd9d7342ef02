package io.rangedb.raft;

import io.rangedb.raft.ProposalDroppedException.Reason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The Raft state machine of one replica: no threads, no I/O, no clock. Inputs are {@link #tick()},
 * {@link #step(Message)} and the local requests; outputs accumulate in {@link #msgs}, {@link
 * #msgsAfterPersist}, {@link #readStates} and the log, and {@link RawNode} hands them out as a
 * {@link Ready}.
 *
 * <p>Invariants worth keeping in mind while reading:
 *
 * <ul>
 *   <li>Only voters are ever counted (votes, commit, activity, lease); learners never.
 *   <li>The leader counts its own log only up to what the host reported durable ({@link
 *       #onPersisted}), so its APPs may leave before its own fsync.
 *   <li>An entry is committed by counting replicas only if it is of the leader's current term.
 *   <li>With check-quorum, a follower that heard from a leader within the election timeout refuses
 *       to vote (except for a leadership transfer), and so does a replica that started less than an
 *       election timeout ago: that refusal is what leader leases rest on.
 * </ul>
 */
final class Raft {
  private static final System.Logger LOG = System.getLogger(Raft.class.getName());

  enum CampaignType {
    PRE_ELECTION,
    ELECTION,
    TRANSFER
  }

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

  /** A TIMEOUT_NOW left this term: the lease cannot be trusted any more. */
  boolean sentTimeoutNow;

  /** A commit index held back from followers (see {@link #broadcastCommit}). */
  boolean commitBroadcastPending;

  /** Payload bytes this leader appended that are not applied yet (proposal backpressure). */
  long uncommittedBytes;

  /** Committed membership changes found invalid when applied (a bug if ever non-zero). */
  long ignoredConfChanges;

  /** Index of the latest membership change proposed; one at a time. */
  long pendingConfIndex;

  private final ReadIndexQueue readOnly = new ReadIndexQueue();

  /** Read requests that arrived before the leader committed an entry of its own term. */
  private final List<Message> pendingReadIndex = new ArrayList<>();

  Raft(RaftConfig cfg, LogStorage storage, RandomGenerator rng) {
    this.id = cfg.id();
    this.cfg = cfg;
    this.rng = rng;
    this.log = new RaftLog(storage, cfg.maxCommittedSizePerReady());
    Membership m = Membership.of(storage.confState());
    this.tracker = new ProgressTracker(m, cfg.maxInflightMsgs());
    tracker.setConfig(m, log.lastIndex() + 1);
    HardState hs = storage.hardState();
    if (!hs.isEmpty()) {
      term = hs.term();
      vote = hs.vote();
      log.commitTo(hs.commit());
    }
    long applied = cfg.applied() > 0 ? cfg.applied() : storage.snapshot().index();
    if (applied > log.committed) {
      throw new IllegalStateException("applied " + applied + " beyond commit " + log.committed);
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

  private void send(Message.Builder b) {
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
    uncommittedBytes = 0;
    readOnly.clear();
    pendingReadIndex.clear();
    commitBroadcastPending = false;
  }

  void becomeFollower(long newTerm, long leader) {
    reset(newTerm);
    lead = leader;
    role = Role.FOLLOWER;
  }

  private void becomePreCandidate() {
    // Does not touch term or vote: a pre-vote campaign must leave no trace if it fails.
    role = Role.PRE_CANDIDATE;
    lead = 0;
    tracker.resetVotes();
  }

  private void becomeCandidate() {
    reset(term + 1);
    vote = id;
    role = Role.CANDIDATE;
  }

  private void becomeLeader() {
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
    appendEntries(List.of(new Entry(0, 0, EntryType.NORMAL, null)));
    bcastAppend();
    LOG.log(System.Logger.Level.DEBUG, "{0} became leader at term {1}", id, term);
  }

  // ---------------------------------------------------------------- ticks

  void tick() {
    ticks++;
    if (role == Role.LEADER) {
      tickHeartbeat();
    } else {
      tickElection();
    }
  }

  private void tickElection() {
    electionElapsed++;
    if (promotable() && electionElapsed >= randomizedElectionTimeout) {
      electionElapsed = 0;
      campaign(cfg.preVote() ? CampaignType.PRE_ELECTION : CampaignType.ELECTION);
    }
  }

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
      bcastHeartbeat(readOnly.lastContext());
    }
    handOffIfRemoved();
    if (tracker.config.isJoint()
        && tracker.config.autoLeave
        && !tracker.config.incoming.contains(id)
        && log.applied >= pendingConfIndex) {
      handOff(); // retry a hand-off that timed out
    }
  }

  /**
   * A leader that is not a voter of the incoming configuration (removed, or only in the outgoing
   * half of a joint one) transfers leadership to the most caught-up incoming voter, and takes no
   * proposals meanwhile: the less it appends after its own removal, the less its log can outgrow
   * those of the members who still need its vote.
   */
  private void handOffIfRemoved() {
    if (role == Role.LEADER && !tracker.config.incoming.contains(id)) {
      handOff();
    }
  }

  /** Transfers leadership to the most caught-up voter of the incoming configuration. */
  private void handOff() {
    if (role != Role.LEADER || leadTransferee != 0) {
      return;
    }
    long best = 0;
    long bestMatch = -1;
    for (Long v : tracker.config.incoming) {
      if (v == id) {
        continue;
      }
      Progress p = tracker.progress.get(v);
      if (p != null && p.match > bestMatch) {
        best = v;
        bestMatch = p.match;
      }
    }
    if (best != 0) {
      transferLeadership(best);
    }
  }

  // ---------------------------------------------------------------- elections

  void campaign(CampaignType type) {
    if (!promotable()) {
      return;
    }
    if (hasUnappliedConfChanges()) {
      // We may be about to learn that we are no longer a voter; do not disturb the group.
      return;
    }
    long voteTerm;
    MessageType voteType;
    if (type == CampaignType.PRE_ELECTION) {
      becomePreCandidate();
      voteTerm = term + 1;
      voteType = MessageType.PRE_VOTE;
    } else {
      becomeCandidate();
      voteTerm = term;
      voteType = MessageType.VOTE;
    }
    tracker.recordVote(id, true);
    if (tracker.tally() == VoteResult.WON) {
      // A group of one wins at once.
      if (type == CampaignType.PRE_ELECTION) {
        campaign(CampaignType.ELECTION);
      } else {
        becomeLeader();
      }
      return;
    }
    for (Long voter : tracker.config.allVoters()) {
      if (voter == id) {
        continue;
      }
      send(
          Message.builder(voteType)
              .to(voter)
              .term(voteTerm)
              .index(log.lastIndex())
              .logTerm(log.lastTerm())
              .context(type == CampaignType.TRANSFER ? Message.CAMPAIGN_TRANSFER : null));
    }
  }

  private boolean hasUnappliedConfChanges() {
    if (log.committed <= log.applied) {
      return false;
    }
    for (Entry e : log.slice(log.applied + 1, log.committed + 1, Long.MAX_VALUE)) {
      if (e.type() == EntryType.CONF_CHANGE) {
        return true;
      }
    }
    return false;
  }

  /** Whether we promised a live leader not to vote (check-quorum), or just started. */
  private boolean inLease() {
    if (!cfg.checkQuorum()) {
      return false;
    }
    if (cfg.readOnlyOption() == ReadOnlyOption.LEASE_BASED && ticks < cfg.electionTicks()) {
      // After a restart we do not know whose lease we may have backed: wait one timeout. Only
      // leases need this; plain Raft may vote at once.
      return true;
    }
    return lead != 0 && electionElapsed < cfg.electionTicks();
  }

  // ---------------------------------------------------------------- step

  void step(Message m) {
    if (m.term() == 0) {
      // A forwarded request (PROP, READ_INDEX, TRANSFER_LEADER): not bound to a term.
    } else if (m.term() > term) {
      if (m.type() == MessageType.VOTE || m.type() == MessageType.PRE_VOTE) {
        if (!m.isTransferCampaign() && inLease()) {
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
        becomeFollower(m.term(), 0);
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
      case VOTE, PRE_VOTE -> handleVoteRequest(m);
      default -> {
        switch (role) {
          case LEADER -> stepLeader(m);
          case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
          case FOLLOWER -> stepFollower(m);
        }
      }
    }
  }

  private void handleVoteRequest(Message m) {
    boolean canVote =
        vote == m.from()
            || (vote == 0 && lead == 0)
            || (m.type() == MessageType.PRE_VOTE && m.term() > term);
    MessageType resp =
        m.type() == MessageType.VOTE ? MessageType.VOTE_RESP : MessageType.PRE_VOTE_RESP;
    if (canVote && log.isUpToDate(m.index(), m.logTerm())) {
      send(Message.builder(resp).to(m.from()).term(m.term()));
      if (m.type() == MessageType.VOTE) {
        electionElapsed = 0;
        vote = m.from();
      }
    } else {
      send(Message.builder(resp).to(m.from()).term(term).reject(true));
    }
  }

  private void stepLeader(Message m) {
    switch (m.type()) {
      case PROP -> {
        if (leadTransferee != 0) {
          return;
        }
        for (Entry e : m.entries()) {
          if (e.type() == EntryType.CONF_CHANGE && confChangeRefusal(e.data()) != null) {
            return;
          }
        }
        if (!admitUncommitted(m.entries())) {
          return;
        }
        if (!m.entries().isEmpty()) {
          appendAndBroadcast(m.entries());
        }
      }
      case READ_INDEX -> handleReadIndex(m.from(), m.context());
      case TRANSFER_LEADER -> transferLeadership(m.index());
      case APP_RESP -> handleAppendResponse(m);
      case HEARTBEAT_RESP -> handleHeartbeatResponse(m);
      default -> {}
    }
  }

  private void stepCandidate(Message m) {
    MessageType myResp =
        role == Role.PRE_CANDIDATE ? MessageType.PRE_VOTE_RESP : MessageType.VOTE_RESP;
    switch (m.type()) {
      case APP -> {
        becomeFollower(m.term(), m.from());
        handleAppend(m);
      }
      case HEARTBEAT -> {
        becomeFollower(m.term(), m.from());
        handleHeartbeat(m);
      }
      case SNAP -> {
        becomeFollower(m.term(), m.from());
        handleSnapshot(m);
      }
      case VOTE_RESP, PRE_VOTE_RESP -> {
        if (m.type() != myResp) {
          return;
        }
        tracker.recordVote(m.from(), !m.reject());
        switch (tracker.tally()) {
          case WON -> {
            if (role == Role.PRE_CANDIDATE) {
              campaign(CampaignType.ELECTION);
            } else {
              becomeLeader();
            }
          }
          case LOST -> becomeFollower(term, 0);
          case PENDING -> {}
        }
      }
      default -> {}
    }
  }

  private void stepFollower(Message m) {
    switch (m.type()) {
      case APP -> {
        electionElapsed = 0;
        lead = m.from();
        handleAppend(m);
      }
      case HEARTBEAT -> {
        electionElapsed = 0;
        lead = m.from();
        handleHeartbeat(m);
      }
      case SNAP -> {
        electionElapsed = 0;
        lead = m.from();
        handleSnapshot(m);
      }
      case TIMEOUT_NOW -> campaign(CampaignType.TRANSFER);
      case READ_INDEX_RESP -> readStates.add(new ReadState(m.index(), m.context()));
      default -> {}
    }
  }

  // ---------------------------------------------------------------- follower side

  private void handleAppend(Message m) {
    if (m.index() < log.committed) {
      send(Message.builder(MessageType.APP_RESP).to(m.from()).index(log.committed));
      return;
    }
    long lastNew = log.maybeAppend(m.index(), m.logTerm(), m.commit(), m.entries());
    if (lastNew >= 0) {
      send(Message.builder(MessageType.APP_RESP).to(m.from()).index(lastNew));
      return;
    }
    // Fast back-off: tell the leader where our log may match, with the term there, so it can skip
    // a whole term of entries per round trip instead of one entry.
    long[] hint = log.findConflictByTerm(Math.min(m.index(), log.lastIndex()), m.logTerm());
    send(
        Message.builder(MessageType.APP_RESP)
            .to(m.from())
            .index(m.index())
            .reject(true)
            .rejectHint(hint[0])
            .logTerm(hint[1]));
  }

  private void handleHeartbeat(Message m) {
    log.commitTo(m.commit());
    if (m.isQuiesce()) {
      return; // the leader stops listening once it quiesces: an answer would be wasted
    }
    send(
        Message.builder(MessageType.HEARTBEAT_RESP)
            .to(m.from())
            .index(m.index())
            .context(m.context()));
  }

  private void handleSnapshot(Message m) {
    Snapshot s = m.snapshot();
    if (restore(s)) {
      send(Message.builder(MessageType.APP_RESP).to(m.from()).index(log.lastIndex()));
    } else {
      send(Message.builder(MessageType.APP_RESP).to(m.from()).index(log.committed));
    }
  }

  private boolean restore(Snapshot s) {
    if (s.index() <= log.committed) {
      return false;
    }
    if (log.applying > log.applied) {
      // The host is still applying entries we handed out; their membership changes must apply to
      // the configuration they were committed in, not to the snapshot's. The leader retries.
      return false;
    }
    if (log.matchTerm(s.index(), s.term())) {
      // We already have the entries: just learn that they are committed.
      log.commitTo(s.index());
      return false;
    }
    log.restore(s);
    switchToConfig(Membership.of(s.conf()));
    return true;
  }

  // ---------------------------------------------------------------- leader side

  private long appendEntries(List<Entry> ents) {
    long li = log.lastIndex();
    List<Entry> stamped = new ArrayList<>(ents.size());
    for (Entry e : ents) {
      stamped.add(new Entry(term, ++li, e.type(), e.data()));
    }
    log.append(stamped);
    return li;
  }

  private long appendAndBroadcast(List<Entry> ents) {
    long last = appendEntries(ents);
    for (Entry e : ents) {
      if (e.type() == EntryType.CONF_CHANGE) {
        pendingConfIndex = last; // conservative: the batch's last index
      }
    }
    bcastAppend();
    return last;
  }

  /** Called by the host through advance: entries up to (index, term) are durable. */
  void onPersisted(long index, long entryTerm) {
    log.unstable.stableTo(index, entryTerm);
    if (role == Role.LEADER && log.matchTerm(index, entryTerm)) {
      Progress self = tracker.progress.get(id);
      if (self != null && self.maybeUpdate(index) && maybeCommit()) {
        broadcastCommit();
      }
    }
  }

  private boolean maybeCommit() {
    boolean moved = log.maybeCommit(tracker.committedIndex(), term);
    if (moved && !pendingReadIndex.isEmpty() && committedEntryInCurrentTerm()) {
      List<Message> waiting = new ArrayList<>(pendingReadIndex);
      pendingReadIndex.clear();
      for (Message r : waiting) {
        handleReadIndex(r.from(), r.context());
      }
    }
    return moved;
  }

  private boolean committedEntryInCurrentTerm() {
    return log.term(log.committed) == term;
  }

  /**
   * Tells followers that the commit index moved. With {@link RaftConfig#deferCommitBroadcast()},
   * only followers with entries still to receive get an append now (it carries the commit); the
   * others wait for {@link #flushCommit} or the quiesce heartbeat, which saves a round of empty
   * appends and their acknowledgements on every commit that leaves the group idle.
   */
  private void broadcastCommit() {
    if (!cfg.deferCommitBroadcast()) {
      bcastAppend();
      return;
    }
    for (Long pid : tracker.progress.keySet()) {
      if (pid != id) {
        maybeSendAppend(pid, false);
      }
    }
    commitBroadcastPending = true;
  }

  /**
   * Sends the commit index held back by {@link #broadcastCommit} once no live follower still owes
   * an acknowledgement (while one does, its ack may make the group quiesce, and the quiesce
   * heartbeat carries the commit). Heartbeats carry it too, so holding it back delays followers'
   * apply by at most a heartbeat interval and never affects safety.
   */
  void flushCommit(java.util.function.LongPredicate down) {
    if (!commitBroadcastPending) {
      return;
    }
    if (role != Role.LEADER) {
      commitBroadcastPending = false;
      return;
    }
    long last = log.lastIndex();
    for (Map.Entry<Long, Progress> e : tracker.progress.entrySet()) {
      if (e.getKey() != id && e.getValue().match < last && !down.test(e.getKey())) {
        return;
      }
    }
    commitBroadcastPending = false;
    bcastAppend();
  }

  private void bcastAppend() {
    for (Long pid : tracker.progress.keySet()) {
      if (pid != id) {
        maybeSendAppend(pid, true);
      }
    }
  }

  private void bcastHeartbeat(byte[] context) {
    for (Map.Entry<Long, Progress> e : tracker.progress.entrySet()) {
      long pid = e.getKey();
      if (pid == id) {
        continue;
      }
      // Never tell a follower to commit beyond what it is known to have.
      long commit = Math.min(e.getValue().match, log.committed);
      send(
          Message.builder(MessageType.HEARTBEAT)
              .to(pid)
              .commit(commit)
              .index(ticks)
              .context(context));
    }
  }

  private boolean maybeSendAppend(long to, boolean sendIfEmpty) {
    Progress pr = tracker.progress.get(to);
    if (pr == null || pr.isPaused()) {
      return false;
    }
    if (pr.next > log.lastIndex() + 1) {
      pr.next = log.lastIndex() + 1;
    }
    long prevIndex = pr.next - 1;
    long prevTerm;
    List<Entry> ents;
    try {
      prevTerm = log.term(prevIndex);
      ents = log.entriesFrom(pr.next, cfg.maxSizePerMsg());
    } catch (LogCompactedException e) {
      return sendSnapshot(to, pr);
    }
    if (ents.isEmpty() && !sendIfEmpty) {
      return false;
    }
    send(
        Message.builder(MessageType.APP)
            .to(to)
            .index(prevIndex)
            .logTerm(prevTerm)
            .entries(ents)
            .commit(log.committed));
    pr.sentEntries(ents.size(), ents.isEmpty() ? prevIndex : ents.get(ents.size() - 1).index());
    return true;
  }

  private boolean sendSnapshot(long to, Progress pr) {
    if (!pr.recentActive) {
      return false; // do not ship a snapshot to a member that may be down
    }
    Snapshot s;
    try {
      s = log.snapshot();
    } catch (SnapshotUnavailableException e) {
      return false;
    }
    send(Message.builder(MessageType.SNAP).to(to).snapshot(s));
    pr.becomeSnapshot(s.index());
    return true;
  }

  private void handleAppendResponse(Message m) {
    Progress pr = tracker.progress.get(m.from());
    if (pr == null) {
      return;
    }
    pr.recentActive = true;
    if (m.reject()) {
      long nextProbe = m.rejectHint();
      if (m.logTerm() > 0) {
        nextProbe = log.findConflictByTerm(m.rejectHint(), m.logTerm())[0];
      }
      if (pr.maybeDecrTo(m.index(), nextProbe)) {
        if (pr.state == ProgressState.REPLICATE) {
          pr.becomeProbe();
        }
        maybeSendAppend(m.from(), true);
      }
      return;
    }
    boolean probeMatched = pr.state == ProgressState.PROBE && pr.match == m.index();
    if (!pr.maybeUpdate(m.index()) && !probeMatched) {
      if (pr.state == ProgressState.REPLICATE) {
        pr.inflights.freeLE(m.index());
      }
      return;
    }
    switch (pr.state) {
      case PROBE -> pr.becomeReplicate();
      case SNAPSHOT -> {
        if (pr.match >= pr.pendingSnapshot) {
          pr.becomeProbe();
          pr.becomeReplicate();
        }
      }
      case REPLICATE -> pr.inflights.freeLE(m.index());
    }
    if (maybeCommit()) {
      broadcastCommit();
    }
    while (maybeSendAppend(m.from(), false)) {
      // fill the window
    }
    if (m.from() == leadTransferee && pr.match == log.lastIndex()) {
      sendTimeoutNow(m.from());
    }
  }

  private void handleHeartbeatResponse(Message m) {
    Progress pr = tracker.progress.get(m.from());
    if (pr == null) {
      return;
    }
    pr.recentActive = true;
    pr.probeSent = false;
    pr.ackedTick = Math.max(pr.ackedTick, m.index());
    if (pr.state == ProgressState.REPLICATE && pr.inflights.full()) {
      // Free one slot so a lost APP cannot stall the stream forever.
      pr.inflights.freeLE(pr.match + 1);
      if (pr.inflights.full()) {
        pr.becomeProbe();
      }
    }
    if (pr.match < log.lastIndex()) {
      maybeSendAppend(m.from(), true);
    }
    if (m.context().length == 0) {
      return;
    }
    Set<Long> acks = readOnly.ack(m.from(), m.context());
    if (acks == null) {
      return;
    }
    Map<Long, Boolean> votes = new HashMap<>();
    acks.forEach(a -> votes.put(a, true));
    if (Quorum.jointVote(tracker.config.incoming, tracker.config.outgoing, votes)
        == VoteResult.WON) {
      for (ReadIndexQueue.Pending p : readOnly.releaseThrough(m.context())) {
        respondReadIndex(p.from(), p.context(), p.index());
      }
    }
  }

  // ---------------------------------------------------------------- reads

  private void handleReadIndex(long from, byte[] context) {
    Membership c = tracker.config;
    if (c.incoming.size() == 1 && c.incoming.contains(id) && !c.isJoint()) {
      respondReadIndex(from, context, log.committed);
      return;
    }
    if (!committedEntryInCurrentTerm()) {
      // Our commit index may lag the previous leader's until our no-op commits.
      pendingReadIndex.add(
          Message.builder(MessageType.READ_INDEX).from(from).context(context).build());
      return;
    }
    if (cfg.readOnlyOption() == ReadOnlyOption.LEASE_BASED && leaseValid()) {
      respondReadIndex(from, context, log.committed);
      return;
    }
    readOnly.add(log.committed, from, context);
    readOnly.ack(id, context);
    bcastHeartbeat(context);
  }

  /**
   * The lease: a quorum acknowledged a heartbeat sent at leader tick T, and each of them refuses to
   * vote for electionTicks of its own ticks after receiving it, so no other leader can exist before
   * T + electionTicks - maxClockDrift on our clock. A transfer voids it (forced campaigns ignore
   * followers' refusal).
   */
  boolean leaseValid() {
    if (role != Role.LEADER || !cfg.checkQuorum() || leadTransferee != 0 || sentTimeoutNow) {
      return false;
    }
    long start = tracker.quorumAckedTick();
    return start != Long.MIN_VALUE
        && start + cfg.electionTicks() - cfg.maxClockDriftTicks() > ticks;
  }

  private void respondReadIndex(long from, byte[] context, long index) {
    if (from == id) {
      readStates.add(new ReadState(index, context));
    } else {
      send(Message.builder(MessageType.READ_INDEX_RESP).to(from).index(index).context(context));
    }
  }

  // ---------------------------------------------------------------- local requests

  long propose(List<Entry> ents) {
    if (role == Role.LEADER) {
      if (leadTransferee != 0 || !tracker.config.incoming.contains(id)) {
        throw new ProposalDroppedException(
            Reason.LEADER_TRANSFERRING, leadTransferee, "to " + leadTransferee);
      }
      for (Entry e : ents) {
        if (e.type() == EntryType.CONF_CHANGE) {
          Reason r = confChangeRefusal(e.data());
          if (r != null) {
            throw new ProposalDroppedException(r, lead, "");
          }
        }
      }
      if (!admitUncommitted(ents)) {
        throw new ProposalDroppedException(
            Reason.BACKLOG, lead, uncommittedBytes + " bytes not yet committed");
      }
      return appendAndBroadcast(ents);
    }
    if (lead == 0) {
      throw new ProposalDroppedException(Reason.NO_LEADER, 0, "");
    }
    if (!cfg.forwardProposals()) {
      throw new ProposalDroppedException(Reason.NOT_LEADER, lead, "");
    }
    send(Message.builder(MessageType.PROP).to(lead).entries(ents));
    return 0;
  }

  /**
   * Counts proposed bytes against the cap; refuses once the cap is reached (but always admits
   * something when nothing is outstanding, so one large command cannot block forever).
   */
  private boolean admitUncommitted(List<Entry> ents) {
    long size = 0;
    for (Entry e : ents) {
      size += e.data().length;
    }
    if (uncommittedBytes > 0 && uncommittedBytes + size > cfg.maxUncommittedBytes()) {
      return false;
    }
    uncommittedBytes += size;
    return true;
  }

  /** Applied entries no longer count as uncommitted (older terms' entries just clamp at 0). */
  void reduceUncommitted(List<Entry> applied) {
    if (uncommittedBytes == 0) {
      return;
    }
    for (Entry e : applied) {
      uncommittedBytes = Math.max(0, uncommittedBytes - e.data().length);
    }
  }

  /** Why the leader refuses a membership change now, or null if it accepts it. */
  private Reason confChangeRefusal(byte[] data) {
    if (pendingConfIndex > log.applied) {
      return Reason.CONF_CHANGE_PENDING;
    }
    try {
      ConfChange cc = ConfChange.decode(data);
      Membership next = ConfChanger.apply(tracker.config, cc);
      Membership last = next.isJoint() && next.autoLeave ? ConfChanger.leaveJoint(next) : next;
      if (!last.isVoter(id)) {
        // The leader never removes or demotes itself: a leader that is not a voter, if it then
        // fails, can leave the others unable to elect anybody (they may still need its vote in
        // the old configuration, and its longer log makes it refuse). Transfer leadership first.
        return Reason.CONF_CHANGE_INVALID;
      }
      return null;
    } catch (IllegalArgumentException e) {
      return Reason.CONF_CHANGE_INVALID;
    }
  }

  void readIndex(byte[] context) {
    if (role == Role.LEADER) {
      handleReadIndex(id, context);
      return;
    }
    if (lead == 0) {
      throw new ProposalDroppedException(Reason.NO_LEADER, 0, "read index");
    }
    send(Message.builder(MessageType.READ_INDEX).to(lead).context(context));
  }

  void transferLeadership(long target) {
    if (role != Role.LEADER) {
      if (lead != 0) {
        send(Message.builder(MessageType.TRANSFER_LEADER).to(lead).index(target));
      }
      return;
    }
    if (target == id || target == 0) {
      return;
    }
    Progress pr = tracker.progress.get(target);
    if (pr == null || !tracker.config.isVoter(target)) {
      return;
    }
    if (leadTransferee == target) {
      return;
    }
    electionElapsed = 0; // the transfer must finish within one election timeout
    leadTransferee = target;
    if (pr.match == log.lastIndex()) {
      sendTimeoutNow(target);
    } else {
      maybeSendAppend(target, true);
    }
  }

  private void sendTimeoutNow(long to) {
    sentTimeoutNow = true;
    send(Message.builder(MessageType.TIMEOUT_NOW).to(to));
  }

  void reportUnreachable(long node) {
    Progress pr = tracker.progress.get(node);
    if (role == Role.LEADER && pr != null && pr.state == ProgressState.REPLICATE) {
      pr.becomeProbe();
    }
  }

  void reportSnapshot(long node, boolean ok) {
    Progress pr = tracker.progress.get(node);
    if (role != Role.LEADER || pr == null || pr.state != ProgressState.SNAPSHOT) {
      return;
    }
    if (!ok) {
      pr.pendingSnapshot = 0;
    }
    pr.becomeProbe();
    // Wait for the next heartbeat response before probing, as after any probe.
    pr.probeSent = true;
  }

  // ---------------------------------------------------------------- quiescence

  /**
   * Whether this leader's group is fully caught up and idle, so the host may stop ticking it.
   * Members on nodes the host knows to be down do not hold it back (they wake the group when they
   * return).
   */
  boolean canQuiesce(java.util.function.LongPredicate down) {
    if (role != Role.LEADER
        || leadTransferee != 0
        || !readOnly.isEmpty()
        || !pendingReadIndex.isEmpty()
        || tracker.config.isJoint()
        || !msgs.isEmpty()
        || !msgsAfterPersist.isEmpty()
        || !log.unstable.entries.isEmpty()) {
      return false;
    }
    long last = log.lastIndex();
    if (log.committed != last || log.applied != last) {
      return false;
    }
    for (Map.Entry<Long, Progress> e : tracker.progress.entrySet()) {
      if (e.getValue().match != last && !down.test(e.getKey())) {
        return false;
      }
    }
    return true;
  }

  /** Tells followers the group goes idle, and gives up the lease (our clock will stand still). */
  void quiesce() {
    commitBroadcastPending = false; // the quiesce heartbeat carries the commit index
    for (Map.Entry<Long, Progress> e : tracker.progress.entrySet()) {
      e.getValue().ackedTick = Long.MIN_VALUE;
      if (e.getKey() != id) {
        send(
            Message.builder(MessageType.HEARTBEAT)
                .to(e.getKey())
                .commit(Math.min(e.getValue().match, log.committed))
                .index(ticks)
                .context(Message.QUIESCE));
      }
    }
  }

  // ---------------------------------------------------------------- membership

  ConfState applyConfChange(ConfChange cc) {
    Membership next;
    try {
      next = ConfChanger.apply(tracker.config, cc);
    } catch (IllegalArgumentException e) {
      // Every replica reaches the same verdict on the same committed entry: ignore it everywhere.
      LOG.log(System.Logger.Level.WARNING, "{0} ignores invalid conf change: {1}", id, e);
      ignoredConfChanges++;
      return tracker.config.toConfState();
    }
    switchToConfig(next);
    return next.toConfState();
  }

  private void switchToConfig(Membership next) {
    tracker.setConfig(next, log.lastIndex() + 1);
    if (role != Role.LEADER) {
      return;
    }
    if (!next.incoming.contains(id)) {
      // Removed, demoted, or on the way out (outgoing half only). Stepping down at once could
      // strand the group: the others may not know
      // yet that the change committed and may still need our vote, which our longer log would
      // refuse them. So keep leading (without counting ourselves) and hand leadership to the most
      // caught-up voter; a newer term then retires us.
      handOffIfRemoved();
    }
    if (leadTransferee != 0 && !next.isVoter(leadTransferee)) {
      leadTransferee = 0;
    }
    if (maybeCommit()) {
      broadcastCommit();
    } else {
      for (Long pid : tracker.progress.keySet()) {
        if (pid != id) {
          maybeSendAppend(pid, false);
        }
      }
    }
  }

  /** After the host applied entries: leave an automatic joint configuration once it is applied. */
  void afterApplied() {
    if (role == Role.LEADER
        && tracker.config.isJoint()
        && tracker.config.autoLeave
        && log.applied >= pendingConfIndex) {
      if (!tracker.config.incoming.contains(id)) {
        // Leaving would remove us: let a voter of the new configuration lead and leave.
        handOff();
        return;
      }
      Entry leave = new Entry(0, 0, EntryType.CONF_CHANGE, ConfChange.leaveJoint().encode());
      appendAndBroadcast(List.of(leave));
    }
  }
}
