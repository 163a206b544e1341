package dev.costtrace.receiver.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.costtrace.config.ConfigException;
import dev.costtrace.testing.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BearerTokensTest {
  @TempDir Path dir;

  Path write(String text) throws Exception {
    Path f = dir.resolve("tokens");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void aTokenNamesItsTenant() throws Exception {
    BearerTokens t =
        BearerTokens.builder(write("# tenant=token\nacme=tok-a\n\n  globex = tok-g  \n")).build();
    assertThat(t.size()).isEqualTo(2);
    assertThat(t.tenantFor("Bearer tok-a")).isEqualTo("acme");
    assertThat(t.tenantFor("bearer tok-g")).isEqualTo("globex");
    assertThat(t.tenantFor("Bearer  tok-g ")).isEqualTo("globex");
    assertThat(t.tenantFor("Bearer tok-x")).isNull();
    assertThat(t.tenantFor("Basic dG9rLWE=")).isNull();
    assertThat(t.tenantFor("tok-a")).isNull();
    assertThat(t.tenantFor("Bearer ")).isNull();
    assertThat(t.tenantFor(null)).isNull();
  }

  @Test
  void aStarLineDeclaresAnAdminTokenThatHasNoTenant() throws Exception {
    BearerTokens t = BearerTokens.builder(write("acme=tok-a\n*=tok-admin\n")).build();
    assertThat(t.size()).isEqualTo(2);
    assertThat(t.callerFor("Bearer tok-admin").admin()).isTrue();
    assertThat(t.tenantFor("Bearer tok-admin")).as("admins export nothing").isNull();
    assertThat(t.callerFor("Bearer tok-a")).isEqualTo(new BearerTokens.Caller("acme"));
    assertThat(t.callerFor("Bearer tok-a").admin()).isFalse();
    assertThat(t.callerFor("Bearer nope")).isNull();
    assertThatThrownBy(() -> BearerTokens.builder(write("*=same\nacme=same\n")).build())
        .hasMessageContaining("line 2: this token is already given to an admin")
        .hasMessageNotContaining("same");
    assertThatThrownBy(() -> t.grantEphemeral(BearerTokens.ADMIN))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void badFilesFailFastNamingTheKeyAndLineButNeverTheToken() throws Exception {
    assertThatThrownBy(() -> BearerTokens.builder(write("acme=tok-a\nglobex tok-g\n")).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("costtrace.auth.tokens.file=")
        .hasMessageContaining("line 2: expected tenant=token");
    assertThatThrownBy(
            () -> BearerTokens.builder(write("acme=secret-1\nglobex=secret-1\n")).build())
        .hasMessageContaining("line 2: this token is already given to tenant 'acme'")
        .hasMessageNotContaining("secret-1");
    assertThatThrownBy(() -> BearerTokens.builder(write("# nothing\n")).build())
        .hasMessageContaining("no tokens");
    assertThatThrownBy(() -> BearerTokens.builder(dir.resolve("missing")).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cannot read the tokens file");
  }

  @Test
  void editsTakeEffectAndABadEditKeepsTheTokensInForce() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T00:00:00Z"));
    Path f = write("acme=old\n");
    BearerTokens t =
        BearerTokens.builder(f).clock(clock).reloadInterval(Duration.ofSeconds(5)).build();
    Files.writeString(f, "acme=new\n");
    Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(10)));
    assertThat(t.tenantFor("Bearer old")).as("not checked again yet").isEqualTo("acme");
    clock.advance(Duration.ofSeconds(6));
    assertThat(t.tenantFor("Bearer new")).isEqualTo("acme");
    assertThat(t.tenantFor("Bearer old")).isNull();
    Files.writeString(f, "broken line\n");
    Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(20)));
    clock.advance(Duration.ofSeconds(6));
    assertThat(t.tenantFor("Bearer new")).isEqualTo("acme");
  }

  @Test
  void anEphemeralGrantWorksUntilClosedAndSurvivesReloads() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T00:00:00Z"));
    Path f = write("acme=tok-a\n");
    BearerTokens t =
        BearerTokens.builder(f).clock(clock).reloadInterval(Duration.ofSeconds(5)).build();
    BearerTokens.Grant grant = t.grantEphemeral("demo");
    assertThat(grant.token())
        .hasSizeGreaterThanOrEqualTo(43)
        .isNotEqualTo(t.grantEphemeral("demo").token());
    assertThat(t.tenantFor("Bearer " + grant.token())).isEqualTo("demo");
    Files.writeString(f, "acme=tok-b\n");
    Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(10)));
    clock.advance(Duration.ofSeconds(6));
    assertThat(t.tenantFor("Bearer tok-b")).isEqualTo("acme");
    assertThat(t.tenantFor("Bearer " + grant.token()))
        .as("a reload keeps process grants")
        .isEqualTo("demo");
    grant.close();
    assertThat(t.tenantFor("Bearer " + grant.token())).isNull();
    assertThat(t.size()).isEqualTo(1);
  }
}
