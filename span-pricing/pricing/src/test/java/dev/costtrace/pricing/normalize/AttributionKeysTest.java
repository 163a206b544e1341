package dev.costtrace.pricing.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Attribution as the normaliser reads it, with default and configured keys. */
class AttributionKeysTest {
  private static Attribution read(
      AttributionKeys keys, List<KeyValue> span, List<KeyValue> resource) {
    SpanNormalizer normalizer = SpanNormalizer.of(keys);
    return normalizer.read(span, normalizer.resource(resource), 1L).attribution();
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  @Test
  void earlierKeyWinsAndTheSpanWinsATieWithTheResource() {
    AttributionKeys keys = AttributionKeys.defaults();
    Attribution a =
        read(
            keys,
            List.of(
                kv("session.id", "from-span-session"),
                kv("user.id", "span-user"),
                kv("tenant.id", "")),
            List.of(
                kv("gen_ai.conversation.id", "from-resource"),
                kv("user.id", "resource-user"),
                kv("tenant.id", "resource-tenant"),
                kv("feature", "f")));
    assertThat(a.conversationId())
        .isEqualTo("from-resource"); // first key, though only on the resource
    assertThat(a.userId()).isEqualTo("span-user");
    assertThat(a.tenantId()).isEqualTo("resource-tenant"); // an empty span value does not count
    assertThat(a.feature()).isEqualTo("f");
    KeyValue intUser =
        KeyValue.newBuilder()
            .setKey("enduser.id")
            .setValue(AnyValue.newBuilder().setIntValue(42))
            .build();
    assertThat(read(keys, List.of(intUser), List.of()).userId()).isEqualTo("42");
    assertThat(read(keys, List.of(), List.of())).isEqualTo(new Attribution("", "", "", ""));
  }

  @Test
  void aKeyConfiguredForTwoFieldsFillsBoth() {
    AttributionKeys keys =
        new AttributionKeys(List.of("id"), List.of("org", "id"), List.of("id"), List.of());
    Attribution a = read(keys, List.of(kv("id", "x")), List.of());
    assertThat(a).isEqualTo(new Attribution("x", "x", "x", ""));
    assertThat(read(keys, List.of(kv("id", "x")), List.of(kv("org", "o"))).tenantId())
        .isEqualTo("o");
  }

  /** The one-pass lookup gives what checking each key in order on span, then resource, gives. */
  @Test
  void sameAsCheckingEveryKeyInOrder() {
    AttributionKeys keys = AttributionKeys.defaults();
    List<String> known =
        Stream.of(
                AttributionKeys.DEFAULT_CONVERSATION,
                AttributionKeys.DEFAULT_TENANT,
                AttributionKeys.DEFAULT_USER,
                AttributionKeys.DEFAULT_FEATURE,
                List.of("service.name", "http.route"))
            .flatMap(List::stream)
            .collect(Collectors.toList());
    Random r = new Random(7);
    for (int i = 0; i < 5_000; i++) {
      List<KeyValue> span = randomAttributes(r, known);
      List<KeyValue> resource = randomAttributes(r, known);
      Attribution expected =
          new Attribution(
              reference(AttributionKeys.DEFAULT_CONVERSATION, span, resource),
              reference(AttributionKeys.DEFAULT_TENANT, span, resource),
              reference(AttributionKeys.DEFAULT_USER, span, resource),
              reference(AttributionKeys.DEFAULT_FEATURE, span, resource));
      assertThat(read(keys, span, resource))
          .as("span %s resource %s", span, resource)
          .isEqualTo(expected);
      assertThat(SpanNormalizer.normalize(span, resource, 1L).attribution()).isEqualTo(expected);
    }
  }

  private static List<KeyValue> randomAttributes(Random r, List<String> known) {
    List<String> shuffled = new ArrayList<>(known);
    Collections.shuffle(shuffled, r);
    List<KeyValue> out = new ArrayList<>();
    for (String key : shuffled.subList(0, r.nextInt(6))) {
      AnyValue.Builder v = AnyValue.newBuilder();
      switch (r.nextInt(4)) {
        case 0 -> v.setStringValue("");
        case 1 -> v.setIntValue(r.nextInt(100));
        case 2 -> v.setBoolValue(true);
        default -> v.setStringValue("v" + r.nextInt(100));
      }
      out.add(KeyValue.newBuilder().setKey(key).setValue(v).build());
    }
    return out;
  }

  private static String reference(List<String> keys, List<KeyValue> span, List<KeyValue> resource) {
    for (String key : keys) {
      String v = first(span, key);
      if (v.isEmpty()) {
        v = first(resource, key);
      }
      if (!v.isEmpty()) {
        return v;
      }
    }
    return "";
  }

  /** The first value of {@code key}: a string as it is, an integer in decimal, else empty. */
  private static String first(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        AnyValue v = kv.getValue();
        return v.hasStringValue()
            ? v.getStringValue()
            : v.hasIntValue() ? Long.toString(v.getIntValue()) : "";
      }
    }
    return "";
  }
}
