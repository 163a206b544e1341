package dev.costtrace.pricing.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A genai-prices catalog at a URL ({@code costtrace.prices.url}), in place of the bundled base
 * layer: fetched with {@code If-None-Match} / {@code If-Modified-Since}, so an unchanged file costs
 * a 304. The caller validates what comes back and keeps it only then ({@link #accept}); until a
 * fetch is accepted, the previous content stays.
 */
final class RemoteCatalog {
  /** A catalog is about half a megabyte; this bounds what a wrong URL can make us hold. */
  static final int MAX_BYTES = 32 << 20;

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final URI uri;
  private final HttpClient client;
  private volatile byte[] content;
  private String etag;
  private String lastModified;

  RemoteCatalog(URI uri) {
    this.uri = uri;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  URI uri() {
    return uri;
  }

  /** The last accepted content, or null before the first. */
  byte[] content() {
    return content;
  }

  /**
   * Fetches the file unless it is unchanged since the last accepted fetch.
   *
   * @return the new content, or null when the server says it has not changed
   * @throws CatalogException when it cannot be fetched (network, status, size)
   */
  Fetched fetch() {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET();
    if (content != null && etag != null) {
      request.header("If-None-Match", etag);
    } else if (content != null && lastModified != null) {
      request.header("If-Modified-Since", lastModified);
    }
    HttpResponse<InputStream> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new CatalogException(uri + ": cannot be fetched: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CatalogException(uri + ": interrupted while fetching");
    }
    try (InputStream body = response.body()) {
      if (response.statusCode() == 304 && content != null) {
        return null;
      }
      if (response.statusCode() != 200) {
        throw new CatalogException(uri + ": HTTP " + response.statusCode());
      }
      byte[] bytes = body.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new CatalogException(uri + ": larger than " + (MAX_BYTES >> 20) + " MiB");
      }
      return new Fetched(
          bytes,
          response.headers().firstValue("ETag").orElse(null),
          response.headers().firstValue("Last-Modified").orElse(null));
    } catch (IOException e) {
      throw new CatalogException(uri + ": cannot be read: " + e, e);
    }
  }

  /** Keeps a fetch that proved valid: it is the base layer from now on. */
  void accept(Fetched f) {
    this.etag = f.etag();
    this.lastModified = f.lastModified();
    this.content = f.content();
  }

  /**
   * A fetched file.
   *
   * @param content the body
   * @param etag its ETag, or null
   * @param lastModified its Last-Modified, or null
   */
  record Fetched(byte[] content, String etag, String lastModified) {}
}
