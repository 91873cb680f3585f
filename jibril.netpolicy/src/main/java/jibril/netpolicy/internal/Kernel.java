package jibril.netpolicy.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jibril.bpf.BpfException;
import jibril.bpf.BpfLink;
import jibril.bpf.BpfMap;
import jibril.bpf.BpfObject;
import jibril.bpf.BpfProgram;
import jibril.bpf.BpfRuntime;
import jibril.bpf.RecordHandler;
import jibril.bpf.RingBuffer;
import jibril.bpf.UpdateFlag;
import jibril.bpf.layout.NetPolicyLayout;

/**
 * The kernel side of the policy: the netpolicy BPF object, its maps and links pinned under one bpffs directory
 * (so enforcement outlives the daemon), and the rules written into its LPM tries.
 *
 * <p>A whole new policy is written into the idle rule set, then one write of {@code np_config} switches to it;
 * programs that read the old generation just before still find the old set intact, which is cleared only a moment
 * later. Single rule changes (blocks, addresses learnt from answers) go into the active set in place: each is one
 * atomic map update. Every rule keeps its index (its hit counter) for as long as it exists.
 *
 * <p>Not thread-safe: the owner serialises calls.
 */
final class Kernel implements AutoCloseable {

    static final String OBJECT = "netpolicy";
    /** How long programs may still use the old rule set after a switch before it is cleared. */
    static final long GRACE_MS = 50;

    /** A rule as the kernel holds it. */
    record Entry(Policy.Action action, int index) {
    }

    private final BpfRuntime rt;
    private final Path dir;
    private final Path cgroup;
    private final java.util.function.Consumer<String> warn;
    private BpfObject object;
    private BpfMap config;
    private BpfMap hits;
    private final BpfMap[] v4 = new BpfMap[2];
    private final BpfMap[] v6 = new BpfMap[2];
    private final BpfMap[] names = new BpfMap[2];
    private int gen;
    private long version;
    private int mode = NetPolicyLayout.MODE_BYPASS;
    private int dflt = NetPolicyLayout.ALLOW;
    private int resolveMode = NetPolicyLayout.MODE_BYPASS;
    private int resolveDflt = NetPolicyLayout.ALLOW;
    /** The name rules the active set holds. */
    private final Map<String, Entry> activeNames = new HashMap<>();
    /** What the active set holds. */
    private final Map<Cidr, Entry> active = new HashMap<>();
    private final Deque<Integer> freeIndexes = new ArrayDeque<>();
    private int nextIndex = 1;
    private boolean adopted;

    Kernel(BpfRuntime rt, Path dir, Path cgroup, java.util.function.Consumer<String> warn) {
        this.rt = rt;
        this.dir = dir;
        this.cgroup = cgroup;
        this.warn = warn;
    }

    /**
     * Loads the programs (reusing the pinned maps of an earlier run, with their rules) and attaches them: a link
     * pinned by an earlier run is given the new program atomically, so enforcement never lapses; a missing one is
     * created and pinned.
     */
    void start() {
        BpfObject o;
        try {
            o = load();
        } catch (BpfException e) {
            if (!e.getMessage().contains("reuse")) {
                throw e;
            }
            // Pinned maps of an incompatible build: the old programs go with them (a short lapse, logged).
            warn.accept("the network policy pinned under " + dir + " does not fit this build (" + e.getMessage()
                    + "); replacing it, enforcement lapses until the new policy is in place");
            BpfRuntime.unpinAll(dir);
            o = load();
        }
        object = o;
        config = o.map("np_config");
        hits = o.map("np_hits");
        v4[0] = o.map("np_v4_a");
        v4[1] = o.map("np_v4_b");
        v6[0] = o.map("np_v6_a");
        v6[1] = o.map("np_v6_b");
        names[0] = o.map("np_names_a");
        names[1] = o.map("np_names_b");
        byte[] cfg = config.lookup(new byte[4]);
        gen = cfg == null ? 0 : NetPolicyLayout.configGen(cfg) & 1;
        version = cfg == null ? 0 : NetPolicyLayout.configVersion(cfg);
        if (cfg != null) {
            mode = cfg[NetPolicyLayout.CONFIG_CIDR_MODE];
            dflt = cfg[NetPolicyLayout.CONFIG_CIDR_DEFAULT] == 0 ? NetPolicyLayout.ALLOW
                    : cfg[NetPolicyLayout.CONFIG_CIDR_DEFAULT];
            resolveMode = cfg[NetPolicyLayout.CONFIG_RESOLVE_MODE];
            resolveDflt = cfg[NetPolicyLayout.CONFIG_RESOLVE_DEFAULT] == 0 ? NetPolicyLayout.ALLOW
                    : cfg[NetPolicyLayout.CONFIG_RESOLVE_DEFAULT];
        }
        readActive();
        for (BpfProgram p : o.programs()) {
            Path pin = dir.resolve("link_" + p.name());
            if (Files.exists(pin)) {
                try {
                    BpfLink.Info info = rt.updatePinnedLink(pin, p);
                    if (info.attached()) {
                        adopted = true;
                        continue;
                    }
                    warn.accept("the pinned link " + pin + " was detached by someone; attaching again");
                } catch (BpfException e) {
                    warn.accept("cannot adopt the pinned link " + pin + " (" + e.getMessage() + "); attaching again");
                }
                try {
                    Files.deleteIfExists(pin);
                } catch (java.io.IOException e) {
                    throw new BpfException("cannot remove the stale link pin " + pin + ": " + e, 5, e);
                }
            }
            BpfLink link = p.attachCgroup(cgroup);
            link.pin(pin);
        }
    }

