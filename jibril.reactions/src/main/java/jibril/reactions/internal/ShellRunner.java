package jibril.reactions.internal;

import java.time.Duration;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import jibril.core.api.Event;
import jibril.core.api.Reaction;
import jibril.core.api.ReactionRunner;

/** The {@code shell} reaction runner (see {@link ShellExec}). */
@Component(service = ReactionRunner.class, configurationPid = Options.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = ReactionRunner.FORMAT + "=shell")
public class ShellRunner implements ReactionRunner {

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    private ShellExec shell;

    @Activate
    void activate(Map<String, Object> props) {
        shell = new ShellExec(ReactionService.options(props, logger), new Libc());
    }

    @Override
    public void validate(String code) {
        if (code == null || code.isBlank()) {
            throw new IllegalArgumentException("a shell reaction needs code");
        }
    }

    @Override
    public String run(Reaction reaction, Event event, Duration limit) throws Exception {
        String out = shell.run(reaction, event.uuid(), EventJson.forReaction(event), limit);
        Helpers.Log log = ReactionService.reactionLog(logger, reaction);
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                log.log("info", line);
            }
        }
        return out;
    }
}
