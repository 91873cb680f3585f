package jibril.bpf;

import java.nio.ByteBuffer;

/** Receives the records of a {@link RingBuffer}, on the thread that calls {@link RingBuffer#poll(int)}. */
@FunctionalInterface
public interface RecordHandler {

	/**
	 * Handles one record. Exceptions are caught, counted in {@link RingBuffer#handlerErrors()} and do not stop
	 * consumption.
	 *
	 * @param record the record in native byte order; a view of the ring's memory, valid only during this call
	 */
	void onRecord(ByteBuffer record);
}