    private BpfObject load() {
        BpfObject o = rt.openBundled(OBJECT, dir);
        try {
            o.load();
            return o;
        } catch (RuntimeException e) {
            o.close();
            throw e;
        }
    }

    /** Reads back what an earlier run left in the active set, so its rules keep their indexes. */
    private void readActive() {
        active.clear();
        int max = 0;
        for (BpfMap m : List.of(v4[gen], v6[gen])) {
            List<byte[]> keys = new ArrayList<>();
            m.forEachKey(keys::add);
            for (byte[] k : keys) {
                byte[] v = m.lookup(k);
                if (v == null) {
                    continue;
                }
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(k).order(java.nio.ByteOrder.nativeOrder());
                int prefix = b.getInt(0);
                byte[] addr = java.util.Arrays.copyOfRange(k, 4, k.length);
                int index = NetPolicyLayout.ruleIndex(v);
                Policy.Action a = v[4] == NetPolicyLayout.DENY ? Policy.Action.DENY : Policy.Action.ALLOW;
                active.put(new Cidr(addr, prefix), new Entry(a, index));
                max = Math.max(max, index);
            }
        }
        // Name rules cannot be read back (their keys are hashes): their indexes stay taken until the next install.
        java.util.Set<Integer> used = new java.util.HashSet<>();
        List<byte[]> nameKeys = new ArrayList<>();
        names[gen].forEachKey(nameKeys::add);
        for (byte[] k : nameKeys) {
            byte[] v = names[gen].lookup(k);
            if (v != null) {
                used.add(NetPolicyLayout.ruleIndex(v));
                max = Math.max(max, NetPolicyLayout.ruleIndex(v));
            }
        }
        nextIndex = max + 1;
        freeIndexes.clear();
        active.values().forEach(e -> used.add(e.index()));
        for (int i = 1; i < nextIndex; i++) {
            if (!used.contains(i)) {
                freeIndexes.add(i);
            }
        }
    }

    /** Whether start() found links of an earlier run and took them over. */
    boolean adopted() {
        return adopted;
    }

    /**
     * Puts a whole policy in force: the rules go into the idle set, then one write switches mode, default and
     * rule set together; the old set is cleared after a grace period.
     */
    void install(Policy.Mode cidrMode, Policy.Action cidrDefault, Map<Cidr, Policy.Action> rules)
            throws InterruptedException {
        install(cidrMode, cidrDefault, Policy.Mode.BYPASS, Policy.Action.ALLOW, rules, Map.of());
    }

