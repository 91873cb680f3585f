package jibril.core.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import jibril.bpf.BpfException;
import jibril.bpf.BpfMap;
import jibril.bpf.BpfObject;
import jibril.bpf.BpfProgram;
import jibril.bpf.BpfRuntime;
import jibril.bpf.layout.Counter;
import jibril.core.api.Daemon;
import jibril.core.api.EventPublisher;
import jibril.core.api.Query;
import jibril.core.api.StatusSource;

/**
 * Owns the eBPF lifecycle: at start it checks the host (root, BTF, bpffs), opens the BPF objects shipped in
 * jibril.bpf, sizes their maps from the {@code caches} configuration, loads them (reusing the maps pinned under
 * {@code /sys/fs/bpf/jibril} by an earlier run, so facts survive restarts), attaches the programs and registers
 * each loaded object as a {@link BpfObject} service (property {@value #OBJECT}). At stop it unregisters them and
 * detaches every program; the pinned maps stay ({@code bin/jibril cleanup} removes them).
 *
 * <p>It waits for the {@code caches} configuration (jibril.config provides it, defaults included), so maps are
 * sized once; a later change of the sizes applies at the next start (pinned maps keep their size until
 * {@code bin/jibril cleanup}).
 *
 * <p>The last object, {@code guard}, watches the others: with it, {@link TaintGuard} reports any other process that
 * writes into these maps, detaches these programs or holds these maps in a program of its own (status section
 * {@code taint}, {@code tainted} events). Like files and net, it may fail to load without stopping the daemon.
 *
 * <p>The work runs on a thread of its own so that activation returns at once; a host that cannot run Jibril
 * stops the daemon with {@link Daemon#EXIT_UNAVAILABLE} and a message saying what is missing.
 */
@Component(immediate = true, configurationPid = EbpfCore.CACHES_PID, service = StatusSource.class,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = StatusSource.NAME + "=ebpf")
@Designate(ocd = EbpfCore.Caches.class)
public class EbpfCore implements StatusSource {

    static final String CACHES_PID = "jibril.caches";
    /** Service property of a registered {@link BpfObject}: its name, e.g. {@code tasks}. */
    public static final String OBJECT = jibril.core.api.BpfServices.OBJECT;
    static final String DEFAULT_PIN_ROOT = "/sys/fs/bpf/jibril";

    @ObjectClassDefinition(name = "Jibril caches", description = "Map and cache sizes, in entries")
    @interface Caches {
        @AttributeDefinition(description = "processes kept in the kernel's tasks map")
        int tasks() default 65_536;

        @AttributeDefinition(description = "command lines")
        int cmds() default 65_536;

        @AttributeDefinition(description = "argument vectors")
        int args() default 65_536;

        @AttributeDefinition(description = "files")
        int files() default 65_536;

        @AttributeDefinition(name = "task.file", description = "process-file relations")
        int task_file() default 65_536;

        @AttributeDefinition(description = "network flows")
        int flows() default 65_536;

        @AttributeDefinition(name = "task.flow", description = "process-flow relations")
        int task_flow() default 65_536;
    }

    /**
     * The BPF objects this core loads, in order (tasks first: the others adopt processes into its maps; the guard
     * last: it guards the ids of everything loaded before it).
     */
    static final List<String> OBJECTS = List.of("tasks", "files", "net", "guard");
    static final String GUARD = "guard";

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    private volatile Daemon daemon;
    private volatile int failedCode;
    private volatile String failedMessage;
    private final java.util.concurrent.atomic.AtomicBoolean exitRequested = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * The daemon (jibril.hold) may come after the core has already failed (bundles start in any order): a failure
     * without a daemon to stop waits for it, so that the process never stays up failed.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setDaemon(Daemon d) {
        daemon = d;
        if (failedCode != 0) {
            requestExit(d);
        }
    }

    void unsetDaemon(Daemon d) {
        if (daemon == d) {
            daemon = null;
        }
    }

    private void requestExit(Daemon d) {
        if (d != null && exitRequested.compareAndSet(false, true)) {
            d.exit(failedCode, failedMessage);
        }
    }

