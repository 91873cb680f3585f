package jibril.netpolicy.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.framework.BundleContext;
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
import jibril.bpf.BpfRuntime;
import jibril.bpf.RingBuffer;
import jibril.bpf.layout.NetPolicyLayout;
import jibril.core.api.DomainRecord;
import jibril.core.api.EventPublisher;
import jibril.core.api.NetPolicy;
import jibril.core.api.ObservationListener;
import jibril.core.api.Query;
import jibril.core.api.StatusSource;

/**
 * The network policy plugin ({@code jibril:netpolicy:file=/etc/jibril/netpolicy.yaml}): loads the netpolicy BPF
 * programs through the core's {@link BpfRuntime} and attaches them to the root cgroup v2, with maps and links pinned
 * under {@code <pin root>/netpolicy}; reads the policy file, watches it and puts each good version in force
 * atomically (a broken one is refused with file, line and field, and the last good policy stays); takes blocks
 * through {@link NetPolicy}; turns addresses that denied domains resolved to into host rules; and publishes
 * {@code dropip}/{@code dropdomain} events.
 *
 * <p>Stopping the daemon leaves the policy in force (pinned) and a restart adopts it without a gap. Removing the
 * plugin from the configuration (or {@code jibril:netpolicy remove}) ends enforcement.
 */
@Component(immediate = true, configurationPid = NetPolicyService.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = { NetPolicy.class, StatusSource.class, ObservationListener.class, NetPolicyService.class },
        property = StatusSource.NAME + "=netpolicy")
@Designate(ocd = NetPolicyService.Config.class)
public class NetPolicyService implements NetPolicy, StatusSource, ObservationListener {

    static final String PID = "jibril.plugin.netpolicy";
    static final String DEFAULT_PIN_ROOT = "/sys/fs/bpf/jibril";
    /** DS: the component's configuration was deleted (the plugin left the configuration). */
    static final int CONFIGURATION_DELETED = 4;

    @ObjectClassDefinition(name = "Jibril network policy")
    @interface Config {
        @AttributeDefinition(description = "The policy file (network_policy: ...), watched")
        String file() default "";

        @AttributeDefinition(description = "Milliseconds between checks of the policy file (50-60000)")
        String interval() default "1000";

