package jibril.core.api;

import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Questions to Jibril's record of the host, answered from the in-kernel maps (through caches of what never
 * changes). Implemented by the jibril.data bundle; {@code jibril:query} and {@code bin/jibril query} use it.
 */
@ProviderType
public interface Query {

    /**
     * Which records to return; every field is optional (null: no condition) and conditions combine with AND.
     *
     * @param pid   the process id
     * @param exe   a regular expression the executable path must contain a match of
     * @param path  a regular expression a file path must contain a match of
     * @param port  a local or remote port of a flow
     * @param name  a regular expression a domain name (or a flow's remote name) must contain a match of
     * @param since only records active (started, changed) at or after this instant
     * @param limit at most this many records (0: no limit)
     */
    record Filter(Long pid, Pattern exe, Pattern path, Integer port, Pattern name, Instant since, int limit) {

        /** No condition. */
        public static final Filter ALL = new Filter(null, null, null, null, null, null, 0);
    }

    /** Processes, in start order. */
    List<ProcessRecord> processes(Filter filter);

    /** The ancestry of a process: parent first, as far as the maps know it. */
    List<ProcessRecord> ancestry(ProcessRecord process);

    /** What processes did to files: one record per (process, file) pair, oldest first. */
    List<FileRecord> files(Filter filter);

    /** Network flows per process (and flows seen on the wire that no process was found for), oldest first. */
    List<FlowRecord> flows(Filter filter);

    /** Names resolved on the host, with their CNAME chains and addresses. */
    List<DomainRecord> domains(Filter filter);

    /**
     * {@link #processes(Filter)}, one record at a time, in the same order: for answers too big to hold as a list
     * (the implementation keeps only what it needs to sort, not the records).
     */
    default void processes(Filter filter, Consumer<ProcessRecord> each) {
        processes(filter).forEach(each);
    }

    /** {@link #files(Filter)}, one record at a time, in the same order (see {@link #processes(Filter, Consumer)}). */
    default void files(Filter filter, Consumer<FileRecord> each) {
        files(filter).forEach(each);
    }

    /** {@link #flows(Filter)}, one record at a time, in the same order (see {@link #processes(Filter, Consumer)}). */
    default void flows(Filter filter, Consumer<FlowRecord> each) {
        flows(filter).forEach(each);
    }

    /** {@link #domains(Filter)}, one record at a time (see {@link #processes(Filter, Consumer)}). */
    default void domains(Filter filter, Consumer<DomainRecord> each) {
        domains(filter).forEach(each);
    }
}
