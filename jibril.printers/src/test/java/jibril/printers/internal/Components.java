package jibril.printers.internal;

import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.log.Logger;

/** What SCR does for a component, done by hand: typed configs from option maps, injected loggers. */
final class Components {

    private Components() {
    }

    /** The component property type {@code type} over these options ({@code max-size} for {@code max$_$size()}). */
    @SuppressWarnings("unchecked")
    static <A> A config(Class<A> type, Map<String, ?> options) {
        return (A) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, (p, m, a) -> {
            String key = m.getName().replace("$_$", "-");
            Object v = options.get(key);
            return v != null ? String.valueOf(v) : m.getDefaultValue();
        });
    }

    static void inject(Object component, String field, Object value) throws ReflectiveOperationException {
        Field f = component.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(component, value);
    }

    /** A logger that keeps every message, its {} filled in, as "LEVEL message". */
    static final class Recording {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final Logger logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(),
                new Class<?>[] { Logger.class }, (p, m, a) -> {
                    if (m.getReturnType() == boolean.class) {
                        return true;
                    }
                    if (a != null && a.length > 0 && a[0] instanceof String format) {
                        lines.add(m.getName().toUpperCase() + " " + fill(format, a));
                    }
                    return m.getReturnType() == String.class ? "" : null;
                });

        boolean contains(String text) {
            return lines.stream().anyMatch(l -> l.contains(text));
        }

        private static String fill(String format, Object[] a) {
            StringBuilder s = new StringBuilder();
            int arg = 1;
            Object[] args = a.length == 2 && a[1] instanceof Object[] arr ? prepend(arr) : a;
            int i = 0;
            while (i < format.length()) {
                if (format.startsWith("{}", i) && arg < args.length) {
                    s.append(args[arg++]);
                    i += 2;
                } else {
                    s.append(format.charAt(i++));
                }
            }
            return s.toString();
        }

        private static Object[] prepend(Object[] arr) {
            Object[] out = new Object[arr.length + 1];
            System.arraycopy(arr, 0, out, 1, arr.length);
            return out;
        }
    }
}
