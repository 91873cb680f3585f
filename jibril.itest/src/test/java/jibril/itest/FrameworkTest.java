package jibril.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import jibril.core.api.StatusSource;

/** The bundles resolve and start, their components activate, and the core attaches its programs to the kernel. */
@RunWith(PaxExam.class)
public class FrameworkTest {

    @Inject
    private BundleContext context;

    @Inject
    private ServiceComponentRuntime scr;

    @Configuration
    public Option[] config() {
        return JibrilOptions.with(JibrilOptions.QUIET_CONFIG);
    }

    @Test
    public void everyJibrilBundleIsActive() {
        List<String> jibril = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName().startsWith("jibril.")) {
                jibril.add(b.getSymbolicName());
                assertEquals(b.getSymbolicName() + " is not active", Bundle.ACTIVE, b.getState());
            }
        }
        assertTrue("bundles under test: " + jibril,
                jibril.containsAll(List.of("jibril.bpf", "jibril.core", "jibril.config", "jibril.printers")));
    }

    @Test
    public void everyJibrilComponentIsSatisfiedOrActive() throws InterruptedException {
        List<String> problems = new ArrayList<>();
        boolean ok = Waits.until(15_000, () -> {
            problems.clear();
            for (Bundle b : context.getBundles()) {
                if (!b.getSymbolicName().startsWith("jibril.")) {
                    continue;
                }
                for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(b)) {
                    if (!scr.isComponentEnabled(d)) {
                        problems.add(d.name + " disabled");
                        continue;
                    }
                    Collection<ComponentConfigurationDTO> configs = scr.getComponentConfigurationDTOs(d);
                    // Components that require a configuration the test config does not give (e.g. the stdout
                    // printer) have none: that is correct, not a problem.
                    for (ComponentConfigurationDTO c : configs) {
                        if (c.state != ComponentConfigurationDTO.ACTIVE && c.state != ComponentConfigurationDTO.SATISFIED) {
                            problems.add(d.name + " state " + c.state);
                        }
                    }
                }
            }
            return problems.isEmpty();
        });
        assertTrue("components not satisfied: " + problems, ok);
    }

    @Test
    public void theCoreAttachesItsProgramsAndReportsReady() throws Exception {
        StatusSource ebpf = waitForStatus("ebpf");
        assertTrue("eBPF core did not become ready: " + ebpf.status(), Waits.until(20_000, ebpf::ready));
        Map<String, Object> status = ebpf.status();
        String programs = String.valueOf(status.get("programs"));
        for (String p : List.of("jibril_exec", "jibril_fork", "jibril_exit")) {
            assertTrue(p + " not attached: " + programs, programs.contains(p));
        }
        assertEquals("attached", status.get("state"));
    }

    private StatusSource waitForStatus(String name) throws Exception {
        String filter = "(" + StatusSource.NAME + "=" + name + ")";
        assertTrue("no status source " + name,
                Waits.until(10_000, () -> !refs(filter).isEmpty()));
        return context.getService(refs(filter).iterator().next());
    }

    private Collection<ServiceReference<StatusSource>> refs(String filter) {
        try {
            return context.getServiceReferences(StatusSource.class, filter);
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
