package jibril.itest.churn;

import java.util.Hashtable;
import java.util.function.Supplier;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

import jibril.core.api.Printer;

/**
 * The activator of the throw-away printer bundles PrinterBundleChurnTest builds from these class files: registers a
 * {@link ChurnPrinter} named by the bundle's {@code Churn-Id} header, as a Printer and as a Supplier (a JDK type, so
 * the test can read what it got without sharing a class with it). The framework unregisters it at stop.
 */
public class ChurnActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        String id = context.getBundle().getHeaders().get("Churn-Id");
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(Printer.NAME, "churn-" + id);
        props.put("churn.id", id);
        context.registerService(new String[] { Printer.class.getName(), Supplier.class.getName() },
                new ChurnPrinter(), props);
    }

    @Override
    public void stop(BundleContext context) {
    }
}
