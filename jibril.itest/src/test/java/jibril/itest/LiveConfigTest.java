package jibril.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The config file is watched: a valid change reaches ConfigAdmin and the components live (the health endpoint
 * moves to the new port); a broken change is refused and the last good configuration stays in force.
 */
@RunWith(PaxExam.class)
public class LiveConfigTest {

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() {
        return JibrilOptions.with(JibrilOptions.QUIET_CONFIG);
    }

    @Test
    public void aValidChangeAppliesLiveAndABrokenOneKeepsTheLastGood() throws Exception {
        Path file = Path.of(context.getProperty("jibril.config"));
        int first = Integer.parseInt(Files.readString(file).replaceAll("(?s).*health-port: (\\d+).*", "$1"));
        assertTrue("health endpoint never answered on " + first, Waits.until(15_000, () -> answers(first)));

        int second = JibrilOptions.freePort();
        Files.writeString(file, Files.readString(file).replace("health-port: " + first, "health-port: " + second));
        assertTrue("the new port was not applied", Waits.until(10_000, () -> answers(second)));
        assertTrue("the old port still answers", Waits.until(5_000, () -> !answers(first)));
        assertEquals(second, configAdmin.getConfiguration("jibril.runtime", "?").getProperties().get("health.port"));

        // Broken: a wrong type. Refused; the last good configuration stays.
        Files.writeString(file, Files.readString(file).replace("health-port: " + second, "health-port: [not, a, port]"));
        Thread.sleep(1_500); // several poll intervals
        assertTrue("a broken file took the endpoint down", answers(second));
        assertEquals(second, configAdmin.getConfiguration("jibril.runtime", "?").getProperties().get("health.port"));
    }

    private static boolean answers(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/health/live").toURL()
                    .openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2_000);
            int code = c.getResponseCode();
            c.disconnect();
            return code == 200;
        } catch (IOException e) {
            return false;
        }
    }
}
