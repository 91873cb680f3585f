package jibril.procfs.internal;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import jibril.bpf.BpfObject;
import jibril.bpf.StringDictionary;
import jibril.bpf.layout.TaskFileLayout;
import jibril.core.api.BpfServices;
import jibril.core.api.StatusSource;

/**
 * The {@code jibril:procfs} plugin: once the tasks program is loaded, seeds the tasks map from /proc on a thread
 * of its own, so that processes started before Jibril have their exe, arguments and ancestry, and (when the file
 * programs are loaded) the files they hold open or mapped. The kernel
 * programs keep them up to date from then on (and adopt any process the seeding missed at its next fork or a
 * child's exec). Runs while {@code jibril:procfs} is in the config's plugin list.
 */
@Component(immediate = true, configurationPid = "jibril.plugin.procfs", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = StatusSource.class, property = StatusSource.NAME + "=procfs")
public class ProcfsSeeding implements StatusSource {

    @Reference(service = LoggerFactory.class)
    private volatile Logger logger;

    /**
     * The tasks object, bound whenever the core registers it (after attaching). Dynamic, so that this component and
     * its status section exist from the moment it is configured: the daemon is not ready until seeding is done,
     * instead of saying ready when the programs attach and taking it back when this section appears.
     */
    @Reference(target = "(" + BpfServices.OBJECT + "=tasks)", cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setTasks(BpfObject tasks) {
        startSeeding(tasks);
    }

    void unsetTasks(BpfObject tasks) {
        // a seeding in progress finishes on the maps it has; the next tasks object (a restarted core) seeds again
    }

    /** The file programs, when loaded (the core registers them before tasks): open files are seeded too. */
    @Reference(target = "(" + BpfServices.OBJECT + "=files)", cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile BpfObject files;

    private volatile ProcSeeder.Result result;
    private Thread thread;

    private synchronized void startSeeding(BpfObject tasks) {
        result = null;
        Thread t = new Thread(() -> {
            BpfObject f = files;
            ProcSeeder.Result r = new ProcSeeder(Path.of("/proc"), tasks.map("tasks"), StringDictionary.of(tasks),
                    f == null ? null : f.map("files"), f == null ? null : f.map("task_file"),
                    f == null ? null : f.map(TaskFileLayout.MAP_FILE_CURSORS)).seed();
            result = r;
            Logger logger = this.logger; // bound with the component; seeding may start while it is being bound
            if (logger == null) {
                return;
            }
            if (r.failed() > 0) {
                logger.warn("procfs: {} processes could not be seeded (tasks map full?): {}", r.failed(), r.errors());
            }
            logger.info("procfs: seeded {} processes and {} open or mapped files from /proc in {} ms ({} processes "
                    + "already known)", r.seeded(), r.filePairs(), r.millis(), r.known());
        }, "jibril-procfs");
        thread = t;
        t.start();
    }

    @Deactivate
    synchronized void deactivate() throws InterruptedException {
        if (thread != null) {
            thread.join(10_000);
        }
    }

    @Override
    public Map<String, Object> status() {
        ProcSeeder.Result r = result;
        return r == null ? new LinkedHashMap<>(Map.of("state", "seeding")) : r.asMap();
    }

    @Override
    public boolean ready() {
        return result != null;
    }
}
