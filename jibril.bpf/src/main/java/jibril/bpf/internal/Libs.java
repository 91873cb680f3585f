package jibril.bpf.internal;

import jibril.bpf.BpfException;

/**
 * The JNA library proxies: the one piece of static state in the binding, because a native library is loaded
 * once per class loader. Loaded on first use so that a missing libbpf is reported as an actionable error.
 */
public final class Libs {

	private Libs() {
	}

	private static final class BpfHolder {
		static final LibBpf BPF = com.sun.jna.Native.load("libbpf.so.1", LibBpf.class);
	}

	private static final class CHolder {
		static final LibC C = com.sun.jna.Native.load("c", LibC.class);
	}

	/** The libbpf proxy; throws {@link BpfException} (ENOENT) when libbpf.so.1 cannot be loaded. */
	public static LibBpf bpf() {
		try {
			return BpfHolder.BPF;
		} catch (LinkageError e) {
			throw new BpfException("cannot load libbpf.so.1 (" + e.getMessage()
					+ "): install libbpf 1.x (Debian/Ubuntu: apt-get install libbpf1)", Errno.ENOENT, e);
		}
	}

	/** The libc proxy. */
	public static LibC c() {
		try {
			return CHolder.C;
		} catch (LinkageError e) {
			throw new BpfException("cannot load libc through JNA: " + e.getMessage(), Errno.ENOENT, e);
		}
	}

	/** errno of the calling thread after the last native call made through JNA. */
	public static int lastError() {
		return com.sun.jna.Native.getLastError();
	}
}
