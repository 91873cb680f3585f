package jibril.detect.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import jibril.core.api.FileRecord;
import jibril.core.api.FlowRecord;
import jibril.core.api.ProcessRecord;
import jibril.core.api.RecipeType;

/** What the breeds, the arbitrary filters and the rate limits decide, on records made here. */
class MatchingTest {

    private static final ProcessRecord CAT = Recipes.process(10, "/usr/bin/cat", "cat", "/etc/shadow");
    private static final ProcessRecord BASH = Recipes.process(9, "/usr/bin/bash", "bash");
    private static final ProcessRecord JAVA = Recipes.process(8, "/usr/lib/jvm/jdk/bin/java", "java");

    /** file_actions_how any: a read-related action on /etc/shadow. */
    private static Recipe readRelated() {
        return Recipes.compile("""
                - name: r
                  breed: file_access
                  file_actions: [read_related]
                  bases: [{dir: /etc, base: shadow}]
                """).get(0);
    }

    /** file_actions_how all: execve and unlink, any path. */
    private static Recipe execveAndUnlink() {
        return Recipes.compile("""
                - name: r
                  breed: file_access
                  file_actions: [execve, unlink]
                  file_actions_how: all
                  bases: [{regex: .*}]
                """).get(0);
    }

    /** file_actions_how none: no write on a file named a. */
    private static Recipe noWrite() {
        return Recipes.compile("""
                - name: r
                  breed: file_access
                  file_actions: [write]
                  file_actions_how: none
                  bases: [{base: a}]
                """).get(0);
    }

    @Test
    void fileActionsAnyAllNoneAndMacros() {
        Recipe any = readRelated();
        assertNotNull(any.matcher.file(Recipes.file(CAT, "/etc/shadow", "open", "read"), List.of("read")));
        assertNull(any.matcher.file(Recipes.file(CAT, "/etc/shadow", "write"), List.of("write")));
        assertNull(any.matcher.file(Recipes.file(CAT, "/tmp/shadow", "read"), List.of("read")), "dir AND base");
        Recipe all = execveAndUnlink();
        assertNull(all.matcher.file(Recipes.file(CAT, "/tmp/x", "execve"), List.of("execve")));
        assertNotNull(all.matcher.file(Recipes.file(CAT, "/tmp/x", "execve", "unlink"), List.of("unlink")));
        Recipe none = noWrite();
        assertNotNull(none.matcher.file(Recipes.file(CAT, "/a", "open"), List.of("open")));
        assertNull(none.matcher.file(Recipes.file(CAT, "/a", "open", "write"), List.of("write")));
    }