    /** Where the taint guard's {@code tainted} events go (jibril.printers provides it). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventPublisher publisher;

    /** Describes the process behind a taint (jibril.data provides it, and needs this component's objects). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Query query;

    private BundleContext context;
    private Caches caches;
    private Path pinRoot;
    private Thread starter;
    private volatile BpfRuntime runtime;
    private final List<BpfObject> objects = new ArrayList<>();
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private volatile String state = "starting";
    private final Map<String, String> failures = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile long startMillis;
    private volatile long attachedAt;
    private volatile TaintGuard taint;

    /** How old the map entry counts may get before a status request has them counted again. */
    static final long ENTRIES_REFRESH_MS = 30_000;
    private volatile Map<String, Long> entries = Map.of();
    private volatile long entriesAt;
    private volatile long entriesCountMs;
    private final AtomicBoolean counting = new AtomicBoolean();
    private volatile Thread counter;
    private volatile boolean closing;

    @Activate
    void activate(BundleContext context, Caches caches) {
        this.context = context;
        this.caches = caches;
        String root = context.getProperty("jibril.pin.root");
        this.pinRoot = Path.of(root == null || root.isBlank() ? DEFAULT_PIN_ROOT : root);
        startMillis = System.currentTimeMillis();
        starter = new Thread(this::start, "jibril-ebpf-start");
        starter.start();
    }

    @Modified
    void modified(Caches changed) {
        if (changed.tasks() != caches.tasks() || changed.cmds() != caches.cmds() || changed.args() != caches.args()) {
            logger.warn("cache sizes changed; they apply at the next start of Jibril");
        }
    }

