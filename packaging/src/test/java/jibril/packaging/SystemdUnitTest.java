package jibril.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/jibril --systemd install} into a staging root (JIBRIL_DESTDIR): the unit it writes passes
 * {@code systemd-analyze verify}, which needs no running systemd, against that root (systemd's own units
 * copied in so the unit's dependencies resolve); its ExecStart runs the launcher it installed, with the
 * configuration it wrote.
 */
class SystemdUnitTest {

    static final Path UNIT_SOURCE = Repo.ROOT.resolve("packaging/systemd/jibril.service");
    static final Path SYSTEM_UNITS = Path.of("/usr/lib/systemd/system");

    private Path root;

    @BeforeEach
    void stage() throws IOException {
        root = Files.createTempDirectory("jibril-systemd-");
    }

    @AfterEach
    void clean() throws IOException {
        Repo.delete(root);
    }

    @Test
    void installWritesAUnitThatPassesSystemdAnalyzeVerify() throws Exception {
        Repo.Result install = install();
        assertEquals(0, install.code(), install.output());
        Path unit = root.resolve("etc/systemd/system/jibril.service");
        assertEquals(Files.readString(UNIT_SOURCE), Files.readString(unit));
        Repo.Result verify = verify("jibril.service");
        assertEquals(0, verify.code(), verify.output());
        assertEquals("", verify.output().strip(), "systemd-analyze verify printed diagnostics");
    }

    @Test
    void verifyFindsAMistake() throws Exception {
        assertEquals(0, install().code());
        Path unit = root.resolve("etc/systemd/system/jibril.service");
        Files.writeString(unit, Files.readString(unit).replace("Type=notify", "Type=notifyy")
                .replace("LimitMEMLOCK=", "LimitMEMLOK="));
        String out = verify("jibril.service").output();
        assertTrue(out.contains("notifyy") && out.contains("LimitMEMLOK"), "systemd-analyze missed them:\n" + out);
    }

    @Test
    void theUnitRunsTheInstalledLauncherAsANotifyService() throws Exception {
        assertEquals(0, install().code());
        List<String> lines = Files.readAllLines(root.resolve("etc/systemd/system/jibril.service"));
        String exec = value(lines, "ExecStart");
        List<String> argv = List.of(exec.split(" "));
        Path launcher = root.resolve(argv.get(0).substring(1));
        assertTrue(Files.isExecutable(launcher), argv.get(0) + " was not installed");
        assertTrue(Files.isRegularFile(root.resolve("opt/jibril/lib/jibril.jar")));
        assertTrue(Files.isRegularFile(root.resolve("opt/jibril/lib/jibril-cli.jar")));
        assertEquals("/etc/jibril/config.yaml", argv.get(argv.indexOf("--config") + 1));
        Path config = root.resolve("etc/jibril/config.yaml");
        assertTrue(Files.isRegularFile(config), "install writes the default configuration");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));
        assertTrue(argv.get(argv.indexOf("--stderr") + 1).startsWith("/var/log/jibril/"));
        assertEquals("notify", value(lines, "Type"));
        assertEquals("main", value(lines, "NotifyAccess"));
        assertEquals("on-failure", value(lines, "Restart"));
        assertEquals("infinity", value(lines, "LimitMEMLOCK"));
        assertEquals("multi-user.target", value(lines, "WantedBy"));
        Repo.Result version = Repo.run(Map.of(), launcher.toString(), "--version");
        assertEquals("jibril " + Repo.version(), version.output().strip());

        // An existing configuration is never overwritten.
        Files.writeString(config, "run-time:\n  log-level: debug\n");
        assertEquals(0, install().code());
        assertEquals("run-time:\n  log-level: debug\n", Files.readString(config));
    }

    @Test
    void enableNowWithoutSystemdSaysSo() throws Exception {
        if (Files.isDirectory(Path.of("/run/systemd/system"))) {
            // On a host where systemd runs this would really enable the service; the unit is verified above.
            return;
        }
        boolean before = Files.exists(Path.of("/etc/systemd/system/jibril.service"));
        Repo.Result r = Repo.run(Map.of(), Repo.ROOT.resolve("bin/jibril").toString(), "--systemd", "enable-now");
        assertEquals(1, r.code(), r.output());
        assertTrue(r.output().contains("systemd is not running on this host"), r.output());
        assertEquals(before, Files.exists(Path.of("/etc/systemd/system/jibril.service")), "it wrote the unit anyway");
    }

    private Repo.Result install() throws IOException, InterruptedException {
        return Repo.run(Map.of("JIBRIL_DESTDIR", root.toString()), Repo.ROOT.resolve("bin/jibril").toString(),
                "--systemd", "install");
    }

    /** systemd-analyze verify against the staging root, with the host's systemd units copied into it. */
    private Repo.Result verify(String unit) throws IOException, InterruptedException {
        assertTrue(Files.isDirectory(SYSTEM_UNITS) && Files.isExecutable(Path.of("/usr/bin/systemd-analyze")),
                "systemd-analyze is missing: bin/setup installs the systemd package");
        Path units = root.resolve("usr/lib/systemd/system");
        if (!Files.isDirectory(units)) {
            Files.createDirectories(units);
            try (Stream<Path> s = Files.list(SYSTEM_UNITS)) {
                for (Path p : s.toList()) {
                    if (Files.isSymbolicLink(p)) {
                        Files.createSymbolicLink(units.resolve(p.getFileName()), Files.readSymbolicLink(p));
                    } else if (Files.isRegularFile(p)) {
                        Files.copy(p, units.resolve(p.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
        }
        List<String> cmd = new ArrayList<>(List.of("systemd-analyze", "verify", "--man=no", "--root=" + root, unit));
        return Repo.run(Map.of("SYSTEMD_LOG_COLOR", "0"), cmd.toArray(String[]::new));
    }

    private static String value(List<String> lines, String key) {
        return lines.stream().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1))
                .findFirst().orElseThrow(() -> new AssertionError("no " + key + "= in the unit"));
    }
}
