package jibril.reactions.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.ResourceLimits;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.SourceSection;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.IOAccess;
import org.graalvm.polyglot.proxy.ProxyExecutable;
import org.graalvm.polyglot.proxy.ProxyObject;

import jibril.core.api.Event;
import jibril.core.api.Reaction;

/**
 * JavaScript reactions on GraalJS. One {@link Engine} is shared (built on first use, so a daemon without js
 * reactions never pays for it) and every run gets a fresh {@link Context} on it: no state leaks between runs, and
 * parsed code is cached by the engine, so a run costs about a millisecond once warm.
 *
 * <p>The sandbox: no host classes or objects ({@link HostAccess#NONE}, no class lookup), no file system, sockets,
 * processes, threads, environment, native code or other languages. The only way out are the helpers, which are
 * {@link ProxyExecutable} functions (not Java objects). A run stops at the statement limit, and a watchdog cancels
 * the context when the time limit passes or when the run's thread allocated more than the memory budget (GraalJS
 * community has no heap limit of its own; what a run allocates bounds what it can hold).
 */
final class JsEngine implements AutoCloseable {

    /** JS wrapper of the helpers: {@code Error} logs when called and still constructs errors with {@code new}. */
    private static final String PRELUDE = """
            (function (g) {
              const log = g.__jibrilError;
              const Orig = g.Error;
              function Error(...args) {
                if (new.target) { return Reflect.construct(Orig, args, new.target); }
                return log(...args);
              }
              Error.prototype = Orig.prototype;
              Object.setPrototypeOf(Error, Orig);
              Object.defineProperty(Error.prototype, 'constructor', { value: Error, writable: true, configurable: true });
              g.Error = Error;
              delete g.__jibrilError;
            })(globalThis);
            """;

