package jibril.detect.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.felix.service.command.Descriptor;
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
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import com.google.gson.Gson;

import jibril.core.api.Attenuator;
import jibril.core.api.DetectionListener;
import jibril.core.api.Event;
import jibril.core.api.EventPublisher;
import jibril.core.api.FileRecord;
import jibril.core.api.FlowRecord;
import jibril.core.api.ObservationListener;
import jibril.core.api.ProcessInfo;
import jibril.core.api.Printer;
import jibril.core.api.ProcessRecord;
import jibril.core.api.Query;
import jibril.core.api.Reaction;
import jibril.core.api.ReactionRunner;
import jibril.core.api.RecipeType;
import jibril.core.api.StatusSource;

/**
 * The recipe engine. Recipes come from the built-in library (YAML in this bundle) and from the user's recipes
 * directory (watched); each recipe's breed is compiled by the {@link RecipeType} registered for it (a whiteboard:
 * a type that arrives later brings its recipes to life, one that leaves stops them). Observations from the data
 * layer are queued and matched on the engine's own thread; a match that passes the recipe's {@code arbitrary}
 * filters, has not been reported before for the same process and file or peer, and is within the {@code times}
 * limits becomes a detection event for every printer.
 *
 * <p>A recipe file is the unit of change: a new version replaces the old one only when every recipe in it
 * validated and compiled, so a broken edit never leaves a window without detection.
 */
@Component(configurationPid = { Engine.PID, Engine.EVENTS_PID }, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = { ObservationListener.class, StatusSource.class },
        property = { StatusSource.NAME + "=detect", "osgi.command.scope=jibril",
                "osgi.command.function=recipes", "osgi.command.function=reload", "osgi.command.function=events",
                "osgi.command.function=why" })
public class Engine implements ObservationListener, StatusSource {

    static final String PID = "jibril.plugin.detect";
    static final String EVENTS_PID = "jibril.events";
    static final String BUILTIN_DIR = "jibril/detect/builtin";
    static final String BUILTIN_PREFIX = "builtin:";
    /** Observations waiting for the engine; beyond it the data layer waits (facts stay in the kernel maps). */
    static final int QUEUE = 16_384;
    static final int RECENT = 200;
    static final int SEEN_MAX = 262_144;
    static final int BACKGROUND_MAX = 8;
    static final int BACKGROUND_PROCESSES = 4096;
    /** How long a process's ancestry is reused before it is walked again (parents may exit or exec meanwhile). */
    static final long LINEAGE_MS = 2_000;

    @ObjectClassDefinition(name = "Jibril detection")
    @interface Config {
        @AttributeDefinition(description = "Enabled events as extension:plugin:event; jibril:detect:<recipe> enables a "
                + "recipe that its file leaves disabled")
        String[] enabled() default {};
    }

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Query query;

    /**
     * The printers' publisher. (The {@code events} tap that feeds {@code jibril:events} is registered apart from
     * this component, so binding the publisher never needs this engine as a printer: no service cycle.)
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventPublisher publisher;

    private volatile AlchemiesOptions alchemies;
    private org.osgi.framework.ServiceRegistration<Printer> recentTap;

    /** Attenuators, printers, listeners: the path after detection (created first: references bind before activate). */
    private final Dispatch dispatch = new Dispatch(() -> publisher, msg -> {
        Logger l = logger;
        if (l != null) {
            l.warn(msg);
        }
    });

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addAttenuator(Attenuator a, Map<String, Object> props) {
        dispatch.addAttenuator(a, props);
    }

