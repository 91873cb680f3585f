package jibril.attenuator.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

import jibril.core.api.Event;

/**
 * Where block mode keeps the events it withholds from the printers: one JSON event (with its verdict) a line,
 * in a file of mode 0600, so a blocked detection never disappears without trace.
 */
final class WithheldLog {

    private final Path file;
    private final Gson gson = new GsonBuilder().setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .disableHtmlEscaping().create();

    WithheldLog(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /** Appends the event; when this fails the caller must not withhold it. */
    synchronized void append(Event e) throws IOException {
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another writer made it first
            }
        }
        Files.writeString(file, gson.toJson(e) + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
    }
}
