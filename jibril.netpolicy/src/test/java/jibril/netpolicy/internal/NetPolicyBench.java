package jibril.netpolicy.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import jibril.bpf.BpfRuntime;

/**
 * The benchmark of bench/netpolicy (a program, not a test): connect and UDP send rates and the latency of
 * {@code connect()}/{@code sendto()} for a process judged by the netpolicy programs with 10, 1 000 and 100 000 rules,
 * against the same process with no programs. The programs are attached to a cgroup of the benchmark's own, so the
 * rest of the host is not affected. Usage: {@code NetPolicyBench NPCONNECT [TCP_COUNT UDP_COUNT ROUNDS]}.
 */
public final class NetPolicyBench {

    private NetPolicyBench() {
    }

    record Figures(double rate, double p50, double p99) {
    }

    public static void main(String[] args) throws Exception {
        String npconnect = args[0];
        int tcpCount = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int udpCount = args.length > 2 ? Integer.parseInt(args[2]) : 200_000;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        String id = "jibril-npbench-" + ProcessHandle.current().pid();
        Path dir = Path.of("/sys/fs/bpf", id);
        Path cgroup = BpfRuntime.cgroup2Root().resolve(id);
        Files.createDirectories(cgroup);
        List<String> rows = new ArrayList<>();
        try (BpfRuntime rt = new BpfRuntime((l, m) -> {
        })) {
            Map<String, Figures[]> results = new HashMap<>();
            int[] sizes = { 10, 1_000, 100_000 };
            Kernel k = null;
            try {
                // Rounds interleave the variants, so that a slow moment of this shared machine hits them all.
                for (int round = 0; round < rounds; round++) {
                    measure("none", npconnect, cgroup, tcpCount, udpCount, results, round, rounds);
                    if (k == null) {
                        k = new Kernel(rt, dir, cgroup, m -> {
                        });
                        k.start();
                    }
                    for (int n : sizes) {
                        long t0 = System.nanoTime();
                        k.install(Policy.Mode.ENFORCE, Policy.Action.ALLOW, rules(n));
                        if (round == 0) {
                            rows.add(String.format("installing %,d rules (both sets' writes, switch, clear): %.0f ms", n,
                                    (System.nanoTime() - t0) / 1e6));
                        }
                        measure(n + " rules", npconnect, cgroup, tcpCount, udpCount, results, round, rounds);
                    }
                    k.install(Policy.Mode.BYPASS, Policy.Action.ALLOW, Map.of());
                }
            } finally {
                if (k != null) {
                    k.remove();
                }
            }
            System.out.println();
            rows.forEach(System.out::println);
            System.out.println();
            System.out.println("| rules | TCP connects/s | loss | connect() p50 | p99 | added p50 | added p99 "
                    + "| UDP sends/s | loss | sendto() p50 | p99 | added p50 | added p99 |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            Figures tBase = median(results.get("none tcp"));
            Figures uBase = median(results.get("none udp"));
            for (String v : List.of("none", "10 rules", "1000 rules", "100000 rules")) {
                Figures t = median(results.get(v + " tcp"));
                Figures u = median(results.get(v + " udp"));
                System.out.printf("| %s | %,.0f | %.1f%% | %.2f µs | %.2f µs | %+.2f µs | %+.2f µs | %,.0f | %.1f%% | %.2f µs"
                        + " | %.2f µs | %+.2f µs | %+.2f µs |%n", v.replace(" rules", ""), t.rate,
                        100 * (1 - t.rate / tBase.rate), t.p50 / 1000, t.p99 / 1000, (t.p50 - tBase.p50) / 1000,
                        (t.p99 - tBase.p99) / 1000, u.rate, 100 * (1 - u.rate / uBase.rate), u.p50 / 1000,
                        u.p99 / 1000, (u.p50 - uBase.p50) / 1000, (u.p99 - uBase.p99) / 1000);
            }
            System.out.printf("%nmedians of %d rounds; %,d connects and %,d datagrams per round and variant%n", rounds,
                    tcpCount, udpCount);
        } finally {
            BpfRuntime.unpinAll(dir);
            for (int i = 0; i < 50 && Files.exists(cgroup); i++) {
                try {
                    Files.deleteIfExists(cgroup);
                } catch (java.io.IOException busy) {
                    Thread.sleep(100);
                }
            }
        }
    }

    /** n deny rules in 10.0.0.0/8 and fd00::/8 (none covers 127.0.0.1), mixed prefix lengths. */
    static Map<Cidr, Policy.Action> rules(int n) {
        Random r = new Random(n);
        Map<Cidr, Policy.Action> m = new HashMap<>();
        while (m.size() < n) {
            byte[] a;
            int prefix;
            if (m.size() % 8 == 7) {
                a = new byte[16];
                r.nextBytes(a);
                a[0] = (byte) 0xfd;
                prefix = 48 + r.nextInt(81);
            } else {
                a = new byte[] { 10, (byte) r.nextInt(256), (byte) r.nextInt(256), (byte) r.nextInt(256) };
                prefix = 16 + r.nextInt(17);
            }
            m.put(new Cidr(Cidr.mask(a, prefix), prefix), Policy.Action.DENY);
        }
        return m;
    }

    private static void measure(String variant, String npconnect, Path cgroup, int tcpCount, int udpCount,
            Map<String, Figures[]> results, int round, int rounds) throws Exception {
        for (String mode : List.of("tcp", "udp")) {
            Process p = new ProcessBuilder("sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec "
                    + npconnect + " " + mode + " " + (mode.equals("tcp") ? tcpCount : udpCount))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor() != 0) {
                throw new IllegalStateException(variant + " " + mode + ": " + out);
            }
            String[] f = out.split(" ");
            results.computeIfAbsent(variant + " " + mode, x -> new Figures[rounds])[round] = new Figures(
                    Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]));
            System.err.println("round " + round + " " + variant + ": " + out);
        }
    }

    private static Figures median(Figures[] fs) {
        double[] rate = new double[fs.length];
        double[] p50 = new double[fs.length];
        double[] p99 = new double[fs.length];
        for (int i = 0; i < fs.length; i++) {
            rate[i] = fs[i].rate;
            p50[i] = fs[i].p50;
            p99[i] = fs[i].p99;
        }
        java.util.Arrays.sort(rate);
        java.util.Arrays.sort(p50);
        java.util.Arrays.sort(p99);
        return new Figures(rate[fs.length / 2], p50[fs.length / 2], p99[fs.length / 2]);
    }
}
