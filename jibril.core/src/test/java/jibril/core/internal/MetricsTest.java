package jibril.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void numericLeavesBecomeGauges() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("ready", true);
        status.put("ebpf", Map.of("counters", Map.of("tasks_full", 3L), "state", "attached"));
        status.put("bundles", Map.of("not_active", List.of("x")));
        status.put("printers", Map.of("std-out", Map.of("dropped", 0)));
        String text = Metrics.prometheus(status);
        assertEquals("""
                # TYPE jibril_ready gauge
                jibril_ready 1
                # TYPE jibril_ebpf_counters_tasks_full gauge
                jibril_ebpf_counters_tasks_full 3
                # TYPE jibril_printers_std_out_dropped gauge
                jibril_printers_std_out_dropped 0
                """, text);
    }

    @Test
    void taintIsAGaugeAndItsRecordsACounter() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("ready", true);
        status.put("tainted", true);
        status.put("taint", Map.of("records_total", 2L, "records", List.of(Map.of("pid", 7))));
        assertEquals("""
                # TYPE jibril_ready gauge
                jibril_ready 1
                # TYPE jibril_tainted gauge
                jibril_tainted 1
                # TYPE jibril_taint_records_total counter
                jibril_taint_records_total 2
                """, Metrics.prometheus(status));
    }
}
