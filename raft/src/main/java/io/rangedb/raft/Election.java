package io.rangedb.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Elections of one replica: the election timer of a follower or candidate, campaigns (pre-vote,
 * real, or forced by a leadership transfer), answering vote requests, and counting the answers.
 * Also the refusal to vote that leader leases rest on ({@link #inLease()}). Its own state is none:
 * term, vote, timers and votes are the replica's ({@link Raft}, {@link ProgressTracker}), because
 * every role change resets them.
 */
final class Election {
  enum CampaignType {
    PRE_ELECTION,
    ELECTION,
    TRANSFER
  }

  private final Raft raft;

  Election(Raft raft) {
    this.raft = raft;
  }

  /** The election timer of a follower or candidate. */
  void tick() {
    raft.electionElapsed++;
    // The cheap test first: most ticks are not a timeout, and promotable() reads the membership.
    if (raft.electionElapsed >= raft.randomizedElectionTimeout && raft.promotable()) {
      raft.electionElapsed = 0;
      campaign(raft.cfg.preVote() ? CampaignType.PRE_ELECTION : CampaignType.ELECTION);
    }
  }

  /**
   * Ticks the follower chosen to succeed a silent leader waits before it campaigns: long enough for
   * the other followers' hosts to notice the silence too (until they do they refuse its pre-vote,
   * see {@link #inLease()}), which they do within a tick of each other.
   */
  static final int SUCCESSOR_DELAY_TICKS = 2;

  /**
   * Ticks the other followers leave the successor to win before the first of them campaigns: its
   * pre-vote and vote take two round trips and a durable vote, far less than a tick.
   */
  static final int SUCCESSOR_HEAD_START_TICKS = SUCCESSOR_DELAY_TICKS + 3;

  /**
   * Our leader's node has not been heard from for {@code ticks} ticks: a follower's timer counts at
   * least that long, up to one election timeout, as it would have had it been ticking all along (a
   * quiesced group is not ticked). A follower that may back a lease keeps its timer: it would
   * refuse every vote anyway until the lease runs out ({@link #backsALease()}, which this leaves
   * alone), and campaigning before that only wastes its timeout.
   *
   * <p>Once the silence reaches a whole timeout, one follower, the same for every follower that is
   * told, campaigns {@link #SUCCESSOR_DELAY_TICKS} later instead of after the random part of a
   * timeout (up to a whole timeout more), and the others hold back for {@link
   * #SUCCESSOR_HEAD_START_TICKS}. Their random draws stay the fallback, for a successor whose log
   * is behind, that cannot campaign or was not told: a lone other follower (three voters) squeezes
   * its draw into what is left of the timeout, so it is elected within the timeout as before;
   * several (five voters) keep their draws whole, shifted by the head start, since draws squeezed
   * closer together split their votes more often. Who campaigns when is never a matter of safety,
   * only of how soon the group has a leader again.
   *
   * @param group the group's id, which every replica knows: it spreads the groups of a silent node
   *     over the survivors
   */
  void leaderSilentFor(int ticks, long group) {
    if (raft.role != Role.FOLLOWER || raft.lead == 0 || backsALease()) {
      return;
    }
    int electionTicks = raft.cfg.electionTicks();
    raft.electionElapsed = Math.max(raft.electionElapsed, Math.min(ticks, electionTicks));
    if (raft.electionElapsed < electionTicks
        || electionTicks <= SUCCESSOR_HEAD_START_TICKS
        || !raft.log.unappliedConfChanges(raft.log.lastIndex()).isEmpty()) {
      // A shorter silence: the other followers would refuse an early campaign (inLease). Timeouts
      // too short to hold back in. Or a membership change under way, which the followers may not
      // all know of yet: they could pick different successors.
      return;
    }
    List<Long> candidates = new ArrayList<>(raft.tracker.config.allVoters());
    candidates.remove(Long.valueOf(raft.lead));
    if (candidates.isEmpty()) {
      return;
    }
    // Of the other voters in id order, the one the term and the group pick: followers at the same
    // term agree, and the groups a node led go to different survivors.
    long successor = candidates.get(Math.floorMod(raft.term + group, candidates.size()));
    if (successor == raft.id) {
      raft.randomizedElectionTimeout = raft.electionElapsed + SUCCESSOR_DELAY_TICKS;
      return;
    }
    int drawn = raft.randomizedElectionTimeout - electionTicks;
    if (candidates.size() == 2) {
      drawn = drawn * (electionTicks - SUCCESSOR_HEAD_START_TICKS) / electionTicks;
    }
    raft.randomizedElectionTimeout =
        Math.max(
            raft.randomizedElectionTimeout,
            raft.electionElapsed + SUCCESSOR_HEAD_START_TICKS + drawn);
  }

  void campaign(CampaignType type) {
    if (!raft.promotable()) {
      return;
    }
    if (hasUnappliedConfChanges()) {
      // We may be about to learn that we are no longer a voter; do not disturb the group.
      return;
    }
    long voteTerm;
    MessageType voteType;
    if (type == CampaignType.PRE_ELECTION) {
      raft.becomePreCandidate();
      voteTerm = raft.term + 1;
      voteType = MessageType.PRE_VOTE;
    } else {
      raft.becomeCandidate();
      voteTerm = raft.term;
      voteType = MessageType.VOTE;
    }
    trackConfigInLog();
    raft.tracker.recordVote(raft.id, true);
    if (raft.tracker.tally() == VoteResult.WON) {
      // A group of one wins at once.
      if (type == CampaignType.PRE_ELECTION) {
        campaign(CampaignType.ELECTION);
      } else {
        raft.becomeLeader();
      }
      return;
    }
    Set<Long> voters = raft.tracker.config.allVoters();
    if (raft.tracker.configInLog != null) {
      voters.addAll(raft.tracker.configInLog.allVoters());
    }
    for (Long voter : voters) {
      if (voter == raft.id) {
        continue;
      }
      raft.send(
          Message.builder(voteType)
              .to(voter)
              .term(voteTerm)
              .index(raft.log.lastIndex())
              .logTerm(raft.log.lastTerm())
              .context(type == CampaignType.TRANSFER ? Message.CAMPAIGN_TRANSFER : null));
    }
  }

  /**
   * Finds the configuration this replica's log leads to, if the log holds membership changes it has
   * not applied, for the tracker ({@link ProgressTracker#configInLog}). Configurations take effect
   * when applied (as in etcd), so a replica that has not applied a change in its log (it restarted
   * with an older commit index, or never heard that the change committed) would count votes, and
   * once leading commits, in the older configuration while the group may already have moved on: the
   * simulation found two leaders of one term, elected by disjoint quorums of the outgoing and the
   * incoming voters, and a leader that committed with old voters an entry a later leader of the new
   * ones lacked. So votes and commits count in the newest configuration of the log, the one the
   * Raft dissertation has every replica use (and leadership checks in both; see the tracker).
   */
  private void trackConfigInLog() {
    RaftLog log = raft.log;
    Membership m = null;
    long index = 0;
    for (Entry e : log.unappliedConfChanges(log.lastIndex())) {
      try {
        m = ConfChanger.apply(m == null ? raft.tracker.config : m, ConfChange.decode(e.data()));
        index = e.index();
      } catch (IllegalArgumentException invalid) {
        // Ignored when applied, too (MembershipChanges).
      }
    }
    raft.tracker.setConfigInLog(m, index);
  }

  private boolean hasUnappliedConfChanges() {
    return !raft.log.unappliedConfChanges(raft.log.committed).isEmpty();
  }

  /** Whether we promised a live leader not to vote (check-quorum), or just started. */
  boolean inLease() {
    RaftConfig cfg = raft.cfg;
    if (!cfg.checkQuorum()) {
      return false;
    }
    if (cfg.readOnlyOption() == ReadOnlyOption.LEASE_BASED && raft.ticks < cfg.electionTicks()) {
      // After a restart we do not know whose lease we may have backed: wait one timeout. Only
      // leases need this; plain Raft may vote at once.
      return true;
    }
    return (raft.lead != 0 && raft.electionElapsed < cfg.electionTicks()) || backsALease();
  }

  /**
   * Whether a leader's lease may count on us: we took a message from a leader less than an election
   * timeout ago. Unlike {@link #inLease()}'s check of the current leader, this outlives a change of
   * term ({@link Raft#leaderHeardTick}). Only leases need it; plain check-quorum keeps etcd's rule.
   */
  private boolean backsALease() {
    RaftConfig cfg = raft.cfg;
    return cfg.checkQuorum()
        && cfg.readOnlyOption() == ReadOnlyOption.LEASE_BASED
        && raft.leaderHeardTick != Long.MIN_VALUE
        && raft.ticks - raft.leaderHeardTick < cfg.electionTicks();
  }

  void handleVoteRequest(Message m) {
    boolean canVote =
        raft.vote == m.from()
            || (raft.vote == 0 && raft.lead == 0)
            || (m.type() == MessageType.PRE_VOTE && m.term() > raft.term);
    if (canVote && raft.vote != m.from() && !m.isTransferCampaign() && backsALease()) {
      // Our term moved without a leader (a stale rejection of our own pre-vote can do that), but a
      // lease may still count on our refusal.
      canVote = false;
    }
    if (canVote && raft.log.storage.lostLog().isAhead(m.index(), m.logTerm())) {
      // This node's replica was removed and destroyed once: a candidate that has not applied the
      // removal counts this vote as the old replica's, so vote only as that replica would have,
      // whatever log (an old snapshot, say) this one has received since. The host simulation found
      // a stale candidate elected with such a vote, overwriting a committed entry. See LostLog.
      canVote = false;
    }
    MessageType resp =
        m.type() == MessageType.VOTE ? MessageType.VOTE_RESP : MessageType.PRE_VOTE_RESP;
    if (canVote && raft.log.isUpToDate(m.index(), m.logTerm())) {
      raft.send(Message.builder(resp).to(m.from()).term(m.term()));
      if (m.type() == MessageType.VOTE) {
        raft.electionElapsed = 0;
        raft.vote = m.from();
      }
    } else {
      raft.send(Message.builder(resp).to(m.from()).term(raft.term).reject(true));
    }
  }

  /** A message to a (pre-)candidate: counts votes; a leader's message ends the campaign. */
  void stepCandidate(Message m) {
    MessageType myResp =
        raft.role == Role.PRE_CANDIDATE ? MessageType.PRE_VOTE_RESP : MessageType.VOTE_RESP;
    switch (m.type()) {
      case APP, HEARTBEAT, SNAP -> {
        raft.becomeFollower(m.term(), m.from());
        raft.follower.step(m);
      }
      case VOTE_RESP, PRE_VOTE_RESP -> {
        if (m.type() != myResp) {
          return;
        }
        raft.tracker.recordVote(m.from(), !m.reject());
        switch (raft.tracker.tally()) {
          case WON -> {
            if (raft.role == Role.PRE_CANDIDATE) {
              campaign(CampaignType.ELECTION);
            } else {
              raft.becomeLeader();
            }
          }
          case LOST -> raft.becomeFollower(raft.term, 0);
          case PENDING -> {}
        }
      }
      default -> {}
    }
  }
}
