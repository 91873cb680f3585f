package jibril.config.internal;

import java.io.IOException;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import jibril.core.api.StatusSource;

/** Gogo command {@code jibril:config}: the configuration's state and the configurations made from it. */
@Component(service = ConfigCommand.class, property = { "osgi.command.scope=jibril", "osgi.command.function=config" })
public final class ConfigCommand {

    @Reference(target = "(&(" + StatusSource.NAME + "=config)(component.name=jibril.config.internal.ConfigManager))")
    private StatusSource manager;

    @Reference
    private ConfigurationAdmin configAdmin;

    @Descriptor("shows the config file in use, its state, errors and warnings, and the configurations made from it")
    public Map<String, Object> config() throws IOException {
        Map<String, Object> out = new LinkedHashMap<>(manager.status());
        out.put("ready", manager.ready());
        Map<String, Object> made = new TreeMap<>();
        Configuration[] cs;
        try {
            cs = configAdmin.listConfigurations("(" + Pids.SOURCE + "=*)");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (cs != null) {
            for (Configuration c : cs) {
                Dictionary<String, Object> props = c.getProperties();
                if (props != null) {
                    made.put(c.getPid(), show(props));
                }
            }
        }
        out.put("configurations", made);
        return out;
    }

    private static Map<String, Object> show(Dictionary<String, Object> props) {
        Map<String, Object> m = new TreeMap<>();
        for (Enumeration<String> keys = props.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            if (k.equals("service.pid")) {
                continue;
            }
            Object v = props.get(k);
            if (v != null && v.getClass().isArray()) {
                List<Object> list = new ArrayList<>();
                for (int i = 0; i < Array.getLength(v); i++) {
                    list.add(Array.get(v, i));
                }
                v = list;
            }
            m.put(k, Secrets.show(k, v));
        }
        return m;
    }
}