    /** As above, with the resolve mode, its default and the name rules (domain to verdict). */
    void install(Policy.Mode cidrMode, Policy.Action cidrDefault, Policy.Mode resolve, Policy.Action resolveDefault,
            Map<Cidr, Policy.Action> rules, Map<String, Policy.Action> nameRules) throws InterruptedException {
        int idle = gen ^ 1;
        clear(idle);
        Map<String, Entry> nextNames = new HashMap<>();
        for (Map.Entry<String, Policy.Action> r : nameRules.entrySet()) {
            Entry old = activeNames.get(r.getKey());
            Entry e = new Entry(r.getValue(), old != null ? old.index() : allocate(new ArrayList<>()));
            names[idle].update(NetPolicyLayout.nameKey(r.getKey()), NetPolicyLayout.rule(e.index(), e.action().code),
                    UpdateFlag.ANY);
            nextNames.put(r.getKey(), e);
        }
        Map<Cidr, Entry> next = new HashMap<>();
        List<Integer> fresh = new ArrayList<>();
        for (Map.Entry<Cidr, Policy.Action> r : rules.entrySet()) {
            Entry old = active.get(r.getKey());
            int index = old != null ? old.index() : allocate(fresh);
            Entry e = new Entry(r.getValue(), index);
            write(idle, r.getKey(), e);
            next.put(r.getKey(), e);
        }
        version++;
        config.update(new byte[4], NetPolicyLayout.config(idle, cidrMode.code, cidrDefault.code, resolve.code,
                resolveDefault.code, version), UpdateFlag.ANY);
        int old = gen;
        gen = idle;
        mode = cidrMode.code;
        dflt = cidrDefault.code;
        resolveMode = resolve.code;
        resolveDflt = resolveDefault.code;
        for (Map.Entry<String, Entry> e : activeNames.entrySet()) {
            if (!nextNames.containsKey(e.getKey())) {
                freeIndexes.add(e.getValue().index());
            }
        }
        activeNames.clear();
        activeNames.putAll(nextNames);
        for (Map.Entry<Cidr, Entry> e : active.entrySet()) {
            if (!next.containsKey(e.getKey())) {
                freeIndexes.add(e.getValue().index());
            }
        }
        active.clear();
        active.putAll(next);
        Thread.sleep(GRACE_MS);
        clear(old);
    }

    /** Changes one rule of the active set in place (null: no rule for this network any more). */
    void put(Cidr cidr, Policy.Action action) {
        Entry old = active.get(cidr);
        if (action == null) {
            if (old != null) {
                map(gen, cidr).delete(NetPolicyLayout.lpmKey(cidr.address(), cidr.prefix()));
                active.remove(cidr);
                freeIndexes.add(old.index());
            }
            return;
        }
        if (old != null && old.action() == action) {
            return;
        }
        Entry e = new Entry(action, old != null ? old.index() : allocate(new ArrayList<>()));
        write(gen, cidr, e);
        active.put(cidr, e);
    }

    /** Changes one name rule of the active set in place (null: none for this domain any more). */
    void putName(String domain, Policy.Action action) {
        Entry old = activeNames.get(domain);
        if (action == null) {
            if (old != null) {
                names[gen].delete(NetPolicyLayout.nameKey(domain));
                activeNames.remove(domain);
                freeIndexes.add(old.index());
            }
            return;
        }
        if (old != null && old.action() == action) {
            return;
        }
        Entry e = new Entry(action, old != null ? old.index() : allocate(new ArrayList<>()));
        names[gen].update(NetPolicyLayout.nameKey(domain), NetPolicyLayout.rule(e.index(), action.code),
                UpdateFlag.ANY);
        activeNames.put(domain, e);
    }

    /** The name rules of the active set. */
    Map<String, Entry> activeNames() {
        return Map.copyOf(activeNames);
    }

    /** What the active set holds now. */
    Map<Cidr, Entry> active() {
        return Map.copyOf(active);
    }

    private int allocate(List<Integer> fresh) {
        Integer i = freeIndexes.poll();
        int index = i != null ? i : nextIndex++;
        if (index >= NetPolicyLayout.MAX_RULES) {
            throw new BpfException("too many network policy rules (at most " + (NetPolicyLayout.MAX_RULES - 1) + ")",
                    7);
        }
        hits.update(key(index), new byte[hits.valueBufferSize()], UpdateFlag.ANY);
        fresh.add(index);
        return index;
    }

    private void write(int set, Cidr cidr, Entry e) {
        map(set, cidr).update(NetPolicyLayout.lpmKey(cidr.address(), cidr.prefix()),
                NetPolicyLayout.rule(e.index(), e.action().code), UpdateFlag.ANY);
    }

    private BpfMap map(int set, Cidr cidr) {
        return cidr.v4() ? v4[set] : v6[set];
    }

    private void clear(int set) {
        for (BpfMap m : List.of(v4[set], v6[set], names[set])) {
            List<byte[]> keys = new ArrayList<>();
            m.forEachKey(keys::add);
            for (byte[] k : keys) {
                m.delete(k);
            }
        }
    }

    /** The decisions a rule (by index; 0: the default policy) matched, summed over CPUs. */
    long hits(int index) {
        return hits.sumPerCpuLong(index);
    }

