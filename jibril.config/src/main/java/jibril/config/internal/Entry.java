package jibril.config.internal;

import java.util.Map;

/**
 * One validated entry of {@code config.plugin} or {@code config.printer}: {@code extension:plugin[:key=value...]}
 * or {@code extension:plugin:printer[:key=value...]}.
 *
 * @param text      the entry as written (trimmed)
 * @param extension the extension part
 * @param plugin    the plugin part
 * @param printer   the printer part, {@code null} for a plugin entry
 * @param options   the {@code key=value} options in the order written
 * @param where     where the entry was written, for later messages
 */
public record Entry(String text, String extension, String plugin, String printer, Map<String, String> options,
        Problem where) {

    /** The option that makes a printer entry a named instance of another printer type. */
    public static final String TYPE = "type";

    /**
     * The ConfigAdmin PID this entry configures: {@code <ext>.plugin.<name>} for a plugin; for a printer always a
     * factory configuration, {@code <ext>.printer.<kind>~<name>}, where the kind is the {@code type} option or
     * else the name itself. Always a factory configuration, because Declarative Services refuses to give one
     * component both a singleton and factory configurations: so several printers of one kind (two http
     * endpoints) can run side by side, and one can be added next to another while the daemon runs.
     */
    public String pid() {
        if (printer == null) {
            return extension + ".plugin." + plugin;
        }
        return extension + ".printer." + options.getOrDefault(TYPE, printer) + "~" + printer;
    }

    /** {@code extension:plugin}, the plugin this entry belongs to. */
    public String pluginRef() {
        return extension + ":" + plugin;
    }
}
