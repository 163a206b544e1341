package dev.costtrace.receiver.attribution;

import dev.costtrace.config.Config;
import dev.costtrace.pricing.normalize.AttributionAttributes;
import dev.costtrace.receiver.otlp.OtlpAttributes;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which span or resource attributes carry the conversation, tenant, user and feature, in order of
 * preference. Configurable with {@code costtrace.attribution.<field>.keys} (comma-separated); the
 * defaults are {@link AttributionAttributes}'.
 */
public final class AttributionKeys {
  public static final List<String> DEFAULT_CONVERSATION = AttributionAttributes.CONVERSATION;
  public static final List<String> DEFAULT_TENANT = AttributionAttributes.TENANT;
  public static final List<String> DEFAULT_USER = AttributionAttributes.USER;
  public static final List<String> DEFAULT_FEATURE = AttributionAttributes.FEATURE;

  private static final int FIELDS = Attribution.FIELDS;

  /**
   * Attribute key → the fields it may fill and its preference among each field's keys, as pairs
   * {@code [field, rank, field, rank, …]}: one hash lookup per attribute instead of comparing every
   * configured key with every attribute (that was the receiver's top CPU cost per span).
   */
  private final Map<String, int[]> slots = new HashMap<>();

  public AttributionKeys(
      List<String> conversation, List<String> tenant, List<String> user, List<String> feature) {
    List<List<String>> fields =
        List.of(
            List.copyOf(conversation),
            List.copyOf(tenant),
            List.copyOf(user),
            List.copyOf(feature));
    for (int f = 0; f < FIELDS; f++) {
      List<String> keys = fields.get(f);
      for (int rank = 0; rank < keys.size(); rank++) {
        int[] old = slots.get(keys.get(rank));
        if (old != null && containsField(old, f)) {
          continue; // a key listed twice for one field keeps its first (better) rank
        }
        int[] slot = old == null ? new int[2] : Arrays.copyOf(old, old.length + 2);
        slot[slot.length - 2] = f;
        slot[slot.length - 1] = rank;
        slots.put(keys.get(rank), slot);
      }
    }
  }

  private static boolean containsField(int[] slot, int field) {
    for (int i = 0; i < slot.length; i += 2) {
      if (slot[i] == field) {
        return true;
      }
    }
    return false;
  }

  public static AttributionKeys defaults() {
    return new AttributionKeys(DEFAULT_CONVERSATION, DEFAULT_TENANT, DEFAULT_USER, DEFAULT_FEATURE);
  }

  public static AttributionKeys fromConfig(Config config) {
    return new AttributionKeys(
        config.getList("costtrace.attribution.conversation.keys").orElse(DEFAULT_CONVERSATION),
        config.getList("costtrace.attribution.tenant.keys").orElse(DEFAULT_TENANT),
        config.getList("costtrace.attribution.user.keys").orElse(DEFAULT_USER),
        config.getList("costtrace.attribution.feature.keys").orElse(DEFAULT_FEATURE));
  }

  /**
   * What these attributes say: for each field the value of its most preferred key that has a
   * non-empty value, the span's value before the resource's for the same key.
   */
  public Attribution read(List<KeyValue> span, List<KeyValue> resource) {
    return read(span, resource(resource));
  }

  /**
   * What a resource's attributes say, read once for all the spans under it (the same for each of
   * them, and a resource usually has many spans).
   */
  public ResourceAttribution resource(List<KeyValue> resource) {
    String[] values = new String[FIELDS];
    int[] ranks = {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE};
    scan(resource, values, ranks);
    return new ResourceAttribution(values, ranks);
  }

  /**
   * As {@link #read(List, List)}, with the resource read already: the same result, since a resource
   * value wins a field only with a strictly better rank than the span's.
   */
  public Attribution read(List<KeyValue> span, ResourceAttribution resource) {
    String[] values = new String[FIELDS];
    int[] ranks = {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE};
    boolean found = scan(span, values, ranks);
    if (!found && resource.empty) {
      return Attribution.NONE; // most spans carry no attribution key: nothing to allocate
    }
    for (int f = 0; f < FIELDS; f++) {
      if (resource.ranks[f] < ranks[f]) { // strictly better ranks only: the span wins a tie
        values[f] = resource.values[f];
        ranks[f] = resource.ranks[f];
      }
    }
    return new Attribution(
        orEmpty(values[0]), orEmpty(values[1]), orEmpty(values[2]), orEmpty(values[3]));
  }

  /** A resource's attribution values and their ranks, per field; see {@link #resource}. */
  public static final class ResourceAttribution {
    private final String[] values;
    private final int[] ranks;
    private final boolean empty;

    private ResourceAttribution(String[] values, int[] ranks) {
      this.values = values;
      this.ranks = ranks;
      boolean none = true;
      for (String v : values) {
        none &= v == null;
      }
      this.empty = none;
    }
  }

  /**
   * @return whether any field got a value
   */
  private boolean scan(List<KeyValue> attributes, String[] values, int[] ranks) {
    boolean found = false;
    for (int i = 0, n = attributes.size(); i < n; i++) {
      KeyValue kv = attributes.get(i);
      int[] slot = slots.get(kv.getKey());
      if (slot == null) {
        continue;
      }
      for (int j = 0; j < slot.length; j += 2) {
        int field = slot[j];
        int rank = slot[j + 1];
        if (rank < ranks[field]) {
          String v = OtlpAttributes.text(kv.getValue());
          if (!v.isEmpty()) {
            values[field] = v;
            ranks[field] = rank;
            found = true;
          }
        }
      }
    }
    return found;
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