        @AttributeDefinition(description = "At most one event per process and peer in this time (e.g. 10s)")
        String rate() default "10s";
    }

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    /**
     * The core's runtime, registered once the core's programs are attached. Optional so that this component (and
     * its status section, not ready until the policy is in force) is there from the start: readiness then waits
     * for enforcement. When the core goes away the policy is let go (it stays pinned) and taken up again when the
     * core is back.
     */
    private volatile BpfRuntime runtime;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setRuntime(BpfRuntime rt) {
        runtime = rt;
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    void unsetRuntime(BpfRuntime rt) throws InterruptedException {
        if (runtime != rt) {
            return;
        }
        runtime = null;
        stopReader();
        synchronized (lock) {
            if (kernel != null) {
                kernel.close(); // the pins keep the policy in force
                kernel = null;
                loaded = false;
                state = "waiting for the eBPF core";
                logger.info("the eBPF core went away: network policy left to its pins under {}", dir);
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventPublisher publisher;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Query query;

    private final Object lock = new Object();
    private final RuleBook book = new RuleBook();
    private volatile Path file;
    private volatile long intervalMs = 1000;
    private volatile long rateMs = 10_000;
    private Path dir;
    private Thread worker;
    private volatile Thread reader;
    private volatile boolean stopping;
    private volatile boolean removed;
    private volatile boolean readerStop;
    /** Whether a policy file was put in force by this run (until then the kernel holds what an earlier run left). */
    private volatile boolean loaded;
    private Kernel kernel;
    private DropEvents events;
    private volatile String state = "waiting for the eBPF core";
    private volatile String lastError = "";
    private volatile String lastLoaded = "";
    private volatile long fileStamp = Long.MIN_VALUE;
    private volatile String fileHash = "";
    private final ConcurrentLinkedQueue<DomainRecord> answers = new ConcurrentLinkedQueue<>();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong learnt = new AtomicLong();

    @Activate
    void activate(BundleContext context, Config config) {
        String root = context.getProperty("jibril.pin.root");
        dir = Path.of(root == null || root.isBlank() ? DEFAULT_PIN_ROOT : root).resolve("netpolicy");
        configure(config);
        events = new DropEvents(() -> publisher, () -> query, logger);
        worker = new Thread(this::run, "jibril-netpolicy");
        worker.setDaemon(true);
        worker.start();
    }

    @Modified
    void modified(Config config) {
        configure(config);
        fileStamp = Long.MIN_VALUE; // read it again, whichever file it is now
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    private void configure(Config config) {
        file = config.file().isBlank() ? null : Path.of(config.file()).toAbsolutePath().normalize();
        try {
            intervalMs = Math.max(50, Math.min(60_000, Long.parseLong(config.interval().strip())));
        } catch (NumberFormatException e) {
            logger.warn("jibril:netpolicy: interval={} is not a number of milliseconds; using 1000", config.interval());
            intervalMs = 1000;
        }
        try {
            rateMs = Durations.parse(config.rate()).toMillis();
        } catch (IllegalArgumentException e) {
            logger.warn("jibril:netpolicy: rate={}: {}; using 10s", config.rate(), e.getMessage());
            rateMs = 10_000;
        }
    }

    @Deactivate
    void deactivate(int reason) throws InterruptedException {
        stopping = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        if (worker != null) {
            worker.interrupt();
            worker.join(30_000);
        }
        stopReader();
        synchronized (lock) {
            if (kernel != null) {
                if (reason == CONFIGURATION_DELETED && !removed) {
                    kernel.remove();
                    logger.info("network policy removed: programs detached and pins under {} deleted", dir);
                } else {
                    kernel.close();
                    if (!removed) {
                        logger.info("network policy stays in force while Jibril is away (pinned under {})", dir);
                    }
                }
                kernel = null;
            }
        }
    }

    private void run() {
        BpfRuntime failedWith = null;
        while (!stopping) {
            try {
                BpfRuntime rt = runtime;
                boolean need;
                synchronized (lock) {
                    need = kernel == null && !removed && rt != null && rt != failedWith;
                }
                if (need) {
                    if (!startKernel(rt)) {
                        failedWith = rt;
                    }
                }
                boolean running;
                synchronized (lock) {
                    running = kernel != null;
                }
                if (running) {
                    checkFile();
                    drainAnswers();
                }
                synchronized (lock) {
                    if (kernel != null && !removed && book.expire(System.currentTimeMillis())) {
                        sync();
                        if (loaded) {
                            storeBlocks();
                        }
                    }
                    lock.wait(intervalMs);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                lastError = String.valueOf(e);
                logger.error("network policy: {}", String.valueOf(e));
            }
        }
    }

    /** Takes up the blocks an earlier run kept with the policy (those whose time is not over). Holds the lock. */
    private void restoreBlocks(Kernel k) {
        long now = System.currentTimeMillis();
        k.storedBlocks().forEach((text, until) -> {
            try {
                if (until != 0 && until <= now) {
                    k.dropBlock(text);
                } else if (text.startsWith("cidr:")) {
                    book.blockAddress(Cidr.parse(text.substring(5)), until);
                } else if (text.startsWith("domain:")) {
                    book.blockDomain(Domains.normalize(text.substring(7)), until);
                }
            } catch (IllegalArgumentException e) {
                logger.warn("a kept block '{}' is not understood; dropped: {}", text, e.getMessage());
                k.dropBlock(text);
            }
        });
    }

    /** Makes the kept blocks those of the book. Holds the lock. */
    private void storeBlocks() {
        Map<String, Long> want = new HashMap<>();
        book.addressBlocks().forEach((c, b) -> want.put("cidr:" + c, b.untilMillis()));
        book.domainBlocks().forEach((d, b) -> want.put("domain:" + d, b.untilMillis()));
        Map<String, Long> have = kernel.storedBlocks();
        for (String k : have.keySet()) {
            if (!want.containsKey(k)) {
                kernel.dropBlock(k);
            }
        }
        want.forEach((k, v) -> {
            if (!v.equals(have.get(k))) {
                kernel.storeBlock(k, v);
            }
        });
    }

    /** Loads and attaches (or adopts) the programs with this runtime, and starts the notice reader. */
    private boolean startKernel(BpfRuntime rt) {
        Path cgroup;
        try {
            cgroup = Cgroups.root(logger);
            Kernel k = new Kernel(rt, dir, cgroup, logger::warn);
            synchronized (lock) {
                if (runtime != rt || stopping) {
                    return true; // gone meanwhile; the loop looks again
                }
                k.start();
                kernel = k;
                restoreBlocks(k);
                // the file goes in again, whatever was read before: the kernel may hold an older policy
                fileStamp = Long.MIN_VALUE;
                fileHash = "";
            }
            state = k.adopted() ? "adopted" : "attached";
            logger.info("network policy programs {} on the cgroup {} (pinned under {})",
                    k.adopted() ? "adopted from the pins of an earlier run" : "attached", cgroup, dir);
        } catch (BpfException | IllegalStateException e) {
            state = "failed: " + e.getMessage();
            logger.error("the network policy could not be put in the kernel: {}", e.getMessage());
            return false;
        }
        readerStop = false;
        Thread r = new Thread(this::readDrops, "jibril-netpolicy-drops");
        r.setDaemon(true);
        reader = r;
        r.start();
        return true;
    }

    private void stopReader() throws InterruptedException {
        readerStop = true;
        Thread r = reader;
        if (r != null && r != Thread.currentThread()) {
            r.join(30_000);
        }
        reader = null;
    }

    private void readDrops() {
        RingBuffer rb;
        synchronized (lock) {
            if (kernel == null) {
                return;
            }
            rb = kernel.drops(r -> events.notice(NetPolicyLayout.Drop.decode(r)));
        }
        try {
            while (!stopping && !readerStop) {
                rb.poll(200);
                events.flush(this::describeRule, this::learntNames, rateMs);
            }
        } catch (RuntimeException e) {
            logger.error("network policy: the drop notices stopped: {}", String.valueOf(e));
        } finally {
            rb.close();
        }
    }

    /** Reads the policy file if it changed, and puts it in force; a broken file changes nothing. */
    private void checkFile() throws InterruptedException {
        Path f = file;
        if (f == null) {
            if (!"no file".equals(lastError)) {
                lastError = "no file";
                logger.error("jibril:netpolicy needs the policy file: jibril:netpolicy:file=/etc/jibril/netpolicy.yaml");
            }
            return;
        }
        long stamp;
        String text;
        try {
            stamp = Files.getLastModifiedTime(f).toMillis() ^ Files.size(f);
            if (stamp == fileStamp) {
                return;
            }
            text = Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            String msg = f + ": cannot read the policy file: " + e.getMessage();
            if (!msg.equals(lastError)) {
                lastError = msg;
                logger.error("{}; the policy in force stays", msg);
            }
            fileStamp = Long.MIN_VALUE;
            return;
        }
        fileStamp = stamp;
        String hash = Integer.toHexString(text.hashCode()) + ":" + text.length();
        if (hash.equals(fileHash)) {
            return;
        }
        Policy p;
        try {
            p = PolicyParser.parse(f.toString(), text);
        } catch (PolicyParser.PolicyException e) {
            fileHash = hash;
            lastError = e.getMessage();
            refused.incrementAndGet();
            logger.error("{} (policy refused; the one in force stays)", e.getMessage());
            return;
        }
        synchronized (lock) {
            if (kernel == null || removed) {
                return;
            }
            Policy previous = book.policy();
            book.setPolicy(p);
            try {
                kernel.install(p.cidrMode(), p.cidrPolicy(), p.resolveMode(), p.resolvePolicy(), book.actions(),
                        book.nameRules());
            } catch (BpfException e) {
                // e.g. more rules than the maps hold: the switch did not happen, the policy in force stays
                book.setPolicy(previous);
                fileHash = hash;
                lastError = f + ": the kernel refused the policy: " + e.getMessage();
                refused.incrementAndGet();
                logger.error("{} (the policy in force stays)", lastError);
                return;
            }
            loaded = true;
            fileHash = hash;
            lastError = "";
            lastLoaded = java.time.Instant.now().toString();
            reloads.incrementAndGet();
        }
        logger.info("network policy {} in force: cidr {} (default {}), resolve {} (default {}), {} rules (version {})",
                f, p.cidrMode().text(), p.cidrPolicy().text(), p.resolveMode().text(), p.resolvePolicy().text(),
                p.rules().size(), kernel.version());
    }

    /**
     * Brings the active rule set in line with the rule book, one atomic entry at a time. Holds the lock. Until the
     * file was put in force the book does not know the rules in the kernel (adopted from an earlier run), so nothing
     * is changed then.
     */
    private void sync() {
        if (!loaded) {
            return;
        }
        Map<Cidr, Policy.Action> want = book.actions();
        Map<Cidr, Kernel.Entry> have = kernel.active();
        for (Cidr c : have.keySet()) {
            if (!want.containsKey(c)) {
                kernel.put(c, null);
            }
        }
        want.forEach(kernel::put);
        Map<String, Policy.Action> wantNames = book.nameRules();
        for (String d : kernel.activeNames().keySet()) {
            if (!wantNames.containsKey(d)) {
                kernel.putName(d, null);
            }
        }
        wantNames.forEach(kernel::putName);
    }

    @Override
    public void resolved(DomainRecord domain) {
        answers.add(domain);
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /** Addresses answered for names a domain rule covers become host rules, at once. */
    private void drainAnswers() {
        DomainRecord d;
        while ((d = answers.poll()) != null) {
            synchronized (lock) {
                if (kernel == null || removed || !book.hasDomainRules()) {
                    continue;
                }
                List<String> names = new ArrayList<>();
                names.add(d.name());
                names.addAll(d.cnames());
                boolean changed = false;
                for (String a : d.addresses()) {
                    Cidr c;
                    try {
                        c = Cidr.parse(a);
                    } catch (IllegalArgumentException e) {
                        continue;
                    }
                    if (book.learn(c, names)) {
                        changed = true;
                        learnt.incrementAndGet();
                    }
                }
                if (changed) {
                    sync();
                    Policy p = book.policy();
                    Map.Entry<Policy.Action, String> v = null;
                    for (String n : names) {
                        Map.Entry<Policy.Action, String> x = book.domainVerdict(n);
                        if (x != null && x.getKey() == Policy.Action.DENY) {
                            v = x;
                            break;
                        }
                    }
                    if (v != null && p.resolveMode().alerts()) {
                        events.dropDomain(d, v.getValue(), p.cidrMode().blocks(), rateMs);
                    }
                }
            }
        }
    }

    private java.util.Set<String> learntNames(byte[] address) {
        synchronized (lock) {
            return book.namesOf(address);
        }
    }

    /** The text of the rule with this kernel index, for event notes. */
    private String describeRule(int index) {
        synchronized (lock) {
            if (index == 0 || kernel == null) {
                return "the default policy";
            }
            for (Map.Entry<Cidr, Kernel.Entry> e : kernel.active().entrySet()) {
                if (e.getValue().index() == index) {
                    RuleBook.Source s = book.effective().get(e.getKey());
                    return e.getValue().action().text() + " " + e.getKey() + (s == null ? "" : " (" + s.origin() + ")");
                }
            }
            for (Map.Entry<String, Kernel.Entry> e : kernel.activeNames().entrySet()) {
                if (e.getValue().index() == index) {
                    return e.getValue().action().text() + " domain " + e.getKey();
                }
            }
            return "rule #" + index;
        }
    }

    // ---- NetPolicy

    @Override
    public boolean blockAddress(String cidr, Duration until) {
        Cidr c = Cidr.parse(cidr);
        return change(() -> book.blockAddress(c, until(until)));
    }

    @Override
    public boolean unblockAddress(String cidr) {
        Cidr c = Cidr.parse(cidr);
        return change(() -> book.unblockAddress(c));
    }

    @Override
    public boolean blockDomain(String domain, Duration until) {
        String d = Domains.normalize(domain);
        return change(() -> book.blockDomain(d, until(until)));
    }

    @Override
    public boolean unblockDomain(String domain) {
        String d = Domains.normalize(domain);
        return change(() -> book.unblockDomain(d));
    }

    /** One block or unblock: only while a policy is in force; then into the kernel and the pinned store. */
    private boolean change(java.util.function.BooleanSupplier edit) {
        synchronized (lock) {
            checkInForce();
            boolean changed = edit.getAsBoolean();
            sync();
            storeBlocks();
            return changed;
        }
    }

    private void checkInForce() {
        if (kernel == null || removed) {
            throw new IllegalStateException("the network policy is not in the kernel (" + state + ")");
        }
        if (!loaded) {
            throw new IllegalStateException("the policy file is not in force yet (" + (lastError.isEmpty() ? state
                    : lastError) + "); blocks apply once it is");
        }
    }

    private static long until(Duration d) {
        return d == null || d.isZero() || d.isNegative() ? 0 : System.currentTimeMillis() + d.toMillis();
    }

    @Override
    public List<Map<String, Object>> rules() {
        List<Map<String, Object>> out = new ArrayList<>();
        synchronized (lock) {
            if (kernel == null) {
                return out;
            }
            Map<Cidr, Kernel.Entry> active = kernel.active();
            Map<String, Object> dflt = new LinkedHashMap<>();
            dflt.put("cidr", "default");
            dflt.put("policy", kernel.defaultPolicy());
            dflt.put("origin", "cidr_policy");
            dflt.put("hits", kernel.hits(0));
            out.add(dflt);
            for (Map.Entry<Cidr, RuleBook.Source> e : book.effective().entrySet()) {
                Kernel.Entry k = active.get(e.getKey());
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("cidr", e.getKey().toString());
                r.put("policy", e.getValue().action().text());
                r.put("origin", e.getValue().origin());
                if (e.getValue().names() != null) {
                    r.put("names", e.getValue().names());
                }
                r.put("hits", k == null ? 0L : kernel.hits(k.index()));
                out.add(r);
            }
            for (Policy.Rule rule : book.policy().rules()) {
                if (rule.domain() != null) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("domain", rule.domain());
                    r.put("policy", rule.action().text());
                    r.put("origin", "file line " + rule.line());
                    out.add(r);
                }
            }
            book.domainBlocks().forEach((d, b) -> {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("domain", d);
                r.put("policy", "deny");
                r.put("origin", b.untilMillis() == 0 ? "block"
                        : "block until " + java.time.Instant.ofEpochMilli(b.untilMillis()));
                out.add(r);
            });
        }
        return out;
    }

    /**
     * Ends enforcement now, as removing the plugin from the configuration does: the links and maps are unpinned and
     * the programs detach. It stays off until the daemon restarts with the plugin configured.
     */
    boolean remove() throws InterruptedException {
        // The notice reader goes first: it must not read the ring of an object being freed (and it takes the lock).
        stopReader();
        synchronized (lock) {
            if (kernel == null || removed) {
                return false;
            }
            kernel.remove();
            kernel = null;
            removed = true;
            state = "removed";
            logger.warn("network policy removed on request: programs detached and pins under {} deleted", dir);
            return true;
        }
    }

    // ---- StatusSource

    @Override
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("state", state);
        s.put("file", file == null ? "" : file.toString());
        s.put("pins", dir == null ? "" : dir.toString());
        synchronized (lock) {
            Policy p = book.policy();
            s.put("cidr_mode", p.cidrMode().text());
            s.put("cidr_policy", p.cidrPolicy().text());
            s.put("resolve_mode", p.resolveMode().text());
            s.put("resolve_policy", p.resolvePolicy().text());
            if (kernel != null) {
                s.put("kernel_mode", kernel.mode());
                s.put("kernel_default", kernel.defaultPolicy());
                s.put("kernel_resolve_mode", kernel.resolveMode());
                s.put("kernel_resolve_default", kernel.resolveDefault());
                s.put("name_rules", kernel.activeNames().size());
                s.put("version", kernel.version());
                s.put("generation", kernel.generation());
                s.put("cidr_rules", kernel.active().size());
                s.put("programs", kernel.linkIds());
                s.put("counters", kernel.counters());
            }
            s.put("address_blocks", book.addressBlocks().size());
            s.put("domain_blocks", book.domainBlocks().size());
        }
        s.put("last_loaded", lastLoaded);
        s.put("last_error", lastError);
        s.put("reloads", reloads.get());
        s.put("refused", refused.get());
        s.put("learnt_addresses", learnt.get());
        s.put("events", events == null ? Map.of() : events.status());
        return s;
    }

    @Override
    public boolean ready() {
        // Ready once this run put the policy file in force, or could not (refused file, kernel part failed, removed:
        // the status says why); not while waiting for the eBPF core.
        return loaded || removed || state.startsWith("failed") || (kernel != null && !lastError.isEmpty());
    }

    static Map<String, Object> copy(Map<String, Object> m) {
        return new HashMap<>(Objects.requireNonNull(m));
    }
}
