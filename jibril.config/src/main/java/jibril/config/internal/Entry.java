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

    /** The ConfigAdmin PID this entry configures: {@code <ext>.plugin.<name>} or {@code <ext>.printer.<name>}. */
    public String pid() {
        return printer == null ? extension + ".plugin." + plugin : extension + ".printer." + printer;
    }

    /** {@code extension:plugin}, the plugin this entry belongs to. */
    public String pluginRef() {
        return extension + ":" + plugin;
    }
}
