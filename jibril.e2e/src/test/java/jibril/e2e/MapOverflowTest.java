package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * A map sized too small for the load loses facts, and says so: the kernel counts every update it could not make,
 * and jibril:status and the Prometheus metrics show the count. (Bounded, counted loss; never silent.)
 */
class MapOverflowTest {

    @Test
    void aTooSmallTasksMapReportsItsOverflowInStatusAndMetrics() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess()) {
            jibril.writeConfig("caches:\n  tasks: 1\n"); // 1024 processes
            jibril.start();
            assertTrue(jibril.awaitReady(60_000), "not ready:\n" + jibril.log());
            // 1200 processes alive at once: the data layer may reclaim exited ones, never live ones.
            Process load = new ProcessBuilder("/bin/bash", "-c", "for i in $(seq 1 1200); do sleep 4 & done; wait")
                    .start();
            assertEquals(0, load.waitFor());

            String status = jibril.shell("jibril:status").output();
            Matcher m = Pattern.compile("tasks_full=(\\d+)").matcher(status);
            assertTrue(m.find(), status);
            long full = Long.parseLong(m.group(1));
            assertTrue(full > 0, "1200 live processes in a map of 1024 and no overflow counted:\n" + status);

            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + jibril.healthPort + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher g = Pattern.compile("(?m)^jibril_map_full_total\\{map=\"tasks\"\\} (\\d+)$").matcher(metrics);
            assertTrue(g.find(), metrics);
            assertTrue(Long.parseLong(g.group(1)) >= full);
            assertEquals(0, jibril.stop());
        }
    }
}
