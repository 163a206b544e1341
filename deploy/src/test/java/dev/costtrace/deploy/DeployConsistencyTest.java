package dev.costtrace.deploy;

import static dev.costtrace.deploy.DeployFiles.at;
import static dev.costtrace.deploy.DeployFiles.list;
import static dev.costtrace.deploy.DeployFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.receiver.ingest.OtlpReceiver;
import dev.costtrace.testing.TestClickHouse;
import dev.costtrace.sink.schema.SchemaOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The compose stack, the Kubernetes manifests and the scale-out example parse, pin every image,
 * and agree with what the code actually does: ports, environment names, the image Jib builds, the
 * database, the data source and the health endpoints.
 */
class DeployConsistencyTest {
  static final Pattern PINNED = Pattern.compile("^[\\w./-]+:(\\d+(\\.\\d+)+[\\w.-]*|\\d+\\.\\d+\\.\\d+-SNAPSHOT)$");
  static final String COMPOSE = "deploy/compose/compose.yaml";
  static final String SCALE_OUT = "deploy/scale-out/compose.yaml";
  static final List<String> K8S = List.of("deploy/k8s/namespace.yaml", "deploy/k8s/receiver-config.yaml",
      "deploy/k8s/receiver-secrets.yaml", "deploy/k8s/receiver.yaml", "deploy/k8s/grafana.yaml");

  /** What the Jib plugin in otlp-receiver/cli/pom.xml builds. */
  record Jib(String from, String to, List<Integer> ports, Map<String, String> environment, List<String> args) {}

  static Jib jib() throws Exception {
    Document parent = xml(DeployFiles.path("pom.xml"));
    String version = ((Element) parent.getDocumentElement().getElementsByTagName("version").item(0)).getTextContent();
    Document pom = xml(DeployFiles.path("otlp-receiver/cli/pom.xml"));
    NodeList plugins = pom.getElementsByTagName("plugin");
    for (int i = 0; i < plugins.getLength(); i++) {
      Element p = (Element) plugins.item(i);
      if (!text(p, "artifactId").equals("jib-maven-plugin")) {
        continue;
      }
      Element from = (Element) p.getElementsByTagName("from").item(0);
      Element to = (Element) p.getElementsByTagName("to").item(0);
      List<Integer> ports = new ArrayList<>();
      NodeList ps = p.getElementsByTagName("port");
      for (int j = 0; j < ps.getLength(); j++) {
        ports.add(Integer.parseInt(ps.item(j).getTextContent().trim()));
      }
      Map<String, String> env = new LinkedHashMap<>();
      NodeList envs = ((Element) p.getElementsByTagName("environment").item(0)).getChildNodes();
      for (int j = 0; j < envs.getLength(); j++) {
        if (envs.item(j) instanceof Element e) {
          env.put(e.getTagName(), e.getTextContent().trim());
        }
      }
      List<String> args = new ArrayList<>();
      NodeList as = p.getElementsByTagName("arg");
      for (int j = 0; j < as.getLength(); j++) {
        args.add(as.item(j).getTextContent().trim());
      }
      return new Jib(text(from, "image"), text(to, "image").replace("${project.version}", version), ports, env, args);
    }
    throw new AssertionError("no jib-maven-plugin in otlp-receiver/cli/pom.xml");
  }