    @Test
    void eachRecipeIsAskedOnlyAboutWhatItCanMatch() {
        int read = FileActions.mask(List.of("read"));
        int write = FileActions.mask(List.of("write"));
        int open = FileActions.mask(List.of("open"));
        Recipe any = readRelated();
        assertTrue(any.wantsFile(read) && any.wantsFile(read | write));
        assertFalse(any.wantsFile(write), "a pair's new write cannot make a read recipe match");
        assertFalse(any.wantsExec() || any.flows);
        assertEquals("file actions [llseek, mmap, open, read]", any.describeInterest());
        Recipe exec = execveAndUnlink();
        assertTrue(exec.wantsExec(), "an execution is the binary's file observation with execve");
        assertTrue(exec.wantsFile(FileActions.mask(List.of("unlink"))));
        assertFalse(exec.wantsFile(read));
        Recipe none = noWrite();
        assertTrue(none.wantsFile(open) && none.wantsFile(read), "none: any new action may leave the pair without a write");
        // the interest never hides a match: every action (and pair) the matcher accepts is one it is asked about
        for (Object[] c : new Object[][] {{any, "/etc/shadow", "open"}, {exec, "/tmp/x", "execve"}, {none, "/a", "open"}}) {
            Recipe r = (Recipe) c[0];
            for (String action : FileActions.ALL) {
                FileRecord f = Recipes.file(CAT, (String) c[1], (String) c[2], action);
                if (r.matcher.file(f, List.of(action)) != null) {
                    assertTrue(r.wantsFile(FileActions.mask(List.of(action))), r.describeInterest() + " hides " + action);
                }
            }
        }
        Recipe env = Recipes.compile("- name: r\n  breed: env_vars\n  env_vars: [LD_PRELOAD]\n").get(0);
        assertTrue(env.wantsExec());
        assertFalse(env.wantsFile(-1) || env.flows);
        Recipe domains = Recipes.compile("- name: r\n  breed: remote_domains\n  remote_domains: [evil.example]\n")
                .get(0);
        assertTrue(domains.flows);
        assertFalse(domains.wantsExec() || domains.wantsFile(-1));
        assertEquals("flows", domains.describeInterest());
        // a type that does not say (any third-party type written before Interest) is asked about everything
        Recipe quiet = new Recipe(any.def, new RecipeType.Matcher() {
        }, any.arbitrary, any.times);
        assertTrue(quiet.wantsExec() && quiet.flows && quiet.wantsFile(write) && quiet.wantsFile(0));
        Recipe failing = new Recipe(any.def, new RecipeType.Matcher() {
            @Override
            public RecipeType.Interest interest() {
                throw new IllegalStateException("broken");
            }
        }, any.arbitrary, any.times);
        assertTrue(failing.wantsExec() && failing.flows && failing.wantsFile(write), "a failing interest is all");
    }

    @Test
    void arbitraryGroupsAndItems() {
        // the built-in style: fire unless the process or its parent is a listed tool
        Recipe r = Recipes.compile("""
                - name: r
                  breed: file_access
                  file_actions: [open]
                  bases: [{base: cpuinfo}]
                  arbitrary:
                    - how: AND
                      which: pertinent
                      items:
                        - what: task_or_parent_exe
                          which: irrelevant
                          pattern: /(cat|grep)$
                """).get(0);
        FileRecord byCat = Recipes.file(CAT, "/proc/cpuinfo", "open");
        assertFalse(r.arbitrary.holds(Recipes.subject(CAT, List.of(BASH), byCat, null)));
        ProcessRecord odd = Recipes.process(11, "/tmp/x/fingerprinter", "fingerprinter");
        assertTrue(r.arbitrary.holds(Recipes.subject(odd, List.of(BASH), Recipes.file(odd, "/proc/cpuinfo", "open"),
                null)));
        assertFalse(r.arbitrary.holds(Recipes.subject(odd, List.of(CAT), Recipes.file(odd, "/proc/cpuinfo", "open"),
                null)), "the parent is cat");
        // OR + irrelevant with pertinent items is the same thing by De Morgan
        Recipe same = Recipes.compile("""
                - name: r
                  breed: file_access
                  file_actions: [open]
                  bases: [{base: cpuinfo}]
                  arbitrary:
                    - how: OR
                      which: irrelevant
                      items:
                        - what: task_or_parent_exe
                          which: pertinent
                          pattern: /(cat|grep)$
                """).get(0);
        assertFalse(same.arbitrary.holds(Recipes.subject(CAT, List.of(BASH), byCat, null)));
        assertTrue(same.arbitrary.holds(Recipes.subject(odd, List.of(BASH), byCat, null)));
        // ancestry, numbers and cidr
        Recipe more = Recipes.compile("""
                - name: r
                  breed: remote_cidrs
                  remote_cidrs: [0.0.0.0/0]
                  arbitrary:
                    - how: AND
                      which: pertinent
                      items:
                        - {what: ancient_exe, which: pertinent, pattern: java}
                        - {what: remote_port, which: pertinent, numbers: [22, 23], when: eq}
                        - {what: uid, which: pertinent, number: 1000, when: lt}
                        - {what: remote_address, which: pertinent, cidr: 10.0.0.0/8}
                """).get(0);
        FlowRecord f = Recipes.flow(CAT, "10.1.2.3", 23, List.of());
        assertTrue(more.arbitrary.holds(Recipes.subject(CAT, List.of(BASH, JAVA), null, f)));
        assertFalse(more.arbitrary.holds(Recipes.subject(CAT, List.of(BASH), null, f)), "no java ancestor");
        assertFalse(more.arbitrary.holds(Recipes.subject(CAT, List.of(JAVA), null,
                Recipes.flow(CAT, "11.1.2.3", 23, List.of()))));
    }

