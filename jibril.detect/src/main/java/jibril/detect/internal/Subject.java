package jibril.detect.internal;

import java.util.List;

import jibril.core.api.FileRecord;
import jibril.core.api.FlowRecord;
import jibril.core.api.ProcessRecord;

/**
 * What a detection is about: the process, its ancestry (parent first), and the file or the flow (or neither, for
 * exec and environment recipes).
 */
record Subject(ProcessRecord process, List<ProcessRecord> ancestry, FileRecord file, FlowRecord flow) {

    ProcessRecord parent() {
        return ancestry.isEmpty() ? null : ancestry.get(0);
    }

    /** The path of the file, or of the executed binary for exec subjects. */
    String path() {
        return file != null ? file.path() : process.exe();
    }
}
