package jibril.core.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import jibril.core.api.StatusSource;

/**
 * Collects the daemon's state from every {@link StatusSource} and the framework: {@code jibril:status} in Gogo
 * and the health endpoint both read it.
 */
@Component(service = StatusReport.class, property = { "osgi.command.scope=jibril", "osgi.command.function=status" })
public class StatusReport {

    /** The section of the taint guard, whose verdict the report repeats at its top. */
    static final String TAINT = "taint";

    private final Map<StatusSource, String> sources = new ConcurrentHashMap<>();
    private BundleContext context;
    private final long startedAt = System.currentTimeMillis();

    @Activate
    void activate(BundleContext context) {
        this.context = context;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addSource(StatusSource source, Map<String, Object> props) {
        sources.put(source, String.valueOf(props.getOrDefault(StatusSource.NAME, source.getClass().getSimpleName())));
    }

    void removeSource(StatusSource source) {
        sources.remove(source);
    }

    /**
     * Gogo: {@code jibril:status}, the whole state as nested maps. {@code tainted} (also the metric
     * {@code jibril_tainted}) says whether another process tampered with the daemon's eBPF state during this run;
     * the {@code taint} section says how.
     */
    public Map<String, Object> status() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("ready", ready());
        report.put("tainted", false);
        report.put("uptime_s", (System.currentTimeMillis() - startedAt) / 1000);
        report.put("bundles", bundles());
        List<Map.Entry<StatusSource, String>> entries = new ArrayList<>(sources.entrySet());
        entries.sort(Map.Entry.comparingByValue());
        for (Map.Entry<StatusSource, String> e : entries) {
            try {
                Map<String, Object> section = e.getKey().status();
                report.put(e.getValue(), section);
                if (e.getValue().equals(TAINT) && Boolean.TRUE.equals(section.get("tainted"))) {
                    report.put("tainted", true);
                }
            } catch (RuntimeException ex) {
                report.put(e.getValue(), Map.of("error", String.valueOf(ex)));
            }
        }
        return report;
    }

    /**
     * The sections that must be present before the daemon may say it is ready: the eBPF core registers its
     * section only once its configuration has arrived, and until its programs are attached nothing is recorded.
     * Without this, the other sections (all ready at once) would make the daemon ready in that window.
     */
    static final Set<String> REQUIRED = Set.of("ebpf");

    /**
     * Ready when every Jibril bundle is active, every required section is present and every status source says it
     * is ready.
     */
    public boolean ready() {
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName() != null && b.getSymbolicName().startsWith("jibril.")
                    && b.getState() != Bundle.ACTIVE && b.getHeaders().get("Fragment-Host") == null) {
                return false;
            }
        }
        return sources.values().containsAll(REQUIRED) && sources.keySet().stream().allMatch(StatusSource::ready);
    }

    private Map<String, Object> bundles() {
        int active = 0;
        List<String> inactive = new ArrayList<>();
        Bundle[] all = context.getBundles();
        for (Bundle b : all) {
            if (b.getState() == Bundle.ACTIVE || b.getHeaders().get("Fragment-Host") != null) {
                active++;
            } else {
                inactive.add(b.getSymbolicName() + " " + state(b.getState()));
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("total", all.length);
        m.put("active", active);
        m.put("not_active", inactive);
        return m;
    }

    private static String state(int s) {
        return switch (s) {
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            default -> "ACTIVE";
        };
    }
}
