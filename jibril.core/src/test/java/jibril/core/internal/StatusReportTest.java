package jibril.core.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import jibril.core.api.StatusSource;

class StatusReportTest {

    private static StatusSource source(boolean ready) {
        return new StatusSource() {
            @Override
            public Map<String, Object> status() {
                return Map.of();
            }

            @Override
            public boolean ready() {
                return ready;
            }
        };
    }

    private static StatusReport report() {
        BundleContext none = (BundleContext) Proxy.newProxyInstance(StatusReportTest.class.getClassLoader(),
                new Class<?>[] { BundleContext.class },
                (p, m, a) -> m.getName().equals("getBundles") ? new Bundle[0] : null);
        StatusReport r = new StatusReport();
        r.activate(none);
        return r;
    }

    @Test
    void notReadyUntilTheEbpfCoreHasReportedEvenWhenEveryOtherPartIs() {
        // The window seen in CI: config, printers and hold are up and ready, the core waits for its configuration.
        StatusReport r = report();
        r.addSource(source(true), Map.of(StatusSource.NAME, "config"));
        r.addSource(source(true), Map.of(StatusSource.NAME, "printers"));
        assertFalse(r.ready());
        StatusSource core = source(false);
        r.addSource(core, Map.of(StatusSource.NAME, "ebpf"));
        assertFalse(r.ready(), "present but not attached");
        r.removeSource(core);
        r.addSource(source(true), Map.of(StatusSource.NAME, "ebpf"));
        assertTrue(r.ready());
    }

    @Test
    void oneUnreadyPartMakesTheDaemonUnready() {
        StatusReport r = report();
        r.addSource(source(true), Map.of(StatusSource.NAME, "ebpf"));
        r.addSource(source(false), Map.of(StatusSource.NAME, "data"));
        assertFalse(r.ready());
    }
}
