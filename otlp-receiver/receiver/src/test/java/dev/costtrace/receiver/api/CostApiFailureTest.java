package dev.costtrace.receiver.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.costtrace.sink.report.ConversationCosts;
import dev.costtrace.testing.TestClickHouse;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/**
 * What the API answers when its reads fail: an unreachable ClickHouse is a 503 problem with
 * Retry-After, a query ClickHouse refuses (here: a database that does not exist) a 500 problem that
 * does not leak the query, a receiver at capacity a 503 at once; as the OpenAPI document says.
 */
class CostApiFailureTest {
  private final OpenApiContract contract = new OpenApiContract();

  private HttpResponse<String> get(Client client, String database, String path) throws Exception {
    return get(new CostApi(new ConversationCosts(client, database), null, Clock.systemUTC()), path);
  }

  private HttpResponse<String> get(CostApi api, String path) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(CostApi.PREFIX, api);
    server.start();
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void anUnreachableStoreIsA503WithRetryAfter() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    try (Client client =
        new Client.Builder()
            .addEndpoint("http://127.0.0.1:" + closed)
            .setUsername("default")
            .setPassword("")
            .build()) {
      for (String[] op :
          new String[][] {
            {"/api/v1/conversations/{id}", "/api/v1/conversations/c1"},
            {"/api/v1/conversations", "/api/v1/conversations"},
            {"/api/v1/costs", "/api/v1/costs"}
          }) {
        HttpResponse<String> r = get(client, "costtrace", op[1]);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(contract.check(op[0], r).get("detail").asText()).contains("unreachable");
      }
    }
  }

  @Test
  void aFailingQueryIsA500ThatLeaksNoSql() throws Exception {
    try (Client client = TestClickHouse.shared().newClient("default")) {
      for (String[] op :
          new String[][] {
            {"/api/v1/conversations/{id}", "/api/v1/conversations/c1"},
            {"/api/v1/conversations", "/api/v1/conversations"},
            {"/api/v1/costs", "/api/v1/costs"}
          }) {
        HttpResponse<String> r =
            get(client, "no_such_database_" + ProcessHandle.current().pid(), op[1]);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(500);
        JsonNode p = contract.check(op[0], r);
        assertThat(p.get("title").asText()).isEqualTo("Internal Server Error");
        assertThat(r.body()).doesNotContain("SELECT").doesNotContain("no_such_database");
      }
    }
    assertThat(contract.checked()).hasSize(3);
  }

  @Test
  void aFullWorkerQueueIsA503AtOnce() throws Exception {
    try (Client client = TestClickHouse.shared().newClient("default")) {
      CostApi api =
          new CostApi(
              new ConversationCosts(client, "costtrace"), null, Clock.systemUTC(), () -> true);
      HttpResponse<String> r = get(api, "/api/v1/conversations/c1");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(contract.check("/api/v1/conversations/{id}", r).get("detail").asText())
          .contains("at capacity");
    }
  }
}