    /** The kernel's counters. */
    Map<String, Long> counters() {
        BpfMap c = object.map("np_counters");
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("decisions", c.sumPerCpuLong(NetPolicyLayout.CNT_DECISIONS));
        out.put("denied", c.sumPerCpuLong(NetPolicyLayout.CNT_DENIED));
        out.put("blocked", c.sumPerCpuLong(NetPolicyLayout.CNT_BLOCKED));
        out.put("notices_lost", c.sumPerCpuLong(NetPolicyLayout.CNT_NOTICE_LOST));
        out.put("answers", c.sumPerCpuLong(NetPolicyLayout.CNT_ANSWERS));
        out.put("answers_dropped", c.sumPerCpuLong(NetPolicyLayout.CNT_ANSWERS_DROPPED));
        out.put("answers_unparsed", c.sumPerCpuLong(NetPolicyLayout.CNT_ANSWERS_UNPARSED));
        return out;
    }

    long version() {
        return version;
    }

    int generation() {
        return gen;
    }

    String mode() {
        return switch (mode) {
            case NetPolicyLayout.MODE_ALERT -> "alert";
            case NetPolicyLayout.MODE_ENFORCE -> "enforce";
            case NetPolicyLayout.MODE_BOTH -> "both";
            default -> "bypass";
        };
    }

    String resolveMode() {
        return switch (resolveMode) {
            case NetPolicyLayout.MODE_ALERT -> "alert";
            case NetPolicyLayout.MODE_ENFORCE -> "enforce";
            case NetPolicyLayout.MODE_BOTH -> "both";
            default -> "bypass";
        };
    }

    String resolveDefault() {
        return resolveDflt == NetPolicyLayout.DENY ? "deny" : "allow";
    }

    String defaultPolicy() {
        return dflt == NetPolicyLayout.DENY ? "deny" : "allow";
    }

    /** The ids of the programs attached through the pinned links. */
    List<Integer> linkIds() {
        List<Integer> ids = new ArrayList<>();
        for (BpfProgram p : object.programs()) {
            try {
                ids.add(rt.pinnedLinkInfo(dir.resolve("link_" + p.name())).id());
            } catch (BpfException e) {
                // not pinned (any more)
            }
        }
        return ids;
    }

    /** The blocks kept with the policy ({@code cidr:...} or {@code domain:...} to the end, 0 for none). */
    Map<String, Long> storedBlocks() {
        BpfMap m = object.map("np_blocks");
        Map<String, Long> out = new HashMap<>();
        List<byte[]> keys = new ArrayList<>();
        m.forEachKey(keys::add);
        for (byte[] k : keys) {
            byte[] v = m.lookup(k);
            if (v != null) {
                out.put(NetPolicyLayout.blockText(k),
                        java.nio.ByteBuffer.wrap(v).order(java.nio.ByteOrder.nativeOrder()).getLong());
            }
        }
        return out;
    }

    void storeBlock(String text, long untilMillis) {
        object.map("np_blocks").update(NetPolicyLayout.blockKey(text), java.nio.ByteBuffer.allocate(8)
                .order(java.nio.ByteOrder.nativeOrder()).putLong(untilMillis).array(), UpdateFlag.ANY);
    }

    void dropBlock(String text) {
        object.map("np_blocks").delete(NetPolicyLayout.blockKey(text));
    }

    /** A consumer of the drop notices. */
    RingBuffer drops(RecordHandler handler) {
        return rt.ringBuffer(object.map("np_drops"), handler);
    }

    /** Ends enforcement: removes the pinned links and maps, then frees the object (the programs detach). */
    void remove() {
        // Detached first, so enforcement ends now rather than when the kernel gets to free the unpinned files.
        try (java.util.stream.Stream<Path> pins = Files.list(dir)) {
            for (Path pin : pins.filter(p -> p.getFileName().toString().startsWith("link_")).toList()) {
                try {
                    rt.detachPinnedLink(pin);
                } catch (BpfException e) {
                    warn.accept("cannot detach " + pin + ": " + e.getMessage());
                }
            }
        } catch (java.io.IOException e) {
            warn.accept("cannot list " + dir + ": " + e);
        }
        BpfRuntime.unpinAll(dir);
        close();
    }

    /** Releases this process's hold; the pins keep the policy in force. */
    @Override
    public void close() {
        if (object != null) {
            object.close();
            object = null;
        }
    }

    private static byte[] key(int index) {
        return java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(index).array();
    }
}