    @Test
    void domainsExactSuffixPrefixAndLists() {
        Recipe suffix = Recipes.compile("""
                - name: r
                  breed: remote_domains
                  remote_domains: [evil.example]
                  remote_domains_type: suffix
                  flow_actions: [egress]
                """).get(0);
        assertNotNull(suffix.matcher.flow(Recipes.flow(CAT, "10.0.0.1", 443, List.of("a.b.evil.example")), List.of()));
        assertNotNull(suffix.matcher.flow(Recipes.flow(CAT, "10.0.0.1", 443, List.of("evil.example")), List.of()));
        assertNull(suffix.matcher.flow(Recipes.flow(CAT, "10.0.0.1", 443, List.of("notevil.example")), List.of()));
        Recipe exact = Recipes.compile("""
                - name: r
                  breed: remote_domains
                  remote_domains: [www.example.com]
                  remote_domains_type: exact
                """).get(0);
        assertNull(exact.matcher.flow(Recipes.flow(CAT, "10.0.0.1", 443, List.of("a.www.example.com")), List.of()));
        assertNotNull(exact.matcher.flow(Recipes.flow(CAT, "10.0.0.1", 443, List.of("WWW.example.com.")), List.of()));
        Recipe prefix = Recipes.compile("""
                - name: r
                  breed: remote_domains
                  remote_domains: [www.example]
                  remote_domains_type: prefix
                """).get(0);
        assertNotNull(prefix.matcher.flow(Recipes.flow(CAT, "10.0.0.1", 80, List.of("www.example.org")), List.of()));
        String missing = Recipes.error("- name: r\n  breed: remote_domains\n  remote_domains_lists: [nope.txt]\n");
        assertTrue(missing.contains("remote_domains_lists[0]: no list 'nope.txt'"), missing);
    }

    @Test
    void cidrsPortsAndProtocol() {
        Recipe r = Recipes.compile("""
                - name: r
                  breed: remote_cidrs
                  remote_cidrs: [169.254.169.254/32, fd00:ec2::254/128]
                  remote_ports: [80]
                  protocol: tcp
                """).get(0);
        assertNotNull(r.matcher.flow(Recipes.flow(CAT, "169.254.169.254", 80, List.of()), List.of()));
        assertNotNull(r.matcher.flow(Recipes.flow(CAT, "fd00:ec2::254", 80, List.of()), List.of()));
        assertNotNull(r.matcher.flow(Recipes.flow(CAT, "::ffff:169.254.169.254", 80, List.of()), List.of()),
                "IPv4-mapped");
        assertNull(r.matcher.flow(Recipes.flow(CAT, "169.254.169.253", 80, List.of()), List.of()));
        assertNull(r.matcher.flow(Recipes.flow(CAT, "169.254.169.254", 443, List.of()), List.of()));
    }

    @Test
    void timesLimitPerKey() {
        Recipe r = Recipes.compile("""
                - name: r
                  breed: file_access
                  file_actions: [open]
                  bases: [{base: a}]
                  times:
                    - {kind: times_per_exe, max: 2}
                    - {kind: times_in_total, max: 3}
                """).get(0);
        Subject cat = Recipes.subject(CAT, List.of(), null, null);
        Subject bash = Recipes.subject(BASH, List.of(), null, null);
        assertTrue(r.times.allow(cat));
        assertTrue(r.times.allow(cat));
        assertFalse(r.times.allow(cat), "two per exe");
        assertTrue(r.times.allow(bash));
        assertFalse(r.times.allow(bash), "three in total");
    }
}
