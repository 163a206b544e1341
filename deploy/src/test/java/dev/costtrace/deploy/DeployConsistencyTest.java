package dev.costtrace.deploy;

import static dev.costtrace.deploy.DeployFiles.at;
import static dev.costtrace.deploy.DeployFiles.list;
import static dev.costtrace.deploy.DeployFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.receiver.ingest.OtlpReceiver;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.TestClickHouse;
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
 * The compose stack, the Kubernetes manifests and the scale-out example parse, pin every image, and
 * agree with what the code actually does: ports, environment names, the image Jib builds, the
 * database, the data source and the health endpoints.
 */
class DeployConsistencyTest {
  static final Pattern PINNED =
      Pattern.compile("^[\\w./-]+:(\\d+(\\.\\d+)+[\\w.-]*|\\d+\\.\\d+\\.\\d+-SNAPSHOT)$");
  static final String COMPOSE = "deploy/compose/compose.yaml";
  static final String SCALE_OUT = "deploy/scale-out/compose.yaml";
  static final List<String> K8S =
      List.of(
          "deploy/k8s/namespace.yaml",
          "deploy/k8s/receiver-config.yaml",
          "deploy/k8s/receiver-secrets.yaml",
          "deploy/k8s/receiver.yaml",
          "deploy/k8s/grafana.yaml",
          "deploy/k8s/grafana-clickhouse-user.yaml");
  static final String GRAFANA_USERS = "deploy/compose/clickhouse/users.d/costtrace-grafana.xml";
  static final String ACCESS_CONFIG = "deploy/compose/clickhouse/config.d/costtrace-access.xml";

  /** What the Jib plugin in otlp-receiver/cli/pom.xml builds. */
  record Jib(
      String from,
      String to,
      List<Integer> ports,
      Map<String, String> environment,
      List<String> args) {}

