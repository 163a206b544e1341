package dev.costtrace.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpCaptureSettingsTest {
  @Test
  void defaultsMatchOpenAiAzureAndLocalOllama() {
    HttpCaptureSettings s = HttpCaptureSettings.defaults();
    assertThat(s.maxBodyBytes()).isEqualTo(4 * 1024 * 1024);

    LlmEndpoint openai = s.match("https", "api.openai.com", -1, "/v1/chat/completions");
    assertThat(openai.provider()).isEqualTo("openai");
    assertThat(openai.operation()).isEqualTo("chat");

    LlmEndpoint azure =
        s.match(
            "https",
            "contoso.openai.azure.com",
            443,
            "/openai/deployments/gpt4o-prod/chat/completions");
    assertThat(azure.provider()).isEqualTo("azure.ai.openai");
    assertThat(azure.azureDeployment()).isEqualTo("gpt4o-prod");

    LlmEndpoint ollama = s.match("http", "localhost", 11434, "/v1/chat/completions");
    assertThat(ollama.provider()).isEqualTo("ollama");

    assertThat(s.match("http", "localhost", 8080, "/v1/chat/completions")).isNull();
    assertThat(s.match("https", "openai.azure.com", 443, "/openai/deployments/x/chat/completions"))
        .isNull();
    assertThat(s.match("https", "api.openai.com", 443, "/v1/models")).isNull();
    assertThat(s.match("https", "example.com", 443, "/v1/chat/completions")).isNull();
  }

  @Test
  void operationsFromPaths() {
    HttpCaptureSettings s = HttpCaptureSettings.defaults();
    assertThat(s.match("https", "api.openai.com", 443, "/v1/completions").operation())
        .isEqualTo("text_completion");
    assertThat(s.match("https", "api.openai.com", 443, "/v1/embeddings").operation())
        .isEqualTo("embeddings");
    LlmEndpoint responses = s.match("https", "api.openai.com", 443, "/v1/responses");
    assertThat(responses.operation()).isEqualTo("chat");
    assertThat(responses.responsesApi()).isTrue();
  }

  @Test
  void hostListFromPropertyReplacesTheDefaults() {
    Map<String, String> p = new HashMap<>();
    p.put("costtrace.agent.http.hosts", " 127.0.0.1 , *.example.org:8443 ");
    HttpCaptureSettings s = HttpCaptureSettings.fromProperties(p::get);
    assertThat(s.match("http", "127.0.0.1", 51234, "/v1/chat/completions")).isNotNull();
    assertThat(s.match("https", "llm.example.org", 8443, "/v1/embeddings")).isNotNull();
    assertThat(s.match("https", "llm.example.org", 443, "/v1/embeddings")).isNull();
    assertThat(s.match("https", "api.openai.com", 443, "/v1/chat/completions")).isNull();
  }

  @Test
  void badValuesFailNamingTheKey() {
    assertThatThrownBy(
            () ->
                HttpCaptureSettings.fromProperties(k -> k.endsWith("hosts") ? "a:notaport" : null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Invalid value for costtrace.agent.http.hosts: 'a:notaport' (port is not a number)");
    assertThatThrownBy(
            () -> HttpCaptureSettings.fromProperties(k -> k.endsWith("hosts") ? "api.*.com" : null))
        .hasMessageContaining("costtrace.agent.http.hosts");
    assertThatThrownBy(
            () ->
                HttpCaptureSettings.fromProperties(k -> k.endsWith("max-body-bytes") ? "0" : null))
        .hasMessage(
            "Invalid value for costtrace.agent.http.max-body-bytes: '0' (must be a positive number of bytes)");
  }
}
