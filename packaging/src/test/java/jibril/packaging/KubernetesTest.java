package jibril.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import jibril.config.internal.ConfigParser;
import jibril.config.internal.Overrides;

/**
 * packaging/kubernetes: the DaemonSet manifest and the Helm chart are valid Kubernetes objects (checked against
 * the API schema, {@link KubernetesSchema}), give Jibril what eBPF needs on a node, ship a configuration Jibril
 * accepts, and say the same thing (the chart rendered with its defaults is the manifest).
 */
class KubernetesTest {

    static final Path K8S = Repo.ROOT.resolve("packaging/kubernetes");
    static final Path CHART = K8S.resolve("helm/jibril");

    @Test
    void theManifestPassesTheKubernetesSchema() throws IOException {
        List<Map<String, Object>> docs = manifest();
        assertEquals(List.of("Namespace", "ConfigMap", "ConfigMap", "DaemonSet"),
                docs.stream().map(d -> d.get("kind")).toList());
        for (Map<String, Object> d : docs) {
            assertEquals(List.of(), KubernetesSchema.problems(d), d.get("kind") + " " + meta(d).get("name"));
        }
        Map<String, Object> ns = docs.get(0);
        assertEquals("privileged", map(meta(ns), "labels").get("pod-security.kubernetes.io/enforce"),
                "the namespace must admit a privileged pod under Pod Security Admission");
    }

