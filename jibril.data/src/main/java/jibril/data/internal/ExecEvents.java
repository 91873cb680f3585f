package jibril.data.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import jibril.core.api.Event;
import jibril.core.api.EventPublisher;
import jibril.core.api.ObservationListener;
import jibril.core.api.ProcessInfo;
import jibril.core.api.ProcessRecord;
import jibril.core.api.Query;
import jibril.core.api.StatusSource;

/**
 * The informational {@code exec} event: one per program execution on the host, with the process, its ancestry
 * and the host, for every printer. On while an entry of the config's event list ends in {@code :exec}
 * (for example {@code jibril:core:exec}; the default has none).
 */
@Component(configurationPid = ExecEvents.EVENTS_PID, service = { ObservationListener.class, StatusSource.class },
        property = StatusSource.NAME + "=exec_events")
@Designate(ocd = ExecEvents.Config.class)
public class ExecEvents implements ObservationListener, StatusSource {

    static final String EVENTS_PID = "jibril.events";
    static final String EVENT_NAME = "exec";

    @ObjectClassDefinition(name = "Jibril events")
    @interface Config {
        @AttributeDefinition(description = "Enabled events as extension:plugin:event")
        String[] enabled() default {};
    }

    private static final Event.Metadata METADATA = new Event.Metadata("execution", EVENT_NAME, EVENT_NAME, "1.0",
            "A program was executed", "", "", "", "none", "");

    /**
     * Dynamic: the data layer (which provides Query) binds this listener, so a static reference back to it would
     * be a cycle that SCR may refuse while it activates the two.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Query query;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventPublisher publisher;

    private final AtomicLong published = new AtomicLong();
    private final AtomicLong unpublished = new AtomicLong();
    private volatile boolean enabled;
    private volatile boolean queryWaited;
    private volatile Event.HostOs host;
    private volatile long hostReadAt;

    @Activate
    @Modified
    void configure(Config config) {
        enabled = Arrays.stream(config.enabled()).anyMatch(e -> e.equals(EVENT_NAME) || e.endsWith(":" + EVENT_NAME));
    }

    @Override
    public void executed(ProcessRecord p) {
        if (!enabled) {
            return;
        }
        EventPublisher pub = publisher;
        if (pub == null) {
            unpublished.incrementAndGet();
            return;
        }
        List<ProcessInfo> ancestry = new ArrayList<>();
        Query q = query;
        // The data layer delivers its first observations a moment before the framework has registered it as the
        // Query service: wait for it (at most a second, once) rather than print those events without ancestry.
        for (int i = 0; q == null && !queryWaited && i < 100; i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            q = query;
        }
        queryWaited = true;
        if (q != null) {
            for (ProcessRecord a : q.ancestry(p)) {
                ancestry.add(ProcessInfo.of(a));
            }
        }
        pub.publish(new Event(UUID.randomUUID().toString(), Instant.now().toString(), "", METADATA,
                Event.Score.ofImportance("none"), ProcessInfo.of(p), new Event.Background(ancestry),
                new Event.Scenarios(host())));
        published.incrementAndGet();
    }

    private Event.HostOs host() {
        long now = System.currentTimeMillis();
        if (host == null || now - hostReadAt > 60_000) {
            host = Event.HostOs.read();
            hostReadAt = now;
        }
        return host;
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("enabled", enabled);
        s.put("published", published.get());
        s.put("without_publisher", unpublished.get());
        return s;
    }
}
