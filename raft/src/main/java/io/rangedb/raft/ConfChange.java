package io.rangedb.raft;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A membership change, replicated as a {@link EntryType#CONF_CHANGE} entry and applied by the host
 * when the entry is committed. An empty change list means "leave the joint configuration".
 *
 * <p>With {@link Transition#AUTO}, one change that touches at most one voter is applied directly
 * (the one-at-a-time rule keeps any two majorities intersecting); anything larger goes through
 * joint consensus, which the leader leaves on its own once the joint configuration is applied.
 */
public record ConfChange(Transition transition, List<Change> changes) {

  /** How to move between configurations. */
  public enum Transition {
    /** Simple change when safe, otherwise joint consensus that is left automatically. */
    AUTO,
    /** Always joint; the leader proposes the leave on its own. */
    JOINT_IMPLICIT,
    /** Always joint; the host must propose {@link #leaveJoint()} itself. */
    JOINT_EXPLICIT
  }

  /** One member's change. */
  public enum ChangeType {
    ADD_VOTER,
    ADD_LEARNER,
    REMOVE
  }

  /** One change to one member. */
  public record Change(ChangeType type, long node) {}

  public ConfChange {
    changes = List.copyOf(changes);
  }

  public static ConfChange addVoter(long node) {
    return new ConfChange(Transition.AUTO, List.of(new Change(ChangeType.ADD_VOTER, node)));
  }

  public static ConfChange addLearner(long node) {
    return new ConfChange(Transition.AUTO, List.of(new Change(ChangeType.ADD_LEARNER, node)));
  }

  public static ConfChange remove(long node) {
    return new ConfChange(Transition.AUTO, List.of(new Change(ChangeType.REMOVE, node)));
  }

  /** Replaces voter {@code old} by {@code fresh} through a joint configuration. */
  public static ConfChange replaceVoter(long old, long fresh) {
    return new ConfChange(
        Transition.JOINT_IMPLICIT,
        List.of(new Change(ChangeType.ADD_VOTER, fresh), new Change(ChangeType.REMOVE, old)));
  }

  public static ConfChange leaveJoint() {
    return new ConfChange(Transition.AUTO, List.of());
  }

  public boolean isLeaveJoint() {
    return changes.isEmpty();
  }

  /**
   * Whether applying this enters a joint configuration, and if so whether the leave is automatic.
   */
  boolean entersJoint() {
    return !changes.isEmpty() && (transition != Transition.AUTO || changes.size() > 1);
  }

  boolean autoLeave() {
    return transition != Transition.JOINT_EXPLICIT;
  }

  public byte[] encode() {
    var bytes = new ByteArrayOutputStream();
    try (var out = new DataOutputStream(bytes)) {
      out.writeByte(transition.ordinal());
      out.writeInt(changes.size());
      for (Change c : changes) {
        out.writeByte(c.type().ordinal());
        out.writeLong(c.node());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * @throws IllegalArgumentException if {@code data} is not an encoded conf change
   */
  public static ConfChange decode(byte[] data) {
    try (var in = new DataInputStream(new ByteArrayInputStream(data))) {
      Transition t = element(Transition.values(), in.readByte());
      int n = in.readInt();
      if (n < 0 || n > in.available() / 9) {
        throw new IllegalArgumentException("not a conf change: " + n + " changes");
      }
      List<Change> list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        list.add(new Change(element(ChangeType.values(), in.readByte()), in.readLong()));
      }
      if (in.available() > 0) {
        throw new IllegalArgumentException("not a conf change: trailing bytes");
      }
      return new ConfChange(t, list);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a conf change", e);
    }
  }

  private static <T> T element(T[] values, int ordinal) {
    if (ordinal < 0 || ordinal >= values.length) {
      throw new IllegalArgumentException("not a conf change: unknown code " + ordinal);
    }
    return values[ordinal];
  }
}