    private void start() {
        try {
            BpfRuntime.checkSupported();
        } catch (BpfException e) {
            fail(Daemon.EXIT_UNAVAILABLE, "this host cannot run Jibril: " + e.getMessage());
            return;
        }
        try {
            BpfRuntime rt = new BpfRuntime(this::libbpfLog);
            runtime = rt;
            Files.createDirectories(pinRoot);
            for (String name : OBJECTS) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                BpfObject object;
                try {
                    object = load(rt, name);
                } catch (BpfException e) {
                    if (name.equals(OBJECTS.get(0))) {
                        throw e;
                    }
                    // Only processes are indispensable: a family that cannot load here is reported and the
                    // others go on.
                    failures.put(name, e.getMessage());
                    logger.error("the '{}' programs could not be loaded; going on without them: {}", name,
                            e.getMessage());
                    continue;
                }
                synchronized (objects) {
                    objects.add(object);
                }
            }
            armGuard(rt);
            attachedAt = System.currentTimeMillis();
            state = "attached";
            logger.info("eBPF programs attached in {} ms ({} objects, maps pinned under {})",
                    attachedAt - startMillis, objects.size(), pinRoot);
            synchronized (objects) {
                Dictionary<String, Object> runtimeProps = new Hashtable<>();
                registrations.add(context.registerService(BpfRuntime.class, rt, runtimeProps));
                // Last loaded first: a consumer that needs tasks finds every other object already registered.
                for (BpfObject object : objects.reversed()) {
                    Dictionary<String, Object> props = new Hashtable<>();
                    props.put(OBJECT, object.name());
                    registrations.add(context.registerService(BpfObject.class, object, props));
                }
            }
        } catch (BpfException | java.io.IOException e) {
            fail(Daemon.EXIT_UNAVAILABLE, "could not load the eBPF programs: " + e.getMessage());
        } catch (IllegalStateException e) {
            // The bundle stopped while we were starting.
            logger.debug("eBPF start abandoned: {}", e.getMessage());
        }
    }

    /**
     * Starts the taint guard over every loaded object (the guard's included, when it loaded) and registers it as the
     * {@code taint} status section. It never stops the start: without its BPF object it still checks links and
     * programs.
     */
    private void armGuard(BpfRuntime rt) {
        List<BpfObject> loaded;
        synchronized (objects) {
            loaded = List.copyOf(objects);
        }
        BpfObject guard = loaded.stream().filter(o -> o.name().equals(GUARD)).findFirst().orElse(null);
        TaintGuard t = new TaintGuard(rt, loaded, guard, failures.getOrDefault(GUARD, "not started"), logger,
                () -> publisher, () -> query);
        try {
            t.arm();
        } catch (RuntimeException e) {
            logger.error("the guard of Jibril's eBPF state did not start: {}", String.valueOf(e));
            try {
                t.close();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        taint = t;
        synchronized (objects) {
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(StatusSource.NAME, "taint");
            registrations.add(context.registerService(StatusSource.class, t, props));
        }
    }

    /** Opens, sizes, loads and attaches one object; maps pinned by an incompatible earlier run are replaced. */
    private BpfObject load(BpfRuntime rt, String name) {
        Path dir = pinRoot;
        for (int attempt = 0;; attempt++) {
            BpfObject object = rt.openBundled(name, dir);
            try {
                size(object);
                object.load();
                // cgroup programs (network accounting) attach to the root of the cgroup v2 hierarchy.
                object.attachAll(BpfRuntime.cgroup2Root());
                return object;
            } catch (BpfException e) {
                object.close();
                if (attempt > 0 || !e.getMessage().contains("reuse")) {
                    throw e;
                }
                logger.warn("maps pinned under {} do not fit this build or configuration ({}); "
                        + "removing them and starting with empty maps", dir, e.getMessage());
                for (String map : mapNames(rt, name)) {
                    BpfRuntime.unpinAll(dir.resolve(map));
                }
            }
        }
    }

    private List<String> mapNames(BpfRuntime rt, String name) {
        try (BpfObject probe = rt.openBundled(name, null)) {
            return probe.maps().stream().map(BpfMap::name).toList();
        }
    }

    private void size(BpfObject object) {
        for (BpfMap map : object.maps()) {
            switch (map.name()) {
                case "tasks" -> map.setMaxEntries(caches.tasks());
                // Every family interns into strings: command lines, argument vectors, file paths (the short ones in
                // strings_short, the others in strings: either may hold most of them).
                case "strings", "strings_short" -> map.setMaxEntries(caches.cmds() + caches.args() + caches.files());
                case "files" -> map.setMaxEntries(caches.files());
                case "task_file" -> map.setMaxEntries(caches.task_file());
                case "flows" -> map.setMaxEntries(caches.flows());
                case "task_flow" -> map.setMaxEntries(caches.task_flow());
                default -> {
                }
            }
        }
    }

    private void fail(int code, String message) {
        state = "failed: " + message;
        logger.error(message);
        failedMessage = message;
        failedCode = code;
        requestExit(daemon);
    }

    private void libbpfLog(int level, String message) {
        String text = message.stripTrailing();
        switch (level) {
            case 0 -> logger.warn("libbpf: {}", text);
            case 1 -> logger.info("libbpf: {}", text);
            default -> logger.debug("libbpf: {}", text);
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        closing = true;
        starter.interrupt();
        starter.join(30_000);
        TaintGuard t = taint;
        if (t != null) {
            t.close(); // before the links go: closing them is not tampering
        }
        Thread c = counter;
        if (c != null) {
            // A walk in progress must end before the maps are closed under it.
            c.join(30_000);
        }
        synchronized (objects) {
            for (ServiceRegistration<?> r : registrations) {
                try {
                    r.unregister();
                } catch (IllegalStateException alreadyGone) {
                    // the framework is stopping
                }
            }
            registrations.clear();
            for (BpfObject object : objects) {
                object.close();
            }
            objects.clear();
        }
        BpfRuntime rt = runtime;
        if (rt != null) {
            rt.close();
        }
        logger.info("eBPF programs detached; maps stay pinned under {}", pinRoot);
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("state", state);
        s.put("pin_root", pinRoot.toString());
        if (attachedAt > 0) {
            s.put("start_to_attached_ms", attachedAt - startMillis);
        }
        countEntriesIfOld(); // exact counts now where the kernel keeps them; else a walk in the background
        List<Map<String, Object>> programs = new ArrayList<>();
        Map<String, Object> maps = new LinkedHashMap<>();
        Map<String, Object> counters = new LinkedHashMap<>();
        synchronized (objects) {
            for (BpfObject object : objects) {
                for (BpfProgram p : object.programs()) {
                    programs.add(Map.of("object", object.name(), "name", p.name(), "id", p.id()));
                }
                for (BpfMap m : object.maps()) {
                    if (m.name().startsWith(".") || m.name().equals("scratch")) {
                        continue;
                    }
                    Map<String, Object> info = new LinkedHashMap<>();
                    info.put("type", m.type().toString());
                    info.put("max_entries", m.maxEntries());
                    Long n = entries.get(m.name());
                    if (n != null) {
                        info.put("entries", n);
                    }
                    maps.put(m.name(), info);
                }
                object.maps().stream().filter(m -> m.name().equals("counters")).findFirst().ifPresent(m -> {
                    for (Counter c : Counter.values()) {
                        counters.put(c.name().toLowerCase(), m.sumPerCpuLong(c.index()));
                    }
                });
            }
        }
        s.put("programs", programs);
        if (!failures.isEmpty()) {
            s.put("not_loaded", new LinkedHashMap<>(failures));
        }
        s.put("maps", maps);
        if (entriesAt > 0) {
            s.put("map_entries_age_ms", System.currentTimeMillis() - entriesAt);
            s.put("map_entries_count_ms", entriesCountMs);
        }
        s.put("counters", counters);
        return s;
    }

    /** Set once the kernel's own counts could not be read: then maps are walked. */
    private volatile boolean walkToCount;

    /**
     * The fill of each hash map. Where the kernel keeps an element count per map (Linux 6.6+), it is read through
     * the runtime's {@link jibril.bpf.MapCounter} at every status call: one pass of an iterator, exact and cheap.
     * Elsewhere each map is walked with batched lookups (about 100 ms for 170k entries, so some 350 ms when every
     * map is full at the default sizes), on a thread of its own, at most every {@value #ENTRIES_REFRESH_MS} ms
     * and only while someone asks for the status, so an idle daemon pays nothing; the status shows the last
     * counts, their age and how long counting took.
     */
    private void countEntriesIfOld() {
        if (closing || attachedAt == 0) {
            return;
        }
        List<BpfObject> snapshot;
        synchronized (objects) {
            snapshot = new ArrayList<>(objects);
        }
        BpfRuntime rt = runtime;
        if (rt != null && !walkToCount) {
            try {
                long t0 = System.nanoTime();
                Map<Integer, Long> byId = rt.mapCounter().counts();
                Map<String, Long> counted = new java.util.HashMap<>();
                for (BpfObject object : snapshot) {
                    for (BpfMap m : object.maps()) {
                        if (m.type().supportsBatch() && !m.type().name().endsWith("ARRAY")) {
                            counted.putIfAbsent(m.name(), byId.getOrDefault(m.id(), 0L));
                        }
                    }
                }
                entries = Map.copyOf(counted);
                entriesAt = System.currentTimeMillis();
                entriesCountMs = (System.nanoTime() - t0) / 1_000_000;
                return;
            } catch (BpfException | IllegalStateException e) {
                walkToCount = true;
                logger.info("map entries are counted by walking the maps: the kernel's counts cannot be read ({})",
                        e.getMessage());
            }
        }
        if (System.currentTimeMillis() - entriesAt < ENTRIES_REFRESH_MS || !counting.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                long t0 = System.nanoTime();
                Map<String, Long> counted = new java.util.HashMap<>();
                for (BpfObject object : snapshot) {
                    for (BpfMap m : object.maps()) {
                        if (closing) {
                            return;
                        }
                        // Maps shared between objects (tasks, strings) are the same kernel map: count it once.
                        if (m.type().supportsBatch() && !m.type().name().endsWith("ARRAY")
                                && !counted.containsKey(m.name())) {
                            counted.put(m.name(), m.dump((k, v) -> {
                            }));
                        }
                    }
                }
                entries = Map.copyOf(counted);
                entriesAt = System.currentTimeMillis();
                entriesCountMs = (System.nanoTime() - t0) / 1_000_000;
            } catch (BpfException | IllegalStateException e) {
                logger.debug("map entries not counted: {}", e.getMessage());
            } finally {
                counting.set(false);
            }
        }, "jibril-map-count");
        t.setDaemon(true);
        counter = t;
        t.start();
    }

    @Override
    public boolean ready() {
        return attachedAt > 0;
    }
}
