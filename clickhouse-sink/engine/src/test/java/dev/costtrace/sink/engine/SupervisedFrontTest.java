package dev.costtrace.sink.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The supervisor alone, over real processes ({@code cat}, which runs until its stdin closes, as the
 * front does): a dead process is started again on the same port, attempts that fail are retried
 * with back-off, and stopping ends supervision.
 */
class SupervisedFrontTest {
  private static Process cat() throws IOException {
    return new ProcessBuilder("cat").start();
  }

  private static void await(SupervisedFront front, long restarts) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!(front.status().restarts() == restarts && front.status().up())
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
  }

  @Test
  void aDeadProcessIsStartedAgainOnItsPortAfterFailedAttempts() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    AtomicInteger failuresLeft = new AtomicInteger();
    int[] ports = new int[8];
    SupervisedFront front =
        new SupervisedFront(
            (port, deadline) -> {
              int n = attempts.getAndIncrement();
              ports[n] = port;
              if (n > 0 && failuresLeft.getAndDecrement() > 0) {
                throw new EngineException("port busy");
              }
              return new SupervisedFront.Launched(cat(), port == 0 ? 41234 : port);
            },
            Duration.ofSeconds(5),
            Duration.ofMillis(10),
            Duration.ofMillis(40),
            Duration.ofMinutes(1));
    try {
      assertThat(front.start(0, System.nanoTime() + Duration.ofSeconds(5).toNanos()))
          .isEqualTo(41234);
      EngineStatus first = front.status();
      assertThat(first.up()).isTrue();
      assertThat(first.restarts()).isZero();

      failuresLeft.set(2); // the next two attempts fail, the third starts it
      ProcessHandle.of(first.pid()).orElseThrow().destroyForcibly();
      await(front, 1);
      assertThat(front.status().restarts()).isEqualTo(1);
      assertThat(front.status().up()).isTrue();
      assertThat(front.status().pid()).isNotEqualTo(first.pid());
      assertThat(attempts.get()).isEqualTo(4);
      assertThat(ports).startsWith(0, 41234, 41234, 41234);
    } finally {
      front.stop();
    }
    EngineStatus stopped = front.status();
    assertThat(stopped.up()).isFalse();
    assertThat(stopped.pid()).isEqualTo(-1);
  }

  @Test
  void aStoppedFrontIsNotRestarted() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    SupervisedFront front =
        new SupervisedFront(
            (port, deadline) -> {
              attempts.incrementAndGet();
              return new SupervisedFront.Launched(cat(), 5000);
            },
            Duration.ofSeconds(5),
            Duration.ofMillis(10),
            Duration.ofMillis(40),
            Duration.ofMinutes(1));
    front.start(0, System.nanoTime() + Duration.ofSeconds(5).toNanos());
    long pid = front.status().pid();
    front.stop();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(front.status().up()).isFalse();
    assertThat(attempts.get()).isEqualTo(1);
  }
}
