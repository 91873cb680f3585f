package jibril.detect.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The literal prefix that spares most regex runs of file recipes, and that it never changes a decision. */
class BasesTest {

    @Test
    void anchoredRegexesGiveTheirLiteralPrefix() {
        assertEquals("/proc/", Bases.anchoredPrefix("^/proc/[0-9]+/maps$"));
        assertEquals("/usr/lib", Bases.anchoredPrefix("^/usr/lib(64)?/security/pam_.*\\.so$"));
        assertEquals("/sys/class/hwmon/hwmon", Bases.anchoredPrefix("^/sys/class/hwmon/hwmon[0-9]+/.*"));
        assertEquals("/usr/lib/jvm/", Bases.anchoredPrefix("^/usr/lib/jvm/.*/lib/(amd64|i386|arm|ppc64.*)/.*jdwp\\.so$"));
        assertEquals("/a", Bases.anchoredPrefix("^/ab?c"), "an optional character is not demanded");
        assertEquals("/a", Bases.anchoredPrefix("^/ab*"));
        assertEquals("/a", Bases.anchoredPrefix("^/ab{0,2}"));
        assertEquals("/ab", Bases.anchoredPrefix("^/ab+"));
        assertEquals("/etc", Bases.anchoredPrefix("^/etc\\.d"), "an escape ends the run");
    }

    @Test
    void whereThePrefixIsNotCertainThereIsNone() {
        assertNull(Bases.anchoredPrefix("/(sh|bash)$"), "not anchored");
        assertNull(Bases.anchoredPrefix(".*"));
        assertNull(Bases.anchoredPrefix("^/etc/shadow|/etc/gshadow"), "an unanchored alternative");
        assertNull(Bases.anchoredPrefix("^[/]etc"));
        assertNull(Bases.anchoredPrefix("^(?i)/etc"));
        assertNull(Bases.anchoredPrefix("^.*"));
        assertNull(Bases.anchoredPrefix("^/a[]|]|/b"));
    }

    /** Every regex of the original recipes: a path the regex finds always starts with the prefix. */
    @Test
    void thePrefixNeverHidesAMatchOfTheCompatRegexes() throws Exception {
        List<String> regexes = new ArrayList<>();
        java.nio.file.Path corpus = CompatCorpusTest.CORPUS;
        if (java.nio.file.Files.isDirectory(corpus)) {
            try (var files = java.nio.file.Files.walk(corpus)) {
                for (java.nio.file.Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                    for (String line : java.nio.file.Files.readAllLines(f)) {
                        var m = Pattern.compile("^\\s*-?\\s*regex:\\s*'?(.*?)'?\\s*(#.*)?$").matcher(line);
                        if (m.find()) {
                            regexes.add(m.group(1));
                        }
                    }
                }
            }
        }
        regexes.addAll(List.of("^/proc/[0-9]+/maps$", "^/ab?c", "^/usr/lib(64)?/security/pam_.*\\.so$"));
        List<String> paths = List.of("/proc/1/maps", "/proc/self/maps", "/ac", "/abc", "/usr/lib/security/pam_unix.so",
                "/usr/lib64/security/pam_x.so", "/sys/class/hwmon/hwmon0/temp", "/etc/shadow", "/tmp/x",
                "/usr/lib/jvm/j/lib/amd64/libjdwp.so", "/sys/devices/pci0000:00/uevent", "/proc/12/fd/3", "/");
        int checked = 0;
        for (String r : regexes) {
            Pattern p;
            try {
                p = Pattern.compile(r);
            } catch (RuntimeException e) {
                continue; // a line the simple scan above misread
            }
            String prefix = Bases.anchoredPrefix(r);
            for (String path : paths) {
                if (prefix != null && p.matcher(path).find()) {
                    assertTrue(path.startsWith(prefix), r + " matches " + path + " but the prefix is " + prefix);
                    checked++;
                }
            }
        }
        assertTrue(checked >= 5, "some matches were checked: " + checked);
    }
}