    private static final int SOURCES_MAX = 512;
    /** How often a running reaction's allocations are checked. */
    private static final long METER_MS = 5;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    private final Options options;
    private volatile Engine engine;
    private final Map<String, Source> sources = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Source> eldest) {
            return size() > SOURCES_MAX;
        }
    };
    private final Source prelude = Source.newBuilder("js", PRELUDE, "jibril-prelude.js").cached(true)
            .buildLiteral();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jibril-reactions-js-watchdog");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    JsEngine(Options options) {
        this.options = options;
    }

    /** The shared engine, built on first use (0.3-1 s). */
    Engine engine() {
        Engine e = engine;
        if (e == null) {
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("the js runner is stopping");
                }
                e = engine;
                if (e == null) {
                    e = Engine.newBuilder("js").option("engine.WarnInterpreterOnly", "false")
                            .option("log.level", "OFF").build();
                    engine = e;
                }
            }
        }
        return e;
    }

    private Source source(String code) {
        synchronized (sources) {
            return sources.computeIfAbsent(code,
                    c -> Source.newBuilder("js", c, "reaction.js").cached(true).buildLiteral());
        }
    }

    private Context context() {
        return Context.newBuilder("js").engine(engine())
                .allowHostAccess(HostAccess.NONE)
                .allowHostClassLookup(name -> false)
                .allowHostClassLoading(false)
                .allowIO(IOAccess.NONE)
                .allowCreateThread(false)
                .allowCreateProcess(false)
                .allowNativeAccess(false)
                .allowEnvironmentAccess(EnvironmentAccess.NONE)
                .allowPolyglotAccess(PolyglotAccess.NONE)
                .allowExperimentalOptions(false)
                .resourceLimits(ResourceLimits.newBuilder().statementLimit(options.statements(), null).build())
                .build();
    }

    /**
     * Compiles the code and runs its top level (with helpers that do nothing) to check that it defines
     * {@code function process(data)}.
     *
     * @throws IllegalArgumentException with the line and the reason
     */
    void validate(String code) {
        Source src = source(code);
        try (Context ctx = context()) {
            AtomicBoolean timedOut = new AtomicBoolean();
            ScheduledFuture<?> dog = watchdog.schedule(() -> {
                timedOut.set(true);
                ctx.close(true);
            }, options.timeout().toMillis(), TimeUnit.MILLISECONDS);
            try {
                bind(ctx, null);
                ctx.eval(src);
                Value p = ctx.getBindings("js").getMember("process");
                if (p == null || !p.canExecute()) {
                    throw new IllegalArgumentException("a js reaction must define function process(data)");
                }
            } catch (PolyglotException e) {
                if (e.isResourceExhausted() && !timedOut.get()) {
                    throw new IllegalArgumentException("its top level ran past the statement limit");
                }
                if (e.isCancelled() || timedOut.get()) {
                    throw new IllegalArgumentException("its top level did not finish within " + options.timeout());
                }
                throw new IllegalArgumentException(describe(e));
            } finally {
                dog.cancel(false);
            }
        }
    }

    /** Runs process(data); returns what the helpers logged and what process returned. */
    String run(Reaction reaction, Event event, String json, Duration limit, Helpers helpers) throws Exception {
        Source src = source(reaction.code());
        Context ctx = context();
        AtomicBoolean timedOut = new AtomicBoolean();
        AtomicBoolean overMemory = new AtomicBoolean();
        ScheduledFuture<?> dog = null;
        ScheduledFuture<?> meter = null;
        try {
            // Setting up (helpers, globals, the event) is ours and not timed: on a cold engine it takes a second or
            // more, which must not count against the reaction. The limit covers the reaction's own code.
            Value g = ctx.getBindings("js");
            bind(ctx, helpers);
            g.putMember("kind", event.metadata() == null ? "" : event.metadata().kind());
            g.putMember("name", reaction.recipe());
            g.putMember("uuid", event.uuid());
            Value data = g.getMember("JSON").invokeMember("parse", json);
            g.putMember("data", data);
            dog = watchdog.schedule(() -> {
                timedOut.set(true);
                ctx.close(true);
            }, limit.toMillis(), TimeUnit.MILLISECONDS);
            long tid = Thread.currentThread().threadId();
            long allocated0 = THREADS.getThreadAllocatedBytes(tid);
            meter = watchdog.scheduleAtFixedRate(() -> {
                if (THREADS.getThreadAllocatedBytes(tid) - allocated0 > options.memory()) {
                    overMemory.set(true);
                    ctx.close(true);
                }
            }, METER_MS, METER_MS, TimeUnit.MILLISECONDS);
            ctx.eval(src);
            Value p = g.getMember("process");
            if (p == null || !p.canExecute()) {
                throw new IllegalArgumentException("a js reaction must define function process(data)");
            }
            Value ret = p.execute(data);
            String out = helpers.output();
            if (ret != null && !ret.isNull()) {
                out += "returned: " + ret;
            }
            return out;
        } catch (PolyglotException e) {
            if (overMemory.get()) {
                throw new IllegalStateException("stopped: allocated more than " + options.memory() + " bytes");
            }
            if (e.isResourceExhausted() && !timedOut.get()) {
                // an overrun all the same: counted as timed out, with the limit that stopped it
                throw new TimeoutException("stopped: ran past the statement limit (" + options.statements() + ")");
            }
            if (e.isCancelled() || timedOut.get()) {
                throw new TimeoutException("stopped: still running after " + limit.toMillis() + " ms");
            }
            throw new IllegalStateException(describe(e));
        } catch (IllegalStateException e) {
            // the context was closed under us by the watchdog
            if (overMemory.get()) {
                throw new IllegalStateException("stopped: allocated more than " + options.memory() + " bytes");
            }
            if (timedOut.get()) {
                throw new TimeoutException("stopped: still running after " + limit.toMillis() + " ms");
            }
            throw e;
        } catch (OutOfMemoryError e) {
            throw new IllegalStateException("stopped: out of memory");
        } finally {
            if (dog != null) {
                dog.cancel(false);
            }
            if (meter != null) {
                meter.cancel(false);
            }
            try {
                ctx.close(true);
            } catch (RuntimeException e) {
                // already closed by the watchdog
            }
        }
    }

    /** "line N: message" of a guest error. */
    static String describe(PolyglotException e) {
        SourceSection at = e.getSourceLocation();
        String msg = e.getMessage();
        if (at != null && at.isAvailable() && !"jibril-prelude.js".equals(at.getSource().getName())) {
            return "line " + at.getStartLine() + ": " + msg;
        }
        return msg;
    }

    /** Puts the helpers into the context's globals; with null helpers (validation) they do nothing. */
    private void bind(Context ctx, Helpers h) {
        Value g = ctx.getBindings("js");
        Map<String, ProxyExecutable> f = new LinkedHashMap<>();
        f.put("Info", a -> {
            if (h != null) {
                h.info(join(a));
            }
            return null;
        });
        f.put("Warn", a -> {
            if (h != null) {
                h.warn(join(a));
            }
            return null;
        });
        f.put("__jibrilError", a -> {
            if (h != null) {
                h.error(join(a));
            }
            return null;
        });
        f.put("Errno", a -> h == null ? "" : h.errno());
        f.put("KillCurrent", a -> h == null ? -1 : h.killCurrent());
        f.put("KillParent", a -> h == null ? -1 : h.killParent());
        f.put("KillProcess", a -> h == null ? -1 : h.killProcess(num(a, 0)));
        f.put("ReadFile", a -> h == null ? "" : h.readFile(str(a, 0)));
        f.put("WriteFile", a -> h == null ? -1 : h.writeFile(str(a, 0), str(a, 1)));
        f.put("Stat", a -> {
            Map<String, Object> st = h == null ? null : h.stat(str(a, 0));
            return st == null ? null : ProxyObject.fromMap(st);
        });
        f.put("CreateTempDir", a -> h == null ? "" : h.createTempDir());
        f.put("RemoveDir", a -> h == null ? -1 : h.removeDir(str(a, 0)));
        f.put("DataSet", a -> h == null ? -1 : h.dataSet(str(a, 0), str(a, 1)));
        f.put("DataGet", a -> h == null ? "" : h.dataGet(str(a, 0)));
        f.put("DataDelete", a -> h == null ? -1 : h.dataDelete(str(a, 0)));
        f.put("DataPush", a -> h == null ? -1 : h.dataPush(str(a, 0)));
        f.put("DataPop", a -> h == null ? "" : h.dataPop());
        f.put("DataKeys", a -> h == null ? "[]" : h.dataKeys());
        f.put("DataValues", a -> h == null ? "[]" : h.dataValues());
        f.put("DataClear", a -> h == null ? -1 : h.dataClear());
        f.put("DataSize", a -> h == null ? 0 : h.dataSize());
        f.put("DataIsEmpty", a -> h == null || h.dataIsEmpty());
        f.put("DataHasKey", a -> h != null && h.dataHasKey(str(a, 0)));
        f.put("DataHasValue", a -> h != null && h.dataHasValue(str(a, 0)));
        f.put("NetBlockIp", a -> h == null ? -1 : h.netBlockIp(str(a, 0)));
        f.put("NetBlockIpTimer", a -> h == null ? -1 : h.netBlockIpTimer(str(a, 0), num(a, 1)));
        f.put("NetUnblockIp", a -> h == null ? -1 : h.netUnblockIp(str(a, 0)));
        f.put("NetBlockDomain", a -> h == null ? -1 : h.netBlockDomain(str(a, 0)));
        f.put("NetUnblockDomain", a -> h == null ? -1 : h.netUnblockDomain(str(a, 0)));
        f.put("CollectEvidence", a -> h == null ? "" : h.collectEvidence(num(a, 0)));
        f.forEach(g::putMember);
        ctx.eval(prelude);
    }

    private static String str(Value[] a, int i) {
        if (a.length <= i || a[i] == null || a[i].isNull()) {
            return null;
        }
        return a[i].isString() ? a[i].asString() : a[i].toString();
    }

    private static long num(Value[] a, int i) {
        if (a.length <= i || a[i] == null || a[i].isNull()) {
            return -1;
        }
        if (a[i].fitsInLong()) {
            return a[i].asLong();
        }
        if (a[i].fitsInDouble()) {
            return (long) a[i].asDouble();
        }
        try {
            return Long.parseLong(str(a, i).strip());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static String join(Value[] a) {
        StringBuilder sb = new StringBuilder();
        for (Value v : a) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(v.isString() ? v.asString() : v.toString());
        }
        return sb.toString();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        watchdog.shutdownNow();
        Engine e = engine;
        if (e != null) {
            e.close(true);
        }
    }
}
