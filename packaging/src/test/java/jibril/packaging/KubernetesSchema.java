package jibril.packaging;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.annotations.SerializedName;

import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1DaemonSet;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;

/**
 * Checks Kubernetes objects against the Kubernetes API schema as io.kubernetes:client-java-api carries it: that
 * library's model classes are generated from Kubernetes' OpenAPI document (one class per schema, one field per
 * property, the required properties listed). An object passes when
 * <ul>
 * <li>its kind and apiVersion are one of the kinds below;</li>
 * <li>the generated validator accepts it: no property the schema does not define (a typo such as
 * {@code hostPid} fails), every required property present;</li>
 * <li>every value has its schema type, strictly (a string where a boolean belongs fails, a fraction where an
 * integer belongs fails; Gson alone would let those through), quantities parse, and the properties the OpenAPI
 * document gives an enum for that these manifests use hold one of its values;</li>
 * <li>names and labels follow the API server's rules (DNS-1123 names, label syntax).</li>
 * </ul>
 */
final class KubernetesSchema {

    private static final Map<String, Class<?>> KINDS = Map.of("v1/Namespace", V1Namespace.class, "v1/ConfigMap",
            V1ConfigMap.class, "apps/v1/DaemonSet", V1DaemonSet.class);

    /** Enums of Kubernetes' OpenAPI v3 document (1.27 and later) for properties these manifests use. */
    private static final Map<String, Set<String>> ENUMS = Map.of(
            "V1HostPathVolumeSource.type",
            Set.of("", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice",
                    "BlockDevice"),
            "V1Container.imagePullPolicy", Set.of("Always", "Never", "IfNotPresent"),
            "V1PodSpec.dnsPolicy", Set.of("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"),
            "V1DaemonSetUpdateStrategy.type", Set.of("RollingUpdate", "OnDelete"),
            "V1Toleration.operator", Set.of("Exists", "Equal"),
            "V1Toleration.effect", Set.of("NoSchedule", "PreferNoSchedule", "NoExecute"),
            "V1VolumeMount.mountPropagation", Set.of("None", "HostToContainer", "Bidirectional"),
            "V1PodSpec.restartPolicy", Set.of("Always", "OnFailure", "Never"));

    private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private static final String DNS_SUBDOMAIN = DNS_LABEL + "(\\." + DNS_LABEL + ")*";
    private static final String LABEL_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private static final String MODELS = V1DaemonSet.class.getPackageName();

    private static final Gson GSON = new Gson();

    private KubernetesSchema() {
    }

