package dev.costtrace.budget;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * This process's spend per conversation: settled calls, reservations of calls in flight, call
 * counts, and the receiver's last answer. What a conversation has spent is the larger of what this
 * process settled and the receiver's figure plus what this process settled since that answer (the
 * receiver has not seen those yet), plus what is reserved. Bounded: past {@link
 * #DEFAULT_MAX_CONVERSATIONS}, conversations idle longest are dropped first.
 */
public final class SpendLedger {
  public static final int DEFAULT_MAX_CONVERSATIONS = 100_000;
  public static final long DEFAULT_IDLE_NANOS = 3_600_000_000_000L; // one hour

  private final ConcurrentHashMap<String, Tally> tallies = new ConcurrentHashMap<>();
  private final int maxConversations;
  private final long idleNanos;
  private final LongSupplier nanoClock;

  public SpendLedger() {
    this(DEFAULT_MAX_CONVERSATIONS, DEFAULT_IDLE_NANOS, System::nanoTime);
  }

  public SpendLedger(int maxConversations, long idleNanos, LongSupplier nanoClock) {
    if (maxConversations < 1) {
      throw new IllegalArgumentException("maxConversations must be positive");
    }
    this.maxConversations = maxConversations;
    this.idleNanos = idleNanos;
    this.nanoClock = nanoClock;
  }

  /** The conversation's tally, made on first use. */
  public Tally tally(String conversationId) {
    Tally t = tallies.get(conversationId);
    if (t == null) {
      Tally fresh = new Tally();
      t = tallies.putIfAbsent(conversationId, fresh);
      if (t == null) {
        t = fresh;
        if (tallies.size() > maxConversations) {
          evict();
        }
      }
    }
    t.touchedNanos = nanoClock.getAsLong();
    return t;
  }

  /** The tally if this process has one. */
  public Tally peek(String conversationId) {
    return tallies.get(conversationId);
  }

  public int size() {
    return tallies.size();
  }

  private synchronized void evict() {
    long now = nanoClock.getAsLong();
    for (Iterator<Tally> it = tallies.values().iterator(); it.hasNext(); ) {
      Tally t = it.next();
      if (now - t.touchedNanos > idleNanos && t.reservedPico == 0) {
        it.remove();
      }
    }
    while (tallies.size() > maxConversations) {
      String oldest = null;
      long oldestTouch = Long.MAX_VALUE;
      for (Map.Entry<String, Tally> e : tallies.entrySet()) {
        if (e.getValue().touchedNanos < oldestTouch) {
          oldestTouch = e.getValue().touchedNanos;
          oldest = e.getKey();
        }
      }
      if (oldest == null) {
        return;
      }
      tallies.remove(oldest);
    }
  }

  /** One conversation; every field is read and written under the tally's own lock. */
  public static final class Tally {
    long settledPico;
    long reservedPico;
    long calls;
    long remotePico = -1;
    long remoteCalls;
    long settledAtRemote;
    long callsAtRemote;
    long remoteDueNanos;
    boolean remoteFailed;
    volatile long touchedNanos;

    /** The rule the conversation's last call was admitted under (for remaining()). */
    volatile BudgetRule lastRule;

    /**
     * Calls in flight whose reservation is the price of their token upper bound, not of their count
     * (see {@link TokenEstimator}); null until the first.
     */
    List<Ticket> provisional;

    Tally() {}

    /** Spend so far, this process's and the receiver's, without reservations. */
    synchronized long spentPico() {
      if (remotePico < 0) {
        return settledPico;
      }
      return Math.max(settledPico, remotePico + (settledPico - settledAtRemote));
    }

    /** Calls so far, admitted by this process or known to the receiver. */
    synchronized long knownCalls() {
      if (remotePico < 0) {
        return calls;
      }
      return Math.max(calls, remoteCalls + (calls - callsAtRemote));
    }

    synchronized long reservedPico() {
      return reservedPico;
    }

    synchronized void remote(RemoteSpend.Snapshot s, long dueNanos) {
      remotePico = s.spendPico;
      remoteCalls = s.llmCalls;
      settledAtRemote = settledPico;
      callsAtRemote = calls;
      remoteDueNanos = dueNanos;
      remoteFailed = false;
    }

    /** Replaces the ticket's reservation by what the call cost. */
    synchronized void settle(Ticket t, long actualPico) {
      reservedPico -= t.reservedPico;
      t.reservedPico = 0;
      settledPico += actualPico;
      dropProvisional(t);
    }

    /** Settles a call whose usage was not seen at what it reserved (its estimate). */
    synchronized void settleAtReservation(Ticket t) {
      settle(t, t.reservedPico);
    }

    /** Reserves an admitted call's estimate; a bound-priced one is kept to be refined. */
    synchronized void reserve(Ticket t, long reservePico, boolean bound) {
      reservedPico += reservePico;
      calls++;
      t.reservedPico = reservePico;
      if (bound) {
        if (provisional == null) {
          provisional = new ArrayList<>(2);
        }
        provisional.add(t);
        t.provisional = true;
      }
    }

    synchronized int provisionalCount() {
      return provisional == null ? 0 : provisional.size();
    }

    /** The bound-priced calls in flight now, to be priced exactly outside the lock. */
    synchronized Ticket[] provisionalSnapshot() {
      return provisional == null ? new Ticket[0] : provisional.toArray(new Ticket[0]);
    }

    /**
     * The ticket's reservation becomes {@code exactPico}, the price of its counted tokens, unless
     * it was settled or refined meanwhile.
     */
    synchronized void refine(Ticket t, long exactPico) {
      if (!t.provisional) {
        return;
      }
      reservedPico += exactPico - t.reservedPico;
      t.reservedPico = exactPico;
      dropProvisional(t);
    }

    private void dropProvisional(Ticket t) {
      if (t.provisional) {
        t.provisional = false;
        t.text = null; // the prompt is not kept past its call
        provisional.remove(t); // kept when empty: the next call would allocate it again
      }
    }
  }
}