  static Jib jib() throws Exception {
    Document parent = xml(DeployFiles.path("pom.xml"));
    String version =
        ((Element) parent.getDocumentElement().getElementsByTagName("version").item(0))
            .getTextContent();
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
      return new Jib(
          text(from, "image"),
          text(to, "image").replace("${project.version}", version),
          ports,
          env,
          args);
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
    return k8sObjects().stream()
        .filter(o -> kind.equals(o.get("kind")) && name.equals(at(o, "metadata.name")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  @Test
  void everyFileParses() throws Exception {
    assertThat(services(COMPOSE))
        .containsOnlyKeys("clickhouse", "receiver", "grafana", "demo", "vendor", "demo-app");
    assertThat(services(SCALE_OUT)).hasSize(3 + 4 + 3 + 2);
    assertThat(k8sObjects())
        .extracting(o -> o.get("kind"))
        .contains(
            "Namespace",
            "ConfigMap",
            "Secret",
            "StatefulSet",
            "Deployment",
            "Service",
            "HorizontalPodAutoscaler",
            "Job",
            "PodDisruptionBudget");
    for (Map<String, Object> o : k8sObjects()) {
      assertThat(o).containsKeys("apiVersion", "kind", "metadata");
    }
    DeployFiles.yaml("deploy/k8s/kustomization.yaml");
    DeployFiles.yaml("grafana-dashboards/kustomization.yaml");
    DeployFiles.yaml("deploy/scale-out/otel-collector.yaml");
    xml(DeployFiles.path("deploy/scale-out/clickhouse/cluster.xml"));
    xml(DeployFiles.path("deploy/scale-out/keeper/keeper_config.xml"));
    xml(DeployFiles.path(GRAFANA_USERS));
    xml(DeployFiles.path(ACCESS_CONFIG));
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
          images.add(
              image.equals("costtrace/receiver") ? image + ":" + kustomizeReceiverTag() : image);
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
    assertThat(jib.ports())
        .containsExactly(
            OtlpReceiver.Builder.DEFAULT_GRPC_PORT, OtlpReceiver.Builder.DEFAULT_HTTP_PORT);
    assertThat(map(services(COMPOSE).get("receiver")).get("image")).isEqualTo(jib.to());
    assertThat(map(services(COMPOSE).get("demo")).get("image")).isEqualTo(jib.to());
    assertThat(map(services(SCALE_OUT).get("receiver-1")).get("image")).isEqualTo(jib.to());
    assertThat("costtrace/receiver:" + kustomizeReceiverTag()).isEqualTo(jib.to());
  }

  @Test
  void theDemoAppRunsUnderTheAgentAgainstTheRecordedVendor() throws Exception {
    Document pom = xml(DeployFiles.path("instrumentation-agent/demo-app/pom.xml"));
    String version =
        ((Element)
                xml(DeployFiles.path("pom.xml"))
                    .getDocumentElement()
                    .getElementsByTagName("version")
                    .item(0))
            .getTextContent();
    Element jib = null;
    NodeList plugins = pom.getElementsByTagName("plugin");
    for (int i = 0; i < plugins.getLength(); i++) {
      if (text((Element) plugins.item(i), "artifactId").equals("jib-maven-plugin")) {
        jib = (Element) plugins.item(i);
      }
    }
    assertThat(jib).as("the demo app's image is built by Jib").isNotNull();
    String image =
        text((Element) jib.getElementsByTagName("to").item(0), "image")
            .replace("${project.version}", version);
    assertThat(text((Element) jib.getElementsByTagName("from").item(0), "image"))
        .isEqualTo(jib().from());
    String agentDir = text((Element) jib.getElementsByTagName("path").item(0), "into");
    // The image holds the agent jar the agent module builds, under the name the compose file uses.
    assertThat(pom.getElementsByTagName("include").item(0).getTextContent())
        .isEqualTo("costtrace-javaagent.jar");
    assertThat(
            xml(DeployFiles.path("instrumentation-agent/javaagent/pom.xml"))
                .getElementsByTagName("costtrace.agent.jar")
                .item(0)
                .getTextContent())
        .endsWith("/costtrace-javaagent.jar");

    Map<String, Object> services = services(COMPOSE);
    Map<String, Object> app = map(services.get("demo-app"));
    Map<String, Object> vendor = map(services.get("vendor"));
    assertThat(app.get("image")).isEqualTo(image);
    assertThat(vendor.get("image")).isEqualTo(image);
    Map<String, String> env = env(app);
    assertThat(env.get("JAVA_TOOL_OPTIONS"))
        .isEqualTo("-javaagent:" + agentDir + "/costtrace-javaagent.jar");
    assertThat(env.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
        .isEqualTo("http://receiver:" + OtlpReceiver.Builder.DEFAULT_HTTP_PORT);
    assertThat(env).doesNotContainKey("OTEL_EXPORTER_OTLP_PROTOCOL"); // the agent's default
    int port = dev.costtrace.demo.vendor.RecordedVendor.DEFAULT_PORT;
    assertThat(env.get(dev.costtrace.demo.DemoApp.ENV_VENDOR_URL))
        .isEqualTo("http://vendor:" + port);
    env.keySet().stream()
        .filter(k -> k.startsWith("DEMO_"))
        .forEach(
            k ->
                assertThat(dev.costtrace.demo.DemoApp.ENVIRONMENT)
                    .as(k + " is read by the demo app")
                    .contains(k));
    assertThat(list(vendor.get("command"))).containsExactly("vendor", "--port", "" + port);
    assertThat(String.valueOf(at(vendor, "healthcheck.test")))
        .contains("/dev/tcp/127.0.0.1/" + port)
        .contains("GET /health");
    assertThat(jib.getElementsByTagName("port").item(0).getTextContent()).isEqualTo("" + port);
    assertThat(String.valueOf(at(app, "depends_on.receiver.condition")))
        .isEqualTo("service_healthy");
    assertThat(String.valueOf(at(app, "depends_on.vendor.condition"))).isEqualTo("service_healthy");
  }

  @Test
  void portsAreTheReceiversDefaults() {
    int grpc = OtlpReceiver.Builder.DEFAULT_GRPC_PORT;
    int http = OtlpReceiver.Builder.DEFAULT_HTTP_PORT;
    Object receiver = services(COMPOSE).get("receiver");
    assertThat(list(map(receiver).get("ports")))
        .containsExactly(grpc + ":" + grpc, http + ":" + http);
    assertThat(env(receiver))
        .containsEntry("COSTTRACE_GRPC_PORT", "" + grpc)
        .containsEntry("COSTTRACE_HTTP_PORT", "" + http);
    assertThat(
            String.valueOf(at(k8s("ConfigMap", "costtrace-receiver"), "data.COSTTRACE_GRPC_PORT")))
        .isEqualTo("" + grpc);
    assertThat(
            String.valueOf(at(k8s("ConfigMap", "costtrace-receiver"), "data.COSTTRACE_HTTP_PORT")))
        .isEqualTo("" + http);
    Map<String, Object> c =
        map(
            list(at(k8s("StatefulSet", "costtrace-receiver"), "spec.template.spec.containers"))
                .get(0));
    Map<Object, Object> ports = new HashMap<>();
    list(c.get("ports")).forEach(p -> ports.put(map(p).get("name"), map(p).get("containerPort")));
    assertThat(ports).containsEntry("otlp-grpc", grpc).containsEntry("otlp-http", http);
    assertThat(at(c, "readinessProbe.httpGet.path")).isEqualTo("/ready");
    assertThat(at(c, "livenessProbe.httpGet.path")).isEqualTo("/health");
    assertThat(String.valueOf(map(services(COMPOSE).get("demo")).get("command")))
        .contains("http://receiver:" + http);
  }

  @Test
  void everyReceiverEnvironmentNameIsOneTheCodeReads() throws Exception {
    Set<String> known = DeployFiles.configKeysInCode();
    Map<String, String> env = new LinkedHashMap<>(jib().environment());
    env.putAll(env(services(COMPOSE).get("receiver")));
    for (int i = 1; i <= 3; i++) {
      env.putAll(env(services(SCALE_OUT).get("receiver-" + i)));
    }
    map(at(k8s("ConfigMap", "costtrace-receiver"), "data"))
        .forEach((k, v) -> env.put(k, String.valueOf(v)));
    map(at(k8s("Secret", "costtrace-clickhouse"), "stringData"))
        .forEach((k, v) -> env.put(k, String.valueOf(v)));
    Map<String, Object> c =
        map(
            list(at(k8s("StatefulSet", "costtrace-receiver"), "spec.template.spec.containers"))
                .get(0));
    list(c.get("env"))
        .forEach(
            e -> env.put(String.valueOf(map(e).get("name")), String.valueOf(map(e).get("value"))));
    assertThat(env).isNotEmpty();
    for (String name : env.keySet()) {
      assertThat(known)
          .as("%s is read by the receiver as %s", name, DeployFiles.propertyOf(name))
          .contains(DeployFiles.propertyOf(name));
    }
    assertThat(
            String.valueOf(
                at(k8s("ConfigMap", "costtrace-receiver"), "data.COSTTRACE_CLICKHOUSE_DATABASE")))
        .isEqualTo(SchemaOptions.DEFAULT_DATABASE);
  }

  @Test
  void grafanaIsProvisionedWithTheDataSourceAndDashboardsTheReceiverFeeds() {
    Map<String, Object> ds =
        map(
            list(DeployFiles.yaml("grafana-dashboards/provisioning/datasources/clickhouse.yaml")
                    .get("datasources"))
                .get(0));
    assertThat(at(ds, "jsonData.defaultDatabase")).isEqualTo(SchemaOptions.DEFAULT_DATABASE);
    assertThat(at(ds, "jsonData.protocol")).isEqualTo("http");
    String dsPort = String.valueOf(at(ds, "jsonData.port"));
    String providerPath =
        String.valueOf(
            at(
                map(
                    list(DeployFiles.yaml(
                                "grafana-dashboards/provisioning/dashboards/costtrace.yaml")
                            .get("providers"))
                        .get(0)),
                "options.path"));
    for (String compose : List.of(COMPOSE, SCALE_OUT)) {
      Map<String, Object> services = services(compose);
      Object grafana = services.get("grafana");
      Map<String, String> env = env(grafana);
      String host = env.get("COSTTRACE_GRAFANA_CLICKHOUSE_HOST");
      assertThat(services).as("the data source host is a service of %s", compose).containsKey(host);
      Map<String, String> clickhouse = env(services.get(host));
      // Grafana reads as the read-only user the ClickHouse service defines, never as the receiver.
      assertThat(env.get("COSTTRACE_GRAFANA_CLICKHOUSE_USER"))
          .isEqualTo(readOnlyUser().getTagName())
          .isNotEqualTo(clickhouse.get("CLICKHOUSE_USER"));
      assertThat(env.get("COSTTRACE_GRAFANA_CLICKHOUSE_PASSWORD"))
          .isEqualTo(clickhouse.get("CLICKHOUSE_GRAFANA_PASSWORD"));
      assertThat(env).doesNotContainKeys("CLICKHOUSE_USER", "CLICKHOUSE_PASSWORD");
      String usersDir = compose.equals(COMPOSE) ? "./clickhouse" : "../compose/clickhouse";
      assertThat(list(map(services.get(host)).get("volumes")))
          .contains(
              usersDir
                  + "/users.d/costtrace-grafana.xml:/etc/clickhouse-server/users.d/costtrace-grafana.xml:ro",
              usersDir
                  + "/config.d/costtrace-access.xml:/etc/clickhouse-server/config.d/costtrace-access.xml:ro");
      assertThat(env.get("GF_PLUGINS_PREINSTALL_SYNC"))
          .startsWith("grafana-clickhouse-datasource@");
      List<Object> volumes = list(map(grafana).get("volumes"));
      assertThat(volumes)
          .contains(
              "../../grafana-dashboards/provisioning:/etc/grafana/provisioning:ro",
              "../../grafana-dashboards/dashboards:" + providerPath + ":ro");
      String home = env.get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH");
      assertThat(home).startsWith(providerPath + "/");
      assertThat(
              DeployFiles.path(
                  "grafana-dashboards/dashboards/" + home.substring(providerPath.length() + 1)))
          .exists();
      // The receivers write where Grafana reads.
      services.entrySet().stream()
          .filter(e -> e.getKey().startsWith("receiver"))
          .forEach(
              e ->
                  assertThat(env(e.getValue()).get("CLICKHOUSE_URL"))
                      .matches("http://[\\w-]+:" + dsPort));
    }
    assertThat(list(map(services(COMPOSE).get("clickhouse")).get("ports")))
        .contains(dsPort + ":" + dsPort);
  }

  /**
   * The user Grafana's data source connects as, from the users.d file the ClickHouse services
   * mount.
   */
  static Element readOnlyUser() {
    try {
      Document users = xml(DeployFiles.path(GRAFANA_USERS));
      Element user =
          (Element)
              ((Element) users.getElementsByTagName("users").item(0))
                  .getElementsByTagName("*")
                  .item(0);
      return user;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Grafana runs whatever SQL a dashboard holds, and a hostile ID that escaped its quoting would
   * run with the data source's rights: those are read-only (readonly = 1, SELECT on the CostTrace
   * database), with only the query timeout the plugin sets left changeable.
   */
  @Test
  void grafanasClickHouseUserIsReadOnly() throws Exception {
    Element user = readOnlyUser();
    assertThat(user.getTagName()).isEqualTo("costtrace_grafana");
    assertThat(((Element) user.getElementsByTagName("password").item(0)).getAttribute("from_env"))
        .isEqualTo("CLICKHOUSE_GRAFANA_PASSWORD");
    List<String> grants = new ArrayList<>();
    NodeList queries =
        ((Element) user.getElementsByTagName("grants").item(0)).getElementsByTagName("query");
    for (int i = 0; i < queries.getLength(); i++) {
      grants.add(queries.item(i).getTextContent().trim());
    }
    assertThat(grants).containsExactly("GRANT SELECT ON " + SchemaOptions.DEFAULT_DATABASE + ".*");
    String profileName = text(user, "profile");
    Document users = xml(DeployFiles.path(GRAFANA_USERS));
    Element profile =
        (Element)
            ((Element) users.getElementsByTagName("profiles").item(0))
                .getElementsByTagName(profileName)
                .item(0);
    assertThat(profile).as("profile %s", profileName).isNotNull();
    assertThat(text(profile, "readonly")).isEqualTo("1");
    Element constraints = (Element) profile.getElementsByTagName("constraints").item(0);
    NodeList constrained = constraints.getChildNodes();
    List<String> changeable = new ArrayList<>();
    for (int i = 0; i < constrained.getLength(); i++) {
      if (constrained.item(i) instanceof Element c
          && c.getElementsByTagName("changeable_in_readonly").getLength() > 0) {
        changeable.add(c.getTagName());
      }
    }
    assertThat(changeable).containsExactly("max_execution_time");
    assertThat(
            text(
                xml(DeployFiles.path(ACCESS_CONFIG)).getDocumentElement(),
                "settings_constraints_replace_previous"))
        .isEqualTo("true");
    // Kubernetes: the same profile and grant, made by a Job, and Grafana reads its own Secret.
    Map<String, Object> job = k8s("Job", "costtrace-grafana-clickhouse-user");
    String script =
        String.valueOf(
            list(map(list(at(job, "spec.template.spec.containers")).get(0)).get("args")).get(0));
    assertThat(script)
        .contains("readonly = 1")
        .contains("CHANGEABLE_IN_READONLY")
        .contains("GRANT SELECT ON " + SchemaOptions.DEFAULT_DATABASE + ".* TO $GRAFANA_USER")
        .contains("REVOKE ALL ON *.* FROM $GRAFANA_USER");
    Map<String, Object> grafana =
        map(
            list(at(k8s("Deployment", "costtrace-grafana"), "spec.template.spec.containers"))
                .get(0));
    Set<String> secretsRead = new HashSet<>();
    for (Object e : list(grafana.get("env"))) {
      Object secret = at(map(e), "valueFrom.secretKeyRef.name");
      if (secret != null) {
        secretsRead.add(String.valueOf(secret));
      }
    }
    assertThat(secretsRead).containsExactly("costtrace-grafana-clickhouse");
    assertThat(
            String.valueOf(
                at(k8s("Secret", "costtrace-grafana-clickhouse"), "stringData.CLICKHOUSE_USER")))
        .isEqualTo(user.getTagName());
  }

  /**
   * Nothing acknowledged or stored is thrown away by default: the receiver's buffer and
   * ClickHouse's data are on named volumes in compose and on a PersistentVolumeClaim per receiver
   * in Kubernetes (no emptyDir), where the image and the configuration put the buffer; and {@code
   * serve} never starts a throw-away container (Testcontainers is a test dependency only).
   */
  @Test
  void dataIsKeptByDefault() throws Exception {
    String bufferDir = jib().environment().get("COSTTRACE_SINK_BUFFER_DIR");
    assertThat(bufferDir).startsWith("/var/lib/costtrace/");
    for (String compose : List.of(COMPOSE, SCALE_OUT)) {
      Map<String, Object> named = map(DeployFiles.yaml(compose).get("volumes"));
      services(compose)
          .forEach(
              (name, service) -> {
                for (Object v : list(map(service).getOrDefault("volumes", List.of()))) {
                  String source = String.valueOf(v).split(":")[0];
                  String target = String.valueOf(v).split(":")[1];
                  if (!source.startsWith(".")) {
                    assertThat(named)
                        .as("%s of %s in %s is a named volume", source, name, compose)
                        .containsKey(source);
                  }
                  if (target.startsWith("/var/lib/") && !String.valueOf(v).endsWith(":ro")) {
                    assertThat(source)
                        .as("%s keeps %s on a named volume", name, target)
                        .doesNotStartWith(".");
                  }
                }
                if (name.startsWith("receiver")) {
                  assertThat(list(map(service).get("volumes")))
                      .as(name)
                      .anySatisfy(
                          v ->
                              assertThat(bufferDir)
                                  .startsWith(String.valueOf(v).split(":")[1] + "/"));
                }
              });
      services(compose)
          .forEach(
              (name, service) -> {
                String image = String.valueOf(map(service).get("image"));
                String data =
                    image.startsWith("clickhouse/clickhouse-server")
                        ? "/var/lib/clickhouse"
                        : image.startsWith("clickhouse/clickhouse-keeper")
                            ? "/var/lib/clickhouse-keeper"
                            : null;
                if (data != null) {
                  assertThat(
                          list(map(service).get("volumes")).stream().map(String::valueOf).toList())
                      .as("%s's data in %s", name, compose)
                      .anySatisfy(
                          v ->
                              assertThat(v)
                                  .endsWith(":" + data)
                                  .satisfies(x -> assertThat(named).containsKey(x.split(":")[0])));
                }
              });
    }
    Map<String, Object> receiver = k8s("StatefulSet", "costtrace-receiver");
    assertThat(
            String.valueOf(
                at(k8s("ConfigMap", "costtrace-receiver"), "data.COSTTRACE_SINK_BUFFER_DIR")))
        .isEqualTo(bufferDir);
    List<Object> claims = list(at(receiver, "spec.volumeClaimTemplates"));
    assertThat(claims).hasSize(1);
    String claim = String.valueOf(at(map(claims.get(0)), "metadata.name"));
    assertThat(list(at(map(claims.get(0)), "spec.accessModes"))).containsExactly("ReadWriteOnce");
    assertThat(String.valueOf(at(map(claims.get(0)), "spec.resources.requests.storage")))
        .endsWith("Gi");
    Map<String, Object> container = map(list(at(receiver, "spec.template.spec.containers")).get(0));
    assertThat(list(container.get("volumeMounts")))
        .anySatisfy(
            m -> {
              assertThat(at(map(m), "name")).isEqualTo(claim);
              assertThat(bufferDir).startsWith(at(map(m), "mountPath") + "/");
            });
    assertThat(String.valueOf(at(receiver, "spec.template.spec.volumes")))
        .doesNotContain("emptyDir");
    assertThat(at(receiver, "spec.persistentVolumeClaimRetentionPolicy.whenScaled"))
        .isEqualTo("Retain");
    assertThat(at(receiver, "spec.serviceName")).isEqualTo("costtrace-receiver-headless");
    for (Map<String, Object> o : k8sObjects()) {
      assertThat(String.valueOf(o))
          .as("%s %s", o.get("kind"), at(o, "metadata.name"))
          .doesNotContain("emptyDir");
    }
    for (String pom :
        List.of(
            "otlp-receiver/cli/pom.xml",
            "clickhouse-sink/engine/pom.xml",
            "clickhouse-sink/sink/pom.xml",
            "otlp-receiver/receiver/pom.xml")) {
      NodeList deps = xml(DeployFiles.path(pom)).getElementsByTagName("dependency");
      for (int i = 0; i < deps.getLength(); i++) {
        Element d = (Element) deps.item(i);
        String artifact = text(d, "artifactId");
        String scope =
            d.getElementsByTagName("scope").getLength() > 0 ? text(d, "scope") : "compile";
        if (artifact.contains("testcontainers") || artifact.equals("costtrace-testing")) {
          assertThat(scope).as("%s in %s", artifact, pom).isEqualTo("test");
        }
      }
    }
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
      assertThat(json)
          .as("every dashboard is in the ConfigMap")
          .isEqualTo(
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
        for (Object e : list(map(c).getOrDefault("env", List.of()))) {
          Object secret = at(map(e), "valueFrom.secretKeyRef.name");
          if (secret != null) {
            assertThat(secrets).contains(String.valueOf(secret));
            checked++;
          }
        }
        for (Object from : list(map(c).getOrDefault("envFrom", List.of()))) {
          Object cm = at(map(from), "configMapRef.name");
          Object secret = at(map(from), "secretRef.name");
          assertThat(cm != null ? configMaps : secrets)
              .contains(String.valueOf(cm != null ? cm : secret));
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
    NodeList keepers =
        ((Element) cluster.getElementsByTagName("zookeeper").item(0)).getElementsByTagName("host");
    Document keeper = xml(DeployFiles.path("deploy/scale-out/keeper/keeper_config.xml"));
    NodeList raft = keeper.getElementsByTagName("hostname");
    assertThat(keepers.getLength()).isEqualTo(3).isEqualTo(raft.getLength());
    for (int i = 0; i < raft.getLength(); i++) {
      assertThat(services).containsKey(raft.item(i).getTextContent());
      assertThat(env(services.get(raft.item(i).getTextContent())))
          .containsEntry("KEEPER_SERVER_ID", "" + (i + 1));
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
    try (OtlpReceiver receiver =
        OtlpReceiver.builder()
            .host("127.0.0.1")
            .grpcPort(0)
            .httpPort(0)
            .consumer(
                (request, tenant) -> dev.costtrace.receiver.pipeline.ExportOutcome.allAccepted())
            .start()) {
      HttpClient http = HttpClient.newHttpClient();
      for (String path : List.of("/ready", "/health")) {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receiver.httpPort() + path))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
      }
    }
    String healthcheck =
        String.valueOf(at(map(services(COMPOSE).get("receiver")), "healthcheck.test"));
    assertThat(healthcheck)
        .contains("GET /ready")
        .contains("/dev/tcp/127.0.0.1/" + OtlpReceiver.Builder.DEFAULT_HTTP_PORT);
  }
}