    void removeAttenuator(Attenuator a) {
        dispatch.removeAttenuator(a);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(DetectionListener l, Map<String, Object> props) {
        dispatch.addListener(l, props);
    }

    void removeListener(DetectionListener l) {
        dispatch.removeListener(l);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setAlchemies(AlchemiesOptions options) {
        alchemies = options;
        requestRescan();
    }

    void unsetAlchemies(AlchemiesOptions options) {
        if (alchemies == options) {
            alchemies = null;
        }
        requestRescan();
    }

    /** Breed name → type, in arrival order per breed (the first registered wins while it stays). */
    private final Map<String, List<RecipeType>> types = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addType(RecipeType type, Map<String, Object> props) {
        String breed = String.valueOf(props.getOrDefault(RecipeType.BREED, ""));
        if (breed.isBlank()) {
            return;
        }
        types.computeIfAbsent(breed, b -> Collections.synchronizedList(new ArrayList<>())).add(type);
        requestRecompile();
    }

    void removeType(RecipeType type, Map<String, Object> props) {
        String breed = String.valueOf(props.getOrDefault(RecipeType.BREED, ""));
        List<RecipeType> l = types.get(breed);
        if (l != null) {
            l.remove(type);
        }
        requestRecompile();
    }

    /** Reaction runners by format (the first registered wins): recipes' reactions are validated by them at load. */
    private final Map<String, List<ReactionRunner>> runners = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addRunner(ReactionRunner runner, Map<String, Object> props) {
        String format = String.valueOf(props.getOrDefault(ReactionRunner.FORMAT, ""));
        if (!format.isBlank()) {
            runners.computeIfAbsent(format, f -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(runner);
        }
    }

    void removeRunner(ReactionRunner runner, Map<String, Object> props) {
        List<ReactionRunner> l = runners.get(String.valueOf(props.getOrDefault(ReactionRunner.FORMAT, "")));
        if (l != null) {
            l.remove(runner);
        }
    }

    private ReactionRunner runner(String format) {
        List<ReactionRunner> l = runners.get(format);
        return l == null || l.isEmpty() ? null : l.get(0);
    }

    /** The reactions' errors by the runners present now (none present: the parser's checks only). */
    private List<RecipeError> checkReactions(RecipeDef d) {
        List<RecipeError> errors = new ArrayList<>();
        for (int i = 0; i < d.reactions().size(); i++) {
            RecipeDef.Reaction r = d.reactions().get(i);
            ReactionRunner runner = runner(r.format());
            if (runner == null) {
                continue;
            }
            try {
                runner.validate(r.code());
            } catch (IllegalArgumentException e) {
                errors.add(d.error("reactions[" + i + "].code", e.getMessage()));
            } catch (RuntimeException e) {
                errors.add(d.error("reactions[" + i + "].code", "the " + r.format() + " runner failed on it: " + e));
            }
        }
        return errors;
    }

    /** One file's recipes as last loaded (valid), and its current errors. */
    private static final class Source {
        List<RecipeDef> defs = List.of();
        List<RecipeError> errors = List.of();
        String stamp = "";
        /** Compiled recipes by name, with the type instance they were compiled with. */
        Map<String, Recipe> compiled = Map.of();
        Map<String, RecipeType> compiledWith = Map.of();
    }

    private final Map<String, Source> sources = new TreeMap<>();
    private final Map<String, RecipeError> recipeErrors = new TreeMap<>();
    private final Map<String, String> waiting = new TreeMap<>();
    private volatile List<Recipe> active = List.of();
    private volatile Map<String, Recipe> byName = Map.of();
    private volatile Set<String> enabledByConfig = Set.of();

    private sealed interface Obs permits ExecObs, FileObs, FlowObs, Control {
    }

    private record ExecObs(ProcessRecord process) implements Obs {
    }

    private record FileObs(FileRecord file, List<String> actions) implements Obs {
    }

    private record FlowObs(FlowRecord flow, List<String> actions) implements Obs {
    }

    private enum Control implements Obs {
        RESCAN, RECOMPILE
    }

    private final BlockingQueue<Obs> queue = new ArrayBlockingQueue<>(QUEUE);

    /** How long the engine lets observations gather once it has emptied its queue (the latency it adds). */
    static final long GATHER_MS = 1;
    private volatile boolean rescanWanted = true;
    private volatile boolean recompileWanted = true;
    /** Detection keys already reported (hashes; the oldest forgotten first). Guarded by itself. */
    private final SeenKeys seen = new SeenKeys(SEEN_MAX);
    private final Deque<Event> recent = new ArrayDeque<>();
    private final AtomicLong observations = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong backpressure = new AtomicLong();
    private final AtomicLong detections = new AtomicLong();
    /** Detections per recipe name since the start (across reloads of the recipe). */
    private final Map<String, AtomicLong> perRecipe = new ConcurrentHashMap<>();
    private final AtomicLong loads = new AtomicLong();
    private final Gson gson = new com.google.gson.GsonBuilder()
            .setFieldNamingPolicy(com.google.gson.FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).disableHtmlEscaping()
            .create();

    private BundleContext bundleContext;
    private Thread worker;
    private volatile boolean running = true;
    private volatile Event.HostOs host;
    private volatile long hostReadAt;
    private volatile long lastScanMs;
    private final Object scanLock = new Object();

    @Activate
    void activate(BundleContext context, Config config) {
        bundleContext = context;
        configure(config);
        dispatch.start();
        Printer tap = this::keepRecent;
        recentTap = context.registerService(Printer.class, tap,
                new java.util.Hashtable<>(Map.of(Printer.NAME, "events")));
        worker = new Thread(this::work, "jibril-detect");
        worker.setDaemon(true);
        worker.start();
    }

    @Modified
    void configure(Config config) {
        Set<String> names = new HashSet<>();
        for (String e : config.enabled()) {
            String[] parts = e.split(":");
            if (parts.length >= 3 && parts[1].equals("detect")) {
                names.add(parts[2]);
            }
        }
        enabledByConfig = Set.copyOf(names);
        requestRecompile();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        running = false;
        worker.interrupt();
        worker.join(5_000);
        dispatch.close();
        try {
            recentTap.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework is stopping the bundle
        }
    }

    private void requestRescan() {
        rescanWanted = true;
        queue.offer(Control.RESCAN);
    }

    private void requestRecompile() {
        recompileWanted = true;
        queue.offer(Control.RECOMPILE);
    }

    // ---- observations (on the data layer's thread: only queue)

    @Override
    public void executed(ProcessRecord process) {
        offer(new ExecObs(process));
    }

    @Override
    public void fileActions(FileRecord file, List<String> actions) {
        offer(new FileObs(file, actions));
    }

    @Override
    public void flow(FlowRecord flow, List<String> newActions) {
        offer(new FlowObs(flow, newActions));
    }

    /**
     * Queues an observation. When the engine is behind, the data layer's thread waits here rather than the
     * observation being dropped: the facts stay in the kernel maps, the data layer's own notice queue overflows
     * into its cadence sweeps, and nothing is lost, only later. Only a stopping engine drops (counted).
     */
    private void offer(Obs o) {
        observations.incrementAndGet();
        if (queue.offer(o)) {
            return;
        }
        backpressure.incrementAndGet();
        try {
            while (running) {
                if (queue.offer(o, 100, TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dropped.incrementAndGet();
    }

    // ---- the engine thread

    private void work() {
        while (running) {
            try {
                long now = System.currentTimeMillis();
                AlchemiesOptions opts = alchemies;
                if (rescanWanted || now - lastScanMs >= (opts == null ? 1_000 : opts.intervalMs())) {
                    scan();
                }
                if (recompileWanted) {
                    recompile();
                }
                Obs o = queue.poll(opts == null ? 250 : Math.min(250, opts.intervalMs()), TimeUnit.MILLISECONDS);
                if (o != null && !(o instanceof Control)) {
                    match(o);
                    if (queue.isEmpty()) {
                        // Let the next observations gather: the data layer's thread then queues them without
                        // waking this one for each (a futex wake and a context switch per file pair, under load).
                        Thread.sleep(GATHER_MS);
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                logger.error("detection step failed; going on", e);
            }
        }
    }

    /** Loads new and changed recipe files (the built-in ones once), unloads removed ones. */
    private void scan() {
        synchronized (scanLock) {
            rescanWanted = false;
            lastScanMs = System.currentTimeMillis();
            AlchemiesOptions opts = alchemies;
            Map<String, String> present = new TreeMap<>(); // source -> stamp
            Map<String, Path> files = new HashMap<>();
            boolean builtin = opts == null || opts.builtin();
            if (builtin) {
                for (String name : builtinNames()) {
                    present.put(BUILTIN_PREFIX + name, "builtin");
                }
            }
            Path dir = opts == null ? null : opts.path();
            String listsStamp = "";
            if (dir != null) {
                for (Path f : recipeFiles(dir)) {
                    files.put(f.toString(), f);
                    present.put(f.toString(), stamp(f));
                }
                listsStamp = listStamp(dir);
            }
            boolean changed = false;
            for (String gone : new ArrayList<>(sources.keySet())) {
                if (!present.containsKey(gone)) {
                    sources.remove(gone);
                    logger.info("recipes of {} unloaded (the file is gone)", gone);
                    changed = true;
                }
            }
            for (Map.Entry<String, String> e : present.entrySet()) {
                String stamp = e.getValue() + (e.getKey().startsWith(BUILTIN_PREFIX) ? "" : listsStamp);
                Source s = sources.get(e.getKey());
                if (s != null && s.stamp.equals(stamp)) {
                    continue;
                }
                String text = e.getKey().startsWith(BUILTIN_PREFIX) ? readBuiltin(e.getKey().substring(BUILTIN_PREFIX.length()))
                        : readFile(files.get(e.getKey()));
                load(e.getKey(), text, stamp, files.containsKey(e.getKey()) ? files.get(e.getKey()).getParent() : null);
                changed = true;
            }
            if (changed) {
                recompileWanted = true;
                long builtins = sources.entrySet().stream().filter(e -> e.getKey().startsWith(BUILTIN_PREFIX))
                        .mapToLong(e -> e.getValue().defs.size()).sum();
                logger.info("recipes: {} built-in, {} from {}", builtins,
                        sources.entrySet().stream().filter(e -> !e.getKey().startsWith(BUILTIN_PREFIX))
                                .mapToLong(e -> e.getValue().defs.size()).sum(),
                        dir == null ? "no recipes directory" : dir);
            }
        }
    }

    /**
     * Parses one file and compiles what it can now; on success its recipes replace the file's previous ones, on any
     * error the previous ones stay and the errors are kept for {@code jibril:recipes}.
     */
    private void load(String source, String text, String stamp, Path dir) {
        loads.incrementAndGet();
        Source s = sources.computeIfAbsent(source, k -> new Source());
        s.stamp = stamp;
        List<RecipeError> errors = new ArrayList<>();
        List<RecipeDef> defs = List.of();
        if (text == null) {
            errors.add(new RecipeError(source, 0, 0, null, null, "cannot be read"));
        } else {
            RecipeParser.Parsed parsed = RecipeParser.parse(source, text, f -> runner(f) != null);
            errors.addAll(parsed.errors());
            defs = parsed.recipes();
            if (dir != null) {
                for (RecipeDef d : defs) {
                    d.fields().put(RemoteDomainsType.DIR, dir.toString());
                }
            }
            // names must be unique across the user's files (and across the built-in ones); a user's recipe with
            // the name of a built-in one replaces it
            boolean builtin = source.startsWith(BUILTIN_PREFIX);
            for (RecipeDef d : defs) {
                for (Map.Entry<String, Source> other : sources.entrySet()) {
                    if (!other.getKey().equals(source) && other.getKey().startsWith(BUILTIN_PREFIX) == builtin
                            && other.getValue().defs.stream().anyMatch(o -> o.name().equals(d.name()))) {
                        errors.add(d.error("name", "'" + d.name() + "' is already defined in " + other.getKey()));
                    }
                }
            }
            // compile now with the types present, so that a bad breed field refuses the file too
            for (RecipeDef d : defs) {
                errors.addAll(checkReactions(d));
                RecipeType t = type(d.breed());
                if (t != null) {
                    RecipeError e = check(d, t);
                    if (e != null) {
                        errors.add(e);
                    }
                }
            }
        }
        if (errors.isEmpty()) {
            s.defs = defs;
            s.errors = List.of();
            if (source.startsWith(BUILTIN_PREFIX)) {
                logger.debug("{}: {} recipe(s) loaded", source, defs.size());
            } else {
                logger.info("{}: {} recipe(s) loaded", source, defs.size());
            }
        } else {
            s.errors = List.copyOf(errors);
            for (RecipeError e : errors) {
                logger.error("recipe file refused{}: {}", s.defs.isEmpty() ? "" : " (its previous version stays active)",
                        e);
            }
        }
    }

    /** Compiles a definition with a type, only to find errors. */
    private static RecipeError check(RecipeDef d, RecipeType t) {
        try {
            compile(d, t);
            return null;
        } catch (RecipeType.RecipeException e) {
            return d.error(e.field(), e.getMessage());
        } catch (RuntimeException e) {
            return d.error("breed", "the '" + d.breed() + "' type failed on this recipe: " + e);
        }
    }

    private static Recipe compile(RecipeDef d, RecipeType t) throws RecipeType.RecipeException {
        Set<String> allowed = new HashSet<>(RecipeParser.COMMON);
        allowed.addAll(t.fields());
        allowed.add(RemoteDomainsType.DIR);
        Fields.only(d.fields(), "", allowed);
        Arbitrary arbitrary = Arbitrary.compile(d.fields());
        Times times = Times.compile(d.fields());
        RecipeType.Matcher m = t.compile(Collections.unmodifiableMap(d.fields()));
        if (m == null) {
            throw new RecipeType.RecipeException("breed", "the '" + d.breed() + "' type compiled nothing");
        }
        return new Recipe(d, m, arbitrary, times);
    }

    /** For tests: compile one definition with a type. */
    static Recipe compileForTest(RecipeDef d, RecipeType t) throws RecipeType.RecipeException {
        return compile(d, t);
    }

    private RecipeType type(String breed) {
        List<RecipeType> l = types.get(breed);
        if (l == null) {
            return null;
        }
        synchronized (l) {
            return l.isEmpty() ? null : l.get(0);
        }
    }

    /** Rebuilds the active set from every source with the types present now; reuses what did not change. */
    private void recompile() {
        synchronized (scanLock) {
            recompileWanted = false;
            List<Recipe> act = new ArrayList<>();
            Map<String, Recipe> names = new TreeMap<>();
            recipeErrors.clear();
            waiting.clear();
            Set<String> own = new HashSet<>();
            sources.forEach((k, v) -> {
                if (!k.startsWith(BUILTIN_PREFIX)) {
                    v.defs.forEach(d -> own.add(d.name()));
                }
            });
            for (Map.Entry<String, Source> e : sources.entrySet()) {
                Source s = e.getValue();
                Map<String, Recipe> compiled = new HashMap<>();
                Map<String, RecipeType> with = new HashMap<>();
                boolean builtin = e.getKey().startsWith(BUILTIN_PREFIX);
                for (RecipeDef d : s.defs) {
                    if (builtin && own.contains(d.name())) {
                        continue; // replaced by the user's recipe of the same name
                    }
                    RecipeType t = type(d.breed());
                    if (t == null) {
                        waiting.put(d.name(), d.breed());
                        continue;
                    }
                    Recipe r = s.compiled.get(d.name());
                    if (r == null || r.def != d || s.compiledWith.get(d.name()) != t) {
                        try {
                            Recipe before = byName.get(d.name());
                            r = compile(d, t);
                            if (before != null && java.util.Objects.equals(before.def.fields().get("times"),
                                    d.fields().get("times"))) {
                                // a new version of a recipe keeps counting against the same limits
                                r = new Recipe(d, r.matcher, r.arbitrary, before.times);
                            }
                        } catch (RecipeType.RecipeException ex) {
                            recipeErrors.put(d.name(), d.error(ex.field(), ex.getMessage()));
                            continue;
                        } catch (RuntimeException ex) {
                            recipeErrors.put(d.name(), d.error("breed", "the '" + d.breed() + "' type failed: " + ex));
                            continue;
                        }
                    }
                    compiled.put(d.name(), r);
                    with.put(d.name(), t);
                    names.put(d.name(), r);
                    if (d.enabled() || enabledByConfig.contains(d.name())) {
                        act.add(r);
                    }
                }
                s.compiled = compiled;
                s.compiledWith = with;
            }
            active = List.copyOf(act);
            byName = Collections.unmodifiableMap(names);
        }
    }

    /** The latest files and flows of one process, as observed (engine thread only). */
    private static final class Background {
        final ArrayDeque<FileRecord> files = new ArrayDeque<>();
        final ArrayDeque<FlowRecord> flows = new ArrayDeque<>();
    }

    private final Map<Long, Background> background = new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Background> e) {
            return size() > BACKGROUND_PROCESSES;
        }
    };

    private void remember(Obs o) {
        switch (o) {
            case FileObs x -> {
                ArrayDeque<FileRecord> q = background.computeIfAbsent(x.file().process().key(), k -> new Background())
                        .files;
                q.removeIf(f -> f.path().equals(x.file().path()));
                q.addLast(x.file());
                if (q.size() > BACKGROUND_MAX) {
                    q.removeFirst();
                }
            }
            case FlowObs x when x.flow().process() != null -> {
                ArrayDeque<FlowRecord> q = background.computeIfAbsent(x.flow().process().key(), k -> new Background())
                        .flows;
                q.removeIf(f -> f.proto().equals(x.flow().proto()) && f.remoteAddress().equals(x.flow().remoteAddress())
                        && f.remotePort() == x.flow().remotePort() && f.localPort() == x.flow().localPort());
                q.addLast(x.flow());
                if (q.size() > BACKGROUND_MAX) {
                    q.removeFirst();
                }
            }
            default -> {
            }
        }
    }

    private void match(Obs o) {
        remember(o);
        List<Recipe> recipes = active;
        if (recipes.isEmpty()) {
            return;
        }
        Subject subject = null;
        int fresh = o instanceof FileObs x ? freshMask(x.actions()) : 0;
        for (Recipe r : recipes) {
            boolean wanted = switch (o) {
                case ExecObs x -> r.wantsExec();
                case FileObs x -> r.wantsFile(fresh);
                case FlowObs x -> r.flows;
                default -> true;
            };
            if (!wanted) {
                continue;
            }
            RecipeType.Match m;
            FileRecord file = null;
            FlowRecord flow = null;
            try {
                switch (o) {
                    case ExecObs x -> {
                        m = r.matcher.exec(x.process());
                        if (m == null && x.process().exe() != null && !x.process().exe().isEmpty()) {
                            // execution recipes: the executed binary, as the execve file action
                            file = execFile(x.process());
                            m = r.matcher.file(file, List.of("execve"));
                            if (m == null) {
                                file = null;
                            }
                        }
                    }
                    case FileObs x -> {
                        file = x.file();
                        m = r.matcher.file(x.file(), x.actions());
                    }
                    case FlowObs x -> {
                        flow = x.flow();
                        m = x.flow().process() == null ? null : r.matcher.flow(x.flow(), x.actions());
                    }
                    default -> m = null;
                }
            } catch (RuntimeException e) {
                r.failures.incrementAndGet();
                continue;
            }
            if (m == null) {
                continue;
            }
            r.matched.incrementAndGet();
            ProcessRecord p = switch (o) {
                case ExecObs x -> x.process();
                case FileObs x -> x.file().process();
                case FlowObs x -> x.flow().process();
                default -> null;
            };
            if (subject == null || subject.process() != p) {
                subject = new Subject(p, ancestry(p), null, null);
            }
            Subject s = new Subject(p, subject.ancestry(), file, flow);
            if (!r.arbitrary.holds(s)) {
                r.filtered.incrementAndGet();
                continue;
            }
            long key = SeenKeys.hash(r.def.name() + "|" + p.key() + "|" + p.execSeq() + "|"
                    + (file != null ? file.path() : flow != null ? flow.proto() + " " + flow.remoteAddress() + " "
                            + flow.remotePort() : ""));
            synchronized (seen) {
                if (seen.contains(key)) {
                    r.repeated.incrementAndGet();
                    continue;
                }
                if (!r.times.allow(s)) {
                    r.limited.incrementAndGet();
                    continue;
                }
                seen.add(key);
            }
            r.fired.incrementAndGet();
            publish(r, s, m.note());
        }
    }

    /** The last list of new actions and its mask: one list per mask comes from the data layer (engine thread). */
    private List<String> lastActions = List.of();
    private int lastActionsMask;
    /**
     * Masks of the lists seen, by identity: the data layer hands one list per mask, and the observations of a
     * pair alternate between a few (open, then read, then close). Cleared when it grows past MASKS_MAX lists.
     */
    private final Map<List<String>, Integer> masks = new IdentityHashMap<>();
    static final int MASKS_MAX = 4096;

    private int freshMask(List<String> actions) {
        if (actions != lastActions) {
            Integer m = masks.get(actions);
            if (m == null) {
                if (masks.size() >= MASKS_MAX) {
                    masks.clear();
                }
                m = FileActions.mask(actions);
                masks.put(actions, m);
            }
            lastActionsMask = m;
            lastActions = actions;
        }
        return lastActionsMask;
    }

    private record Lineage(List<ProcessRecord> ancestry, long readAtMs) {
    }

    /** Ancestries of recent processes, kept a moment: a process doing many things costs one walk (engine thread). */
    private final Map<Long, Lineage> lineages = new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Lineage> e) {
            return size() > BACKGROUND_PROCESSES;
        }
    };

    private List<ProcessRecord> ancestry(ProcessRecord p) {
        long now = System.currentTimeMillis();
        long key = p.key() ^ (p.execSeq() * 0x9E3779B97F4A7C15L);
        Lineage l = lineages.get(key);
        if (l == null || now - l.readAtMs() > LINEAGE_MS) {
            Query q = query;
            l = new Lineage(q == null ? List.of() : q.ancestry(p), now);
            lineages.put(key, l);
        }
        return l.ancestry();
    }

    private static FileRecord execFile(ProcessRecord p) {
        return new FileRecord(p, p.exe(), List.of("execve"), Map.of("execve", 1L), "file", 0, 0, 0, "",
                p.execNs() != 0 ? p.execNs() : p.startNs(), p.execNs() != 0 ? p.execNs() : p.startNs());
    }

    private void publish(Recipe r, Subject s, String note) {
        RecipeDef d = r.def;
        Event.Metadata meta = new Event.Metadata(d.kind(), d.name(), d.mechanism(), d.version(), d.description(),
                d.tactic(), d.technique(), d.subtechnique(), d.importance(), d.documentation());
        List<ProcessInfo> ancestry = s.ancestry().stream().map(ProcessInfo::of).toList();
        // Background: what the engine itself saw this process do lately (bounded, no kernel walk per detection).
        List<Event.FileInfo> files = null;
        List<Event.FlowInfo> flows = null;
        Background b = background.get(s.process().key());
        if (b != null) {
            files = b.files.stream().filter(f -> s.file() == null || !f.path().equals(s.file().path()))
                    .map(Engine::fileInfo).toList();
            flows = b.flows.stream().filter(f -> f != s.flow()).map(Engine::flowInfo).toList();
        }
        Event event = new Event(UUID.randomUUID().toString(), Instant.now().toString(), note == null ? "" : note, meta,
                Event.Score.ofImportance(d.importance()), ProcessInfo.of(s.process()),
                new Event.Background(ancestry, files, flows), new Event.Scenarios(host()),
                s.file() == null ? null : fileInfo(s.file()), s.flow() == null ? null : flowInfo(s.flow()), null);
        detections.incrementAndGet();
        perRecipe.computeIfAbsent(d.name(), n -> new AtomicLong()).incrementAndGet();
        dispatch.submit(event, r.reactions);
    }

    /**
     * Printer "events" (registered by {@link #activate}, apart from the engine so that its status is not the
     * engine's): keeps the most recent events every printer got (detections as attenuated, reaction runs, drops)
     * for {@code jibril:events}.
     */
    private void keepRecent(Event event) {
        synchronized (recent) {
            recent.addLast(event);
            while (recent.size() > RECENT) {
                recent.removeFirst();
            }
        }
    }

    static Event.FileInfo fileInfo(FileRecord f) {
        return new Event.FileInfo(f.path(), Arbitrary.dir(f.path()), Arbitrary.base(f.path()), f.actions(), f.counts(),
                f.type(), String.format("%04o", f.mode() & 07777), f.uid(), f.gid(), f.fs(),
                ProcessInfo.rfc3339(f.firstNs()), ProcessInfo.rfc3339(f.lastNs()));
    }

    static Event.FlowInfo flowInfo(FlowRecord f) {
        List<String> names = f.remoteNames() == null ? List.of() : f.remoteNames();
        Map<String, Object> phase = new LinkedHashMap<>();
        phase.put("bytes_in", f.bytesIn());
        phase.put("bytes_out", f.bytesOut());
        phase.put("packets_in", f.packetsIn());
        phase.put("packets_out", f.packetsOut());
        phase.put("first_seen", ProcessInfo.rfc3339(f.firstNs()));
        phase.put("last_seen", ProcessInfo.rfc3339(f.lastNs()));
        phase.put("initiator", f.initiator());
        phase.put("ended_by", f.endedBy());
        phase.put("state", f.state());
        int service = "remote".equals(f.initiator()) ? f.localPort() : f.remotePort();
        return new Event.FlowInfo(f.ipVersion(), f.proto(),
                new Event.Node(f.localAddress(), "", List.of(), f.localPort()),
                new Event.Node(f.remoteAddress(), names.isEmpty() ? "" : names.get(0), names, f.remotePort()), service,
                f.actions(), FlowMatch.flags(f), phase);
    }

    private Event.HostOs host() {
        long now = System.currentTimeMillis();
        if (host == null || now - hostReadAt > 60_000) {
            host = Event.HostOs.read();
            hostReadAt = now;
        }
        return host;
    }

    // ---- sources

    private List<String> builtinNames() {
        List<String> out = new ArrayList<>();
        Enumeration<URL> e = bundleContext.getBundle().findEntries(BUILTIN_DIR, "*.yaml", false);
        if (e != null) {
            while (e.hasMoreElements()) {
                String p = e.nextElement().getPath();
                out.add(p.substring(p.lastIndexOf('/') + 1));
            }
        }
        Collections.sort(out);
        return out;
    }

    private String readBuiltin(String name) {
        URL u = bundleContext.getBundle().getEntry(BUILTIN_DIR + "/" + name);
        if (u == null) {
            return null;
        }
        try (InputStream in = u.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    private String readFile(Path f) {
        try {
            if (Files.size(f) > RecipeParser.MAX_FILE_CHARS * 4L) {
                return "#".repeat(RecipeParser.MAX_FILE_CHARS + 1);
            }
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            logger.warn("cannot read recipe file {}: {}", f, e.toString());
            return null;
        }
    }

    /** The YAML files of the recipes directory (or the one file), sub-directories included. */
    static List<Path> recipeFiles(Path dir) {
        if (Files.isRegularFile(dir)) {
            return List.of(dir);
        }
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir, 4)) {
            return s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString();
                return (n.endsWith(".yaml") || n.endsWith(".yml")) && !n.startsWith(".");
            }).sorted().toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static String stamp(Path f) {
        try {
            return Files.getLastModifiedTime(f).toMillis() + ":" + Files.size(f);
        } catch (IOException e) {
            return "?";
        }
    }

    /** Changes to list files in the directory reload its recipes (lists are read when recipes compile). */
    private static String listStamp(Path dir) {
        if (!Files.isDirectory(dir)) {
            return "";
        }
        try (Stream<Path> s = Files.walk(dir, 4)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted()
                    .map(p -> p.getFileName() + "@" + stamp(p)).collect(Collectors.joining(","));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    // ---- status and commands

    @Override
    public Map<String, Object> status() {
        synchronized (scanLock) {
            return statusLocked();
        }
    }

    private Map<String, Object> statusLocked() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("recipes_active", active.size());
        s.put("recipes_loaded", byName.size());
        s.put("recipes_waiting_for_type", waiting.size());
        s.put("recipes_errored", recipeErrors.size());
        s.put("files_refused", sources.values().stream().filter(x -> !x.errors.isEmpty()).count());
        s.put("file_loads", loads.get());
        s.put("observations", observations.get());
        s.put("observations_dropped", dropped.get());
        s.put("observations_waited_for_engine", backpressure.get());
        s.put("queue", queue.size());
        s.put("detections", detections.get());
        s.put("detections_without_printer", dispatch.unpublished());
        s.put("dispatch", dispatch.status());
        Map<String, Long> per = new TreeMap<>();
        perRecipe.forEach((k, v) -> per.put(k, v.get()));
        s.put("detections_per_recipe", per);
        s.put("types", new TreeMap<>(types).keySet().stream().filter(b -> type(b) != null).toList());
        return s;
    }

    @Descriptor("lists the recipes: active, disabled, waiting for their type, or refused, with the reason")
    public String recipes() {
        synchronized (scanLock) {
            return recipesLocked();
        }
    }

    private String recipesLocked() {
        StringBuilder sb = new StringBuilder();
        Set<String> act = active.stream().map(r -> r.def.name()).collect(Collectors.toSet());
        sb.append(String.format("%-44s %-9s %-20s %-9s %6s  %s%n", "RECIPE", "STATE", "BREED", "IMPORTANCE", "FIRED",
                "SOURCE"));
        for (Recipe r : byName.values()) {
            sb.append(String.format("%-44s %-9s %-20s %-9s %6d  %s%n", r.def.name(),
                    act.contains(r.def.name()) ? "active" : "disabled", r.def.breed(), r.def.importance(),
                    r.fired.get(), r.def.source()));
        }
        for (Map.Entry<String, String> w : waiting.entrySet()) {
            sb.append(String.format("%-44s %-9s %-20s%n", w.getKey(), "waiting", w.getValue()))
                    .append("    no recipe type '").append(w.getValue()).append("' is registered\n");
        }
        for (RecipeError e : recipeErrors.values()) {
            sb.append(String.format("%-44s %-9s%n", e.recipe(), "error")).append("    ").append(e).append('\n');
        }
        for (Map.Entry<String, Source> e : sources.entrySet()) {
            for (RecipeError err : e.getValue().errors) {
                sb.append("refused: ").append(err).append('\n');
            }
        }
        sb.append(act.size()).append(" active, ").append(byName.size() - act.size()).append(" disabled, ")
                .append(waiting.size()).append(" waiting, ").append(recipeErrors.size()).append(" errored; ")
                .append(sources.values().stream().filter(x -> !x.errors.isEmpty()).count()).append(" file(s) refused\n");
        return sb.toString();
    }

    @Descriptor("reads the recipe files again now and says what changed")
    public String reload() throws InterruptedException {
        long before = loads.get();
        synchronized (scanLock) {
            for (Source s : sources.values()) {
                s.stamp = "";
            }
        }
        scan();
        recompile();
        return (loads.get() - before) + " file(s) read\n" + recipes();
    }

    @Descriptor("shows the most recent events the printers got: detections, reaction runs, drops (JSON, newest last)")
    public String events(@Descriptor("how many (default 20)") int... count) {
        int n = count.length > 0 ? count[0] : 20;
        List<Event> copy;
        synchronized (recent) {
            copy = new ArrayList<>(recent);
        }
        return copy.subList(Math.max(0, copy.size() - n), copy.size()).stream().map(gson::toJson)
                .collect(Collectors.joining("\n")) + (copy.isEmpty() ? "no events yet\n" : "\n");
    }

    @Descriptor("explains the state of a recipe: loaded from where, active or why not, limits, what it matched")
    public String why(@Descriptor("recipe name") String name) {
        synchronized (scanLock) {
            return whyLocked(name);
        }
    }

    private String whyLocked(String name) {
        StringBuilder sb = new StringBuilder();
        Recipe r = byName.get(name);
        if (r == null) {
            if (waiting.containsKey(name)) {
                return name + ": waiting: its breed '" + waiting.get(name) + "' has no recipe type registered "
                        + "(a bundle that provides it may be dropped into deploy/)\n";
            }
            if (recipeErrors.containsKey(name)) {
                return name + ": not loaded: " + recipeErrors.get(name) + "\n";
            }
            for (Source s : sources.values()) {
                for (RecipeError e : s.errors) {
                    if (name.equals(e.recipe())) {
                        return name + ": its file was refused: " + e + "\n";
                    }
                }
            }
            return name + ": no such recipe (see jibril:recipes)\n";
        }
        RecipeDef d = r.def;
        boolean on = active.contains(r);
        sb.append(name).append(": ").append(on ? "active" : "disabled").append('\n');
        sb.append("  source: ").append(d.source()).append(':').append(d.line()).append('\n');
        sb.append("  enabled in its file: ").append(d.enabled()).append("; named in config.event: ")
                .append(enabledByConfig.contains(name)).append('\n');
        if (!on) {
            sb.append("  to enable it: add 'jibril:detect:").append(name).append("' to config.event\n");
        }
        sb.append("  breed: ").append(d.breed()).append(", mechanism: ").append(d.mechanism()).append(", importance: ")
                .append(d.importance()).append('\n');
        sb.append("  times: ").append(r.times.describe()).append('\n');
        sb.append("  asked about: ").append(r.describeInterest()).append('\n');
        sb.append("  matched ").append(r.matched.get()).append(", filtered out by arbitrary ").append(r.filtered.get())
                .append(", repeats ").append(r.repeated.get()).append(", over the times limits ").append(r.limited.get())
                .append(", fired ").append(r.fired.get()).append(", matcher failures ").append(r.failures.get())
                .append('\n');
        sb.append("  reactions: ").append(d.reactions().size()).append('\n');
        return sb.toString();
    }
}
