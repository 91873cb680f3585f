package jibril.bpf.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java mirrors of jibril.h against the truth: struct sizes and member offsets from the BTF of the compiled
 * tasks.bpf.o and files.bpf.o (as bpftool prints it), constants from jibril.h itself. Needs no privileges.
 */
class LayoutTest {

	private static final Path OBJECT = Path.of("target/classes/jibril/bpf/obj/tasks.bpf.o");
	private static final Path NET_OBJECT = Path.of("target/classes/jibril/bpf/obj/net.bpf.o");
	private static final Path FILES_OBJECT = Path.of("target/classes/jibril/bpf/obj/files.bpf.o");
	private static final Path GUARD_OBJECT = Path.of("target/classes/jibril/bpf/obj/guard.bpf.o");
	private static final Path HEADER = Path.of("src/main/bpf/jibril.h");
	private static final Pattern STRUCT = Pattern.compile("^\\[\\d+\\] STRUCT '(\\w+)' size=(\\d+) vlen=(\\d+)$");
	private static final Pattern MEMBER = Pattern.compile("^\\s+'([^']*)' type_id=\\d+ bits_offset=(\\d+)( bitfield_size=\\d+)?$");

	/** struct name -> (member -> bit offset, negative for bit fields), plus the size in bytes under the key "". */
	private static Map<String, Map<String, Integer>> btf;
	/** The same for net.bpf.o. */
	private static Map<String, Map<String, Integer>> netBtf;
	/** The same for files.bpf.o. */
	private static Map<String, Map<String, Integer>> filesBtf;
	/** The same for guard.bpf.o. */
	private static Map<String, Map<String, Integer>> guardBtf;
	private static String header;

	@BeforeAll
	static void readBtf() throws Exception {
		btf = structs(OBJECT);
		netBtf = structs(NET_OBJECT);
		filesBtf = structs(FILES_OBJECT);
		guardBtf = structs(GUARD_OBJECT);
		header = Files.readString(HEADER);
	}

	private static Map<String, Map<String, Integer>> structs(Path object) throws Exception {
		assertTrue(Files.exists(object), object + " is built by src/main/bpf/build.sh");
		Process p = new ProcessBuilder(bpftool(), "btf", "dump", "file", object.toString()).redirectErrorStream(true)
				.start();
		List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
		assertEquals(0, p.waitFor(), () -> String.join("\n", lines));
		Map<String, Map<String, Integer>> btf = new TreeMap<>();
		for (int i = 0; i < lines.size(); i++) {
			Matcher s = STRUCT.matcher(lines.get(i));
			if (!s.matches()) {
				continue;
			}
			Map<String, Integer> members = new LinkedHashMap<>();
			members.put("", Integer.parseInt(s.group(2)));
			int vlen = Integer.parseInt(s.group(3));
			for (int m = 1; m <= vlen; m++) {
				Matcher mm = MEMBER.matcher(lines.get(i + m));
				assertTrue(mm.matches(), lines.get(i + m));
				int bits = Integer.parseInt(mm.group(2));
				members.put(mm.group(1), mm.group(3) == null ? bits : -1);
			}
			btf.put(s.group(1), members);
		}
		return btf;
	}

