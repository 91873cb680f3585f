package jibril.config.internal;

import java.io.IOException;
import java.util.Map;

/**
 * The seam between {@link Applier} and ConfigurationAdmin, so the applying logic is tested without a framework.
 * A configuration is <em>owned</em> when it carries {@link Pids#SOURCE}; the applier only ever writes or deletes
 * owned configurations and creates new ones.
 */
public interface ConfigStore {

    /** The owned configurations, PID to current properties (as ConfigAdmin returns them). */
    Map<String, Map<String, Object>> owned() throws IOException;

    /** Whether a configuration with this PID exists, has properties and is not owned (e.g. a deploy/*.cfg file). */
    boolean foreign(String pid) throws IOException;

    /** Creates or updates a configuration with exactly these properties. */
    void put(String pid, Map<String, Object> properties) throws IOException;

    /** Deletes a configuration. */
    void delete(String pid) throws IOException;
}
