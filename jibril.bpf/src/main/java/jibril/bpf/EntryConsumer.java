package jibril.bpf;

import java.nio.ByteBuffer;

/** Receives the entries of {@link BpfMap#dump(EntryConsumer)}. */
@FunctionalInterface
public interface EntryConsumer {

	/**
	 * Handles one entry. Both buffers are in native byte order, start at position 0, and are views of native
	 * memory that is reused: they are valid only during this call (copy what you keep).
	 *
	 * @param key the key, {@link BpfMap#keySize()} bytes
	 * @param value the value, {@link BpfMap#valueBufferSize()} bytes
	 */
	void accept(ByteBuffer key, ByteBuffer value);
}
