package jibril.data.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlacesTest {

    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @Test
    void containerIdsOfTheUsualRuntimes() {
        assertEquals(ID, Places.containerId("/system.slice/docker-" + ID + ".scope"));
        assertEquals(ID, Places.containerId("/docker/" + ID));
        assertEquals(ID, Places.containerId("/kubepods.slice/kubepods-burstable.slice/kubepods-pod1.slice/cri-containerd-"
                + ID + ".scope"));
        assertEquals(ID, Places.containerId("/machine.slice/libpod-" + ID + ".scope/container"));
        assertEquals(ID, Places.containerId("/kubepods/besteffort/pod1/crio-" + ID + ".scope"));
        assertEquals("", Places.containerId("/user.slice/user-0.slice/session-1.scope"));
        assertEquals("", Places.containerId(""));
    }

    @Test
    void userAndGroupNamesComeFromTheHostFilesAndFollowChanges(@TempDir Path etc) throws Exception {
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/a:/bin/sh\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nstaff:x:50:\n");
        Places p = new Places(etc, null, 0);
        assertEquals("alice", p.user(1000));
        assertEquals("staff", p.group(50));
        assertEquals("", p.user(4242));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\nbob:x:4242:4242::/home/b:/bin/sh\n");
        assertEquals("bob", p.user(4242));
        assertEquals("", p.cgroup(12345), "no cgroup hierarchy: no path");
    }

    @Test
    void inodesAreReadFromFileKeys() {
        assertEquals(1234, Places.inode("(dev=2a,ino=1234)"));
        assertEquals(-1, Places.inode(null));
    }
}
