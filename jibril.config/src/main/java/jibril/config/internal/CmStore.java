package jibril.config.internal;

import java.io.IOException;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * {@link ConfigStore} over ConfigurationAdmin. Configurations are made with location {@code "?"} so they bind to
 * whichever bundle's component asks for the PID.
 */
final class CmStore implements ConfigStore {

    /** Multi-location: any bundle may receive the configuration. */
    static final String ANY_LOCATION = "?";

    private final ConfigurationAdmin cm;

    CmStore(ConfigurationAdmin cm) {
        this.cm = cm;
    }

    @Override
    public Map<String, Map<String, Object>> owned() throws IOException {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        for (Configuration c : list("(" + Pids.SOURCE + "=*)")) {
            Dictionary<String, Object> props = c.getProperties();
            if (props != null) {
                out.put(c.getPid(), toMap(props)); // a printer instance's PID is <factory>~<name>
            }
        }
        return out;
    }

    @Override
    public boolean foreign(String pid) throws IOException {
        for (Configuration c : list("(" + "service.pid=" + escape(pid) + ")")) {
            Dictionary<String, Object> props = c.getProperties();
            if (props != null && props.get(Pids.SOURCE) == null) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void put(String pid, Map<String, Object> properties) throws IOException {
        int tilde = pid.indexOf('~');
        Configuration c = tilde < 0 ? cm.getConfiguration(pid, ANY_LOCATION)
                : cm.getFactoryConfiguration(pid.substring(0, tilde), pid.substring(tilde + 1), ANY_LOCATION);
        c.updateIfDifferent(new Hashtable<>(properties));
    }

    @Override
    public void delete(String pid) throws IOException {
        for (Configuration c : list("(" + "service.pid=" + escape(pid) + ")")) {
            Dictionary<String, Object> props = c.getProperties();
            if (props != null && props.get(Pids.SOURCE) != null) {
                c.delete();
            }
        }
    }

    private Configuration[] list(String filter) throws IOException {
        try {
            Configuration[] cs = cm.listConfigurations(filter);
            return cs == null ? new Configuration[0] : cs;
        } catch (InvalidSyntaxException e) {
            throw new IOException("bad filter " + filter, e);
        }
    }

    static Map<String, Object> toMap(Dictionary<String, Object> d) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Enumeration<String> keys = d.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            m.put(k, d.get(k));
        }
        return Collections.unmodifiableMap(m);
    }

    /** Escapes a value for an LDAP filter. */
    static String escape(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '*' || c == '(' || c == ')') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
