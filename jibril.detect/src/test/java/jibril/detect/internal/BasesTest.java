package jibril.detect.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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

    @Test
    void unanchoredRegexesGiveTheTextTheyDemand() {
        assertEquals("/.aws/credentials", Bases.requiredLiteral("/\\.aws/credentials$"));
        assertEquals("/.ssh/authorized_keys", Bases.requiredLiteral("/\\.ssh/authorized_keys2?$"));
        assertEquals("/usr/lib/jvm/", Bases.requiredLiteral("^/usr/lib/jvm/.*/lib/(amd64|arm)/.*jdwp\\.so$"));
        assertEquals("/.config/gh/hosts.yml", Bases.requiredLiteral("/\\.config/gh/hosts\\.yml$"));
        assertEquals("/x", Bases.requiredLiteral("\\d\\d/x"), "a class escape ends the run");
        assertEquals("/a", Bases.requiredLiteral("/ab{0,12}"), "the bounds of a quantifier are not text");
        assertEquals("/lib/", Bases.requiredLiteral("[a-z]+/lib/[0-9]"));
        assertEquals("/ab", Bases.requiredLiteral("/ab+c?"));
    }

    @Test
    void aCaseFoldedRegexDemandsItsTextInAnyCase() {
        assertEquals("xmrig.json", Bases.requiredLiteral(Bases.withoutFoldFlag("(?i)/\\.?xmrig\\.json$")));
        assertTrue(Bases.containsIgnoreCase("/opt/XMRig.JSON", "xmrig.json"));
        assertTrue(Bases.containsIgnoreCase("xmrig.json", "xmrig.json"));
        assertTrue(!Bases.containsIgnoreCase("/opt/xmrig.jso", "xmrig.json"));
        assertEquals(null, Bases.withoutFoldFlag("/a(?i)b"));
    }

    @Test
    void theFirstCharacterScanAgreesWithRegionMatchesEverywhere() {
        // characters whose case folding is not ASCII's: the long s, the Kelvin sign, dotted and dotless i, sharp s
        String alphabet = "sSkKiI\u017f\u212a\u0130\u0131\u00df/.a";
        java.util.Random random = new java.util.Random(7);
        for (int n = 0; n < 20_000; n++) {
            String text = word(random, alphabet, random.nextInt(9));
            String literal = word(random, alphabet, 1 + random.nextInt(3));
            boolean naive = false;
            for (int i = 0; i <= text.length() - literal.length() && !naive; i++) {
                naive = text.regionMatches(true, i, literal, 0, literal.length());
            }
            assertEquals(naive, Bases.containsIgnoreCase(text, literal), () -> "'" + text + "' holds '" + literal + "'");
        }
    }

    private static String word(java.util.Random random, String alphabet, int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    @Test
    void whereTheTextIsNotCertainThereIsNone() {
        assertNull(Bases.requiredLiteral("/(sh|bash|dash)$"), "inside a group only");
        assertNull(Bases.requiredLiteral("(?i)/\\.?xmrig\\.json$"), "case folded");
        assertNull(Bases.requiredLiteral("/etc/shadow|/etc/gshadow"), "an alternative");
        assertNull(Bases.requiredLiteral(".*"));
        assertNull(Bases.requiredLiteral("/[a-z]+$"), "one character is no filter");
        assertNull(Bases.requiredLiteral("\\Q/etc\\E"));
        assertNull(Bases.requiredLiteral("[/]e[t]c"));
    }

    /** Every regex of the original recipes and the built-in ones: a path the regex finds contains the text. */
    @Test
    void theTextNeverHidesAMatch() throws Exception {
        List<String> regexes = regexesIn(CompatCorpusTest.CORPUS,
                java.nio.file.Path.of("src/main/resources/jibril/detect/builtin"));
        List<String> paths = List.of("/home/u/.aws/credentials", "/root/.ssh/authorized_keys2", "/home/a/.ssh/id_rsa",
                "/home/a/.bashrc", "/usr/bin/python3.11", "/lib64/ld-linux-x86-64.so.2", "/root/.kube/config",
                "/opt/xmrig-6/config.json", "/home/u/.config/gcloud/credentials.db", "/usr/bin/base64",
                "/etc/ssh/ssh_host_rsa_key", "/proc/1/environ", "/tmp/.x/run", "/home/u/.git-credentials",
                "/usr/lib/x86_64-linux-gnu/libc.so.6", "/etc/ld.so.preload", "/var/log/auth.log.1", "/etc/passwd",
                "/usr/share/impacket-secretsdump", "/usr/bin/john", "/usr/sbin/zip2john", "/run/runc-amd64",
                "/opt/XMRig/.XMRIG.JSON", "/home/u/T-Rex-0.26/config.json", "/opt/SRBMiner-2/pools.txt");
        int checked = 0;
        for (String r : regexes) {
            Pattern p;
            try {
                p = Pattern.compile(r);
            } catch (RuntimeException e) {
                continue; // a line the simple scan above misread
            }
            String folded = Bases.withoutFoldFlag(r);
            String literal = Bases.requiredLiteral(folded != null ? folded : r);
            for (String path : paths) {
                if (literal != null && p.matcher(path).find()) {
                    assertTrue(folded != null ? Bases.containsIgnoreCase(path, literal) : path.contains(literal),
                            r + " matches " + path + " but the text is " + literal);
                    checked++;
                }
            }
        }
        assertTrue(regexes.size() > 100 && checked >= 10, "regexes " + regexes.size() + ", matches checked " + checked);
    }

    /** Every regex of the original recipes: a path the regex finds always starts with the prefix. */
    @Test
    void thePrefixNeverHidesAMatchOfTheCompatRegexes() throws Exception {
        List<String> regexes = regexesIn(CompatCorpusTest.CORPUS);
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

    /** The regex of every {@code regex:} line of the YAML files under these directories (those that exist). */
    private static List<String> regexesIn(java.nio.file.Path... dirs) throws java.io.IOException {
        List<String> regexes = new ArrayList<>();
        Pattern line = Pattern.compile("^\\s*-?\\s*regex:\\s*'?(.*?)'?\\s*(#.*)?$");
        for (java.nio.file.Path dir : dirs) {
            if (!java.nio.file.Files.isDirectory(dir)) {
                continue;
            }
            try (var files = java.nio.file.Files.walk(dir)) {
                for (java.nio.file.Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                    for (String text : java.nio.file.Files.readAllLines(f)) {
                        var m = line.matcher(text);
                        if (m.find()) {
                            regexes.add(m.group(1));
                        }
                    }
                }
            }
        }
        return regexes;
    }

    @Test
    void regexesEndingInDollarGiveTheirEnds() {
        assertEquals(List.of("/sh", "/bash", "/dash"), Bases.requiredSuffixes("/(sh|bash|dash)$"));
        assertEquals(List.of("/maps"), Bases.requiredSuffixes("^/proc/[0-9]+/maps$"));
        assertEquals(List.of("/patator.py", "/crowbar.py"), Bases.requiredSuffixes("/(patator|crowbar)\\.py$"));
        assertEquals(List.of("xmrig.json"), Bases.requiredSuffixes("/\\.?xmrig\\.json$"));
        assertEquals(List.of(".leases"), Bases.requiredSuffixes("^/var/lib/dhcp/dhclient[^/]*\\.leases$"));
        assertNull(Bases.requiredSuffixes("/(\\.py|\\.pl)?$"), "an optional group");
        assertNull(Bases.requiredSuffixes("/ab?$"), "an optional last character");
        assertNull(Bases.requiredSuffixes("/ld64\\.so\\.[0-9]+$"), "a class last");
        assertNull(Bases.requiredSuffixes("/etc/shadow|/etc/gshadow$"), "an alternative");
        assertNull(Bases.requiredSuffixes("/etc/x\\$"), "an escaped dollar");
        assertNull(Bases.requiredSuffixes("(?i)/x$"), "embedded flags");
        assertNull(Bases.requiredSuffixes("/(a|)$"), "an empty alternative");
        assertNull(Bases.requiredSuffixes("/x\\d$"), "a class escape last");
        assertNull(Bases.requiredSuffixes("/etc/x"), "not anchored at the end");
        Bases.Suffixes folded = Bases.Suffixes.of("/\\.?xmrig\\.json$", true);
        assertTrue(folded.end("/opt/XMRig.JSON"));
        assertTrue(!folded.end("/opt/xmrig.json.bak"));
        assertTrue(Bases.Suffixes.of("/(sh|bash)$", false).end("/bin/bash\n"), "$ before a final line terminator");
        assertTrue(Bases.Suffixes.of("/(sh|bash)$", false).end("/bin/sh\r\n"));
        assertTrue(!Bases.Suffixes.of("/(sh|bash)$", false).end("/bin/BASH"), "case kept without (?i)");
    }

    /**
     * Every regex of the original recipes and the built-in ones: a path the regex finds ends as the ends say. The
     * paths are the list above, each regex's own ends under a directory (in both cases, with a line terminator or
     * another character after them), and random texts over the regex's own characters.
     */
    @Test
    void theEndsNeverHideAMatch() throws Exception {
        List<String> regexes = regexesIn(CompatCorpusTest.CORPUS,
                java.nio.file.Path.of("src/main/resources/jibril/detect/builtin"));
        java.util.Random random = new java.util.Random(7);
        int withEnds = 0;
        int checked = 0;
        for (String r : regexes) {
            Pattern p;
            try {
                p = Pattern.compile(r);
            } catch (RuntimeException e) {
                continue;
            }
            String folded = Bases.withoutFoldFlag(r);
            Bases.Suffixes ends = Bases.Suffixes.of(folded != null ? folded : r, folded != null);
            if (ends == null) {
                continue;
            }
            withEnds++;
            List<String> paths = new ArrayList<>();
            for (String e : ends.ends()) {
                for (String v : List.of(e, e.toUpperCase(Locale.ROOT), e.toLowerCase(Locale.ROOT))) {
                    for (String after : List.of("", "\n", "\r\n", "\u2028", "x", "\n\n")) {
                        paths.add("/usr/lib/x" + v + after);
                        paths.add(v + after);
                    }
                }
            }
            String alphabet = r.replaceAll("[\\\\^$()|?*+\\[\\]{}]", "") + "/.\n";
            for (int i = 0; i < 300; i++) {
                paths.add(word(random, alphabet, 1 + random.nextInt(14)));
            }
            for (String path : paths) {
                if (p.matcher(path).find()) {
                    assertTrue(ends.end(path), r + " matches '" + path + "' but its ends are " + ends.ends());
                    checked++;
                }
            }
        }
        assertTrue(withEnds > 100 && checked > 300, "regexes with ends " + withEnds + ", matches checked " + checked);
    }

    /** Entries kept by their top directory decide as a scan of every entry would, under and outside it. */
    @Test
    void entriesByTopDirectoryDecideAsAScan() throws Exception {
        List<String> regexes = List.of("^/proc/[0-9]+/environ$", "^/proc/sys/kernel/core_pattern$",
                "^/sys/fs/selinux/enforce$", "^/etc/ssh/ssh_host_[a-z0-9]+_key$", "^/et", "^/", "/\\.ssh/id_rsa$",
                "(?i)/xmrig\\.json$");
        List<String> paths = List.of("/proc/1/environ", "/proc/sys/kernel/core_pattern", "/proc/x",
                "/sys/fs/selinux/enforce", "/etc/ssh/ssh_host_rsa_key", "/etcetera", "/et", "/home/u/.ssh/id_rsa",
                "/opt/XMRIG.json", "relative", "", "/", "//proc/1/environ", "/tmp/pf/jbf.1");
        for (int i = 0; i < regexes.size(); i++) {
            List<java.util.Map<String, Object>> entries = new ArrayList<>();
            for (String r : regexes.subList(i, regexes.size())) {
                entries.add(java.util.Map.of("regex", r));
            }
            Bases b = Bases.compile(java.util.Map.of("bases", entries));
            for (String path : paths) {
                boolean scan = false;
                for (String r : regexes.subList(i, regexes.size())) {
                    scan |= Pattern.compile(r).matcher(path).find();
                }
                assertEquals(scan, b.matches(path, Arbitrary.dir(path), Arbitrary.base(path)),
                        path + " from entry " + i);
            }
        }
        assertEquals("/proc/", Bases.top("/proc/1/environ"));
        assertNull(Bases.top("/proc"));
        assertNull(Bases.top("//x"));
        assertNull(Bases.top(null));
    }
}
