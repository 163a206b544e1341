package dev.costtrace.sink.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfraRulesFileTest {
  static final String GPU =
      "rules:\n  - {name: gpu, match: {provider: vllm}, monthly_usd: 7200, allocate: per_second}\n";

  @TempDir Path dir;

  /** Writes {@code text}, with a modification time {@code second} seconds from now. */
  Path write(Path file, String text, int second) throws Exception {
    Files.writeString(file, text);
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(second)));
    return file;
  }

  @Test
  void aBadFileFailsAtStartNamingTheFileTheRuleAndTheLine() throws Exception {
    Path f = write(dir.resolve("infra.yaml"), "rules:\n  - name: gpu\n    allocate: per_call\n", 0);
    assertThatThrownBy(() -> InfraRulesFile.open(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            f
                + ": rule 1 (gpu) at line 2: match must name at least one of service, provider,"
                + " model, tool");
    assertThatThrownBy(() -> InfraRulesFile.open(dir.resolve("missing.yaml")))
        .hasMessageContaining("cannot read " + dir.resolve("missing.yaml"));
  }

  @Test
  void aChangedFileIsReadAgainAndABadOneKeepsTheRulesInForce() throws Exception {
    Path f = write(dir.resolve("infra.yaml"), GPU, 0);
    InfraRulesFile file = InfraRulesFile.open(f);
    InfraRules first = file.get();
    assertThat(first.rules()).extracting(InfraRule::name).containsExactly("gpu");
    assertThat(file.get()).isSameAs(first); // unchanged: not read again

    write(f, GPU.replace("7200", "3600"), 5);
    InfraRules second = file.get();
    assertThat(second.version()).isNotEqualTo(first.version());
    assertThat(second.rules().get(0).monthlyUsd()).isEqualByComparingTo("3600");
    assertThat(file.lastError()).isNull();

    write(f, "rules: [", 10);
    assertThat(file.get()).isSameAs(second);
    assertThat(file.lastError()).contains(f.toString()).contains("not YAML or JSON");

    Files.delete(f);
    assertThat(file.get()).isSameAs(second);
    assertThat(file.lastError()).contains("cannot read");

    write(f, "{\"rules\": []}", 15);
    assertThat(file.get().isEmpty()).isTrue();
    assertThat(file.lastError()).isNull();
  }
}
