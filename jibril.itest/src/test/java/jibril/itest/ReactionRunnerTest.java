package jibril.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import jibril.core.api.Event;
import jibril.core.api.Printer;
import jibril.core.api.Reaction;
import jibril.core.api.ReactionRunner;

/**
 * Reaction runners are a whiteboard: a runner that another bundle (this test) registers adds a reaction format.
 * Recipes using it load (the engine asks the runner to validate them), fire on real executions and the runner runs
 * their reactions; every run is a reaction event in the printers; once the runner leaves, the reactions of that
 * format are reported as refused.
 */
@RunWith(PaxExam.class)
public class ReactionRunnerTest {

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return JibrilOptions.with("""
                run-time:
                  log-level: info
                  health-port: %PORT%
                config:
                  plugin: [jibril:hold, jibril:printers, jibril:detect, "jibril:alchemies:builtin=false:path=%DIR%/recipes:interval=100", "jibril:reactions:dir=%DIR%/reactions"]
                  printer: []
                  event: []
                """);
    }

    /** Records what it is asked; refuses code that says "bad". */
    static final class Recording implements ReactionRunner {
        final List<String> validated = new CopyOnWriteArrayList<>();
        final List<Reaction> ran = new CopyOnWriteArrayList<>();
        final List<Event> events = new CopyOnWriteArrayList<>();

        @Override
        public void validate(String code) {
            validated.add(code);
            if (code.contains("bad")) {
                throw new IllegalArgumentException("line 1: bad is not allowed here");
            }
        }

        @Override
        public String run(Reaction reaction, Event event, Duration limit) {
            ran.add(reaction);
            events.add(event);
            return "ran " + reaction.code() + " within " + limit.toMillis() + " ms";
        }
    }

    @Test
    public void aRunnerRegisteredAtRunTimeAddsAFormat() throws Exception {
        Path dir = Path.of(context.getProperty("jibril.itest.dir"));
        Path recipes = Files.createDirectories(dir.resolve("recipes"));
        String name = "jibril-itest-rx-" + UUID.randomUUID().toString().substring(0, 8);
        Path exe = dir.resolve(name);
        Files.copy(Path.of("/bin/true"), exe, StandardCopyOption.COPY_ATTRIBUTES);
        CopyOnWriteArrayList<Event> printed = new CopyOnWriteArrayList<>();
        Hashtable<String, Object> pp = new Hashtable<>();
        pp.put(Printer.NAME, "itest-reactions");
        ServiceRegistration<Printer> printer = context.registerService(Printer.class, printed::add, pp);
        Recording runner = new Recording();
        Hashtable<String, Object> rp = new Hashtable<>();
        rp.put(ReactionRunner.FORMAT, "itest");
        ServiceRegistration<ReactionRunner> reg = context.registerService(ReactionRunner.class, runner, rp);
        try {
            // wait until the engine and the dispatcher both have the runner, then load the recipes
            Files.writeString(recipes.resolve("bad.yaml"), recipe("itest_bad", name + "-never", "bad code"));
            assertTrue("the engine did not validate with the runner: " + runner.validated,
                    Waits.until(20_000, () -> runner.validated.contains("bad code")));
            Files.writeString(recipes.resolve("rx.yaml"), recipe("itest_rx", name, "hello"));
            assertTrue(Waits.until(20_000, () -> runner.validated.contains("hello")));

            boolean seen = false;
            long pid = -1;
            for (int i = 0; i < 30 && !seen; i++) { // the programs may still be attaching, the recipe loading
                Process p = new ProcessBuilder(exe.toString()).start();
                p.waitFor();
                pid = p.pid();
                seen = Waits.until(1_000, () -> !runner.ran.isEmpty());
            }
            assertTrue("the runner never ran; printed: " + printed.size(), seen);
            Reaction r = runner.ran.get(0);
            assertEquals(new Reaction("itest_rx", 0, "itest", "hello"), r);
            assertEquals(exe.toString(), runner.events.get(0).process().exe());
            assertTrue("no reaction event", Waits.until(10_000, () -> !reactions(printed, "itest_rx").isEmpty()));
            Event re = reactions(printed, "itest_rx").get(0);
            assertEquals("itest", re.metadata().format());
            assertTrue(re.note(), re.note().contains("\"outcome\":\"ok\"")
                    && re.note().contains("\"output\":\"ran hello within 5000 ms\"")
                    && runner.events.stream().anyMatch(d -> re.note().contains("\"detection\":\"" + d.uuid() + "\"")));
            assertTrue("the bad recipe fired", printed.stream().noneMatch(e -> "itest_bad".equals(
                    e.metadata().name())));
        } finally {
            reg.unregister();
        }
        int before = runner.ran.size();
        printed.clear();
        for (int i = 0; i < 10 && reactions(printed, "itest_rx").isEmpty(); i++) {
            new ProcessBuilder(exe.toString()).start().waitFor();
            Waits.until(1_000, () -> !reactions(printed, "itest_rx").isEmpty());
        }
        List<Event> after = reactions(printed, "itest_rx");
        assertTrue("no reaction event once the runner left", !after.isEmpty());
        assertTrue(after.get(0).note(), after.get(0).note().contains("\"outcome\":\"refused\"")
                && after.get(0).note().contains("no runner for format itest"));
        assertEquals(before, runner.ran.size());
        printer.unregister();
    }

    private static String recipe(String name, String exe, String code) {
        return """
                - name: %s
                  breed: file_access
                  mechanism: execution
                  importance: low
                  file_actions: [execve]
                  bases:
                    - regex: /%s$
                  reactions:
                    - format: itest
                      code: %s
                """.formatted(name, exe, code);
    }

    private static List<Event> reactions(List<Event> events, String recipe) {
        return events.stream().filter(e -> e.metadata() != null && "reaction".equals(e.metadata().kind())
                && recipe.equals(e.metadata().name())).toList();
    }
}