	private static String bpftool() {
		for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/usr/local/sbin")) {
			if (Files.isExecutable(Path.of(dir, "bpftool"))) {
				return dir + "/bpftool";
			}
		}
		return "bpftool";
	}

	@Test
	void taskMatchesBtf() throws Exception {
		assertMirrors("task", TaskLayout.class);
	}

	@Test
	void stringMatchesBtf() throws Exception {
		assertMirrors("string", StringLayout.class);
	}

	@Test
	void noticeMatchesBtf() throws Exception {
		assertMirrors("notice", NoticeLayout.class);
	}

	@Test
	void networkStructsMatchBtf() throws Exception {
		assertMirrors(netBtf, NET_OBJECT, "flow", FlowLayout.class);
		assertMirrors(netBtf, NET_OBJECT, "task_flow", TaskFlowLayout.class);
		assertMirrors(netBtf, NET_OBJECT, "task_flow_key", TaskFlowLayout.Key.class);
		assertMirrors(netBtf, NET_OBJECT, "dns_answer", DnsAnswerLayout.class);
		assertMirrors(netBtf, NET_OBJECT, "notice", NoticeLayout.class);
		assertMirrors(netBtf, NET_OBJECT, "task", TaskLayout.class);
	}

	@Test
	void fileInfoMatchesBtf() throws Exception {
		assertMirrors(filesBtf, FILES_OBJECT, "file_info", FileLayout.class);
	}

	@Test
	void taskFileMatchesBtf() throws Exception {
		assertMirrors(filesBtf, FILES_OBJECT, "task_file", TaskFileLayout.class);
	}

	@Test
	void taskFileKeyMatchesBtf() throws Exception {
		assertMirrors(filesBtf, FILES_OBJECT, "task_file_key", TaskFileLayout.Key.class);
	}

	@Test
	void netPolicyStructsMatchBtf() throws Exception {
		Map<String, Map<String, Integer>> np = structs(Path.of("target/classes/jibril/bpf/obj/netpolicy.bpf.o"));
		assertEquals(NetPolicyLayout.CONFIG_SIZE, np.get("np_config").get(""));
		assertEquals(NetPolicyLayout.CONFIG_GEN * 8, np.get("np_config").get("gen"));
		assertEquals(NetPolicyLayout.CONFIG_CIDR_MODE * 8, np.get("np_config").get("cidr_mode"));
		assertEquals(NetPolicyLayout.CONFIG_CIDR_DEFAULT * 8, np.get("np_config").get("cidr_default"));
		assertEquals(NetPolicyLayout.CONFIG_RESOLVE_MODE * 8, np.get("np_config").get("resolve_mode"));
		assertEquals(NetPolicyLayout.CONFIG_RESOLVE_DEFAULT * 8, np.get("np_config").get("resolve_default"));
		assertEquals(NetPolicyLayout.CONFIG_VERSION * 8, np.get("np_config").get("version"));
		assertEquals(NetPolicyLayout.V4_KEY_SIZE, np.get("np_v4_key").get(""));
		assertEquals(NetPolicyLayout.V6_KEY_SIZE, np.get("np_v6_key").get(""));
		assertEquals(32, np.get("np_v6_key").get("addr"));
		assertEquals(NetPolicyLayout.RULE_SIZE, np.get("np_rule").get(""));
		assertEquals(32, np.get("np_rule").get("action"));
		assertEquals(NetPolicyLayout.BLOCK_KEY_SIZE, np.get("np_block_key").get(""));
		// struct np_drop only travels through the ring buffer (not in BTF): jibril.netpolicy's KernelTest decodes
		// real notices field by field.
		String h = Files.readString(Path.of("src/main/bpf/netpolicy.h"));
		for (var c : Map.of("NP_MODE_BOTH", NetPolicyLayout.MODE_BOTH, "NP_DENY", NetPolicyLayout.DENY,
				"NP_MAX_LPM", NetPolicyLayout.MAX_LPM, "NP_MAX_RULES", NetPolicyLayout.MAX_RULES,
				"NP_HOOK_EGRESS", NetPolicyLayout.HOOK_EGRESS, "NP_HOOK_RESOLVE", NetPolicyLayout.HOOK_RESOLVE,
				"NP_MAX_NAMES", NetPolicyLayout.MAX_NAMES, "NP_CNT_NOTICE_LOST", NetPolicyLayout.CNT_NOTICE_LOST)
				.entrySet()) {
			assertTrue(h.contains("#define " + c.getKey() + " " + c.getValue()), c.getKey());
		}
		assertTrue(h.contains("#define NP_NAME_P " + NetPolicyLayout.NAME_P + "ULL"));
	}

	@Test
	void guardStructsMatchBtf() throws Exception {
		assertMirrors(guardBtf, GUARD_OBJECT, "guard_key", GuardLayout.Key.class);
		assertMirrors(guardBtf, GUARD_OBJECT, "guard_config", GuardLayout.Config.class);
		assertMirrors(guardBtf, GUARD_OBJECT, "taint_key", TaintLayout.Key.class);
		assertMirrors(guardBtf, GUARD_OBJECT, "taint", TaintLayout.class);
	}

	@Test
	void guardConstantsMatchTheHeader() throws Exception {
		assertEquals(GuardLayout.KIND_MAP, enumerator("GUARD_MAP"));
		assertEquals(GuardLayout.KIND_PROG, enumerator("GUARD_PROG"));
		assertEquals(GuardLayout.KIND_LINK, enumerator("GUARD_LINK"));
		assertEquals(GuardLayout.CNT_CALLS, enumerator("GUARD_CNT_CALLS"));
		assertEquals(GuardLayout.CNT_TAINTS, enumerator("GUARD_CNT_TAINTS"));
		assertEquals(GuardLayout.CNT_TAINTS_FULL, enumerator("GUARD_CNT_TAINTS_FULL"));
		assertEquals(GuardLayout.CNT_NOTICE_LOST, enumerator("GUARD_CNT_NOTICE_LOST"));
		assertEquals(GuardLayout.CNT_UNREADABLE, enumerator("GUARD_CNT_UNREADABLE"));
		assertEquals(GuardLayout.CNT_SLOTS, enumerator("GUARD_CNT_MAX"));
		assertEquals(GuardLayout.TAINTS_MAX, define("TAINTS_MAX"));
		assertEquals(GuardLayout.GUARDED_MAX, define("GUARDED_MAX"));
		assertEquals(TaintLayout.FLAG_NOTICED, define("TAINT_NOTICED"));
		assertEquals(NoticeLayout.KIND_TAINT, enumerator("NOTICE_TAINT"));
		// Every command the guard's switch records has a name, and only those.
		String guard = Files.readString(Path.of("src/main/bpf/guard.bpf.c"));
		int from = guard.indexOf("switch (cmd)");
		String body = guard.substring(from, guard.indexOf("default:", from));
		Matcher m = Pattern.compile("case (BPF_\\w+):").matcher(body);
		Map<String, String> recorded = new TreeMap<>();
		while (m.find()) {
			recorded.put(m.group(1).substring(4).toLowerCase(Locale.ROOT), m.group(1));
		}
		assertEquals(new TreeMap<>(GuardLayout.COMMANDS.values().stream().collect(
				java.util.stream.Collectors.toMap(n -> n, n -> "BPF_" + n.toUpperCase(Locale.ROOT)))), recorded);
		ByteBuffer k = ByteBuffer.allocate(TaintLayout.Key.SIZE).order(ByteOrder.nativeOrder());
		k.putInt(TaintLayout.Key.OFF_TGID, 42).putInt(TaintLayout.Key.OFF_CMD, 2)
				.putInt(TaintLayout.Key.OFF_KIND, GuardLayout.KIND_MAP).putInt(TaintLayout.Key.OFF_ID, 7);
		ByteBuffer v = ByteBuffer.allocate(TaintLayout.SIZE).order(ByteOrder.nativeOrder());
		v.putLong(TaintLayout.OFF_FIRST_NS, 1).putLong(TaintLayout.OFF_LAST_NS, 2).putLong(TaintLayout.OFF_COUNT, 3)
				.putLong(TaintLayout.OFF_SUCCEEDED, 1).putLong(TaintLayout.OFF_TASK_KEY, -5)
				.putInt(TaintLayout.OFF_LAST_RESULT, -1).putInt(TaintLayout.OFF_TID, 43).putInt(TaintLayout.OFF_UID, 0)
				.putInt(TaintLayout.OFF_FLAGS, TaintLayout.FLAG_NOTICED)
				.put(TaintLayout.OFF_COMM, "bpftool\0x".getBytes(StandardCharsets.US_ASCII));
		TaintLayout.Taint t = TaintLayout.Taint.decode(k, v);
		assertEquals(new TaintLayout.Taint(42, 2, GuardLayout.KIND_MAP, 7, 1, 2, 3, 1, -5, -1, 43, 0,
				TaintLayout.FLAG_NOTICED, "bpftool"), t);
		assertEquals("map_update_elem", t.command());
		assertEquals("map", t.kindName());
	}

	/**
	 * struct pair_notice and bits_notice are not in the BTF (only pointers to ring records use them); jibril.h
	 * asserts that they have no padding, so their members sit where the sizes the BTF checks above put them.
	 */
	@Test
	void fileNoticesCarryTheirPair() throws Exception {
		assertEquals(NoticeLayout.SIZE, NoticeLayout.FILE_OFFSET);
		assertEquals(NoticeLayout.SIZE + FileLayout.SIZE, NoticeLayout.PAIR_OFFSET);
		assertEquals(NoticeLayout.SIZE, NoticeLayout.BITS_PAIR_OFFSET);
		assertTrue(header.contains("_Static_assert(sizeof(struct pair_notice) == sizeof(struct notice) + "
				+ "sizeof(struct file_info) + sizeof(struct task_file)"), "jibril.h asserts pair_notice's layout");
		assertTrue(header.contains("_Static_assert(sizeof(struct bits_notice) == sizeof(struct notice) + "
				+ "sizeof(struct task_file)"), "jibril.h asserts bits_notice's layout");
		assertEquals(NoticeLayout.SIZE + FlowLayout.SIZE, NoticeLayout.FLOW_PAIR_OFFSET);
		assertEquals(NoticeLayout.SIZE, NoticeLayout.FLOW_BITS_PAIR_OFFSET);
		assertTrue(header.contains("_Static_assert(sizeof(struct flow_notice) == sizeof(struct notice) + "
				+ "sizeof(struct flow) + sizeof(struct task_flow)"), "jibril.h asserts flow_notice's layout");
		assertTrue(header.contains("_Static_assert(sizeof(struct flow_bits_notice) == sizeof(struct notice) + "
				+ "sizeof(struct task_flow)"), "jibril.h asserts flow_bits_notice's layout");
	}

	@Test
	void sharedStructsAreTheSameInEveryObject() {
		for (String shared : List.of("task", "string", "notice")) {
			assertEquals(btf.get(shared), filesBtf.get(shared), "struct " + shared + " in tasks.bpf.o and files.bpf.o");
		}
	}

	/** SIZE and one OFF_<MEMBER> per member, no more, no less. */
	private static void assertMirrors(String struct, Class<?> mirror) throws Exception {
		assertMirrors(btf, OBJECT, struct, mirror);
	}

	private static void assertMirrors(Map<String, Map<String, Integer>> btf, Path object, String struct,
			Class<?> mirror) throws Exception {
		Map<String, Integer> members = btf.get(struct);
		assertNotNull(members, "struct " + struct + " is in the BTF of " + object + "; structs there: " + btf.keySet());
		assertEquals(members.get(""), mirror.getField("SIZE").getInt(null), "sizeof(struct " + struct + ")");
		Map<String, Integer> java = new LinkedHashMap<>();
		for (Field f : mirror.getFields()) {
			if (f.getName().startsWith("OFF_") && Modifier.isStatic(f.getModifiers())) {
				java.put(f.getName(), f.getInt(null));
			}
		}
		Map<String, Integer> c = new LinkedHashMap<>();
		members.forEach((m, bits) -> {
			if (!m.isEmpty()) {
				assertTrue(bits >= 0 && bits % 8 == 0, struct + "." + m + " is not a bit field");
				c.put("OFF_" + m.toUpperCase(Locale.ROOT), bits / 8);
			}
		});
		assertEquals(c, java, "member offsets of struct " + struct + " vs " + mirror.getSimpleName());
	}

	@Test
	void constantsMatchTheHeader() throws Exception {
		assertEquals(TaskLayout.COMM_LEN, define("COMM_LEN"));
		assertEquals(StringLayout.STR_MAX, define("STR_MAX"));
		assertEquals(Keys.NSEC_PER_TICK, define("NSEC_PER_TICK"));
		assertEquals(TaskLayout.FLAG_EXECED, define("TASK_EXECED"));
		assertEquals(TaskLayout.FLAG_EXITED, define("TASK_EXITED"));
		assertEquals(TaskLayout.FLAG_PATH_TRUNC, define("TASK_PATH_TRUNC"));
		assertEquals(TaskLayout.FLAG_ARGS_TRUNC, define("TASK_ARGS_TRUNC"));
		assertEquals(NoticeLayout.KIND_EXEC, enumerator("NOTICE_EXEC"));
		assertEquals(NoticeLayout.KIND_EXIT, enumerator("NOTICE_EXIT"));
		assertEquals(NoticeLayout.KIND_FORK, enumerator("NOTICE_FORK"));
		assertEquals(NoticeLayout.KIND_FLOW_NEW, enumerator("NOTICE_FLOW_NEW"));
		assertEquals(NoticeLayout.KIND_TASK_FLOW, enumerator("NOTICE_TASK_FLOW"));
		assertEquals(NoticeLayout.KIND_DNS, enumerator("NOTICE_DNS"));
		assertEquals(NetLayout.AF_INET, define("NET_AF_INET"));
		assertEquals(NetLayout.AF_INET6, define("NET_AF_INET6"));
		assertEquals(NetLayout.PROTO_ICMP, define("NET_PROTO_ICMP"));
		assertEquals(NetLayout.PROTO_TCP, define("NET_PROTO_TCP"));
		assertEquals(NetLayout.PROTO_UDP, define("NET_PROTO_UDP"));
		assertEquals(NetLayout.PROTO_ICMPV6, define("NET_PROTO_ICMPV6"));
		assertEquals(NetLayout.DNS_MAX, define("DNS_MAX"));
		assertEquals(NetLayout.DNS_TRUNCATED, define("DNS_TRUNCATED"));
		assertEquals(NetLayout.NET_MMSG_MAX, define("NET_MMSG_MAX"));
		Map<String, Long> bits = hexDefines("FLOW_");
		Map<String, Long> javaBits = new TreeMap<>();
		for (Field f : NetLayout.class.getFields()) {
			if (f.getName().startsWith("FLOW_") && f.getType() == long.class) {
				javaBits.put(f.getName(), f.getLong(null));
			}
		}
		assertEquals(bits, javaBits, "FLOW_ flags");
		Map<String, Long> acts = hexDefines("NET_ACT_");
		Map<String, Long> javaActs = new TreeMap<>();
		for (Field f : NetLayout.class.getFields()) {
			if (f.getName().startsWith("ACT_")) {
				javaActs.put("NET_" + f.getName(), f.getLong(null));
			}
		}
		assertEquals(acts, javaActs, "NET_ACT_ actions");
		assertEquals(List.of("connect", "accept", "send", "recv", "close"), NetLayout.actionNames(0x1f));
		assertEquals(NetLayout.flagNames(bits.values().stream().reduce(0L, (a, b) -> a | b)).size(), bits.size(),
				"every flag has a name");
		assertEquals(NoticeLayout.KIND_FILE_PAIR, enumerator("NOTICE_FILE_PAIR"));
		assertEquals(NoticeLayout.KIND_FILE_BITS, enumerator("NOTICE_FILE_BITS"));
		assertEquals(NoticeLayout.KIND_FILE_PATH, enumerator("NOTICE_FILE_PATH"));
		assertEquals(FileLayout.FLAG_PATH_TRUNC, define("FILE_PATH_TRUNC"));
		assertEquals(FileLayout.FLAG_NO_INODE, define("FILE_NO_INODE"));
		assertEquals(TaskFileLayout.COUNT_MAX, define("FILE_COUNT_MAX"));
		Map<String, Long> counters = new TreeMap<>();
		Matcher m = Pattern.compile("\\bCNT_(\\w+)\\s*=\\s*(\\d+)").matcher(header);
		while (m.find()) {
			counters.put(m.group(1), Long.parseLong(m.group(2)));
		}
		assertEquals(Counter.SLOTS, counters.remove("MAX"));
		Map<String, Long> java = new TreeMap<>();
		for (Counter c : Counter.values()) {
			java.put(c.name(), (long) c.index());
		}
		assertEquals(counters, java, "enum counter");
	}

	@Test
	void fileActionsMatchTheHeaderInOrder() {
		Matcher m = Pattern.compile("\\bFILE_ACT_(\\w+)\\s*=\\s*(\\d+)").matcher(header);
		Map<Integer, String> c = new TreeMap<>();
		while (m.find()) {
			c.put(Integer.parseInt(m.group(2)), m.group(1));
		}
		assertEquals("COUNT", c.remove(TaskFileLayout.ACTIONS), "FILE_ACT_COUNT");
		assertEquals(TaskFileLayout.ACTION_NAMES.size(), c.size());
		for (Map.Entry<Integer, String> e : c.entrySet()) {
			String name = e.getValue().toLowerCase(Locale.ROOT);
			assertEquals(name, TaskFileLayout.ACTION_NAMES.get(e.getKey()), "FILE_ACT_" + e.getValue());
			assertEquals(e.getKey(), TaskFileLayout.action(name));
		}
		for (Field f : TaskFileLayout.class.getFields()) {
			if (f.getName().startsWith("ACT_")) {
				try {
					assertEquals(enumerator("FILE_" + f.getName()), f.getInt(null), f.getName());
				} catch (IllegalAccessException e) {
					throw new AssertionError(e);
				}
			}
		}
		// the original product's order, spelled out once more
		assertEquals(List.of("fasync", "flock", "fsync", "llseek", "mmap", "open", "read", "write", "rename",
				"truncate", "unlink", "create", "close", "link", "execve"), TaskFileLayout.ACTION_NAMES);
	}

	@Test
	void actionMasksAndNames() {
		int mask = TaskFileLayout.actionMask("close", "open", "READ");
		assertEquals((1 << TaskFileLayout.ACT_OPEN) | (1 << TaskFileLayout.ACT_READ) | (1 << TaskFileLayout.ACT_CLOSE),
				mask);
		assertEquals(List.of("open", "read", "close"), TaskFileLayout.actionNames(mask));
		assertEquals(List.of(), TaskFileLayout.actionNames(0));
		assertEquals(TaskFileLayout.ACTION_NAMES, TaskFileLayout.actionNames(-1), "bits above execve are ignored");
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> TaskFileLayout.actionMask("open", "chmod"));
		assertTrue(e.getMessage().contains("chmod") && e.getMessage().contains("execve"), e.getMessage());
	}

	private static long define(String name) {
		Matcher m = Pattern.compile("#define\\s+" + name + "\\s+(0x[0-9a-fA-F]+|\\d+)[uUlL]*\\b").matcher(header);
		assertTrue(m.find(), name + " is #defined in " + HEADER);
		String v = m.group(1);
		return v.startsWith("0x") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
	}

	/** Every "#define <prefix>X 0x..." of the header. */
	private static Map<String, Long> hexDefines(String prefix) {
		Map<String, Long> out = new TreeMap<>();
		Matcher m = Pattern.compile("#define\\s+(" + prefix + "\\w+)\\s+0x([0-9a-fA-F]+)").matcher(header);
		while (m.find()) {
			out.put(m.group(1), Long.parseLong(m.group(2), 16));
		}
		assertFalse(out.isEmpty(), prefix + " constants in " + HEADER);
		return out;
	}

	private static long enumerator(String name) {
		Matcher m = Pattern.compile("\\b" + name + "\\s*=\\s*(\\d+)").matcher(header);
		assertTrue(m.find(), name + " is an enumerator in " + HEADER);
		return Long.parseLong(m.group(1));
	}

	@Test
	void keysMatchKnownVectors() {
		assertEquals(0xcbf29ce484222325L, Keys.fnv1a(new byte[0], 0));
		assertEquals(0xaf63dc4c8601ec8cL, Keys.fnv1a("a".getBytes(StandardCharsets.US_ASCII), 1));
		assertEquals(0x85944171f73967e8L, Keys.fnv1a("foobar".getBytes(StandardCharsets.US_ASCII), 6));
		assertEquals(0xaf63dc4c8601ec8cL, Keys.fnv1a("ab".getBytes(StandardCharsets.US_ASCII), 1), "only len bytes");
		// splitmix64: the first output for seed 0 is mix64(0x9e3779b97f4a7c15)
		assertEquals(0xe220a8397b1dcdafL, Keys.mix64(0x9e3779b97f4a7c15L));
		assertEquals(Keys.mix64((1234L << 40) ^ 567), Keys.taskKey(1234, 567 * Keys.NSEC_PER_TICK + 9_999_999));
		assertEquals(Keys.mix64((0xffffffffL << 40) ^ 1), Keys.taskKey(-1, Keys.NSEC_PER_TICK), "tgid is unsigned");
	}

	@Test
	void flowKeysNormaliseLikeTheKernel() throws Exception {
		java.net.InetAddress lo = java.net.InetAddress.getByName("127.0.0.1");
		java.net.InetAddress mapped = java.net.InetAddress.getByAddress(
				new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1 });
		java.net.InetAddress any6 = java.net.InetAddress.getByName("::");
		java.net.InetAddress any4 = java.net.InetAddress.getByName("0.0.0.0");
		long k = Keys.flowKey(NetLayout.PROTO_TCP, lo, 1234, lo, 80);
		assertEquals(k, Keys.flowKey(NetLayout.PROTO_TCP, mapped, 1234, lo, 80));
		assertEquals(Keys.flowKey(NetLayout.PROTO_UDP, any4, 5, lo, 53), Keys.flowKey(NetLayout.PROTO_UDP, any6, 5,
				lo, 53), "a dual-stack wildcard with an IPv4 peer is 0.0.0.0");
		byte[] l = new byte[16];
		l[0] = 127;
		l[3] = 1;
		// FNV-1a of proto, family, laddr, lport (BE), raddr, rport (BE): spelled out
		byte[] canon = new byte[38];
		canon[0] = NetLayout.PROTO_TCP;
		canon[1] = NetLayout.AF_INET;
		System.arraycopy(l, 0, canon, 2, 16);
		canon[18] = (byte) (1234 >> 8);
		canon[19] = (byte) 1234;
		System.arraycopy(l, 0, canon, 20, 16);
		canon[36] = 0;
		canon[37] = 80;
		assertEquals(Keys.fnv1a(canon, 38), k);
		assertEquals(k, Keys.flowKey(NetLayout.PROTO_TCP, NetLayout.AF_INET, l, 1234, l, 80));
		java.net.InetAddress v6 = java.net.InetAddress.getByName("::1");
		assertEquals(NetLayout.AF_INET6, NetLayout.familyOf(v6));
		assertEquals(v6, NetLayout.address(NetLayout.flowAddress(v6, NetLayout.AF_INET6), NetLayout.AF_INET6));
		assertEquals(lo, NetLayout.address(NetLayout.flowAddress(mapped, NetLayout.AF_INET), NetLayout.AF_INET));
	}

	@Test
	void decodersReadTheDocumentedOffsets() {
		ByteBuffer t = ByteBuffer.allocate(TaskLayout.SIZE + 3).order(ByteOrder.nativeOrder());
		t.position(3);
		ByteBuffer task = t.slice().order(ByteOrder.nativeOrder());
		task.putLong(TaskLayout.OFF_KEY, 1).putLong(TaskLayout.OFF_PARENT_KEY, 2).putLong(TaskLayout.OFF_START_NS, 3)
				.putLong(TaskLayout.OFF_EXEC_NS, 4).putLong(TaskLayout.OFF_EXIT_NS, 5).putLong(TaskLayout.OFF_EXE_KEY, 6)
				.putLong(TaskLayout.OFF_ARGS_KEY, 7).putLong(TaskLayout.OFF_EXEC_SEQ, 8).putInt(TaskLayout.OFF_PID, 9)
				.putInt(TaskLayout.OFF_PPID, 10).putInt(TaskLayout.OFF_UID, 11).putInt(TaskLayout.OFF_GID, 12)
				.putInt(TaskLayout.OFF_EXIT_CODE, -13).putInt(TaskLayout.OFF_FLAGS, TaskLayout.FLAG_EXITED)
				.put(TaskLayout.OFF_COMM, "bash\0junk".getBytes(StandardCharsets.US_ASCII));
		TaskLayout.Task decoded = TaskLayout.Task.decode(t.order(ByteOrder.BIG_ENDIAN));
		assertEquals(new TaskLayout.Task(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, -13, TaskLayout.FLAG_EXITED, "bash"),
				decoded, "decoding starts at the position and ignores the buffer's byte order");
		assertTrue(decoded.has(TaskLayout.FLAG_EXITED));
		assertFalse(decoded.has(TaskLayout.FLAG_EXECED));

		ByteBuffer s = ByteBuffer.allocate(StringLayout.SIZE).order(ByteOrder.nativeOrder());
		s.putInt(StringLayout.OFF_LEN, 11).putInt(StringLayout.OFF_FLAGS, StringLayout.FLAG_TRUNCATED)
				.put(StringLayout.OFF_DATA, "/bin/ls\0-l\0".getBytes(StandardCharsets.US_ASCII));
		StringLayout.Text text = StringLayout.decode(s);
		assertTrue(text.truncated());
		assertEquals("/bin/ls\0-l\0", text.text());
		assertEquals(List.of("/bin/ls", "-l"), text.parts());

		ByteBuffer n = ByteBuffer.allocate(NoticeLayout.SIZE).order(ByteOrder.nativeOrder());
		n.putInt(NoticeLayout.OFF_KIND, NoticeLayout.KIND_EXIT).putInt(NoticeLayout.OFF_PID, 42)
				.putLong(NoticeLayout.OFF_KEY, -7).putLong(NoticeLayout.OFF_SEQ, 99);
		assertEquals(new NoticeLayout.Notice(NoticeLayout.KIND_EXIT, 42, -7, 99), NoticeLayout.Notice.decode(n));
		assertFalse(NoticeLayout.Notice.decode(n).isFile());
		n.putInt(NoticeLayout.OFF_KIND, NoticeLayout.KIND_FILE_BITS);
		assertEquals(new TaskFileLayout.Key(-7, 99), NoticeLayout.Notice.decode(n).taskFileKey());

		ByteBuffer f = ByteBuffer.allocate(FileLayout.SIZE).order(ByteOrder.nativeOrder());
		f.putLong(FileLayout.OFF_PATH_KEY, 1).putLong(FileLayout.OFF_FS_KEY, 2).putLong(FileLayout.OFF_INO, 3)
				.putLong(FileLayout.OFF_FIRST_NS, 4).putLong(FileLayout.OFF_LAST_NS, 5)
				.putInt(FileLayout.OFF_DEV, (259 << 20) | 0x12345).putInt(FileLayout.OFF_MNT_ID, 7)
				.putInt(FileLayout.OFF_MODE, 0100640).putInt(FileLayout.OFF_UID, 8).putInt(FileLayout.OFF_GID, 9)
				.putInt(FileLayout.OFF_FLAGS, FileLayout.FLAG_PATH_TRUNC);
		FileLayout.FileInfo fi = FileLayout.FileInfo.decode(f.order(ByteOrder.BIG_ENDIAN));
		assertEquals(new FileLayout.FileInfo(1, 2, 3, 4, 5, (259 << 20) | 0x12345, 7, 0100640, 8, 9,
				FileLayout.FLAG_PATH_TRUNC), fi);
		assertEquals(259, fi.devMajor());
		assertEquals(0x12345, fi.devMinor());
		assertEquals(0640, fi.permissions());
		assertEquals("file", fi.type());
		assertTrue(fi.has(FileLayout.FLAG_PATH_TRUNC));
		assertFalse(fi.has(FileLayout.FLAG_NO_INODE));
		// glibc makedev(259, 0x12345): minor's low byte, major << 8, minor's high bits << 12
		assertEquals(0x45L | (259L << 8) | (0x12300L << 12), FileLayout.statDev(fi.dev()));
		assertEquals(0x801L, FileLayout.statDev((8 << 20) | 1), "/dev/sda1 is 8:1, st_dev 0x801");

		ByteBuffer tf = ByteBuffer.allocate(TaskFileLayout.SIZE).order(ByteOrder.nativeOrder());
		tf.putInt(TaskFileLayout.OFF_ACTIONS, (1 << TaskFileLayout.ACT_READ) | (1 << TaskFileLayout.ACT_EXECVE))
				.putInt(TaskFileLayout.OFF_PID, 77).putLong(TaskFileLayout.OFF_FIRST_NS, 10)
				.putLong(TaskFileLayout.OFF_LAST_NS, 11).putLong(TaskFileLayout.OFF_GEN, 12)
				.putInt(TaskFileLayout.OFF_COUNTS + 4 * TaskFileLayout.ACT_READ, -1)
				.putInt(TaskFileLayout.OFF_COUNTS + 4 * TaskFileLayout.ACT_EXECVE, 1)
				.putInt(TaskFileLayout.OFF_FLAGS, TaskFileLayout.FLAG_PATH_TRUNC);
		TaskFileLayout.TaskFile t2 = TaskFileLayout.TaskFile.decode(tf);
		assertEquals(List.of("read", "execve"), t2.actionNames());
		assertTrue(t2.has(TaskFileLayout.ACT_READ));
		assertFalse(t2.has(TaskFileLayout.ACT_OPEN));
		assertEquals(0xffffffffL, t2.count(TaskFileLayout.ACT_READ), "counts are unsigned");
		assertEquals(1, t2.count(TaskFileLayout.ACT_EXECVE));
		assertEquals(0, t2.count(TaskFileLayout.ACT_OPEN));
		assertEquals(TaskFileLayout.ACTIONS, t2.counts().size());
		assertEquals(77, t2.pid());
		assertEquals(12, t2.gen());

		TaskFileLayout.Key k = new TaskFileLayout.Key(0x1122334455667788L, -2);
		assertEquals(k, TaskFileLayout.Key.decode(ByteBuffer.wrap(k.bytes())));
		assertEquals(TaskFileLayout.Key.SIZE, k.bytes().length);
		assertEquals(Keys.fnv1a("/etc/shadow".getBytes(StandardCharsets.UTF_8), 11), Keys.stringKey("/etc/shadow"));
	}
}
