package dev.costtrace.receiver.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem detail ({@code application/problem+json}). Problems with no meaning beyond
 * their HTTP status use the type {@code about:blank} and the status phrase as title; the API's own
 * kinds have a type under {@value #TYPES}, documented in the OpenAPI document.
 */
final class Problem extends RuntimeException {
  private static final long serialVersionUID = 1L;
  static final String CONTENT_TYPE = "application/problem+json";
  static final String TYPES = "/api/v1/problems/";

  private final String type;
  private final String title;
  private final int status;
  private final transient Map<String, String> invalidParams;
  private final transient Map<String, String> headers = new LinkedHashMap<>();

  private Problem(
      String type, String title, int status, String detail, Map<String, String> invalidParams) {
    super(detail, null, false, false);
    this.type = type;
    this.title = title;
    this.status = status;
    this.invalidParams = invalidParams;
  }

  /** A query or path parameter the API cannot use: 400, naming the parameter and why. */
  static Problem invalidParameter(String name, String reason) {
    return new Problem(
        TYPES + "invalid-parameter",
        "Invalid request parameter",
        400,
        name + ": " + reason,
        Map.of(name, reason));
  }

  /** A tenant's token asking for another tenant's data: 403. */
  static Problem otherTenant(String detail) {
    return new Problem(TYPES + "tenant-scope", "Outside the token's tenant", 403, detail, Map.of());
  }

  /** A conversation ID that exists in several tenants, looked up without naming one: 409. */
  static Problem ambiguous(String detail) {
    return new Problem(
        TYPES + "ambiguous-conversation",
        "Conversation ID in several tenants",
        409,
        detail,
        Map.of());
  }

  /** A problem with no meaning beyond its HTTP status. */
  static Problem status(int status, String detail) {
    return new Problem("about:blank", phrase(status), status, detail, Map.of());
  }

  /** Adds a response header (Allow, WWW-Authenticate, Retry-After). */
  Problem header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  int status() {
    return status;
  }

  Map<String, String> headers() {
    return headers;
  }

  /** The problem document; {@code instance} is the request's path. */
  ObjectNode toJson(String instance) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("type", type);
    o.put("title", title);
    o.put("status", status);
    o.put("detail", getMessage());
    o.put("instance", instance);
    if (!invalidParams.isEmpty()) {
      ArrayNode params = o.putArray("invalid-params");
      invalidParams.forEach(
          (name, reason) -> params.addObject().put("name", name).put("reason", reason));
    }
    return o;
  }

  private static String phrase(int status) {
    switch (status) {
      case 401:
        return "Unauthorized";
      case 403:
        return "Forbidden";
      case 404:
        return "Not Found";
      case 405:
        return "Method Not Allowed";
      case 500:
        return "Internal Server Error";
      case 503:
        return "Service Unavailable";
      default:
        throw new IllegalArgumentException("no phrase for HTTP status " + status);
    }
  }
}