  static Document xml(Path file) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(file.toFile());
  }

  static String text(Element e, String tag) {
    return e.getElementsByTagName(tag).item(0).getTextContent().trim();
  }

  static Map<String, Object> services(String compose) {
    return map(DeployFiles.yaml(compose).get("services"));
  }

  static Map<String, String> env(Object service) {
    Map<String, String> out = new LinkedHashMap<>();
    Object e = map(service).get("environment");
    if (e != null) {
      map(e).forEach((k, v) -> out.put(k, String.valueOf(v)));
    }
    return out;
  }

  static List<Map<String, Object>> k8sObjects() {
    List<Map<String, Object>> out = new ArrayList<>();
    K8S.forEach(f -> out.addAll(DeployFiles.yamlDocuments(f)));
    return out;
  }

  static Map<String, Object> k8s(String kind, String name) {
    return k8sObjects().stream().filter(o -> kind.equals(o.get("kind")) && name.equals(at(o, "metadata.name")))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  @Test
  void everyFileParses() throws Exception {
    assertThat(services(COMPOSE))
        .containsOnlyKeys("clickhouse", "receiver", "grafana", "demo", "vendor", "demo-app");
    assertThat(services(SCALE_OUT)).hasSize(3 + 4 + 3 + 2);
    assertThat(k8sObjects()).extracting(o -> o.get("kind")).contains("Namespace", "ConfigMap", "Secret",
        "Deployment", "Service", "HorizontalPodAutoscaler", "Job", "PodDisruptionBudget");
    for (Map<String, Object> o : k8sObjects()) {
      assertThat(o).containsKeys("apiVersion", "kind", "metadata");
    }
    DeployFiles.yaml("deploy/k8s/kustomization.yaml");
    DeployFiles.yaml("grafana-dashboards/kustomization.yaml");
    DeployFiles.yaml("deploy/scale-out/otel-collector.yaml");
    xml(DeployFiles.path("deploy/scale-out/clickhouse/cluster.xml"));
    xml(DeployFiles.path("deploy/scale-out/keeper/keeper_config.xml"));
  }

  @Test
  void everyImageIsPinned() throws Exception {
    List<String> images = new ArrayList<>();
    for (String compose : List.of(COMPOSE, SCALE_OUT)) {
      services(compose).values().forEach(s -> images.add(String.valueOf(map(s).get("image"))));
    }
    for (Map<String, Object> o : k8sObjects()) {
      Object containers = at(o, "spec.template.spec.containers");
      if (containers != null) {
        for (Object c : list(containers)) {
          String image = String.valueOf(map(c).get("image"));
          // The receiver's tag is set once by kustomize's images: list.
          images.add(image.equals("costtrace/receiver") ? image + ":" + kustomizeReceiverTag() : image);
        }
      }
    }
    images.add(jib().from());
    images.add(jib().to());
    assertThat(images).isNotEmpty().allSatisfy(i -> assertThat(i).matches(PINNED));
    // One ClickHouse version everywhere, the one the sink's Docker path uses too.
    assertThat(images.stream().filter(i -> i.startsWith("clickhouse/clickhouse-server")).distinct())
        .containsExactly(TestClickHouse.DOCKER_IMAGE);
    assertThat(images.stream().filter(i -> i.startsWith("grafana/grafana")).distinct()).hasSize(1);
  }

  static String kustomizeReceiverTag() {
    for (Object image : list(DeployFiles.yaml("deploy/k8s/kustomization.yaml").get("images"))) {
      if ("costtrace/receiver".equals(map(image).get("name"))) {
        return String.valueOf(map(image).get("newTag"));
      }
    }
    throw new AssertionError("kustomization does not pin costtrace/receiver");
  }

  @Test
  void theReceiverImageIsTheOneJibBuilds() throws Exception {
    Jib jib = jib();
    assertThat(jib.args()).containsExactly("serve");
    assertThat(jib.ports()).containsExactly(OtlpReceiver.Builder.DEFAULT_GRPC_PORT, OtlpReceiver.Builder.DEFAULT_HTTP_PORT);
    assertThat(map(services(COMPOSE).get("receiver")).get("image")).isEqualTo(jib.to());
    assertThat(map(services(COMPOSE).get("demo")).get("image")).isEqualTo(jib.to());
    assertThat(map(services(SCALE_OUT).get("receiver-1")).get("image")).isEqualTo(jib.to());
    assertThat("costtrace/receiver:" + kustomizeReceiverTag()).isEqualTo(jib.to());
  }

  @Test
  void theDemoAppRunsUnderTheAgentAgainstTheRecordedVendor() throws Exception {
    Document pom = xml(DeployFiles.path("instrumentation-agent/demo-app/pom.xml"));
    String version =
        ((Element) xml(DeployFiles.path("pom.xml")).getDocumentElement().getElementsByTagName("version").item(0))
            .getTextContent();
    Element jib = null;
    NodeList plugins = pom.getElementsByTagName("plugin");
    for (int i = 0; i < plugins.getLength(); i++) {
      if (text((Element) plugins.item(i), "artifactId").equals("jib-maven-plugin")) {
        jib = (Element) plugins.item(i);
      }
    }
    assertThat(jib).as("the demo app's image is built by Jib").isNotNull();
    String image = text((Element) jib.getElementsByTagName("to").item(0), "image").replace("${project.version}", version);
    assertThat(text((Element) jib.getElementsByTagName("from").item(0), "image")).isEqualTo(jib().from());
    String agentDir = text((Element) jib.getElementsByTagName("path").item(0), "into");
    // The image holds the agent jar the agent module builds, under the name the compose file uses.
    assertThat(pom.getElementsByTagName("include").item(0).getTextContent()).isEqualTo("costtrace-javaagent.jar");
    assertThat(xml(DeployFiles.path("instrumentation-agent/javaagent/pom.xml")).getElementsByTagName("costtrace.agent.jar")
        .item(0).getTextContent()).endsWith("/costtrace-javaagent.jar");

    Map<String, Object> services = services(COMPOSE);
    Map<String, Object> app = map(services.get("demo-app"));
    Map<String, Object> vendor = map(services.get("vendor"));
    assertThat(app.get("image")).isEqualTo(image);
    assertThat(vendor.get("image")).isEqualTo(image);
    Map<String, String> env = env(app);
    assertThat(env.get("JAVA_TOOL_OPTIONS")).isEqualTo("-javaagent:" + agentDir + "/costtrace-javaagent.jar");
    assertThat(env.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
        .isEqualTo("http://receiver:" + OtlpReceiver.Builder.DEFAULT_HTTP_PORT);
    assertThat(env).doesNotContainKey("OTEL_EXPORTER_OTLP_PROTOCOL"); // the agent's default
    int port = dev.costtrace.demo.vendor.RecordedVendor.DEFAULT_PORT;
    assertThat(env.get(dev.costtrace.demo.DemoApp.ENV_VENDOR_URL)).isEqualTo("http://vendor:" + port);
    env.keySet().stream().filter(k -> k.startsWith("DEMO_"))
        .forEach(k -> assertThat(dev.costtrace.demo.DemoApp.ENVIRONMENT).as(k + " is read by the demo app").contains(k));
    assertThat(list(vendor.get("command"))).containsExactly("vendor", "--port", "" + port);
    assertThat(String.valueOf(at(vendor, "healthcheck.test")))
        .contains("/dev/tcp/127.0.0.1/" + port).contains("GET /health");
    assertThat(jib.getElementsByTagName("port").item(0).getTextContent()).isEqualTo("" + port);
    assertThat(String.valueOf(at(app, "depends_on.receiver.condition"))).isEqualTo("service_healthy");
    assertThat(String.valueOf(at(app, "depends_on.vendor.condition"))).isEqualTo("service_healthy");
  }

  @Test
  void portsAreTheReceiversDefaults() {
    int grpc = OtlpReceiver.Builder.DEFAULT_GRPC_PORT;
    int http = OtlpReceiver.Builder.DEFAULT_HTTP_PORT;
    Object receiver = services(COMPOSE).get("receiver");
    assertThat(list(map(receiver).get("ports"))).containsExactly(grpc + ":" + grpc, http + ":" + http);
    assertThat(env(receiver)).containsEntry("COSTTRACE_GRPC_PORT", "" + grpc).containsEntry("COSTTRACE_HTTP_PORT", "" + http);
    assertThat(String.valueOf(at(k8s("ConfigMap", "costtrace-receiver"), "data.COSTTRACE_GRPC_PORT"))).isEqualTo("" + grpc);
    assertThat(String.valueOf(at(k8s("ConfigMap", "costtrace-receiver"), "data.COSTTRACE_HTTP_PORT"))).isEqualTo("" + http);
    Map<String, Object> c = map(list(at(k8s("Deployment", "costtrace-receiver"), "spec.template.spec.containers")).get(0));
    Map<Object, Object> ports = new HashMap<>();
    list(c.get("ports")).forEach(p -> ports.put(map(p).get("name"), map(p).get("containerPort")));
    assertThat(ports).containsEntry("otlp-grpc", grpc).containsEntry("otlp-http", http);
    assertThat(at(c, "readinessProbe.httpGet.path")).isEqualTo("/ready");
    assertThat(at(c, "livenessProbe.httpGet.path")).isEqualTo("/health");
    assertThat(String.valueOf(map(services(COMPOSE).get("demo")).get("command"))).contains("http://receiver:" + http);
  }

  @Test
  void everyReceiverEnvironmentNameIsOneTheCodeReads() throws Exception {
    Set<String> known = DeployFiles.configKeysInCode();
    Map<String, String> env = new LinkedHashMap<>(jib().environment());
    env.putAll(env(services(COMPOSE).get("receiver")));
    for (int i = 1; i <= 3; i++) {
      env.putAll(env(services(SCALE_OUT).get("receiver-" + i)));
    }
    map(at(k8s("ConfigMap", "costtrace-receiver"), "data")).forEach((k, v) -> env.put(k, String.valueOf(v)));
    map(at(k8s("Secret", "costtrace-clickhouse"), "stringData")).forEach((k, v) -> env.put(k, String.valueOf(v)));
    Map<String, Object> c = map(list(at(k8s("Deployment", "costtrace-receiver"), "spec.template.spec.containers")).get(0));
    list(c.get("env")).forEach(e -> env.put(String.valueOf(map(e).get("name")), String.valueOf(map(e).get("value"))));
    assertThat(env).isNotEmpty();
    for (String name : env.keySet()) {
      assertThat(known).as("%s is read by the receiver as %s", name, DeployFiles.propertyOf(name))
          .contains(DeployFiles.propertyOf(name));
    }
    assertThat(String.valueOf(at(k8s("ConfigMap", "costtrace-receiver"), "data.COSTTRACE_CLICKHOUSE_DATABASE")))
        .isEqualTo(SchemaOptions.DEFAULT_DATABASE);
  }

  @Test
  void grafanaIsProvisionedWithTheDataSourceAndDashboardsTheReceiverFeeds() {
    Map<String, Object> ds = map(list(DeployFiles.yaml("grafana-dashboards/provisioning/datasources/clickhouse.yaml")
        .get("datasources")).get(0));
    assertThat(at(ds, "jsonData.defaultDatabase")).isEqualTo(SchemaOptions.DEFAULT_DATABASE);
    assertThat(at(ds, "jsonData.protocol")).isEqualTo("http");
    String dsPort = String.valueOf(at(ds, "jsonData.port"));
    String providerPath = String.valueOf(at(map(list(DeployFiles.yaml(
        "grafana-dashboards/provisioning/dashboards/costtrace.yaml").get("providers")).get(0)), "options.path"));
    for (String compose : List.of(COMPOSE, SCALE_OUT)) {
      Map<String, Object> services = services(compose);
      Object grafana = services.get("grafana");
      Map<String, String> env = env(grafana);
      String host = env.get("COSTTRACE_GRAFANA_CLICKHOUSE_HOST");
      assertThat(services).as("the data source host is a service of %s", compose).containsKey(host);
      Map<String, String> clickhouse = env(services.get(host));
      assertThat(env.get("CLICKHOUSE_USER")).isEqualTo(clickhouse.get("CLICKHOUSE_USER"));
      assertThat(env.get("CLICKHOUSE_PASSWORD")).isEqualTo(clickhouse.get("CLICKHOUSE_PASSWORD"));
      assertThat(env.get("GF_PLUGINS_PREINSTALL_SYNC")).startsWith("grafana-clickhouse-datasource@");
      List<Object> volumes = list(map(grafana).get("volumes"));
      assertThat(volumes).contains("../../grafana-dashboards/provisioning:/etc/grafana/provisioning:ro",
          "../../grafana-dashboards/dashboards:" + providerPath + ":ro");
      String home = env.get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH");
      assertThat(home).startsWith(providerPath + "/");
      assertThat(DeployFiles.path("grafana-dashboards/dashboards/" + home.substring(providerPath.length() + 1))).exists();
      // The receivers write where Grafana reads.
      services.entrySet().stream().filter(e -> e.getKey().startsWith("receiver")).forEach(e ->
          assertThat(env(e.getValue()).get("CLICKHOUSE_URL")).matches("http://[\\w-]+:" + dsPort));
    }
    assertThat(list(map(services(COMPOSE).get("clickhouse")).get("ports"))).contains(dsPort + ":" + dsPort);
  }

  @Test
  void kubernetesReferencesResolve() {
    Set<String> configMaps = new HashSet<>();
    Set<String> secrets = new HashSet<>();
    for (Map<String, Object> o : k8sObjects()) {
      if ("ConfigMap".equals(o.get("kind"))) {
        configMaps.add(String.valueOf(at(o, "metadata.name")));
      } else if ("Secret".equals(o.get("kind"))) {
        secrets.add(String.valueOf(at(o, "metadata.name")));
      }
    }
    Map<String, Object> dashboards = DeployFiles.yaml("grafana-dashboards/kustomization.yaml");
    for (Object g : list(dashboards.get("configMapGenerator"))) {
      configMaps.add(String.valueOf(map(g).get("name")));
      for (Object f : list(map(g).get("files"))) {
        assertThat(DeployFiles.path("grafana-dashboards/" + f)).exists();
      }
    }
    try (Stream<Path> files = Files.list(DeployFiles.path("grafana-dashboards/dashboards"))) {
      long json = files.filter(p -> p.toString().endsWith(".json")).count();
      assertThat(json).as("every dashboard is in the ConfigMap").isEqualTo(
          list(map(list(dashboards.get("configMapGenerator")).get(2)).get("files")).size());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    for (Object r : list(DeployFiles.yaml("deploy/k8s/kustomization.yaml").get("resources"))) {
      assertThat(DeployFiles.path("deploy/k8s/" + r)).exists();
    }
    int checked = 0;
    for (Map<String, Object> o : k8sObjects()) {
      Object spec = at(o, "spec.template.spec");
      if (spec == null) {
        continue;
      }
      for (Object v : list(map(spec).getOrDefault("volumes", List.of()))) {
        Object cm = at(map(v), "configMap.name");
        Object secret = at(map(v), "secret.secretName");
        if (cm != null) {
          assertThat(configMaps).contains(String.valueOf(cm));
          checked++;
        }
        if (secret != null) {
          assertThat(secrets).contains(String.valueOf(secret));
          checked++;
        }
      }
      for (Object c : list(map(spec).get("containers"))) {
        for (Object from : list(map(c).getOrDefault("envFrom", List.of()))) {
          Object cm = at(map(from), "configMapRef.name");
          Object secret = at(map(from), "secretRef.name");
          assertThat(cm != null ? configMaps : secrets).contains(String.valueOf(cm != null ? cm : secret));
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(5);
    Map<String, Object> hpa = k8s("HorizontalPodAutoscaler", "costtrace-receiver");
    assertThat(at(hpa, "spec.scaleTargetRef.name")).isEqualTo("costtrace-receiver");
    assertThat((Integer) at(hpa, "spec.minReplicas")).isGreaterThanOrEqualTo(2);
  }

  @Test
  void scaleOutRoutesTraceIdsToReceiversWritingOneCluster() throws Exception {
    Map<String, Object> collector = DeployFiles.yaml("deploy/scale-out/otel-collector.yaml");
    assertThat(at(collector, "exporters.loadbalancing.routing_key")).isEqualTo("traceID");
    List<Object> hosts = list(at(collector, "exporters.loadbalancing.resolver.static.hostnames"));
    Map<String, Object> services = services(SCALE_OUT);
    for (Object h : hosts) {
      String[] hostPort = String.valueOf(h).split(":");
      assertThat(services).containsKey(hostPort[0]);
      assertThat(Integer.parseInt(hostPort[1])).isEqualTo(OtlpReceiver.Builder.DEFAULT_GRPC_PORT);
    }
    assertThat(hosts).hasSize(3);
    Document cluster = xml(DeployFiles.path("deploy/scale-out/clickhouse/cluster.xml"));
    Element remote = (Element) cluster.getElementsByTagName("remote_servers").item(0);
    Element named = (Element) remote.getElementsByTagName("*").item(0);
    NodeList shards = named.getElementsByTagName("shard");
    assertThat(shards.getLength()).isEqualTo(2);
    Set<String> chHosts = new HashSet<>();
    for (int i = 0; i < shards.getLength(); i++) {
      NodeList replicas = ((Element) shards.item(i)).getElementsByTagName("replica");
      assertThat(replicas.getLength()).isEqualTo(2);
      for (int j = 0; j < replicas.getLength(); j++) {
        chHosts.add(text((Element) replicas.item(j), "host"));
      }
    }
    assertThat(services.keySet()).containsAll(chHosts);
    NodeList keepers = ((Element) cluster.getElementsByTagName("zookeeper").item(0)).getElementsByTagName("host");
    Document keeper = xml(DeployFiles.path("deploy/scale-out/keeper/keeper_config.xml"));
    NodeList raft = keeper.getElementsByTagName("hostname");
    assertThat(keepers.getLength()).isEqualTo(3).isEqualTo(raft.getLength());
    for (int i = 0; i < raft.getLength(); i++) {
      assertThat(services).containsKey(raft.item(i).getTextContent());
      assertThat(env(services.get(raft.item(i).getTextContent()))).containsEntry("KEEPER_SERVER_ID", "" + (i + 1));
    }
    int migrating = 0;
    for (int i = 1; i <= 3; i++) {
      Map<String, String> env = env(services.get("receiver-" + i));
      assertThat(env.get("COSTTRACE_CLICKHOUSE_CLUSTER")).isEqualTo(named.getTagName());
      assertThat(chHosts).contains(URI.create(env.get("CLICKHOUSE_URL")).getHost());
      migrating += Boolean.parseBoolean(env.get("COSTTRACE_CLICKHOUSE_MIGRATE")) ? 1 : 0;
    }
    assertThat(migrating).as("one receiver migrates the schema").isEqualTo(1);
  }

  @Test
  void theHealthEndpointsTheProbesUseAnswer() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.builder().host("127.0.0.1").grpcPort(0).httpPort(0)
        .consumer((request, tenant) -> dev.costtrace.receiver.pipeline.ExportOutcome.allAccepted()).start()) {
      HttpClient http = HttpClient.newHttpClient();
      for (String path : List.of("/ready", "/health")) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + receiver.httpPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
      }
    }
    String healthcheck = String.valueOf(at(map(services(COMPOSE).get("receiver")), "healthcheck.test"));
    assertThat(healthcheck).contains("GET /ready").contains("/dev/tcp/127.0.0.1/" + OtlpReceiver.Builder.DEFAULT_HTTP_PORT);
  }
}
