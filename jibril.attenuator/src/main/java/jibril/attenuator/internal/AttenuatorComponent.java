package jibril.attenuator.internal;

import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import jibril.core.api.Attenuator;
import jibril.core.api.StatusSource;

/**
 * The {@code jibril:attenuator} plugin: reads its options (the plugin entry, then the {@code AI_*} environment
 * variables) and, while enabled, registers an {@link Attenuator} that the detection engine puts between detection
 * and printing. Always reports in {@code jibril:status} (section {@code attenuator}), also when disabled or
 * misconfigured. A configuration change replaces the attenuator; a wrong one is reported and the last good one
 * stays in force.
 */
@Component(immediate = true, configurationPid = "jibril.plugin.attenuator",
        configurationPolicy = ConfigurationPolicy.OPTIONAL, service = StatusSource.class,
        property = StatusSource.NAME + "=attenuator")
public class AttenuatorComponent implements StatusSource {

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    private BundleContext context;
    private volatile LlmAttenuator current;
    private ServiceRegistration<Attenuator> registration;
    private volatile String state = "disabled";
    private volatile String error = "";
    private volatile Map<String, Object> described = Map.of();

    @Activate
    void activate(BundleContext bc, Map<String, Object> props) {
        this.context = bc;
        apply(props);
    }

    @Modified
    void modified(Map<String, Object> props) {
        apply(props);
    }

    private synchronized void apply(Map<String, Object> props) {
        Settings s;
        try {
            s = Settings.from(props, System.getenv());
        } catch (Settings.Invalid e) {
            error = e.getMessage();
            logger.error("{}{}", e.getMessage(), current == null ? "" : "; the attenuator keeps its last good options");
            if (current == null) {
                state = "error";
            }
            return;
        }
        error = "";
        if (current != null && current.settings().equals(s)) {
            return;
        }
        stop();
        described = s.describe();
        if (!s.enabled()) {
            state = "disabled";
            logger.info("attenuator: disabled");
            return;
        }
        LlmAttenuator a = new LlmAttenuator(s, logger::warn);
        current = a;
        registration = context.registerService(Attenuator.class, a, new Hashtable<>(a.serviceProperties()));
        state = "enabled";
        logger.info("attenuator {}: {} mode, model {} at {}, budget {} ms{}", s.name(), s.mode().text(), s.model(),
                s.url(), s.budgetMs(), s.token().isEmpty() ? ", no token" : "");
    }

    private void stop() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework is stopping
            }
            registration = null;
        }
        if (current != null) {
            current.close();
            current = null;
        }
    }

    @Deactivate
    synchronized void deactivate() {
        stop();
        state = "stopped";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("state", state);
        if (!error.isEmpty()) {
            s.put("error", error);
        }
        s.put("options", described);
        LlmAttenuator a = current;
        if (a != null) {
            s.putAll(a.status());
        }
        return s;
    }
}
