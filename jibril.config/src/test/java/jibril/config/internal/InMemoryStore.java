package jibril.config.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A ConfigurationAdmin stand-in: PID to properties, with a log of the writes and deletes. */
final class InMemoryStore implements ConfigStore {

    final Map<String, Map<String, Object>> configs = new TreeMap<>();
    final List<String> writes = new ArrayList<>();
    String failOn;

    /** The properties of one configuration, or an empty map; safe to call from another thread. */
    synchronized Map<String, Object> get(String pid) {
        Map<String, Object> p = configs.get(pid);
        return p == null ? Map.of() : Map.copyOf(p);
    }

    @Override
    public synchronized Map<String, Map<String, Object>> owned() {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        configs.forEach((pid, props) -> {
            if (props.containsKey(Pids.SOURCE)) {
                Map<String, Object> p = new LinkedHashMap<>(props);
                p.put("service.pid", pid); // as ConfigurationAdmin returns them
                out.put(pid, p);
            }
        });
        return out;
    }

    @Override
    public synchronized boolean foreign(String pid) {
        Map<String, Object> p = configs.get(pid);
        return p != null && !p.containsKey(Pids.SOURCE);
    }

    @Override
    public synchronized void put(String pid, Map<String, Object> properties) throws IOException {
        if (pid.equals(failOn)) {
            throw new IOException("disk full");
        }
        writes.add("put " + pid);
        configs.put(pid, new LinkedHashMap<>(properties));
    }

    @Override
    public synchronized void delete(String pid) throws IOException {
        if (pid.equals(failOn)) {
            throw new IOException("disk full");
        }
        writes.add("delete " + pid);
        configs.remove(pid);
    }
}