    @Test
    void theDaemonSetGivesJibrilWhatEbpfNeeds() throws IOException {
        List<Map<String, Object>> docs = manifest();
        Map<String, Object> ds = kind(docs, "DaemonSet");
        Map<String, Object> spec = map(ds, "spec");
        Map<String, Object> pod = map(map(spec, "template"), "spec");
        assertEquals(true, pod.get("hostPID"), "hostPID: /proc must show the node's processes");
        assertEquals(false, pod.get("automountServiceAccountToken"));
        Map<String, Object> c = list(pod, "containers").get(0);
        assertEquals(true, map(c, "securityContext").get("privileged"));
        Map<String, Object> resources = map(c, "resources");
        assertTrue(map(resources, "requests").containsKey("memory") && map(resources, "limits").containsKey("memory"),
                resources.toString());
        assertTrue(list(pod, "tolerations").stream().anyMatch(t -> "Exists".equals(t.get("operator"))
                && !t.containsKey("key")), "tolerates every taint, to run on every node");

        Map<String, Map<String, Object>> volumes = new LinkedHashMap<>();
        list(pod, "volumes").forEach(v -> volumes.put((String) v.get("name"), v));
        Map<String, String> mounts = new LinkedHashMap<>();
        for (Map<String, Object> m : list(c, "volumeMounts")) {
            assertTrue(volumes.containsKey(m.get("name")), "mount of an undeclared volume " + m);
            mounts.put((String) m.get("mountPath"), (String) m.get("name"));
        }
        assertEquals(volumes.keySet(), Set.copyOf(mounts.values()), "every volume is mounted");
        for (String host : List.of("/sys/fs/bpf", "/sys/kernel/tracing", "/sys/kernel/debug", "/sys/fs/cgroup")) {
            Map<String, Object> v = volumes.get(mounts.get(host));
            assertTrue(v != null && v.containsKey("hostPath"), host + " is not mounted from the host");
            assertEquals(host, map(v, "hostPath").get("path"));
        }
        Map<String, Object> config = volumes.get(mounts.get("/etc/jibril"));
        String configMap = (String) map(config, "configMap").get("name");
        assertTrue(docs.stream().anyMatch(d -> d.get("kind").equals("ConfigMap") && meta(d).get("name").equals(configMap)
                && map(d, "data").containsKey("config.yaml")), "/etc/jibril/config.yaml comes from a ConfigMap");

        Map<String, Object> selector = map(map(spec, "selector"), "matchLabels");
        Map<String, Object> labels = map(meta(map(spec, "template")), "labels");
        selector.forEach((k, v) -> assertEquals(v, labels.get(k), "the selector must match the pod's labels"));

        // The probes ask the port the configuration gives the health endpoint.
        int port = (Integer) map(config(docs), "run-time").get("health-port");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            String command = String.valueOf(map(map(c, probe), "exec").get("command"));
            assertTrue(command.contains("http://127.0.0.1:" + port + "/health/"), probe + ": " + command);
        }
        assertTrue(String.valueOf(map(map(c, "readinessProbe"), "exec").get("command")).contains("/health/ready"));
    }

    @Test
    void theShippedConfigurationIsOneJibrilAccepts() throws IOException {
        for (Map<String, Object> d : manifest()) {
            if (d.get("kind").equals("ConfigMap") && map(d, "data").containsKey("config.yaml")) {
                String text = (String) map(d, "data").get("config.yaml");
                ConfigParser.Result r = ConfigParser.parse("config.yaml", text, Overrides.NONE);
                assertEquals(List.of(), r.errors().stream().map(String::valueOf).toList());
                assertEquals(List.of(), r.warnings().stream().map(String::valueOf).toList());
            }
        }
    }

    @Test
    void theChartRenderedWithItsDefaultsIsTheManifest() throws IOException {
        String rendered = HelmTemplate.renderChart(CHART, "jibril", "jibril", Map.of());
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/helm-template.yaml"), rendered);
        List<Map<String, Object>> chart = Repo.documents(rendered);
        for (Map<String, Object> d : chart) {
            assertEquals(List.of(), KubernetesSchema.problems(d), d.get("kind") + " " + meta(d).get("name"));
        }
        List<Map<String, Object>> manifest = new ArrayList<>(manifest());
        manifest.removeIf(d -> d.get("kind").equals("Namespace"));
        assertEquals(normalized(manifest), normalized(chart),
                "packaging/kubernetes/jibril.yaml must be what the chart renders (see target/helm-template.yaml)");
    }

    @Test
    void theChartRendersValidObjectsWithOtherValues() throws IOException {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("image", Map.of("repository", "registry.example.com/security/jibril", "tag", "1.2.3",
                "pullPolicy", "Always"));
        values.put("hostNetwork", false);
        values.put("dnsPolicy", "ClusterFirst");
        values.put("resources", Map.of("requests", Map.of("cpu", "250m", "memory", "768Mi"), "limits",
                Map.of("memory", "2Gi")));
        values.put("tolerations", List.of(Map.of("key", "node-role.kubernetes.io/control-plane", "operator",
                "Exists", "effect", "NoSchedule")));
        values.put("nodeSelector", Map.of());
        values.put("config", Map.of("run-time", Map.of("health-port", 19773, "log-level", "debug")));
        values.put("alchemies", Map.of("mine.yaml", "- kind: file_access\n  name: mine\n"));
        List<Map<String, Object>> docs = Repo.documents(HelmTemplate.renderChart(CHART, "edr", "security", values));
        for (Map<String, Object> d : docs) {
            assertEquals(List.of(), KubernetesSchema.problems(d), d.get("kind") + " " + meta(d).get("name"));
            assertEquals("security", meta(d).get("namespace"));
        }
        Map<String, Object> pod = map(map(map(kind(docs, "DaemonSet"), "spec"), "template"), "spec");
        Map<String, Object> c = list(pod, "containers").get(0);
        assertEquals("registry.example.com/security/jibril:1.2.3", c.get("image"));
        assertEquals(false, pod.get("hostNetwork"));
        assertEquals("2Gi", map(map(c, "resources"), "limits").get("memory"));
        assertTrue(String.valueOf(map(map(c, "readinessProbe"), "exec").get("command")).contains(":19773/"));
        assertEquals("debug", map(config(docs), "run-time").get("log-level"));
        assertTrue(docs.stream().anyMatch(d -> meta(d).get("name").equals("edr-alchemies")
                && map(d, "data").get("mine.yaml").equals("- kind: file_access\n  name: mine\n")));
    }

    @Test
    void theChartIsDescribedRightAndFollowsTheProjectVersion() throws IOException {
        Map<String, Object> chart = HelmTemplate.load(Files.readString(CHART.resolve("Chart.yaml")));
        assertEquals("v2", chart.get("apiVersion"));
        assertEquals("jibril", chart.get("name"));
        assertTrue(String.valueOf(chart.get("version")).matches("\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?"),
                "chart version must be SemVer 2");
        assertEquals(Repo.version(), chart.get("appVersion"), "appVersion (the default image tag) is Jibril's version");
        HelmTemplate.load(Files.readString(CHART.resolve("values.yaml")));
    }

    @Test
    void theRendererRefusesWhatItWouldRenderWrong() {
        Map<String, Object> ctx = Map.of("Values", Map.of("a", Map.of("b", "x")), "Release", Map.of("Name", "r"));
        assertEquals("x-r", HelmTemplate.render("{{ .Values.a.b }}-{{ .Release.Name }}", ctx));
        assertEquals("a:\n  x", HelmTemplate.render("a:\n{{- .Values.a.b | nindent 2 }}", ctx));
        assertEquals("\"x\"", HelmTemplate.render("{{ .Values.a.b | quote }}", ctx));
        assertEquals("y", HelmTemplate.render("{{ \"\" | default \"y\" }}", ctx));
        assertEquals("x", HelmTemplate.render("{{ .Values.a.b | default \"y\" }}", ctx));
        for (String bad : List.of("{{ if .Values.a }}x{{ end }}", "{{ range .Values.a }}{{ end }}",
                "{{ include \"x\" . }}", "{{ .Values.missing }}", "{{ .Values.a }}", "{{ $x := 1 }}",
                "{{ .Values.a.b | upper }}", "{{ .Values.a-b }}")) {
            assertThrows(IllegalArgumentException.class, () -> HelmTemplate.render(bad, ctx), bad);
        }
    }

    @Test
    void theSchemaCheckFindsWhatTheApiServerWouldRefuse() throws IOException {
        Map<String, Consumer<Map<String, Object>>> breakages = new LinkedHashMap<>();
        breakages.put("a misspelt field", pod -> pod.put("hostPid", pod.remove("hostPID")));
        breakages.put("a string for a boolean", pod -> pod.put("hostPID", "true"));
        breakages.put("a bad quantity", pod -> map(map(list(pod, "containers").get(0), "resources"), "limits")
                .put("memory", "lots"));
        breakages.put("a missing required field", pod -> list(pod, "containers").get(0).remove("name"));
        breakages.put("a value outside the enum", pod -> map(list(pod, "volumes").get(0), "hostPath")
                .put("type", "Dir"));
        breakages.put("a fraction for an integer", pod -> pod.put("terminationGracePeriodSeconds", 1.5));
        breakages.put("a list for an object", pod -> pod.put("nodeSelector", List.of("linux")));
        for (Map.Entry<String, Consumer<Map<String, Object>>> b : breakages.entrySet()) {
            Map<String, Object> ds = kind(manifest(), "DaemonSet");
            b.getValue().accept(map(map(map(ds, "spec"), "template"), "spec"));
            assertFalse(KubernetesSchema.problems(ds).isEmpty(), b.getKey() + " went unnoticed");
        }
        Map<String, Object> cm = kind(manifest(), "ConfigMap");
        meta(cm).put("name", "Jibril_Config");
        assertFalse(KubernetesSchema.problems(cm).isEmpty(), "a name that is not DNS-1123");
    }

    // ---- helpers ----

    static List<Map<String, Object>> manifest() throws IOException {
        return Repo.documents(Files.readString(K8S.resolve("jibril.yaml")));
    }

    private static Map<String, Object> config(List<Map<String, Object>> docs) {
        for (Map<String, Object> d : docs) {
            if (d.get("kind").equals("ConfigMap") && map(d, "data").containsKey("config.yaml")) {
                return HelmTemplate.load((String) map(d, "data").get("config.yaml"));
            }
        }
        throw new AssertionError("no ConfigMap with config.yaml");
    }

    /** The documents with each ConfigMap's config.yaml parsed, so that formatting does not count. */
    private static List<Object> normalized(List<Map<String, Object>> docs) {
        List<Object> out = new ArrayList<>();
        for (Map<String, Object> d : docs) {
            Map<String, Object> copy = HelmTemplate.load(HelmTemplate.toYaml(d));
            if (copy.get("kind").equals("ConfigMap") && map(copy, "data").containsKey("config.yaml")) {
                map(copy, "data").put("config.yaml", HelmTemplate.load((String) map(copy, "data").get("config.yaml")));
            }
            out.add(copy);
        }
        return out;
    }

    static Map<String, Object> kind(List<Map<String, Object>> docs, String kind) {
        return docs.stream().filter(d -> d.get("kind").equals(kind)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in " + docs.stream().map(d -> d.get("kind"))
                        .collect(Collectors.toList())));
    }

    static Map<String, Object> meta(Map<String, Object> doc) {
        return map(doc, "metadata");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> m, String key) {
        Object v = m.get(key);
        assertTrue(v instanceof Map, key + " is not a mapping in " + m.keySet());
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        assertTrue(v instanceof List, key + " is not a list in " + m.keySet());
        return (List<Map<String, Object>>) v;
    }
}