    /** What the API server would refuse in this object (from YAML); empty when nothing. */
    static List<String> problems(Map<String, Object> object) {
        List<String> out = new ArrayList<>();
        JsonElement json = GSON.toJsonTree(object);
        String kind = String.valueOf(object.get("apiVersion")) + "/" + object.get("kind");
        Class<?> type = KINDS.get(kind);
        if (type == null) {
            out.add("no schema for " + kind + " here (known: " + KINDS.keySet() + ")");
            return out;
        }
        try {
            type.getMethod("validateJsonElement", JsonElement.class).invoke(null, json);
        } catch (InvocationTargetException e) {
            String m = String.valueOf(e.getCause().getMessage());
            out.add(m.length() > 240 ? m.substring(0, 240) + "..." : m);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        walk(type, json, "$", out);
        try {
            new JSON().getGson().fromJson(json, type);
        } catch (RuntimeException e) {
            out.add("does not read as " + type.getSimpleName() + ": " + e.getMessage());
        }
        return out;
    }

    private static void walk(Type t, JsonElement e, String path, List<String> out) {
        if (e == null || e.isJsonNull()) {
            return;
        }
        Class<?> raw = t instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) t;
        if (List.class.isAssignableFrom(raw)) {
            if (!e.isJsonArray()) {
                out.add(path + ": expected an array, found " + e);
                return;
            }
            Type item = ((ParameterizedType) t).getActualTypeArguments()[0];
            for (int i = 0; i < e.getAsJsonArray().size(); i++) {
                walk(item, e.getAsJsonArray().get(i), path + "[" + i + "]", out);
            }
        } else if (Map.class.isAssignableFrom(raw)) {
            if (!e.isJsonObject()) {
                out.add(path + ": expected an object, found " + e);
                return;
            }
            Type value = ((ParameterizedType) t).getActualTypeArguments()[1];
            for (Map.Entry<String, JsonElement> x : e.getAsJsonObject().entrySet()) {
                walk(value, x.getValue(), path + "." + x.getKey(), out);
            }
        } else if (raw == String.class || raw == OffsetDateTime.class || raw == byte[].class) {
            expect(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString(), "a string", path, e, out);
        } else if (raw == Boolean.class) {
            expect(e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean(), "a boolean", path, e, out);
        } else if (raw == Integer.class || raw == Long.class) {
            expect(integer(e, raw == Integer.class ? Integer.MAX_VALUE : Long.MAX_VALUE), "an integer", path, e,
                    out);
        } else if (raw == Double.class || raw == Float.class || raw == BigDecimal.class) {
            expect(e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber(), "a number", path, e, out);
        } else if (raw == IntOrString.class) {
            expect(integer(e, Integer.MAX_VALUE) || (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()),
                    "an integer or a string", path, e, out);
        } else if (raw == Quantity.class) {
            if (!e.isJsonPrimitive()) {
                out.add(path + ": expected a quantity, found " + e);
                return;
            }
            try {
                Quantity.fromString(e.getAsString());
            } catch (RuntimeException x) {
                out.add(path + ": not a quantity: " + e + " (" + x.getMessage() + ")");
            }
        } else if (raw == Object.class) {
            // any JSON (RawExtension and the like)
        } else if (raw.getPackageName().equals(MODELS)) {
            if (!e.isJsonObject()) {
                out.add(path + ": expected an object (" + raw.getSimpleName() + "), found " + e);
                return;
            }
            for (Map.Entry<String, JsonElement> x : e.getAsJsonObject().entrySet()) {
                Field f = field(raw, x.getKey());
                if (f == null) {
                    out.add(path + "." + x.getKey() + ": not a property of " + raw.getSimpleName());
                    continue;
                }
                String at = path + "." + x.getKey();
                walk(f.getGenericType(), x.getValue(), at, out);
                Set<String> allowed = ENUMS.get(raw.getSimpleName() + "." + x.getKey());
                if (allowed != null && x.getValue().isJsonPrimitive()
                        && !allowed.contains(x.getValue().getAsString())) {
                    out.add(at + ": " + x.getValue() + " is not one of " + allowed);
                }
            }
            if (raw == V1ObjectMeta.class) {
                meta(e.getAsJsonObject(), path, out);
            }
        } else {
            out.add(path + ": this checker has no rule for " + raw.getName());
        }
    }

    private static void meta(JsonObject m, String path, List<String> out) {
        for (String key : List.of("name", "namespace")) {
            if (m.has(key) && !(m.get(key).getAsString().matches(DNS_SUBDOMAIN)
                    && m.get(key).getAsString().length() <= 253)) {
                out.add(path + "." + key + ": " + m.get(key) + " is not a DNS-1123 subdomain");
            }
        }
        if (m.has("labels") && m.get("labels").isJsonObject()) {
            for (Map.Entry<String, JsonElement> l : m.getAsJsonObject("labels").entrySet()) {
                String k = l.getKey();
                String name = k.contains("/") ? k.substring(k.indexOf('/') + 1) : k;
                String prefix = k.contains("/") ? k.substring(0, k.indexOf('/')) : null;
                if (!name.matches(LABEL_NAME) || name.length() > 63
                        || (prefix != null && !prefix.matches(DNS_SUBDOMAIN))) {
                    out.add(path + ".labels: bad key " + k);
                }
                String v = l.getValue().isJsonPrimitive() ? l.getValue().getAsString() : "";
                if (!(v.isEmpty() || v.matches(LABEL_NAME)) || v.length() > 63) {
                    out.add(path + ".labels." + k + ": bad value " + l.getValue());
                }
            }
        }
    }

    private static boolean integer(JsonElement e, long max) {
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber())) {
            return false;
        }
        BigDecimal d = e.getAsBigDecimal();
        return d.stripTrailingZeros().scale() <= 0 && d.abs().compareTo(BigDecimal.valueOf(max)) <= 0;
    }

    private static void expect(boolean ok, String what, String path, JsonElement e, List<String> out) {
        if (!ok) {
            out.add(path + ": expected " + what + ", found " + e);
        }
    }

    private static Field field(Class<?> type, String json) {
        for (Field f : type.getDeclaredFields()) {
            SerializedName n = f.getAnnotation(SerializedName.class);
            if (n != null && n.value().equals(json)) {
                return f;
            }
        }
        return null;
    }
}
