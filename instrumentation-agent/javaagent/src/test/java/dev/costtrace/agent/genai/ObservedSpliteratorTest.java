package dev.costtrace.agent.genai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

class ObservedSpliteratorTest {
  /** Records what it is told, in order. */
  static final class Recording implements GenAiStreamObserver<String> {
    final List<String> calls = new ArrayList<>();

    @Override
    public void onEvent(String event) {
      calls.add("event " + event);
    }

    @Override
    public void onError(Throwable error) {
      calls.add("error " + error.getMessage());
    }

    @Override
    public void onEnd() {
      calls.add("end");
    }
  }

  @Test
  void appSeesEveryElementUnchangedAndTheObserverSeesThemFirstThenTheEnd() {
    Recording observer = new Recording();
    List<String> read =
        StreamSupport.stream(
                new ObservedSpliterator<>(Arrays.asList("a", "b").spliterator(), observer), false)
            .collect(Collectors.toList());
    assertThat(read).containsExactly("a", "b");
    assertThat(observer.calls).containsExactly("event a", "event b", "end");
  }

  @Test
  void failureWhileReadingIsObservedAndReachesTheAppAsIs() {
    Recording observer = new Recording();
    IllegalStateException broken = new IllegalStateException("broken stream");
    Spliterator<String> failing =
        new Spliterators.AbstractSpliterator<String>(Long.MAX_VALUE, 0) {
          @Override
          public boolean tryAdvance(java.util.function.Consumer<? super String> action) {
            throw broken;
          }
        };
    assertThatThrownBy(
            () -> StreamSupport.stream(new ObservedSpliterator<>(failing, observer), false).count())
        .isSameAs(broken);
    assertThat(observer.calls).containsExactly("error broken stream");
  }

  @Test
  void neverSplitsAndIsNotSized() {
    ObservedSpliterator<String> s =
        new ObservedSpliterator<>(Arrays.asList("a").spliterator(), new Recording());
    assertThat(s.trySplit()).isNull();
    assertThat(s.hasCharacteristics(Spliterator.SIZED)).isFalse();
  }
}
