package dev.costtrace.receiver.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OpenAPI document the receiver serves, used as the contract of real responses: a response's
 * status must be documented for its operation, its content type must be the documented one, its
 * documented headers present, and its body valid against the documented JSON Schema (2020-12, as
 * OpenAPI 3.1 uses). Records which operation and status pairs were checked, so a test can require
 * every documented one to have been seen.
 */
public final class OpenApiContract {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonSchemaFactory SCHEMAS =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  private final JsonNode document;
  private final Set<String> checked = ConcurrentHashMap.newKeySet();

  public OpenApiContract() {
    try {
      this.document = JSON.readTree(CostApi.openApiDocument());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public JsonNode document() {
    return document;
  }

  /**
   * Checks a response of {@code GET pathTemplate} (e.g. {@code /api/v1/conversations/{id}}) against
   * the document; returns its body as JSON.
   */
  public JsonNode check(String pathTemplate, HttpResponse<String> response) {
    JsonNode operation = document.path("paths").path(pathTemplate).path("get");
    assertThat(operation.isMissingNode()).as("documented operation GET %s", pathTemplate).isFalse();
    String status = Integer.toString(response.statusCode());
    JsonNode documented = resolve(operation.path("responses").path(status));
    assertThat(documented.isMissingNode())
        .as("status %s of GET %s is documented (body: %s)", status, pathTemplate, response.body())
        .isFalse();
    for (Map.Entry<String, JsonNode> header : documented.path("headers").properties()) {
      String name = header.getKey();
      assertThat(response.headers().firstValue(name))
          .as("header %s of %s %s", name, status, pathTemplate)
          .isPresent();
    }
    Map.Entry<String, JsonNode> content = documented.path("content").properties().iterator().next();
    assertThat(response.headers().firstValue("Content-Type")).hasValue(content.getKey());
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + response.body(), e);
    }
    Set<ValidationMessage> errors = schema(content.getValue().path("schema")).validate(body);
    assertThat(errors)
        .as("GET %s %s against the OpenAPI schema: %s", pathTemplate, status, body)
        .isEmpty();
    checked.add(pathTemplate + " " + status);
    return body;
  }

  /** Every documented (operation, status) pair, as {@code "/path status"}. */
  public Set<String> documented() {
    Set<String> out = new java.util.TreeSet<>();
    document
        .path("paths")
        .properties()
        .forEach(
            p ->
                p.getValue()
                    .path("get")
                    .path("responses")
                    .fieldNames()
                    .forEachRemaining(s -> out.add(p.getKey() + " " + s)));
    return out;
  }

  /** The (operation, status) pairs checked so far. */
  public Set<String> checked() {
    return Set.copyOf(checked);
  }

  private JsonNode resolve(JsonNode node) {
    JsonNode ref = node.path("$ref");
    return ref.isTextual() ? document.at(ref.asText().substring(1)) : node;
  }

  /** A schema whose {@code #/components/...} references resolve within the document. */
  private JsonSchema schema(JsonNode schema) {
    ObjectNode root = JSON.createObjectNode();
    root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    root.set("components", document.path("components"));
    root.set("allOf", JSON.createArrayNode().add(schema));
    return SCHEMAS.getSchema(root);
  }
}
