package jibril.reactions.internal;

import java.time.Duration;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import jibril.core.api.Event;
import jibril.core.api.NetPolicy;
import jibril.core.api.Reaction;
import jibril.core.api.ReactionRunner;

/** The {@code js} reaction runner (GraalJS, sandboxed; see {@link JsEngine} and {@link Helpers}). */
@Component(service = ReactionRunner.class, configurationPid = Options.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = ReactionRunner.FORMAT + "=js")
public class JsRunner implements ReactionRunner {

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile NetPolicy netPolicy;

    private Options options;
    private JsEngine js;
    private DataStore store;
    private KillGuard guard;

    @Activate
    void activate(Map<String, Object> props) {
        options = ReactionService.options(props, logger);
        js = new JsEngine(options);
        store = new DataStore(options.dataDir());
        guard = new KillGuard(options.pidFloor(), new Libc());
    }

    @Deactivate
    void deactivate() {
        js.close();
    }

    @Override
    public void validate(String code) {
        js.validate(code);
    }

    @Override
    public String run(Reaction reaction, Event event, Duration limit) throws Exception {
        Helpers h = new Helpers(reaction, event, options, store, () -> netPolicy, guard,
                ReactionService.reactionLog(logger, reaction));
        return js.run(reaction, event, EventJson.forReaction(event), limit, h);
    }
}
