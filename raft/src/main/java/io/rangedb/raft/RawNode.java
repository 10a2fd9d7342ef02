package io.rangedb.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The public face of one replica's Raft state machine. Single-threaded: the caller serializes all
 * calls. Nothing here blocks, sleeps, reads a clock or does I/O; the host feeds it ticks and
 * messages and carries out each {@link Ready}.
 *
 * <p>Usage: call {@link #tick()} every tick and {@link #step(Message)} for each message received;
 * whenever {@link #hasReady()}, take {@link #ready()}, carry it out as its documentation says, then
 * {@link #advance(Ready)}. Steps and ticks may happen between {@code ready()} and {@code advance()}
 * (their effects come in the next Ready), but only one Ready is outstanding at a time.
 */
public final class RawNode {
  private final Raft raft;
  private SoftState prevSoft;
  private HardState prevHard;
  private Ready outstanding;

  /**
   * Starts (or restarts) a replica from what {@code storage} holds durably.
   *
   * @param rng the source of election-timeout jitter; seed it for reproducible runs
   */
  public RawNode(RaftConfig config, LogStorage storage, RandomGenerator rng) {
    this.raft = new Raft(config, storage, rng);
    this.prevSoft = raft.softState();
    this.prevHard = raft.hardState();
  }

  public void tick() {
    raft.tick();
  }

  /**
   * {@code ticks} ticks went by without reaching this replica (its host stopped ticking it while
   * the group was quiesced): its clock counts them now, so that what runs on real time, a
   * follower's promise not to vote against a leader's lease and a leader's own lease, runs out when
   * it would have had the replica been ticked all along. Timers are left where they stand ({@link
   * #leaderSilentFor} moves the election timer where the host knows why). Must come before anything
   * else the replica is given after the gap, and must not count more ticks than went by: a clock
   * ahead of real time would end a follower's promise early.
   */
  public void ticksMissed(long ticks) {
    if (ticks < 0) {
      throw new IllegalArgumentException("ticks missed: " + ticks);
    }
    raft.ticks += ticks;
  }

  /**
   * Tells a follower that its leader's node has not been heard from for {@code ticks} ticks (a host
   * learns this from watching nodes, which goes on while its groups are quiesced and not ticked):
   * its election timer then counts at least that many (up to one election timeout), so that a
   * quiesced group whose leader died elects another as soon as a group that kept ticking would,
   * instead of a whole election timeout after the host noticed. When the silence is a whole
   * timeout, one follower the others agree on campaigns two ticks later and the others hold back,
   * so that a new leader does not wait for the random part of a timeout. Does nothing on a replica
   * that is not a follower with a known leader, nor on one that may back a leader lease
   * (lease-based reads), which must wait the lease out in any case.
   *
   * @param group the group's id, the same on every replica: it spreads the groups a silent node led
   *     over the nodes left
   */
  public void leaderSilentFor(int ticks, long group) {
    raft.election.leaderSilentFor(ticks, group);
  }

  /** Feeds a message received from another replica. */
  public void step(Message m) {
    if (m.to() != raft.id) {
      throw new IllegalArgumentException("message for " + m.to() + " stepped into " + raft.id);
    }
    raft.step(m);
  }

  /**
   * Proposes a command.
   *
   * @return the index it was appended at if this replica leads, or 0 if it was forwarded to the
   *     leader (the host learns the outcome when the command is applied, or never)
   * @throws ProposalDroppedException if it cannot commit through this replica now
   */
  public long propose(byte[] data) {
    return raft.proposals.propose(List.of(new Entry(0, 0, EntryType.NORMAL, data)));
  }

  /** Proposes a membership change; see {@link #propose}. One change may be in flight at a time. */
  public long proposeConfChange(ConfChange cc) {
    return raft.proposals.propose(List.of(new Entry(0, 0, EntryType.CONF_CHANGE, cc.encode())));
  }

  /**
   * Applies a committed membership change; the host calls it when it applies the entry, in log
   * order. Returns the configuration now in force (unchanged if the change was invalid, which every
   * replica then ignores alike).
   */
  public ConfState applyConfChange(ConfChange cc) {
    return raft.membership.applyConfChange(cc);
  }

  /**
   * Asks for a linearizable read point. The answer comes as a {@link ReadState} with the same
   * context in a later Ready; the read may be served once that index is applied.
   *
   * @param context unique id of the request
   * @throws ProposalDroppedException if no leader is known
   */
  public void readIndex(byte[] context) {
    raft.reads.readIndex(context);
  }

  /** Asks the leader to hand leadership to {@code target} (forwarded when not the leader). */
  public void transferLeadership(long target) {
    raft.transfer.transferLeadership(target);
  }

  /**
   * On a leader: moves leadership to the most caught-up voter not {@code excluded} (on a node known
   * to be down, say), bringing its log up to date first, unless a transfer is under way. Returns
   * the voter chosen, or 0 if none was.
   */
  public long handOffLeadership(java.util.function.LongPredicate excluded) {
    return raft.transfer.handOff(excluded);
  }

  /** Starts an election now (pre-vote first if enabled), as if the election timeout elapsed. */
  public void campaign() {
    if (raft.role == Role.LEADER) {
      return;
    }
    raft.election.campaign(
        raft.cfg.preVote() ? Election.CampaignType.PRE_ELECTION : Election.CampaignType.ELECTION);
  }

  /** The transport could not reach {@code node}: stop streaming to it optimistically. */
  public void reportUnreachable(long node) {
    raft.replication.reportUnreachable(node);
  }

  /** The transport finished (or failed) sending a snapshot to {@code node}. */
  public void reportSnapshot(long node, boolean delivered) {
    raft.replication.reportSnapshot(node, delivered);
  }

  /**
   * Whether this replica leads a fully replicated, applied and idle group, so that the host may
   * {@link #quiesce()} it and stop ticking it.
   */
  public boolean canQuiesce() {
    return canQuiesce(node -> false);
  }

  /** Like {@link #canQuiesce()}, ignoring members on nodes for which {@code down} is true. */
  public boolean canQuiesce(java.util.function.LongPredicate down) {
    return outstanding == null && raft.quiescence.canQuiesce(down);
  }

  /**
   * Sends the commit index that {@link RaftConfig#deferCommitBroadcast()} held back, unless a live
   * follower still owes an acknowledgement; a host calls it after each Ready of a group it did not
   * quiesce. Members on nodes for which {@code down} is true are not waited for.
   */
  public void flushCommit(java.util.function.LongPredicate down) {
    raft.commit.flushCommit(down);
  }

  /**
   * Sends the followers a last heartbeat marked {@link Message#QUIESCE} and drops the lease; the
   * host then stops ticking the group until a message, proposal or read arrives for it.
   */
  public void quiesce() {
    raft.quiescence.quiesce();
  }

  public boolean hasReady() {
    if (outstanding != null) {
      return false;
    }
    // Field by field rather than through softState() and hardState(): a host asks every group it
    // touches, more than once per cycle, and those build a record each time.
    return raft.lead != prevSoft.leader()
        || raft.role != prevSoft.role()
        || raft.term != prevHard.term()
        || raft.vote != prevHard.vote()
        || !raft.log.unstable.entries.isEmpty()
        || raft.log.unstable.snapshot != null
        || !raft.msgs.isEmpty()
        || !raft.msgsAfterPersist.isEmpty()
        || !raft.readStates.isEmpty()
        || raft.log.hasNextCommittedEnts();
  }

  /**
   * Whether the Ready that {@link #hasReady} announces would write anything ({@link
   * Ready#mustPersist()}): entries, a snapshot, a new term or vote. Lets a host that already wrote
   * in a cycle leave such a group for its next cycle without taking the Ready.
   */
  public boolean readyMustPersist() {
    return !raft.log.unstable.entries.isEmpty()
        || raft.log.unstable.snapshot != null
        || raft.term != prevHard.term()
        || raft.vote != prevHard.vote();
  }

  /** Takes what is to be done; see {@link Ready} for the order. */
  public Ready ready() {
    if (outstanding != null) {
      throw new IllegalStateException("advance the previous Ready first");
    }
    SoftState ss = raft.softState();
    HardState hs = raft.hardState();
    List<Entry> committed = raft.log.nextCommittedEnts();
    List<Entry> entries = List.copyOf(raft.log.unstable.entries);
    Snapshot snapshot = raft.log.unstable.snapshot;
    HardState toWrite = hardStateToWrite(hs);
    Ready rd =
        new Ready(
            ss.equals(prevSoft) ? null : ss,
            toWrite,
            entries,
            snapshot,
            committed,
            List.copyOf(raft.msgs),
            List.copyOf(raft.msgsAfterPersist),
            List.copyOf(raft.readStates));
    prevSoft = ss;
    if (toWrite != null) {
      prevHard = toWrite;
    }
    raft.msgs.clear();
    raft.msgsAfterPersist.clear();
    raft.readStates.clear();
    if (!committed.isEmpty()) {
      raft.log.acceptApplying(committed.get(committed.size() - 1).index());
    }
    outstanding = rd;
    return rd;
  }

  /**
   * The hard state a Ready must write: only a new term or vote, the promises a replica makes. A new
   * commit index is not worth a write of its own (at 1,000 busy groups those writes were half of
   * the host's log writes): a replica that restarts with an older one learns it again from the
   * leader, and whatever its state machine had applied counts as committed on restart. The stored
   * commit index is therefore a lower bound, refreshed whenever the term or vote changes. A
   * restarted replica may then hold membership changes it has not applied, which elections allow
   * for ({@link Election}'s configuration in the log).
   */
  private HardState hardStateToWrite(HardState hs) {
    return hs.term() != prevHard.term() || hs.vote() != prevHard.vote() ? hs : null;
  }

  /** The host carried out {@code rd}: its writes are durable and its entries applied. */
  public void advance(Ready rd) {
    if (rd != outstanding) {
      throw new IllegalStateException("advance of a Ready that is not outstanding");
    }
    outstanding = null;
    if (rd.snapshot() != null) {
      raft.log.unstable.stableSnapTo(rd.snapshot().index());
      raft.log.appliedTo(rd.snapshot().index());
    }
    if (!rd.entries().isEmpty()) {
      Entry last = rd.entries().get(rd.entries().size() - 1);
      raft.commit.onPersisted(last.index(), last.term());
    }
    if (!rd.committedEntries().isEmpty()) {
      raft.log.appliedTo(rd.committedEntries().get(rd.committedEntries().size() - 1).index());
      raft.proposals.reduceUncommitted(rd.committedEntries());
    }
    raft.membership.afterApplied();
  }

  // ---------------------------------------------------------------- observation

  /** The state machine itself, for tests in this package. */
  Raft raft() {
    return raft;
  }

  public long id() {
    return raft.id;
  }

  public long term() {
    return raft.term;
  }

  public long leader() {
    return raft.lead;
  }

  public Role role() {
    return raft.role;
  }

  public long commitIndex() {
    return raft.log.committed;
  }

  public long appliedIndex() {
    return raft.log.applied;
  }

  public long lastIndex() {
    return raft.log.lastIndex();
  }

  /**
   * The highest index that every member on a node for which {@code down} is false holds durably, as
   * far as this leader knows; a replica that does not lead knows only its own log, and answers its
   * last index. Entries up to it are needed by no live member any more, unless it falls behind
   * later (a host uses it to let go of cached entries, see {@link LogStorage#releaseThrough}).
   */
  public long replicatedIndex(java.util.function.LongPredicate down) {
    if (raft.role != Role.LEADER) {
      return raft.log.lastIndex();
    }
    return Math.min(raft.log.lastIndex(), raft.tracker.lowestMatch(down));
  }

  /**
   * The term of the entry at {@code index}, which is in the log or is its snapshot's; 0 past the
   * end of the log.
   *
   * @throws LogCompactedException if it was compacted away
   */
  public long entryTerm(long index) {
    return raft.log.term(index);
  }

  public long firstIndex() {
    return raft.log.firstIndex();
  }

  public HardState hardState() {
    return raft.hardState();
  }

  /** The configuration in force (as applied). */
  public ConfState confState() {
    return raft.tracker.config.toConfState();
  }

  /**
   * Committed membership changes that were invalid when applied and therefore ignored. Leaders
   * validate changes before proposing them, so this stays 0 unless something is wrong; exposed for
   * metrics and tests.
   */
  public long ignoredConfChanges() {
    return raft.membership.ignoredConfChanges;
  }

  /**
   * Tells the replica how many ticks are already due by the host's clock but not yet given to
   * {@link #tick()}; a leader counts them as passed before it answers a read from its lease, and a
   * follower that hears from its leader starts its promise not to vote (which the lease rests on)
   * after them. Ticks counted only as they are delivered fall behind real time when the host's
   * process is paused (a stop-the-world collection, a stopped process): without this, a leader that
   * resumes could serve reads from a lease that ran out during the pause, and a follower that
   * resumes could take a heartbeat before its overdue ticks and vote at once, while the leader
   * still counts on its promise. Called on the caller's thread when a lease or a promise is
   * consulted or made. Default: none overdue.
   */
  public void ticksOverdue(java.util.function.LongSupplier overdue) {
    raft.ticksOverdue = overdue;
  }

  /**
   * The ticks this replica's clock has counted: those it was given and those it was told it missed
   * (for tests and metrics).
   */
  public long ticks() {
    return raft.ticks;
  }

  /** How many reads this replica answered from its lease, with no quorum round (metrics). */
  public long readsServedFromLease() {
    return raft.reads.servedFromLease;
  }

  /** Whether a lease read would be answered locally right now (for tests and metrics). */
  public boolean leaseValid() {
    return raft.reads.leaseValid();
  }

  /** The replica's state in one record. */
  public Status status() {
    Map<Long, Status.Member> members = new TreeMap<>();
    if (raft.role == Role.LEADER) {
      raft.tracker.progress.forEach(
          (k, p) -> members.put(k, new Status.Member(p.match, p.next, p.state, p.recentActive)));
    }
    return new Status(
        raft.id,
        raft.role,
        raft.term,
        raft.vote,
        raft.lead,
        raft.log.committed,
        raft.log.applied,
        raft.log.lastIndex(),
        confState(),
        java.util.Collections.unmodifiableMap(members),
        raft.leadTransferee);
  }

  /** The leader's view of each member, as "STATE match=M next=N"; empty unless leading. */
  public Map<Long, String> progress() {
    Map<Long, String> out = new TreeMap<>();
    if (raft.role == Role.LEADER) {
      raft.tracker.progress.forEach((k, v) -> out.put(k, v.toString()));
    }
    return out;
  }

  /** The log from {@code lo} on, durable and unstable (for tests and debugging). */
  public List<Entry> entries(long lo) {
    return new ArrayList<>(raft.log.entriesFrom(lo, Long.MAX_VALUE));
  }
}
