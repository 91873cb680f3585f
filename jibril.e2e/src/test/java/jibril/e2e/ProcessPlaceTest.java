package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * What a process record says beyond its image: user and group names, cgroup, host name and namespaces, the image
 * it ran before its exec, and an execution through the dynamic loader.
 */
class ProcessPlaceTest {

    @Test
    void processesCarryTheirPlaceAndPreviousImage() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess().start()) {
            assertTrue(jibril.awaitReady(60_000), "not ready:\n" + jibril.log());
            Path exe = jibril.dir.resolve("jibril-p-" + UUID.randomUUID().toString().substring(0, 8));
            Files.copy(Path.of("/bin/sleep"), exe, StandardCopyOption.COPY_ATTRIBUTES);
            // sh execs the binary in place: the same process, a new image, the shell as its previous image.
            assertEquals(0, new ProcessBuilder("/bin/sh", "-c", "exec " + exe + " 0.1").start().waitFor());
            Path loader = Path.of("/lib64/ld-linux-x86-64.so.2").toRealPath();
            assertEquals(0, new ProcessBuilder(loader.toString(), exe.toString(), "0.1").start().waitFor());

            String name = exe.getFileName().toString();
            assertTrue(JibrilProcess.waitFor(30_000, () -> jibril.query("processes", "--exe", name + "$")
                    .size() == 1), "not recorded: " + jibril.rawQuery("processes", "--exe", name + "$"));
            JsonObject p = JsonParser.parseString(jibril.query("processes", "--exe", name + "$").get(0))
                    .getAsJsonObject();
            assertEquals("root", p.get("user").getAsString());
            assertEquals("root", p.get("group").getAsString());
            assertTrue(p.get("previous_exe").getAsString().matches(".*/(dash|sh|bash)"), p.toString());
            assertEquals(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip(), p.get("hostname").getAsString());
            assertFalse(p.get("cgroup").getAsString().isEmpty(), p.toString());
            long myNet = Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString()
                    .replaceAll("\\D", ""));
            assertEquals(myNet, p.getAsJsonObject("namespaces").get("net").getAsLong());

            // Through the loader: the kernel ran the loader; the binary is its first argument.
            assertTrue(JibrilProcess.waitFor(30_000, () -> jibril.query("processes", "--exe",
                    java.util.regex.Pattern.quote(loader.toString())).stream().anyMatch(l -> l.contains(name))),
                    "the execution through the loader was not recorded");
            assertEquals(0, jibril.stop());
        }
    }
}
