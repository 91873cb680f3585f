package jibril.bpf.internal;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;

/**
 * The part of libbpf 1.x (libbpf.so.1) that Jibril uses, mapped through JNA. Opaque libbpf handles are
 * {@link Pointer}s. Functions returning {@code int} return {@code -errno} on failure (libbpf 1.x semantics);
 * functions returning a pointer return {@code null} and leave errno in {@code Native.getLastError()}.
 * C {@code bool} results are mapped to {@code byte}: only the low byte of the register is defined.
 */
public interface LibBpf extends Library {

	/** {@code libbpf_print_fn_t}: one libbpf message, as a printf format and its {@code va_list}. */
	interface PrintFn extends Callback {
		/** Formats and forwards one message; the return value is ignored by libbpf. */
		int invoke(int level, Pointer format, Pointer args);
	}

	Pointer libbpf_set_print(PrintFn fn);

	Pointer libbpf_set_print(Pointer fn);

	int libbpf_strerror(int err, byte[] buf, long size);

	int libbpf_num_possible_cpus();

	Pointer bpf_object__open_mem(Pointer buf, long size, Pointer opts);

	int bpf_object__load(Pointer obj);

	void bpf_object__close(Pointer obj);

	String bpf_object__name(Pointer obj);

	Pointer bpf_object__next_program(Pointer obj, Pointer prev);

	Pointer bpf_object__next_map(Pointer obj, Pointer prev);

	String bpf_program__name(Pointer prog);

	String bpf_program__section_name(Pointer prog);

	int bpf_program__fd(Pointer prog);

	byte bpf_program__autoload(Pointer prog);

	int bpf_program__set_autoload(Pointer prog, boolean autoload);

	int bpf_program__set_log_buf(Pointer prog, Pointer buf, long size);

	Pointer bpf_program__attach(Pointer prog);

	Pointer bpf_program__attach_cgroup(Pointer prog, int cgroupFd);

	int bpf_link__fd(Pointer link);

	int bpf_iter_create(int linkFd);

	int bpf_link__pin(Pointer link, String path);

	int bpf_link__unpin(Pointer link);

	int bpf_link__destroy(Pointer link);

	int bpf_link_update(int linkFd, int newProgFd, Pointer opts);

	int bpf_link_detach(int linkFd);

	String bpf_map__name(Pointer map);

	int bpf_map__type(Pointer map);

	int bpf_map__key_size(Pointer map);

	int bpf_map__value_size(Pointer map);

	int bpf_map__max_entries(Pointer map);

	int bpf_map__set_max_entries(Pointer map, int maxEntries);

	int bpf_map__fd(Pointer map);

	String bpf_map__pin_path(Pointer map);

	byte bpf_map__is_pinned(Pointer map);

	int bpf_map__set_pin_path(Pointer map, String path);

	int bpf_map__pin(Pointer map, String path);

	int bpf_map__unpin(Pointer map, String path);

	int bpf_map_create(int type, String name, int keySize, int valueSize, int maxEntries, Pointer opts);

	int bpf_map_lookup_elem(int fd, Pointer key, Pointer value);

	int bpf_map_update_elem(int fd, Pointer key, Pointer value, long flags);

	int bpf_map_delete_elem(int fd, Pointer key);

	int bpf_map_get_next_key(int fd, Pointer key, Pointer nextKey);

	int bpf_map_freeze(int fd);

	int bpf_prog_get_next_id(int startId, Pointer nextId);

	int bpf_prog_get_fd_by_id(int id);

	int bpf_map_lookup_batch(int fd, Pointer inBatch, Pointer outBatch, Pointer keys, Pointer values, Pointer count,
			Pointer opts);

	int bpf_obj_get(String path);

	int bpf_obj_pin(int fd, String path);

	int bpf_obj_get_info_by_fd(int fd, Pointer info, Pointer infoLen);
}
