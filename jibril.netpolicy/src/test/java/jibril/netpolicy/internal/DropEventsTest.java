package jibril.netpolicy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

import jibril.bpf.layout.NetPolicyLayout;
import jibril.core.api.DomainRecord;
import jibril.core.api.Event;
import jibril.core.api.EventPublisher;

class DropEventsTest {

    private final List<Event> published = new ArrayList<>();
    private final EventPublisher publisher = published::add;
    private final Logger logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(),
            new Class<?>[] { Logger.class }, (p, m, a) -> m.getReturnType() == boolean.class ? false : null);

    private static NetPolicyLayout.Drop drop(int tgid, byte[] addr, int hook, boolean blocked) {
        return new NetPolicyLayout.Drop(1, 2, tgid, tgid, 0, 5, addr.length == 4 ? 4 : 6, 6, hook, blocked, 443, addr,
                "curl");
    }

    @Test
    void dropipCarriesPeerNamesProcessAndRuleAndIsRateLimitedPerProcessAndPeer() {
        DropEvents e = new DropEvents(() -> publisher, () -> null, logger);
        byte[] peer = { 10, 9, 9, 9 };
        e.notice(drop(42, peer, NetPolicyLayout.HOOK_CONNECT, true));
        e.notice(drop(42, peer, NetPolicyLayout.HOOK_CONNECT, true));
        e.notice(drop(43, peer, NetPolicyLayout.HOOK_CONNECT, true));
        e.notice(drop(42, new byte[] { 10, 9, 9, 8 }, NetPolicyLayout.HOOK_SENDMSG, false));
        e.flush(i -> "deny 10.9.9.0/24 (file line 7)", a -> Set.of("evil.test"), 60_000);
        assertEquals(3, published.size());
        Event first = published.get(0);
        assertEquals("dropip", first.metadata().kind());
        assertEquals("dropip", first.metadata().name());
        assertEquals(42, first.process().pid());
        assertEquals("curl", first.process().comm());
        assertEquals("10.9.9.9", first.flow().remote().address());
        assertEquals(List.of("evil.test"), first.flow().remote().names());
        assertEquals("evil.test", first.flow().remote().name());
        assertEquals(443, first.flow().remote().port());
        assertEquals("tcp", first.flow().proto());
        assertEquals(4, first.flow().ipVersion());
        assertEquals(List.of("connect"), first.flow().actions());
        assertTrue(first.flow().flags().get("blocked"));
        assertEquals("refused connect to 10.9.9.9:443/tcp (evil.test): denied by deny 10.9.9.0/24 (file line 7)",
                first.note());
        Event alert = published.get(2);
        assertFalse(alert.flow().flags().get("blocked"));
        assertTrue(alert.note().startsWith("alert: allowed send to 10.9.9.8:443/tcp"), alert.note());
        assertEquals(1L, e.status().get("rate_limited"));
        assertEquals(3L, e.status().get("published"));
    }

    @Test
    void ipv6PeersAndDroppedAnswers() {
        DropEvents e = new DropEvents(() -> publisher, () -> null, logger);
        byte[] v6 = new byte[16];
        v6[0] = (byte) 0xfd;
        v6[15] = 1;
        e.notice(drop(7, v6, NetPolicyLayout.HOOK_CONNECT, true));
        e.notice(new NetPolicyLayout.Drop(1, 2, 0, 0, 0, 3, 4, 17, NetPolicyLayout.HOOK_RESOLVE, true, 53,
                new byte[] { 127, 0, 0, 53 }, ""));
        e.flush(i -> "deny domain bad.test", a -> Set.of(), 60_000);
        assertEquals(2, published.size());
        assertEquals("refused connect to [fd00::1]:443/tcp: denied by deny domain bad.test", published.get(0).note());
        assertEquals(6, published.get(0).flow().ipVersion());
        assertEquals("dropdomain", published.get(1).metadata().name());
        assertEquals("dropped a DNS answer from 127.0.0.53:53: its question is denied by deny domain bad.test",
                published.get(1).note());
        e.dropDomain(new DomainRecord("www.bad.test", List.of("cdn.bad.test"), List.of("192.0.2.1"), 0, 0),
                "bad.test", true, 60_000);
        e.dropDomain(new DomainRecord("www.bad.test", List.of(), List.of("192.0.2.1"), 0, 0), "bad.test", true,
                60_000);
        assertEquals(3, published.size());
        assertEquals("www.bad.test (via cdn.bad.test) resolved to 192.0.2.1: denied by domain rule bad.test; its"
                + " addresses are blocked", published.get(2).note());
    }

    @Test
    void withoutAPublisherEventsAreCountedNotLost() {
        DropEvents e = new DropEvents(() -> null, () -> null, logger);
        e.notice(drop(1, new byte[] { 10, 0, 0, 1 }, NetPolicyLayout.HOOK_CONNECT, true));
        e.flush(i -> "x", a -> Set.of(), 0);
        assertEquals(1L, e.status().get("without_publisher"));
    }
}
