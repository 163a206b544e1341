package dev.costtrace.agent.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which attribution an inbound request may set: by default everything but the tenant. */
class InboundTrustTest {
  private static final TextMapGetter<Map<String, String>> GETTER =
      new TextMapGetter<Map<String, String>>() {
        @Override
        @SuppressWarnings("deprecation") // deprecated in the interface, still abstract there
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  private static AttributionSettings settings(String trust) {
    Map<String, String> p = new HashMap<>();
    if (trust != null) {
      p.put(AttributionSettings.TRUST_INBOUND_KEY, trust);
    }
    return AttributionSettings.fromProperties(p::get);
  }

  private static Baggage extract(AttributionSettings settings, Context base, String baggageHeader) {
    InboundBaggageFilter filter =
        new InboundBaggageFilter(
            W3CBaggagePropagator.getInstance(), settings.untrustedBaggageKeys());
    return Baggage.fromContext(
        filter.extract(base, Collections.singletonMap("baggage", baggageHeader), GETTER));
  }

  @Test
  void byDefaultTheTenantIsNotTakenFromRequests() {
    AttributionSettings s = settings(null);
    assertThat(s.fields())
        .extracting(AttributionField::name, AttributionField::trustInbound)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("conversation", true),
            org.assertj.core.groups.Tuple.tuple("tenant", false),
            org.assertj.core.groups.Tuple.tuple("user", true),
            org.assertj.core.groups.Tuple.tuple("feature", true));
    assertThat(s.headerNames()).containsExactly("x-conversation-id", "x-user-id", "x-feature");
    assertThat(s.untrustedBaggageKeys()).containsExactly("costtrace.tenant.id");

    Baggage inbound =
        extract(
            s,
            Context.root(),
            "costtrace.tenant.id=evil-corp,user.id=user-7,gen_ai.conversation.id=conv-9,other=kept");
    assertThat(inbound.getEntryValue("costtrace.tenant.id")).isNull();
    assertThat(inbound.getEntryValue("user.id")).isEqualTo("user-7");
    assertThat(inbound.getEntryValue("gen_ai.conversation.id")).isEqualTo("conv-9");
    assertThat(inbound.getEntryValue("other")).isEqualTo("kept");
  }

  @Test
  void trustIsExplicitPerField() {
    AttributionSettings all = settings("conversation, tenant,user,feature");
    assertThat(all.untrustedBaggageKeys()).isEmpty();
    assertThat(all.headerNames()).contains("x-tenant-id");
    assertThat(
            extract(all, Context.root(), "costtrace.tenant.id=globex")
                .getEntryValue("costtrace.tenant.id"))
        .isEqualTo("globex");

    AttributionSettings none = settings("none");
    assertThat(none.headerNames()).isEmpty();
    assertThat(none.untrustedBaggageKeys())
        .containsExactlyInAnyOrder(
            "gen_ai.conversation.id", "costtrace.tenant.id", "user.id", "costtrace.feature");

    assertThatThrownBy(() -> settings("conversation,tenants"))
        .hasMessage(
            "Invalid value 'conversation,tenants' for costtrace.agent.trust.inbound: 'tenants' is not"
                + " one of conversation, tenant, user, feature (or none)");
  }

  @Test
  void theApplicationsOwnBaggageIsKept() {
    // Baggage the app set before extraction (e.g. a messaging consumer that extracts late) stays.
    Context own =
        Baggage.builder()
            .put("costtrace.tenant.id", "initech")
            .build()
            .storeInContext(Context.root());
    Baggage merged = extract(settings(null), own, "costtrace.tenant.id=evil-corp,user.id=user-7");
    assertThat(merged.getEntryValue("costtrace.tenant.id")).isEqualTo("initech");
    assertThat(merged.getEntryValue("user.id")).isEqualTo("user-7");
  }
}
