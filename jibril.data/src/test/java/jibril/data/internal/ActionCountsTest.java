package jibril.data.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.google.gson.Gson;

import jibril.bpf.layout.TaskFileLayout;
import jibril.bpf.layout.TaskFileLayout.TaskFile;

/** A record's counts read from its pair behave as the map of names to counts, in bit order, built by hand. */
class ActionCountsTest {

    @Test
    void isTheMapOfTheSetBitsInBitOrder() {
        Random random = new Random(3);
        Gson gson = new Gson();
        for (int i = 0; i < 2000; i++) {
            int mask = random.nextInt(1 << TaskFileLayout.ACTIONS) | (i % 7 == 0 ? 1 << 20 : 0); // and a stray bit
            List<Long> counts = new ArrayList<>();
            for (int a = 0; a < TaskFileLayout.ACTIONS; a++) {
                counts.add(random.nextBoolean() ? random.nextInt(5) : Integer.toUnsignedLong(random.nextInt()));
            }
            TaskFile pair = new TaskFile(mask, 1, 2, 3, 4, counts, 0);
            Map<String, Long> expected = new LinkedHashMap<>();
            for (int a = 0; a < TaskFileLayout.ACTIONS; a++) {
                if ((mask & (1 << a)) != 0) {
                    expected.put(TaskFileLayout.ACTION_NAMES.get(a), counts.get(a));
                }
            }
            ActionCounts got = new ActionCounts(pair);
            assertEquals(expected, got);
            assertEquals(got, expected);
            assertEquals(expected.hashCode(), got.hashCode());
            assertEquals(expected.toString(), got.toString());
            assertEquals(List.copyOf(expected.keySet()), List.copyOf(got.keySet()), "bit order");
            assertEquals(List.copyOf(expected.keySet()), pair.actionNames(), "the record's action names' order");
            assertEquals(gson.toJson(expected), gson.toJson(got));
            for (String name : TaskFileLayout.ACTION_NAMES) {
                assertEquals(expected.get(name), got.get(name), name);
                assertEquals(expected.containsKey(name), got.containsKey(name), name);
            }
        }
    }

    @Test
    void isUnmodifiableAndIgnoresOtherKeys() {
        ActionCounts got = new ActionCounts(new TaskFile(1 << 5, 1, 2, 3, 4, java.util.Collections.nCopies(15, 9L), 0));
        assertEquals(Map.of("open", 9L), got);
        assertNull(got.get("OPEN"));
        assertNull(got.get(5));
        assertFalse(got.containsKey("read"));
        assertThrows(UnsupportedOperationException.class, () -> got.put("read", 1L));
        assertThrows(UnsupportedOperationException.class, () -> got.entrySet().iterator().next().setValue(1L));
        assertThrows(UnsupportedOperationException.class, () -> got.entrySet().clear());
        assertTrue(new ActionCounts(new TaskFile(0, 1, 2, 3, 4, java.util.Collections.nCopies(15, 0L), 0)).isEmpty());
    }
}
